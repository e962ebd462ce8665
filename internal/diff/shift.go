package diff

import "bytes"

// shiftBoundaries slides runs of changed lines over equal lines to a
// canonical position, the way GNU diff's shift_boundaries does, so that
// the output matches GNU diff and reads naturally: a run of inserted or
// deleted lines that could be placed at several positions (such as an
// inserted block surrounded by identical blank lines) is moved as far
// down as possible, merging with neighboring changes where it can, and
// then back up to line up with a change in the other text if there is one.
// Runs do not move into the first skipPre and last skipSuf lines, which
// must be equal in a and b (GNU diff does not look at the common prefix
// and suffix beyond its horizon). It returns the edit script rebuilt from
// the shifted runs.
func shiftBoundaries(a, b [][]byte, edits []Edit, skipPre, skipSuf int) []Edit {
	if len(edits) == 0 {
		return edits
	}
	// changed[f][i+1] tells whether line i of text f is changed; the
	// entries before the first and after the last line stay false.
	ca := make([]bool, len(a)+2)
	cb := make([]bool, len(b)+2)
	for _, e := range edits {
		for i := e.OldStart; i < e.OldEnd; i++ {
			ca[i+1] = true
		}
		for i := e.NewStart; i < e.NewEnd; i++ {
			cb[i+1] = true
		}
	}
	lo := skipPre + 1
	shiftRuns(a[skipPre:len(a)-skipSuf], ca[lo:], cb[lo:])
	shiftRuns(b[skipPre:len(b)-skipSuf], cb[lo:], ca[lo:])

	// Rebuild the edits: unchanged lines pair up in order.
	out := edits[:0]
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if !ca[i+1] && !cb[j+1] {
			i++
			j++
			continue
		}
		e := Edit{OldStart: i, NewStart: j}
		for ca[i+1] {
			i++
		}
		for cb[j+1] {
			j++
		}
		e.OldEnd, e.NewEnd = i, j
		out = append(out, e)
	}
	return out
}

// shiftRuns shifts the runs of changed lines of one text, lines, whose
// change flags are changed, given the change flags of the other text.
// The flags continue past the end of lines with at least one false entry.
func shiftRuns(lines [][]byte, changed, other []bool) {
	// at reads a flag at index -1 too: the line before, if any, is equal.
	at := func(flags []bool, i int) bool {
		if i < 0 {
			return false
		}
		return flags[i]
	}
	iEnd := len(lines)
	i, j := 0, 0
	for {
		// Find the start of the next run of changes, tracking the
		// corresponding point j in the other text.
		for i < iEnd && !changed[i] {
			for other[j] {
				j++
			}
			j++
			i++
		}
		if i == iEnd {
			break
		}
		start := i
		// Find the end of this run.
		for i++; changed[i]; i++ {
		}
		for other[j] {
			j++
		}

		var corresponding int
		for {
			runLength := i - start

			// Move the run back while the previous unchanged line matches
			// the last changed one, merging with previous runs.
			for start > 0 && bytes.Equal(lines[start-1], lines[i-1]) {
				start--
				changed[start] = true
				i--
				changed[i] = false
				for at(changed, start-1) {
					start--
				}
				for j--; at(other, j); j-- {
				}
			}

			// corresponding is the end of the run at the last point where
			// it lines up with a run of changes in the other text; iEnd
			// when there is none.
			corresponding = iEnd
			if at(other, j-1) {
				corresponding = i
			}

			// Move the run forward while its first line matches the next
			// unchanged one, merging with following runs; done second so
			// that a run without merges ends up as far down as possible.
			for i != iEnd && bytes.Equal(lines[start], lines[i]) {
				changed[start] = false
				start++
				changed[i] = true
				i++
				for changed[i] {
					i++
				}
				for j++; other[j]; j++ {
					corresponding = i
				}
			}
			if runLength == i-start {
				break
			}
		}

		// Move the fully merged run back to line up with a run of changes
		// in the other text, if possible.
		for corresponding < i {
			start--
			changed[start] = true
			i--
			changed[i] = false
			for j--; at(other, j); j-- {
			}
		}
	}
}
