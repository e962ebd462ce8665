package merge

import (
	"bytes"

	"github.com/goldenpath-dev/goldenpath/internal/diff"
)

// kind says how a chunk of the merge relates its three versions.
type kind uint8

const (
	stable     kind = iota // base, ours and theirs are equal
	oursOnly               // only ours changed it: theirs equals base
	theirsOnly             // only theirs changed it: ours equals base
	same                   // both changed it the same way: ours equals theirs
	conflict               // both changed it, differently
)

// chunk is one region of a 3-way merge: the lines [b0, b1) of base
// correspond to the lines [o0, o1) of ours and [t0, t1) of theirs. The
// chunks of a merge cover the three texts, in order and without gaps, so
// concatenating each version's ranges rebuilds that version.
type chunk struct {
	kind           kind
	b0, b1, o0, o1 int
	t0, t1         int
	// path is, for a conflict the structured merge found, the data paths
	// of the values it covers; see markConflicts.
	path string
}

// chunks computes the chunks of the 3-way merge of the lines a (base), o
// (ours) and t (theirs), given the edit scripts eo from a to o and et from
// a to t. Changes of the two sides whose base ranges overlap or touch are
// grouped into one chunk, which is a conflict unless both sides produced
// the same lines. When refine is set, the lines a conflict's two sides
// start or end with in common are split off into chunks of kind same.
func chunks(a, o, t [][]byte, eo, et []diff.Edit, refine bool) []chunk {
	cs := make([]chunk, 0, 2*(len(eo)+len(et))+1)
	i, j := 0, 0   // next edit of eo and et
	pos := 0       // base lines before pos are covered by chunks
	do, dt := 0, 0 // line offsets of ours and theirs relative to base, after the edits consumed
	for i < len(eo) || j < len(et) {
		var lo int
		if j == len(et) || i < len(eo) && eo[i].OldStart <= et[j].OldStart {
			lo = eo[i].OldStart
		} else {
			lo = et[j].OldStart
		}
		if lo > pos {
			cs = append(cs, chunk{kind: stable, b0: pos, b1: lo, o0: pos + do, o1: lo + do, t0: pos + dt, t1: lo + dt})
		}
		// Absorb every edit of either side that overlaps or touches the
		// block: edits of one side are separated by unchanged lines, so a
		// block only grows past one of them through the other side.
		hi := lo
		i0, j0 := i, j
		o0, t0 := lo+do, lo+dt
		for {
			grew := false
			if i < len(eo) && eo[i].OldStart <= hi {
				e := eo[i]
				hi = max(hi, e.OldEnd)
				do += (e.NewEnd - e.NewStart) - (e.OldEnd - e.OldStart)
				i++
				grew = true
			}
			if j < len(et) && et[j].OldStart <= hi {
				e := et[j]
				hi = max(hi, e.OldEnd)
				dt += (e.NewEnd - e.NewStart) - (e.OldEnd - e.OldStart)
				j++
				grew = true
			}
			if !grew {
				break
			}
		}
		c := chunk{b0: lo, b1: hi, o0: o0, o1: hi + do, t0: t0, t1: hi + dt}
		switch {
		case j == j0:
			c.kind = oursOnly
		case i == i0:
			c.kind = theirsOnly
		case equalLines(o[c.o0:c.o1], t[c.t0:c.t1]):
			c.kind = same
		default:
			c.kind = conflict
		}
		if c.kind == conflict && refine {
			cs = appendRefined(cs, o, t, c)
		} else {
			cs = append(cs, c)
		}
		pos = hi
	}
	if pos < len(a) {
		cs = append(cs, chunk{kind: stable, b0: pos, b1: len(a), o0: pos + do, o1: len(a) + do, t0: pos + dt, t1: len(a) + dt})
	}
	return cs
}

// appendRefined appends the conflict c to cs, after splitting off the lines
// its ours and theirs sides start and end with in common as chunks of kind
// same, with an empty base range. The conflict keeps the whole base range.
func appendRefined(cs []chunk, o, t [][]byte, c chunk) []chunk {
	n := min(c.o1-c.o0, c.t1-c.t0)
	p := 0
	for p < n && bytes.Equal(o[c.o0+p], t[c.t0+p]) {
		p++
	}
	s := 0
	for s < n-p && bytes.Equal(o[c.o1-1-s], t[c.t1-1-s]) {
		s++
	}
	if p > 0 {
		cs = append(cs, chunk{kind: same, b0: c.b0, b1: c.b0, o0: c.o0, o1: c.o0 + p, t0: c.t0, t1: c.t0 + p})
	}
	cs = append(cs, chunk{kind: conflict, b0: c.b0, b1: c.b1, o0: c.o0 + p, o1: c.o1 - s, t0: c.t0 + p, t1: c.t1 - s, path: c.path})
	if s > 0 {
		cs = append(cs, chunk{kind: same, b0: c.b1, b1: c.b1, o0: c.o1 - s, o1: c.o1, t0: c.t1 - s, t1: c.t1})
	}
	return cs
}

func equalLines(x, y [][]byte) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !bytes.Equal(x[i], y[i]) {
			return false
		}
	}
	return true
}

// Conflict markers, as written by git and GNU diff3.
const (
	markerOurs   = "<<<<<<<"
	markerBase   = "|||||||"
	markerSep    = "======="
	markerTheirs = ">>>>>>>"
)

// render writes the merge described by cs and returns the merged text and
// its conflicts.
func render(a, o, t [][]byte, cs []chunk, opts *Options, size int) ([]byte, []Conflict) {
	oursLabel, baseLabel, theirsLabel := opts.labels()
	out := make([]byte, 0, size)
	var conflicts []Conflict
	nlines := 0 // complete lines in out
	write := func(lines [][]byte) {
		for _, l := range lines {
			out = append(out, l...)
		}
		nlines += len(lines)
	}
	for _, c := range cs {
		switch c.kind {
		case stable:
			write(a[c.b0:c.b1])
		case oursOnly, same:
			write(o[c.o0:c.o1])
		case theirsOnly:
			write(t[c.t0:c.t1])
		case conflict:
			eol := markerEOL(a, o, t, c)
			if len(out) > 0 && out[len(out)-1] != '\n' {
				// Only the last line of a text lacks a newline, so no
				// text precedes a conflict without one; but if it did,
				// the marker must still start a line.
				out = append(out, eol...)
			}
			cf := Conflict{
				Line:   nlines + 1,
				Base:   join(a[c.b0:c.b1]),
				Ours:   join(o[c.o0:c.o1]),
				Theirs: join(t[c.t0:c.t1]),
				Path:   c.path,
			}
			conflicts = append(conflicts, cf)
			section := func(marker, label string, text []byte, lines int) {
				out = append(out, marker...)
				out = append(out, ' ')
				out = append(out, label...)
				out = append(out, eol...)
				out = append(out, text...)
				nlines += 1 + lines
				if len(text) > 0 && text[len(text)-1] != '\n' {
					out = append(out, eol...)
				}
			}
			section(markerOurs, oursLabel, cf.Ours, c.o1-c.o0)
			if opts != nil && opts.Diff3 {
				section(markerBase, baseLabel, cf.Base, c.b1-c.b0)
			}
			out = append(out, markerSep...)
			out = append(out, eol...)
			out = append(out, cf.Theirs...)
			if len(cf.Theirs) > 0 && cf.Theirs[len(cf.Theirs)-1] != '\n' {
				out = append(out, eol...)
			}
			out = append(out, markerTheirs...)
			out = append(out, ' ')
			out = append(out, theirsLabel...)
			out = append(out, eol...)
			nlines += 2 + c.t1 - c.t0
		}
	}
	return out, conflicts
}

// markerEOL returns the line ending of the markers of the conflict c:
// "\r\n" when the lines that decide it end in "\r\n", that is, for each of
// ours, theirs and base, the line before the conflict or else the first
// line; "\n" when any of them ends in a bare "\n" or none ends in a
// newline at all. Git chooses the same way.
func markerEOL(a, o, t [][]byte, c chunk) string {
	crlf := false
	for _, ref := range [][]byte{refLine(o, c.o0), refLine(t, c.t0), refLine(a, c.b0)} {
		switch {
		case bytes.HasSuffix(ref, []byte("\r\n")):
			crlf = true
		case bytes.HasSuffix(ref, []byte("\n")):
			return "\n"
		}
	}
	if crlf {
		return "\r\n"
	}
	return "\n"
}

// refLine returns the line before line i of lines, or the first line when
// i is 0, or nil when there are no lines.
func refLine(lines [][]byte, i int) []byte {
	switch {
	case i > 0:
		return lines[i-1]
	case len(lines) > 0:
		return lines[0]
	}
	return nil
}

// join concatenates lines into a new slice; it returns nil for no lines.
func join(lines [][]byte) []byte {
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	if n == 0 {
		return nil
	}
	b := make([]byte, 0, n)
	for _, l := range lines {
		b = append(b, l...)
	}
	return b
}

// lineMerge is a line merge: the split texts and the chunks of their
// merge.
type lineMerge struct {
	a, o, t [][]byte
	cs      []chunk
	size    int // the length of the longer of ours and theirs
}

// splitMerge splits the texts and computes the chunks of their merge.
func splitMerge(base, ours, theirs []byte, opts *Options) *lineMerge {
	a, o, t := diff.SplitLines(base), diff.SplitLines(ours), diff.SplitLines(theirs)
	eo, et := diff.Lines(base, ours), diff.Lines(base, theirs)
	return &lineMerge{a, o, t, chunks(a, o, t, eo, et, opts == nil || !opts.Diff3), max(len(ours), len(theirs))}
}

// result renders the merge with the chunks cs.
func (lm *lineMerge) result(cs []chunk, opts *Options) *Result {
	merged, conflicts := render(lm.a, lm.o, lm.t, cs, opts, lm.size)
	return &Result{Merged: merged, Conflicts: conflicts}
}

// mergeLines is Lines on split texts.
func mergeLines(base, ours, theirs []byte, opts *Options) *Result {
	lm := splitMerge(base, ours, theirs, opts)
	return lm.result(lm.cs, opts)
}
