package merge

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/internal/diff"
	"github.com/stretchr/testify/require"
)

// Number of random cases of the property tests.
const (
	uniqueCases    = 20000
	duplicateCases = 10000
)

// side is a random edit script applied to a base of n lines: del[i] deletes
// base line i and ins[g] is inserted in gap g, before base line g (gap n
// is the end). A replacement is a deletion next to an insertion.
type side struct {
	del []bool
	ins [][]string
}

// randomSide returns a random edit script for a base of n lines whose
// inserted lines are prefix followed by a number, unique in the case.
func randomSide(rng *rand.Rand, n int, prefix string, next *int) side {
	s := side{del: make([]bool, n), ins: make([][]string, n+1)}
	density := rng.Float64() * 0.4
	if rng.IntN(5) == 0 {
		density = 0 // an unchanged side now and then
	}
	for g := 0; g <= n; g++ {
		if rng.Float64() < density {
			for range 1 + rng.IntN(3) {
				s.ins[g] = append(s.ins[g], fmt.Sprintf("%s%d", prefix, *next))
				*next++
			}
		}
		if g < n && rng.Float64() < density {
			s.del[g] = true
		}
	}
	return s
}

// model is a random case of the property test: a base of unique lines and
// two edit scripts of it, from which the result of the merge is derived
// independently of Lines, using that with unique lines the diffs of the
// merge are exactly the edit scripts.
type model struct {
	base         []string
	ours, theirs side
	eol          string
}

func (m *model) text(lines []string) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString(m.eol)
	}
	return b.Bytes()
}

// apply returns the lines of base [lo, hi) as s edits them, including the
// lines s inserts in the gaps lo to hi.
func (m *model) apply(s side, lo, hi int) []string {
	var out []string
	for g := lo; g <= hi; g++ {
		out = append(out, s.ins[g]...)
		if g < hi && !s.del[g] {
			out = append(out, m.base[g])
		}
	}
	return out
}

// edits returns the changes of s as closed intervals [s, e] of base
// positions: the base lines [s, e) are replaced, and the gaps s to e
// receive the insertions. Between two kept lines there is one edit if
// anything changed, as a diff reports it.
func (m *model) edits(s side) [][2]int {
	var out [][2]int
	prev := -1 // last kept line
	for k := 0; k <= len(m.base); k++ {
		if k < len(m.base) && s.del[k] {
			continue
		}
		changed := k > prev+1
		for g := prev + 1; g <= k && !changed; g++ {
			changed = len(s.ins[g]) > 0
		}
		if changed {
			out = append(out, [2]int{prev + 1, k})
		}
		prev = k
	}
	return out
}

// block is a group of changes whose intervals intersect: the base lines
// [lo, hi), changed by ours, theirs or both.
type block struct {
	lo, hi       int
	ours, theirs bool
}

// blocks groups the edits of both sides into the connected components of
// the graph where edits of different sides are linked when their closed
// intervals intersect, the definition of overlapping or touching changes.
func (m *model) blocks() []block {
	type edit struct {
		iv   [2]int
		ours bool
	}
	var es []edit
	for _, iv := range m.edits(m.ours) {
		es = append(es, edit{iv, true})
	}
	for _, iv := range m.edits(m.theirs) {
		es = append(es, edit{iv, false})
	}
	parent := make([]int, len(es))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	for i := range es {
		for j := range es {
			if es[i].ours != es[j].ours && es[i].iv[0] <= es[j].iv[1] && es[j].iv[0] <= es[i].iv[1] {
				parent[find(i)] = find(j)
			}
		}
	}
	groups := map[int]*block{}
	for i, e := range es {
		r := find(i)
		b, ok := groups[r]
		if !ok {
			b = &block{lo: e.iv[0], hi: e.iv[1]}
			groups[r] = b
		}
		b.lo, b.hi = min(b.lo, e.iv[0]), max(b.hi, e.iv[1])
		b.ours = b.ours || e.ours
		b.theirs = b.theirs || !e.ours
	}
	var out []block
	for _, b := range groups {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(x, y block) int { return x.lo - y.lo })
	return out
}

// expect returns the merged text and conflicts Lines must produce, and the
// texts that resolving every conflict by ours and by theirs must give.
func (m *model) expect(opts *Options) (merged string, conflicts []Conflict, resolvedOurs, resolvedTheirs string) {
	var out, ro, rt []string
	emit := func(ls []string) {
		out = append(out, ls...)
		ro = append(ro, ls...)
		rt = append(rt, ls...)
	}
	pos := 0
	for _, b := range m.blocks() {
		emit(m.base[pos:b.lo])
		pos = b.hi
		o, t := m.apply(m.ours, b.lo, b.hi), m.apply(m.theirs, b.lo, b.hi)
		switch {
		case !b.theirs:
			emit(o)
			continue
		case !b.ours:
			emit(t)
			continue
		case slices.Equal(o, t):
			emit(o)
			continue
		}
		ro = append(ro, o...)
		rt = append(rt, t...)
		p, s := 0, 0
		if !opts.Diff3 {
			for p < min(len(o), len(t)) && o[p] == t[p] {
				p++
			}
			for s < min(len(o), len(t))-p && o[len(o)-1-s] == t[len(t)-1-s] {
				s++
			}
		}
		out = append(out, o[:p]...)
		c := Conflict{
			Line: len(out) + 1,
			Base: nilIfEmpty(m.text(m.base[b.lo:b.hi])), Ours: nilIfEmpty(m.text(o[p : len(o)-s])), Theirs: nilIfEmpty(m.text(t[p : len(t)-s])),
		}
		conflicts = append(conflicts, c)
		out = append(out, "<<<<<<< ours")
		out = append(out, o[p:len(o)-s]...)
		if opts.Diff3 {
			out = append(out, "||||||| base")
			out = append(out, m.base[b.lo:b.hi]...)
		}
		out = append(out, "=======")
		out = append(out, t[p:len(t)-s]...)
		out = append(out, ">>>>>>> theirs")
		out = append(out, o[len(o)-s:]...)
	}
	emit(m.base[pos:])
	return string(m.text(out)), conflicts, string(m.text(ro)), string(m.text(rt))
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func randomModel(rng *rand.Rand) *model {
	m := &model{eol: "\n"}
	if rng.IntN(8) == 0 {
		m.eol = "\r\n"
	}
	n := rng.IntN(25)
	for i := range n {
		m.base = append(m.base, fmt.Sprintf("b%d", i))
	}
	next := 0
	m.ours = randomSide(rng, n, "o", &next)
	m.theirs = randomSide(rng, n, "t", &next)
	// Now and then theirs inserts some of the lines ours inserts, so that
	// conflicts have common lines to take out and false conflicts occur.
	for g, ins := range m.ours.ins {
		if len(ins) == 0 || rng.IntN(3) != 0 {
			continue
		}
		switch rng.IntN(3) {
		case 0:
			m.theirs.ins[g] = slices.Concat(ins, m.theirs.ins[g])
		case 1:
			m.theirs.ins[g] = slices.Concat(m.theirs.ins[g], ins)
		default:
			m.theirs.ins[g] = slices.Clone(ins)
		}
	}
	return m
}

// TestPropertyUnique merges random edits of a base of unique lines and
// checks the result against the model, then checks the invariants the
// package promises one by one:
//
//  1. a clean merge has every line either side inserted, in order, and
//     none either side deleted; when no changes of the two sides overlap
//     or touch, it is clean and equals applying both edit scripts;
//  2. every change of theirs (an inserted or deleted line) is in the
//     merged text outside the conflicts, or in a conflict, and so is
//     every change of ours;
//  3. merging x with x, base with x, and x with base all give x, clean;
//  4. the conflict markers are well formed, and resolving every conflict
//     by ours (or theirs) gives base with every change outside the
//     conflicts applied and that side's lines in the conflicts.
func TestPropertyUnique(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range uniqueCases {
		m := randomModel(rng)
		opts := &Options{Diff3: rng.IntN(2) == 0}
		if err := checkModel(m, opts); err != nil {
			t.Fatalf("case %d (diff3 %v): %v\nbase   %q\nours   %q\ntheirs %q", i, opts.Diff3, err,
				m.text(m.base), m.text(m.apply(m.ours, 0, len(m.base))), m.text(m.apply(m.theirs, 0, len(m.base))))
		}
	}
}

func checkModel(m *model, opts *Options) error {
	n := len(m.base)
	base := m.text(m.base)
	oursLines, theirsLines := m.apply(m.ours, 0, n), m.apply(m.theirs, 0, n)
	ours, theirs := m.text(oursLines), m.text(theirsLines)
	r := Lines(base, ours, theirs, opts)

	// The model.
	merged, conflicts, ro, rt := m.expect(opts)
	if string(r.Merged) != merged {
		return fmt.Errorf("merged %q, want %q", r.Merged, merged)
	}
	if !equalConflicts(r.Conflicts, conflicts) {
		return fmt.Errorf("conflicts %+v, want %+v", r.Conflicts, conflicts)
	}
	if err := checkChunks(base, ours, theirs, !opts.Diff3); err != nil {
		return err
	}

	// 4. Markers and resolutions.
	gotRO, err := resolveErr(r, opts, pickOurs)
	if err != nil {
		return err
	}
	gotRT, err := resolveErr(r, opts, pickTheirs)
	if err != nil {
		return err
	}
	if string(gotRO) != ro || string(gotRT) != rt {
		return fmt.Errorf("resolved to ours %q and theirs %q, want %q and %q", gotRO, gotRT, ro, rt)
	}

	// The merged lines outside the conflicts, and the lines of each
	// conflict's regions.
	outside, _ := resolveErr(r, opts, func(Conflict) []byte { return nil })
	outsideLines := strings.Split(strings.TrimSuffix(string(outside), m.eol), m.eol)
	inConflict := func(get pick, line string) bool {
		for _, c := range r.Conflicts {
			if slices.Contains(strings.Split(string(get(c)), m.eol), line) {
				return true
			}
		}
		return false
	}

	// 2. No change is lost.
	for _, sd := range []struct {
		name string
		s    side
		get  pick
	}{{"ours", m.ours, pickOurs}, {"theirs", m.theirs, pickTheirs}} {
		for g := range sd.s.ins {
			for _, l := range sd.s.ins[g] {
				if !slices.Contains(outsideLines, l) && !inConflict(sd.get, l) {
					return fmt.Errorf("line %s inserted by %s is lost", l, sd.name)
				}
			}
		}
		for i, d := range sd.s.del {
			if d && slices.Contains(outsideLines, m.base[i]) {
				return fmt.Errorf("line %s deleted by %s is kept outside the conflicts", m.base[i], sd.name)
			}
		}
	}

	// 1. Clean merges.
	disjoint := true
	for _, b := range m.blocks() {
		disjoint = disjoint && !(b.ours && b.theirs)
	}
	if disjoint && !r.Clean() {
		return fmt.Errorf("disjoint changes conflict")
	}
	if r.Clean() {
		mergedLines := strings.Split(strings.TrimSuffix(string(r.Merged), m.eol), m.eol)
		for _, sideLines := range [][]string{oursLines, theirsLines} {
			if !isSubsequence(sideLines, mergedLines, func(l string) bool { return l[0] != 'b' }) {
				return fmt.Errorf("clean merge lacks or reorders inserted lines")
			}
		}
		for _, sd := range []side{m.ours, m.theirs} {
			for i, d := range sd.del {
				if d && slices.Contains(mergedLines, m.base[i]) {
					return fmt.Errorf("clean merge keeps deleted line %s", m.base[i])
				}
			}
		}
		if disjoint {
			var both []string
			for g := 0; g <= n; g++ {
				both = append(both, m.ours.ins[g]...)
				both = append(both, m.theirs.ins[g]...)
				if g < n && !m.ours.del[g] && !m.theirs.del[g] {
					both = append(both, m.base[g])
				}
			}
			if want := m.text(both); !bytes.Equal(r.Merged, want) {
				return fmt.Errorf("disjoint merge %q, want both applied: %q", r.Merged, want)
			}
		}
	}

	// 3. Identities.
	return checkIdentities(base, ours, theirs, opts)
}

// checkIdentities checks invariant 3 for x = ours and x = theirs.
func checkIdentities(base, ours, theirs []byte, opts *Options) error {
	for _, x := range [][]byte{ours, theirs} {
		for _, pair := range [][2][]byte{{x, x}, {base, x}, {x, base}} {
			r := Lines(base, pair[0], pair[1], opts)
			if !r.Clean() || !bytes.Equal(r.Merged, x) {
				return fmt.Errorf("merge(base, %q, %q) = %q with %d conflicts, want %q clean",
					pair[0], pair[1], r.Merged, len(r.Conflicts), x)
			}
		}
	}
	return nil
}

// isSubsequence reports whether the elements of sub that keep selects
// appear in seq in the same order.
func isSubsequence(sub, seq []string, keep func(string) bool) bool {
	j := 0
	for _, s := range sub {
		if !keep(s) {
			continue
		}
		for j < len(seq) && seq[j] != s {
			j++
		}
		if j == len(seq) {
			return false
		}
		j++
	}
	return true
}

func equalConflicts(x, y []Conflict) bool {
	return slices.EqualFunc(x, y, func(a, b Conflict) bool {
		return a.Line == b.Line && a.Path == b.Path &&
			bytes.Equal(a.Base, b.Base) && bytes.Equal(a.Ours, b.Ours) && bytes.Equal(a.Theirs, b.Theirs)
	})
}

// randomText returns a text of lines drawn from a small alphabet, so that
// lines repeat and diffs have many equally short alignments, with random
// line endings and sometimes no final newline.
func randomText(rng *rand.Rand, n int) []byte {
	alphabet := []string{"a", "b", "c", "{", "}", "", "x"}
	var b []byte
	for range n {
		b = append(b, alphabet[rng.IntN(len(alphabet))]...)
		if rng.IntN(10) == 0 {
			b = append(b, '\r')
		}
		b = append(b, '\n')
	}
	if len(b) > 0 && rng.IntN(4) == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// mutate applies random line edits to text.
func mutate(rng *rand.Rand, text []byte) []byte {
	ls := strings.SplitAfter(string(text), "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	for range rng.IntN(5) {
		i := rng.IntN(len(ls) + 1)
		ins := strings.SplitAfter(string(randomText(rng, rng.IntN(3))), "\n")
		switch op := rng.IntN(3); {
		case op == 0 || i == len(ls): // insert
			ls = slices.Insert(ls, i, ins...)
		case op == 1: // delete
			ls = slices.Delete(ls, i, min(len(ls), i+1+rng.IntN(3)))
		default: // replace
			ls = slices.Replace(ls, i, i+1, ins...)
		}
	}
	return []byte(strings.Join(ls, ""))
}

// TestPropertyDuplicates merges random edits of texts whose lines repeat,
// end in "\n" or "\r\n", and may lack a final newline. The diffs have
// many possible alignments there, so the checks are those that hold
// whatever the alignment: the chunks of the merge rebuild base, ours and
// theirs exactly and each chunk takes a side only where the other equals
// base (so no change is lost), the markers are well formed, and
// invariant 3.
func TestPropertyDuplicates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range duplicateCases {
		base := randomText(rng, rng.IntN(15))
		ours, theirs := mutate(rng, base), mutate(rng, base)
		opts := &Options{Diff3: rng.IntN(2) == 0}
		err := checkAnyLines(base, ours, theirs, opts)
		require.NoError(t, err, "case %d: base %q ours %q theirs %q diff3 %v", i, base, ours, theirs, opts.Diff3)
	}
}

// checkAnyLines checks the invariants of Lines that hold for any input:
// the chunks are true to the texts (see checkChunks), the merged text is
// made of them, with well-formed markers around the conflicts, and
// invariant 3.
func checkAnyLines(base, ours, theirs []byte, opts *Options) error {
	if err := checkChunks(base, ours, theirs, !opts.Diff3); err != nil {
		return err
	}
	r := Lines(base, ours, theirs, opts)
	if err := checkMerged(base, ours, theirs, opts, r); err != nil {
		return err
	}
	return checkIdentities(base, ours, theirs, opts)
}

// checkMerged checks that r is the rendering of the chunks of the merge:
// it has one conflict per conflict chunk, and resolving every conflict by
// ours (or theirs) gives the chunks' text with that side taken in the
// conflicts.
func checkMerged(base, ours, theirs []byte, opts *Options, r *Result) error {
	a, o, t := diff.SplitLines(base), diff.SplitLines(ours), diff.SplitLines(theirs)
	cs := chunks(a, o, t, diff.Lines(base, ours), diff.Lines(base, theirs), !opts.Diff3)
	n := 0
	for _, c := range cs {
		if c.kind == conflict {
			n++
		}
	}
	if len(r.Conflicts) != n {
		return fmt.Errorf("%d conflicts for %d conflict chunks", len(r.Conflicts), n)
	}
	for _, side := range []byte{'o', 't'} {
		var want []byte
		for _, c := range cs {
			var ls [][]byte
			switch {
			case c.kind == stable:
				ls = a[c.b0:c.b1]
			case c.kind == oursOnly || c.kind == same || c.kind == conflict && side == 'o':
				ls = o[c.o0:c.o1]
			default:
				ls = t[c.t0:c.t1]
			}
			for _, l := range ls {
				want = append(want, l...)
			}
		}
		p := pickOurs
		if side == 't' {
			p = pickTheirs
		}
		got, err := resolveErr(r, opts, p)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("resolved by %c to %q, want %q", side, got, want)
		}
	}
	return nil
}

// layoutCases is the number of random cases of TestPropertyLayout.
const layoutCases = 10000

// layout is how a team writes a YAML or JSON file.
type layout struct {
	indent    string // one step: "  ", "    " or, in JSON, "\t"
	crlf      bool   // "\r\n" line endings
	blanks    []int  // lines (0-based) given trailing blanks
	noFinalNL bool   // no newline after the last line
}

// encodeLayout writes the document m (keys sorted; values are int,
// string, []any of scalars or map[string]any) in format f and layout l.
func encodeLayout(f format, m map[string]any, l layout) []byte {
	var b strings.Builder
	var write func(m map[string]any, depth int)
	scalar := func(v any) string {
		if s, ok := v.(string); ok {
			if f == formatJSON {
				return `"` + s + `"`
			}
			return s
		}
		return fmt.Sprint(v)
	}
	pad := func(depth int) string { return strings.Repeat(l.indent, depth) }
	write = func(m map[string]any, depth int) {
		keys := slices.Sorted(maps.Keys(m))
		for i, k := range keys {
			comma := ""
			if f == formatJSON && i < len(keys)-1 {
				comma = ","
			}
			switch v := m[k].(type) {
			case map[string]any:
				if f == formatJSON {
					b.WriteString(pad(depth) + `"` + k + `": {` + "\n")
					write(v, depth+1)
					b.WriteString(pad(depth) + "}" + comma + "\n")
				} else if len(v) == 0 {
					b.WriteString(pad(depth) + k + ": {}\n")
				} else {
					b.WriteString(pad(depth) + k + ":\n")
					write(v, depth+1)
				}
			case []any:
				if f == formatJSON {
					b.WriteString(pad(depth) + `"` + k + `": [` + "\n")
					for j, x := range v {
						c := ","
						if j == len(v)-1 {
							c = ""
						}
						b.WriteString(pad(depth+1) + scalar(x) + c + "\n")
					}
					b.WriteString(pad(depth) + "]" + comma + "\n")
				} else if len(v) == 0 {
					b.WriteString(pad(depth) + k + ": []\n")
				} else {
					b.WriteString(pad(depth) + k + ":\n")
					for _, x := range v {
						b.WriteString(pad(depth+1) + "- " + scalar(x) + "\n")
					}
				}
			default:
				if f == formatJSON {
					b.WriteString(pad(depth) + `"` + k + `": ` + scalar(v) + comma + "\n")
				} else {
					b.WriteString(pad(depth) + k + ": " + scalar(v) + "\n")
				}
			}
		}
	}
	if f == formatJSON {
		b.WriteString("{\n")
		write(m, 1)
		b.WriteString("}\n")
	} else {
		write(m, 0)
	}
	ls := strings.SplitAfter(b.String(), "\n")
	ls = ls[:len(ls)-1]
	for _, i := range l.blanks {
		if i < len(ls) {
			ls[i] = strings.TrimSuffix(ls[i], "\n") + " \t \n"
		}
	}
	out := strings.Join(ls, "")
	if l.crlf {
		out = strings.ReplaceAll(out, "\n", "\r\n")
	}
	if l.noFinalNL {
		out = strings.TrimRight(out, "\r\n")
	}
	return []byte(out)
}

// layoutDoc returns a random document for TestPropertyLayout: nested
// mappings, lists and scalars, each value unique.
func layoutDoc(rng *rand.Rand, depth int, next *int) map[string]any {
	m := map[string]any{}
	for i := range 1 + rng.IntN(5) {
		k := fmt.Sprintf("k%d", i)
		*next++
		switch r := rng.IntN(6); {
		case r == 0 && depth > 0:
			m[k] = layoutDoc(rng, depth-1, next)
		case r == 1:
			var l []any
			for range 1 + rng.IntN(4) {
				*next++
				l = append(l, fmt.Sprintf("item%d", *next))
			}
			m[k] = l
		default:
			m[k] = *next
		}
	}
	return m
}

// layoutEdit edits the document m in place as one side: values changed,
// keys added and deleted, list items deleted (ours) or added (theirs).
// touched collects the paths the side changed.
func layoutEdit(rng *rand.Rand, m map[string]any, ours bool, p string, next *int, touched map[string]bool) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		kp := p + "." + k
		if kp == ".name" {
			continue // every document keeps one key
		}
		switch v := m[k].(type) {
		case map[string]any:
			if rng.IntN(3) == 0 {
				layoutEdit(rng, v, ours, kp, next, touched)
			}
			continue
		case []any:
			if rng.IntN(4) != 0 {
				continue
			}
			*next++
			if ours && len(v) > 1 {
				i := rng.IntN(len(v))
				m[k] = slices.Delete(slices.Clone(v), i, i+1)
			} else {
				i := rng.IntN(len(v) + 1)
				m[k] = slices.Insert(slices.Clone(v), i, any(fmt.Sprintf("new%d", *next)))
			}
			touched[kp] = true
			continue
		}
		switch rng.IntN(8) {
		case 0:
			*next++
			m[k] = *next
			touched[kp] = true
		case 1:
			delete(m, k)
			touched[kp] = true
		}
	}
	if rng.IntN(4) == 0 {
		*next++
		k := fmt.Sprintf("n%d", *next)
		m[k] = *next
		touched[p+"."+k] = true
	}
}

// cloneDoc deep-copies a document of layoutDoc.
func cloneDoc(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			v = cloneDoc(x)
		case []any:
			v = slices.Clone(x)
		}
		c[k] = v
	}
	return c
}

// applyEdits returns base with the changes of the edited version side
// applied to dst at the paths side touched.
func applyEdits(dst, side map[string]any, touched map[string]bool, p string) {
	for k, v := range side {
		kp := p + "." + k
		if touched[kp] {
			dst[k] = v
			continue
		}
		if sub, ok := v.(map[string]any); ok {
			if d, ok := dst[k].(map[string]any); ok {
				applyEdits(d, sub, touched, kp)
			}
		}
	}
	for k := range dst {
		if _, ok := side[k]; !ok && touched[p+"."+k] {
			delete(dst, k)
		}
	}
}

// samePaths reports whether every value of the document want at a path
// that touched does not name, nor a parent of, is the same in got; if
// not, it returns the path.
func samePaths(want, got any, touched map[string]bool, p string) (string, bool) {
	if touched[p] {
		return "", true
	}
	wm, ok := want.(map[string]any)
	if !ok {
		return p, reflect.DeepEqual(want, got)
	}
	gm, ok := got.(map[string]any)
	if !ok {
		return p, false
	}
	for k, v := range wm {
		kp := p + "." + k
		if touched[kp] {
			continue
		}
		if q, ok := samePaths(v, gm[k], touched, kp); !ok {
			return q, false
		}
	}
	return "", true
}

// TestPropertyLayout merges random YAML and JSON documents edited on
// both sides, where the project (ours) also has its own layout: "\r\n"
// line endings, tabs (JSON) or four spaces (YAML) for indentation,
// trailing blanks, no final newline. The platform (theirs) changes values,
// adds and deletes keys and adds list items; the project changes values,
// adds and deletes keys and deletes list items. Whatever File returns:
//
//  1. a clean result parses, and where the two sides changed different
//     paths, its value has both sides' changes; a result with conflicts
//     has every conflict marked, and taking either side of every conflict
//     gives a document that parses;
//  2. a clean result is in the project's layout: its final newline, its
//     line endings, its indentation step, and its trailing blanks on every
//     line the platform did not change;
//  3. after a conflict, the project's side of every conflict taken, the
//     next version (a second upgrade) merges without losing any value the
//     project has that the next version did not change.
func TestPropertyLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	clean, structuredClean, spurious, seconds := 0, 0, 0, 0
	for i := range layoutCases {
		f, name := formatYAML, "values.yaml"
		if i%2 == 1 {
			f, name = formatJSON, "values.json"
		}
		next := 0
		base := layoutDoc(rng, 2, &next)
		base["name"] = "orders"
		ours, theirs := cloneDoc(base), cloneDoc(base)
		to, tt := map[string]bool{}, map[string]bool{}
		layoutEdit(rng, ours, true, "", &next, to)
		layoutEdit(rng, theirs, false, "", &next, tt)
		overlap := false
		for p := range to {
			for q := range tt {
				overlap = overlap || p == q || strings.HasPrefix(p, q+".") || strings.HasPrefix(q, p+".")
			}
		}
		platform := layout{indent: "  "}
		team := layout{indent: "  "}
		if rng.IntN(2) == 0 {
			team.indent = "    "
			if f == formatJSON && rng.IntN(2) == 0 {
				team.indent = "\t"
			}
		}
		team.crlf = rng.IntN(3) == 0
		team.noFinalNL = rng.IntN(4) == 0
		for range rng.IntN(4) {
			team.blanks = append(team.blanks, rng.IntN(12))
		}
		bt, ot, tt2 := encodeLayout(f, base, platform), encodeLayout(f, ours, team), encodeLayout(f, theirs, platform)
		r := File(name, bt, ot, tt2, &Options{Diff3: i%3 == 0})
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("case %d: %s\nbase:\n%s\nours:\n%q\ntheirs:\n%s\nmerged:\n%q", i, fmt.Sprintf(format, args...), bt, ot, tt2, r.Merged)
		}
		if !r.Clean() {
			if err := checkMarked(f, r, &Options{Diff3: i%3 == 0}, true); err != nil {
				fail("%v", err)
			}
			if !overlap {
				spurious++
			}
			// 3. The team keeps its side of every conflict, and the next
			// version merges into that without losing any of it.
			resolved, err := resolveErr(r, &Options{Diff3: i%3 == 0}, pickOurs)
			if err != nil {
				fail("%v", err)
			}
			kept, _ := parsedValue(f, resolved)
			theirs2, tt3 := cloneDoc(theirs), map[string]bool{}
			layoutEdit(rng, theirs2, false, "", &next, tt3)
			t3 := encodeLayout(f, theirs2, platform)
			r2 := File(name, tt2, resolved, t3, nil)
			seconds++
			if !r2.Clean() {
				if err := checkMarked(f, r2, nil, true); err != nil {
					fail("second merge: %v", err)
				}
				continue
			}
			got2, ok := parsedValue(f, r2.Merged)
			if !ok {
				fail("second merge does not parse:\n%s", r2.Merged)
			}
			if p, ok := samePaths(kept, got2, tt3, ""); !ok {
				fail("second merge: the team's value at %s lost:\n%s", p, r2.Merged)
			}
			continue
		}
		clean++
		if r.Structured {
			structuredClean++
		}
		got, ok := parsedValue(f, r.Merged)
		if !ok {
			fail("clean merge does not parse")
		}
		if !overlap {
			want := cloneDoc(base)
			applyEdits(want, ours, to, "")
			applyEdits(want, theirs, tt, "")
			wantValue, _ := parsedValue(f, encodeLayout(f, want, platform))
			if !reflect.DeepEqual(got, wantValue) {
				fail("value %v, want %v", got, wantValue)
			}
		}
		if bytes.Equal(ot, bt) || bytes.Equal(tt2, bt) {
			continue // one side as it is
		}
		if bytes.HasSuffix(ot, []byte("\n")) != bytes.HasSuffix(r.Merged, []byte("\n")) {
			fail("final newline not kept")
		}
		if oc, ol := lineEndings(ot); oc+ol == 0 {
			// One line without an ending: the team has no line endings.
		} else if crlf, lf := lineEndings(r.Merged); team.crlf && lf > 0 || !team.crlf && crlf > 0 {
			fail("line endings not kept: %d CRLF, %d LF", crlf, lf)
		}
		theirLines := map[string]bool{}
		for l := range bytes.Lines(tt2) {
			theirLines[string(bytes.TrimSpace(l))] = true
		}
		merged := append([]byte("\n"), r.Merged...)
		for l := range bytes.Lines(ot) {
			bare := bytes.TrimRight(l, " \t\r\n")
			if !bytes.HasSuffix(bytes.TrimRight(l, "\r\n"), []byte("\t ")) || !theirLines[string(bytes.TrimSpace(l))] ||
				len(bytes.Trim(bare, "{}[], \t")) == 0 {
				// Not blanks, or a line the platform changed, or brackets,
				// which repeat: which of them a line of the merge is cannot
				// be told from its text.
				continue
			}
			// The line is in the merge, at its indentation, but without
			// its blanks.
			at := slices.Concat([]byte("\n"), bare, []byte("\n"))
			atCRLF := slices.Concat([]byte("\n"), bare, []byte("\r\n"))
			if (bytes.Contains(merged, at) || bytes.Contains(merged, atCRLF)) && !bytes.Contains(merged, l) {
				fail("trailing blanks of %q lost", l)
			}
		}
		for l := range bytes.Lines(r.Merged) {
			ws := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
			if len(ws) > 0 && (team.indent == "\t") != (ws[0] == '\t') {
				fail("indentation %q, the team's is %q", ws, team.indent)
			}
		}
	}
	// Changes of different paths may still conflict: changed lines next to
	// each other where the structured merge cannot keep the layout.
	t.Logf("%d cases: %d clean (%d by structure), %d conflicts of changes to different paths, %d merged again after a conflict", layoutCases, clean, structuredClean, spurious, seconds)
}
