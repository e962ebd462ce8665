package merge

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxPaths is how many data paths a marked conflict names at most.
const maxPaths = 10

// maxWiden is how many levels of parent entries markConflicts tries
// before marking the whole file.
const maxWiden = 4

// span is a run of chunks of a line merge, lo to hi inclusive, to be
// written as one conflict, and the data paths of the structured conflicts
// it holds.
type span struct {
	lo, hi int
	paths  []string
}

// markConflicts writes the merge of a YAML or JSON file whose line merge
// did not give the structured merge's document (it conflicts, does not
// parse, or parses to another value) and whose structured merge has
// conflicts or could not be written in ours' layout. The result is the
// line merge with every conflict marked as text: the line merge's own
// conflicts, and for each conflict of the structured merge, the lines of
// the entry holding the conflicting value in base, ours and theirs, and
// whatever the line merge aligned with them, as one conflict whose Path is
// the value's data path. Resolving every conflict by ours, or by theirs,
// must give a text that parses; where it does not, the regions grow to the
// entries of the parent mappings, a few levels up, and then to the whole
// file, which always does. So a file is never left unparsable with its
// conflicts unmarked. When the line merge's conflicts alone pass that
// test, they are the result, named after the structured conflicts whose
// entries they touch.
func markConflicts(f format, lm *lineMerge, st *structState, opts *Options) *Result {
	if len(lm.cs) == 0 {
		return lm.result(lm.cs, opts)
	}
	depth := 0
	for _, ks := range st.keys {
		depth = max(depth, len(ks))
	}
	var lspans []span // the line merge's own conflicts
	for i, c := range lm.cs {
		if c.kind == conflict {
			lspans = append(lspans, span{lo: i, hi: i})
		}
	}
	idx := keyIndex{}
	// sspans returns the spans of the structured conflicts' entries, up
	// levels above the conflicting values.
	sspans := func(up int) []span {
		out := make([]span, 0, len(st.keys))
		for k, ks := range st.keys {
			sp, ok := lm.locate(st.docs, ks[:max(0, len(ks)-up)], idx)
			if !ok {
				sp = span{lo: 0, hi: len(lm.cs) - 1}
			}
			sp.paths = []string{st.conflicts[k].Path}
			out = append(out, sp)
		}
		return out
	}
	done := func(cs []chunk) *Result {
		r := lm.result(cs, opts)
		r.Structured = true
		return r
	}
	s0 := sspans(0)
	// The line merge's own conflicts first, named after the structured
	// conflicts whose entries they touch: when taking either side of them
	// gives a document, they are enough, and the rest stays merged.
	if len(lspans) > 0 {
		named := make([]span, len(lspans))
		for j, l := range lspans {
			named[j] = l
			for _, sp := range s0 {
				if sp.lo <= l.lo && l.lo <= sp.hi {
					named[j].paths = append(named[j].paths, sp.paths...)
				}
			}
		}
		if cs, ok := lm.marked(f, named, opts); ok {
			return done(cs)
		}
	}
	// Then the entries of the conflicting values, and of their parents,
	// a few levels up.
	for up := 0; up <= min(depth, maxWiden); up++ {
		spans := s0
		if up > 0 {
			spans = sspans(up)
		}
		spans = append(slices.Clone(lspans), spans...)
		if len(spans) == 0 {
			break
		}
		if cs, ok := lm.marked(f, spans, opts); ok {
			return done(cs)
		}
	}
	// The whole file, which resolves to ours or theirs.
	var paths []string
	for _, c := range st.conflicts {
		paths = append(paths, c.Path)
	}
	cs, _ := lm.marked(f, []span{{lo: 0, hi: len(lm.cs) - 1, paths: paths}}, opts)
	r := lm.result(cs, opts)
	r.Structured = true
	return r
}

// locate returns the chunks that hold the entry at the key path ks in
// whichever of base, ours and theirs has it; false when none has it or its
// lines are unknown.
func (lm *lineMerge) locate(docs [3]*yaml.Node, ks []string, idx keyIndex) (span, bool) {
	sp := span{lo: -1}
	n := [3]int{len(lm.a), len(lm.o), len(lm.t)}
	for side, doc := range docs {
		s, e, found, ok := entryLines(doc, ks, n[side], idx)
		if !ok {
			return span{}, false
		}
		if !found {
			continue
		}
		for j, c := range lm.cs {
			x0, x1 := c.lines(side)
			if x0 < e && s < x1 {
				if sp.lo < 0 || j < sp.lo {
					sp.lo = j
				}
				sp.hi = max(sp.hi, j)
			}
		}
	}
	if sp.lo < 0 {
		return sp, false
	}
	// Lines the three versions have in common at either end of the span
	// need not be in the conflict.
	for sp.lo < sp.hi && lm.cs[sp.lo].kind == stable {
		sp.lo++
	}
	for sp.hi > sp.lo && lm.cs[sp.hi].kind == stable {
		sp.hi--
	}
	return sp, true
}

// lines returns the range of the chunk's lines in base (side 0), ours (1)
// or theirs (2).
func (c chunk) lines(side int) (int, int) {
	switch side {
	case 0:
		return c.b0, c.b1
	case 1:
		return c.o0, c.o1
	}
	return c.t0, c.t1
}

// entryLines returns the lines [s, e) (0-based) of the entry at the key
// path ks in doc, a text of n lines: from the key's line, or its head
// comment's, to the line before the next entry of its mapping, or to the
// end of the parent entry. The empty path is the whole text. found is
// false when doc has no such entry, ok false when its lines are unknown.
func entryLines(doc *yaml.Node, ks []string, n int, idx keyIndex) (s, e int, found, ok bool) {
	node := doc.Content[0]
	s, e = 0, n
	for _, id := range ks {
		if node.Kind != yaml.MappingNode {
			return 0, 0, false, true
		}
		i, in := idx.of(node)[id]
		if !in || i+1 >= len(node.Content) {
			return 0, 0, false, true
		}
		k := node.Content[i]
		if k.Line == 0 {
			return 0, 0, false, false
		}
		ns := min(max(startLine(k)-1, s), e-1)
		ne := e
		if i+2 < len(node.Content) && node.Content[i+2].Line > 0 {
			ne = min(max(startLine(node.Content[i+2])-1, ns+1), e)
		}
		s, e = ns, ne
		node = node.Content[i+1]
	}
	return s, e, true, true
}

// keyIndex holds, for the mappings looked into, the index in Content of
// each key, by keyID.
type keyIndex map[*yaml.Node]map[string]int

func (x keyIndex) of(m *yaml.Node) map[string]int {
	if ids, ok := x[m]; ok {
		return ids
	}
	ids := make(map[string]int, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		ids[keyID(m.Content[i])] = i
	}
	x[m] = ids
	return ids
}

// startLine is the 1-based line where the entry of the key k starts: its
// head comment's first line, or its own.
func startLine(k *yaml.Node) int {
	if k.HeadComment == "" {
		return k.Line
	}
	return max(1, k.Line-strings.Count(k.HeadComment, "\n")-1)
}

// marked returns the chunks of the line merge with each span made one
// conflict (spans that overlap are joined), and whether the result holds
// every span as a conflict and resolves, by ours and by theirs, to texts
// that parse.
func (lm *lineMerge) marked(f format, spans []span, opts *Options) ([]chunk, bool) {
	slices.SortFunc(spans, func(x, y span) int { return x.lo - y.lo })
	joined := spans[:1]
	for _, sp := range spans[1:] {
		last := &joined[len(joined)-1]
		if sp.lo <= last.hi {
			last.hi = max(last.hi, sp.hi)
			last.paths = append(last.paths, sp.paths...)
			continue
		}
		joined = append(joined, sp)
	}
	refine := opts == nil || !opts.Diff3
	var cs []chunk
	ok := true
	next := 0
	for _, sp := range joined {
		cs = append(cs, lm.cs[next:sp.lo]...)
		first, last := lm.cs[sp.lo], lm.cs[sp.hi]
		c := chunk{kind: conflict, b0: first.b0, b1: last.b1, o0: first.o0, o1: last.o1, t0: first.t0, t1: last.t1}
		var paths []string
		seen := map[string]bool{}
		for _, p := range sp.paths {
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
		if len(paths) > maxPaths {
			paths = append(paths[:maxPaths], fmt.Sprintf("and %d more", len(paths)-maxPaths))
		}
		c.path = strings.Join(paths, ", ")
		if equalLines(lm.o[c.o0:c.o1], lm.t[c.t0:c.t1]) {
			// The lines cannot show the conflict.
			ok = false
			c.kind = same
		}
		if c.kind == conflict && refine {
			cs = appendRefined(cs, lm.o, lm.t, c)
		} else {
			cs = append(cs, c)
		}
		next = sp.hi + 1
	}
	cs = append(cs, lm.cs[next:]...)
	if !ok {
		return cs, false
	}
	for _, side := range []kind{oursOnly, theirsOnly} {
		var b []byte
		for _, c := range cs {
			var ls [][]byte
			switch {
			case c.kind == stable:
				ls = lm.a[c.b0:c.b1]
			case c.kind == oursOnly || c.kind == same || c.kind == conflict && side == oursOnly:
				ls = lm.o[c.o0:c.o1]
			default:
				ls = lm.t[c.t0:c.t1]
			}
			for _, l := range ls {
				b = append(b, l...)
			}
		}
		if _, err := parse(f, b); err != nil {
			return cs, false
		}
	}
	return cs, true
}
