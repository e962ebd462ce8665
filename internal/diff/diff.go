// Package diff computes line-oriented differences between two texts.
//
// It is used to show what changed between a rendered file and the file on
// disk, and is the base of the 3-way merge. The building blocks are:
//
//   - [Lines] returns the edit script between two texts as a list of
//     [Edit]s, each replacing a run of old lines by a run of new lines.
//   - [Hunks] groups the edits into [Hunk]s with surrounding context lines,
//     the structured form of a unified diff, so callers can store
//     individual hunks.
//   - [Unified] prints the hunks in the unified format of GNU diff -u.
//   - [Apply] applies hunks to the old text, checking every context and
//     deleted line, which is what a later merge needs.
//   - [IsBinary] tells whether data should be treated as binary.
//
// A line is a run of bytes ending in "\n" and keeps that "\n" (so "\r\n"
// line endings are preserved as part of the line); the last line of a text
// may lack it, and then differs from the same line with a newline, as in
// GNU diff.
//
// The algorithm is Myers' O(ND) difference algorithm in linear space, after
// stripping the common prefix and suffix. The result is a minimal edit
// script unless the inputs are both large and very different: the search
// for each split point is capped at a number of edit steps, after which the
// best split found so far is used (as GNU diff does), and the total work is
// capped at a budget proportional to the input size, after which the
// remaining unresolved regions are reported as a whole replacement. The
// worst case is thus linear in the input size times a constant budget, in
// time and memory, never quadratic.
package diff

import "bytes"

// Edit is one change of an edit script: the old lines [OldStart, OldEnd)
// are replaced by the new lines [NewStart, NewEnd). Line indices are
// 0-based and count lines as split by [SplitLines]. An empty old range is a
// pure insertion before old line OldStart; an empty new range is a pure
// deletion.
type Edit struct {
	OldStart, OldEnd int
	NewStart, NewEnd int
}

// Lines returns the edit script that turns a into b, at line granularity.
//
// The edits are sorted, never empty, and separated by at least one line
// that is equal in a and b: between two consecutive edits e and f,
// a[e.OldEnd:f.OldStart] equals b[e.NewEnd:f.NewStart], and so do the
// lines before the first edit and after the last one. A deletion directly
// followed by an insertion is a single Edit. Lines returns nil when a and b
// have the same lines.
//
// Among the shortest edit scripts, Lines picks the one GNU diff --minimal
// does: where a run of inserted or deleted lines could be placed at
// several positions, as an inserted block between two identical blank
// lines, it goes as far down as it can unless it can line up with a change
// on the other side.
func Lines(a, b []byte) []Edit {
	return lineEdits(SplitLines(a), SplitLines(b), -1)
}

// SplitLines splits data into lines, each keeping its terminating "\n";
// the last line lacks it when data does not end in "\n". It returns nil
// for empty data. The lines alias data.
func SplitLines(data []byte) [][]byte {
	if len(data) == 0 {
		return nil
	}
	lines := make([][]byte, 0, bytes.Count(data, []byte{'\n'})+1)
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:i+1:i+1])
		data = data[i+1:]
	}
	return lines
}

// lineEdits computes the edit script between two lists of lines. Changes
// are slid to their canonical position (see shiftBoundaries) but no further
// than horizon lines into the common prefix and suffix of a and b, unless
// horizon is negative; GNU diff uses the number of context lines.
func lineEdits(fullA, fullB [][]byte, horizon int) []Edit {
	a, b := fullA, fullB
	// Strip the common prefix and suffix: cheap, and usually most of it.
	pre := 0
	for pre < len(a) && pre < len(b) && bytes.Equal(a[pre], b[pre]) {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && bytes.Equal(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	a, b = a[pre:len(a)-suf], b[pre:len(b)-suf]
	skipPre, skipSuf := 0, 0
	if horizon >= 0 {
		skipPre, skipSuf = max(pre-horizon, 0), max(suf-horizon, 0)
	}
	switch {
	case len(a) == 0 && len(b) == 0:
		return nil
	case len(a) == 0 || len(b) == 0:
		return shiftBoundaries(fullA, fullB, []Edit{{pre, pre + len(a), pre, pre + len(b)}}, skipPre, skipSuf)
	}

	// Number the distinct lines so that the search compares integers.
	ids := make(map[string]int, len(a)+len(b))
	intern := func(lines [][]byte) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[string(l)]
			if !ok {
				id = len(ids)
				ids[string(l)] = id
			}
			out[i] = id
		}
		return out
	}
	x := intern(a)
	inA := len(ids) // ids below inA are lines of a
	y := intern(b)
	shared := false
	for _, id := range y {
		if id < inA {
			shared = true
			break
		}
	}
	if !shared {
		// No line in common: the only edit script is a replacement.
		return shiftBoundaries(fullA, fullB, []Edit{{pre, pre + len(a), pre, pre + len(b)}}, skipPre, skipSuf)
	}

	edits := newMyers(x, y).run()
	for i := range edits {
		edits[i].OldStart += pre
		edits[i].OldEnd += pre
		edits[i].NewStart += pre
		edits[i].NewEnd += pre
	}
	return shiftBoundaries(fullA, fullB, edits, skipPre, skipSuf)
}
