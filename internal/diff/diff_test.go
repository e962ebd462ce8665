package diff

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unifiedCases were checked against the output of GNU diff -U context.
var unifiedCases = []struct {
	name    string
	a, b    string
	context int
	want    string
}{
	{name: "empty", a: "", b: "", context: 3,
		want: ""},
	{name: "identical", a: "a\nb\n", b: "a\nb\n", context: 3,
		want: ""},
	{name: "from empty", a: "", b: "a\nb\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -0,0 +1,2 @@\n" +
			"+a\n" +
			"+b\n"},
	{name: "to empty", a: "a\nb\n", b: "", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,2 +0,0 @@\n" +
			"-a\n" +
			"-b\n"},
	{name: "insert at start", a: "b\nc\nd\n", b: "a\nb\nc\nd\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,3 +1,4 @@\n" +
			"+a\n" +
			" b\n" +
			" c\n" +
			" d\n"},
	{name: "insert in middle", a: "a\nb\nd\ne\n", b: "a\nb\nc\nd\ne\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,4 +1,5 @@\n" +
			" a\n" +
			" b\n" +
			"+c\n" +
			" d\n" +
			" e\n"},
	{name: "insert at end", a: "a\nb\n", b: "a\nb\nc\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,2 +1,3 @@\n" +
			" a\n" +
			" b\n" +
			"+c\n"},
	{name: "delete", a: "a\nb\nc\nd\ne\n", b: "a\nb\nd\ne\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,5 +1,4 @@\n" +
			" a\n" +
			" b\n" +
			"-c\n" +
			" d\n" +
			" e\n"},
	{name: "replace", a: "a\nb\nc\n", b: "a\nB\nc\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,3 +1,3 @@\n" +
			" a\n" +
			"-b\n" +
			"+B\n" +
			" c\n"},
	{name: "replace block", a: "a\nb\nc\nd\ne\n", b: "a\nX\nY\nZ\ne\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,5 +1,5 @@\n" +
			" a\n" +
			"-b\n" +
			"-c\n" +
			"-d\n" +
			"+X\n" +
			"+Y\n" +
			"+Z\n" +
			" e\n"},
	{name: "no newline at end of old", a: "a\nb", b: "a\nb\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,2 +1,2 @@\n" +
			" a\n" +
			"-b\n" +
			"\\ No newline at end of file\n" +
			"+b\n"},
	{name: "no newline at end of new", a: "a\nb\n", b: "a\nb", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,2 +1,2 @@\n" +
			" a\n" +
			"-b\n" +
			"+b\n" +
			"\\ No newline at end of file\n"},
	{name: "no newline at end of both", a: "a\nb", b: "a\nc", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,2 +1,2 @@\n" +
			" a\n" +
			"-b\n" +
			"\\ No newline at end of file\n" +
			"+c\n" +
			"\\ No newline at end of file\n"},
	{name: "no newline in context", a: "a\nb\nc", b: "A\nb\nc", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,3 +1,3 @@\n" +
			"-a\n" +
			"+A\n" +
			" b\n" +
			" c\n" +
			"\\ No newline at end of file\n"},
	{name: "single line without newline", a: "a", b: "b", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1 +1 @@\n" +
			"-a\n" +
			"\\ No newline at end of file\n" +
			"+b\n" +
			"\\ No newline at end of file\n"},
	{name: "merged hunks context 3", a: "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\nl12\nl13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n", b: "l1\nl2\nx3\nl4\nl5\nl6\nl7\nl8\nl9\nx10\nl11\nl12\nl13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,13 +1,13 @@\n" +
			" l1\n" +
			" l2\n" +
			"-l3\n" +
			"+x3\n" +
			" l4\n" +
			" l5\n" +
			" l6\n" +
			" l7\n" +
			" l8\n" +
			" l9\n" +
			"-l10\n" +
			"+x10\n" +
			" l11\n" +
			" l12\n" +
			" l13\n"},
	{name: "separate hunks context 3", a: "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\nl12\nl13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n", b: "l1\nl2\nx3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nx11\nl12\nl13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,6 +1,6 @@\n" +
			" l1\n" +
			" l2\n" +
			"-l3\n" +
			"+x3\n" +
			" l4\n" +
			" l5\n" +
			" l6\n" +
			"@@ -8,7 +8,7 @@\n" +
			" l8\n" +
			" l9\n" +
			" l10\n" +
			"-l11\n" +
			"+x11\n" +
			" l12\n" +
			" l13\n" +
			" l14\n"},
	{name: "context 0", a: "a\nb\nc\nd\ne\n", b: "a\nB\nc\nd\nd2\ne\n", context: 0,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -2 +2 @@\n" +
			"-b\n" +
			"+B\n" +
			"@@ -4,0 +5 @@\n" +
			"+d2\n"},
	{name: "context 0 delete and insert at ends", a: "a\nb\nc\n", b: "b\nc\nd\n", context: 0,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1 +0,0 @@\n" +
			"-a\n" +
			"@@ -3,0 +3 @@\n" +
			"+d\n"},
	{name: "context 0 insert at start", a: "b\n", b: "a\nb\n", context: 0,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -0,0 +1 @@\n" +
			"+a\n"},
	{name: "context 1", a: "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\nl12\nl13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n", b: "l1\nl2\nl3\nl4\nx5\nl6\nl7\nx8\nl9\nl10\nl11\nl12\nl13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n", context: 1,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -4,6 +4,6 @@\n" +
			" l4\n" +
			"-l5\n" +
			"+x5\n" +
			" l6\n" +
			" l7\n" +
			"-l8\n" +
			"+x8\n" +
			" l9\n"},
	{name: "crlf", a: "a\r\nb\r\nc\r\n", b: "a\r\nB\r\nc\r\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,3 +1,3 @@\n" +
			" a\r\n" +
			"-b\r\n" +
			"+B\r\n" +
			" c\r\n"},
	{name: "crlf to lf", a: "a\r\nb\r\n", b: "a\nb\r\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,2 +1,2 @@\n" +
			"-a\r\n" +
			"+a\n" +
			" b\r\n"},
	{name: "blank line insertion", a: "a\n\nb\n", b: "a\n\nnew\n\nb\n", context: 3,
		want: "--- old\n" +
			"+++ new\n" +
			"@@ -1,3 +1,5 @@\n" +
			" a\n" +
			" \n" +
			"+new\n" +
			"+\n" +
			" b\n"},
}

func TestUnified(t *testing.T) {
	for _, tc := range unifiedCases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := []byte(tc.a), []byte(tc.b)
			assert.Equal(t, tc.want, Unified("old", "new", a, b, tc.context))
			checkHunks(t, a, b, tc.context)
			checkEdits(t, a, b)
		})
	}
}

// checkHunks checks that the hunks of a and b apply to a to give b, that
// their headers are consistent and that they are separated as documented.
func checkHunks(t *testing.T, a, b []byte, context int) []Hunk {
	t.Helper()
	hs := Hunks(a, b, context)
	got, err := Apply(a, hs)
	require.NoError(t, err)
	require.Equal(t, string(b), string(got))
	if bytes.Equal(a, b) {
		require.Empty(t, hs)
	}
	for i, h := range hs {
		var old, new, changes int
		for _, l := range h.Lines {
			switch l.Kind {
			case Context:
				old++
				new++
			case Delete:
				old++
				changes++
			case Insert:
				new++
				changes++
			}
		}
		require.Equal(t, h.OldLines, old, "hunk %d", i)
		require.Equal(t, h.NewLines, new, "hunk %d", i)
		require.NotZero(t, changes, "hunk %d has no change", i)
		// No more than context lines of context at either end.
		lead := 0
		for lead < len(h.Lines) && h.Lines[lead].Kind == Context {
			lead++
		}
		trail := 0
		for trail < len(h.Lines) && h.Lines[len(h.Lines)-1-trail].Kind == Context {
			trail++
		}
		require.LessOrEqual(t, lead, max(context, 0), "hunk %d", i)
		require.LessOrEqual(t, trail, max(context, 0), "hunk %d", i)
		if i > 0 {
			// Separate hunks: their contexts would neither overlap nor touch.
			p := hs[i-1]
			prevEnd := p.OldStart + p.OldLines // 1-based line after the hunk
			if p.OldLines == 0 {
				prevEnd = p.OldStart + 1
			}
			start := h.OldStart
			if h.OldLines == 0 {
				start++
			}
			gap := (start + lead) - (prevEnd - trailing(p))
			require.Greater(t, gap, 2*max(context, 0), "hunks %d and %d", i-1, i)
		}
	}
	return hs
}

func trailing(h Hunk) int {
	n := 0
	for n < len(h.Lines) && h.Lines[len(h.Lines)-1-n].Kind == Context {
		n++
	}
	return n
}

// checkEdits checks the invariants documented on Lines and that the edits
// turn a into b.
func checkEdits(t *testing.T, a, b []byte) []Edit {
	t.Helper()
	edits := Lines(a, b)
	require.Equal(t, string(b), string(applyEdits(t, a, b, edits)))
	return edits
}

// applyEdits rebuilds b from a and the edits, checking that the lines
// outside the edits are equal in a and b.
func applyEdits(t *testing.T, a, b []byte, edits []Edit) []byte {
	t.Helper()
	al, bl := SplitLines(a), SplitLines(b)
	var out []byte
	i, j := 0, 0
	for k, e := range edits {
		require.True(t, e.OldStart < e.OldEnd || e.NewStart < e.NewEnd, "edit %d is empty", k)
		require.Equal(t, e.OldStart-i, e.NewStart-j, "edit %d: unequal gap", k)
		if k > 0 {
			require.Greater(t, e.OldStart, i, "edit %d touches the previous one", k)
		}
		for ; i < e.OldStart; i, j = i+1, j+1 {
			require.Equal(t, string(al[i]), string(bl[j]), "line %d", i)
			out = append(out, al[i]...)
		}
		for _, l := range bl[e.NewStart:e.NewEnd] {
			out = append(out, l...)
		}
		i, j = e.OldEnd, e.NewEnd
	}
	require.Equal(t, len(al)-i, len(bl)-j, "unequal tail")
	for ; i < len(al); i, j = i+1, j+1 {
		require.Equal(t, string(al[i]), string(bl[j]), "line %d", i)
		out = append(out, al[i]...)
	}
	return out
}

func TestSplitLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\n", []string{"\n"}},
		{"a", []string{"a"}},
		{"a\n", []string{"a\n"}},
		{"a\nb", []string{"a\n", "b"}},
		{"a\r\nb\r\n", []string{"a\r\n", "b\r\n"}},
		{"\n\n", []string{"\n", "\n"}},
	}
	for _, tc := range tests {
		var got []string
		for _, l := range SplitLines([]byte(tc.in)) {
			got = append(got, string(l))
		}
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want []Edit
	}{
		{"empty", "", "", nil},
		{"identical", "a\nb\n", "a\nb\n", nil},
		{"insert into empty", "", "a\n", []Edit{{0, 0, 0, 1}}},
		{"delete all", "a\nb\n", "", []Edit{{0, 2, 0, 0}}},
		{"insert at start", "b\n", "a\nb\n", []Edit{{0, 0, 0, 1}}},
		{"insert in middle", "a\nc\n", "a\nb\nc\n", []Edit{{1, 1, 1, 2}}},
		{"insert at end", "a\n", "a\nb\n", []Edit{{1, 1, 1, 2}}},
		{"delete", "a\nb\nc\n", "a\nc\n", []Edit{{1, 2, 1, 1}}},
		{"replace", "a\nb\nc\n", "a\nx\nc\n", []Edit{{1, 2, 1, 2}}},
		{"two changes", "a\nb\nc\nd\n", "x\nb\nc\ny\n", []Edit{{0, 1, 0, 1}, {3, 4, 3, 4}}},
		{"newline added", "a\nb", "a\nb\n", []Edit{{1, 2, 1, 2}}},
		{"newline removed", "a\nb\n", "a\nb", []Edit{{1, 2, 1, 2}}},
		{"crlf", "a\r\nb\r\n", "a\nb\r\n", []Edit{{0, 1, 0, 1}}},
		// Runs of repeated lines: the change goes as far down as possible.
		{"repeated insert", "a\na\n", "a\na\na\n", []Edit{{2, 2, 2, 3}}},
		{"repeated delete", "x\nx\nx\ny\n", "x\nx\ny\n", []Edit{{2, 3, 2, 2}}},
		{"block between blank lines", "a\n\nb\n", "a\n\nnew\n\nb\n", []Edit{{2, 2, 2, 4}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Lines([]byte(tc.a), []byte(tc.b)))
			checkEdits(t, []byte(tc.a), []byte(tc.b))
		})
	}
}

func TestHunks(t *testing.T) {
	a := "one\ntwo\nthree\nfour\nfive\n"
	b := "one\n2\nthree\nfour\nfive\nsix"
	hs := Hunks([]byte(a), []byte(b), 1)
	want := []Hunk{
		{OldStart: 1, OldLines: 3, NewStart: 1, NewLines: 3, Lines: []Line{
			{Context, "one\n"}, {Delete, "two\n"}, {Insert, "2\n"}, {Context, "three\n"},
		}},
		{OldStart: 5, OldLines: 1, NewStart: 5, NewLines: 2, Lines: []Line{
			{Context, "five\n"}, {Insert, "six"},
		}},
	}
	require.Equal(t, want, hs)
	assert.Equal(t, "@@ -1,3 +1,3 @@", hs[0].Header())
	assert.Equal(t, "@@ -5 +5,2 @@\n five\n+six\n\\ No newline at end of file\n", hs[1].String())

	// With context 2 the two changes share a hunk.
	require.Len(t, Hunks([]byte(a), []byte(b), 2), 1)
	// A negative context is 0.
	assert.Equal(t, Hunks([]byte(a), []byte(b), 0), Hunks([]byte(a), []byte(b), -1))
	assert.Nil(t, Hunks([]byte(a), []byte(a), 3))
}

func TestHeader(t *testing.T) {
	tests := []struct {
		h    Hunk
		want string
	}{
		{Hunk{OldStart: 0, OldLines: 0, NewStart: 1, NewLines: 2}, "@@ -0,0 +1,2 @@"},
		{Hunk{OldStart: 3, OldLines: 1, NewStart: 2, NewLines: 0}, "@@ -3 +2,0 @@"},
		{Hunk{OldStart: 10, OldLines: 7, NewStart: 12, NewLines: 1}, "@@ -10,7 +12 @@"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.h.Header())
	}
}

func TestApplyErrors(t *testing.T) {
	a := []byte("a\nb\nc\nd\n")
	good := Hunks(a, []byte("a\nB\nc\nd\n"), 1)
	require.Len(t, good, 1)

	clone := func(f func(h *Hunk)) []Hunk {
		h := good[0]
		h.Lines = append([]Line(nil), h.Lines...)
		f(&h)
		return []Hunk{h}
	}
	tests := []struct {
		name  string
		hunks []Hunk
	}{
		{"context mismatch", clone(func(h *Hunk) { h.Lines[0].Text = "x\n" })},
		{"deleted line mismatch", clone(func(h *Hunk) { h.Lines[1].Text = "x\n" })},
		{"wrong old start", clone(func(h *Hunk) { h.OldStart = 2 })},
		{"old start past end", clone(func(h *Hunk) { h.OldStart = 9 })},
		{"wrong new start", clone(func(h *Hunk) { h.NewStart = 2 })},
		{"wrong old count", clone(func(h *Hunk) { h.OldLines = 4 })},
		{"wrong new count", clone(func(h *Hunk) { h.NewLines = 2 })},
		{"negative count", clone(func(h *Hunk) { h.OldLines = -1 })},
		{"unknown kind", clone(func(h *Hunk) { h.Lines[2].Kind = '?' })},
		{"line without newline in the middle", clone(func(h *Hunk) { h.Lines[2].Text = "B" })},
		{"out of order", append(Hunks(a, []byte("a\nb\nc\nD\n"), 0), Hunks(a, []byte("A\nb\nc\nd\n"), 0)...)},
		{"overlapping", append(append([]Hunk(nil), good...), good...)},
		{"text after a line without newline", []Hunk{{OldStart: 3, OldLines: 0, NewStart: 4, NewLines: 1, Lines: []Line{{Insert, "x"}}}}},
		{"insertion after a line without newline", []Hunk{{OldStart: 2, OldLines: 1, NewStart: 2, NewLines: 2, Lines: []Line{{Delete, "b\n"}, {Insert, "x"}, {Insert, "y\n"}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Apply(a, tc.hunks)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrMismatch), "%v", err)
			t.Log(err)
		})
	}

	got, err := Apply(a, nil)
	require.NoError(t, err)
	assert.Equal(t, string(a), string(got))
}

func TestIsBinary(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"empty", nil, false},
		{"text", []byte("hello\nworld\n"), false},
		{"utf-8", []byte("héllo wörld ✓\n"), false},
		{"crlf", []byte("a\r\nb\r\n"), false},
		{"nul", []byte("a\x00b"), true},
		{"invalid utf-8", []byte("caf\xe9\n"), true},
		{"nul after 8000 bytes", append(bytes.Repeat([]byte("a"), 8000), 0), false},
		{"nul at byte 8000", append(bytes.Repeat([]byte("a"), 7999), 0), true},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, IsBinary(tc.data), tc.name)
	}
}

func TestUnifiedBinary(t *testing.T) {
	bin := []byte("\x00\x01\x02")
	assert.Equal(t, "Binary files a.bin and b.bin differ\n", Unified("a.bin", "b.bin", bin, []byte("text\n"), 3))
	assert.Equal(t, "Binary files a.bin and b.bin differ\n", Unified("a.bin", "b.bin", []byte("text\n"), []byte("caf\xe9\n"), 3))
	assert.Equal(t, "", Unified("a.bin", "b.bin", bin, bin, 3))
}

// lines returns n numbered lines, "line 1\n" and so on.
func lines(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("line %d\n", i+1)
	}
	return out
}

func TestLarge(t *testing.T) {
	const n = 20000
	a := lines(n)
	b := append([]string(nil), a...)
	b[10] = "changed\n"
	b = append(b[:5000], append([]string{"inserted 1\n", "inserted 2\n"}, b[5000:]...)...)
	b = append(b[:12000], b[12010:]...)
	b[len(b)-1] = "last"
	ab, bb := []byte(strings.Join(a, "")), []byte(strings.Join(b, ""))

	edits := checkEdits(t, ab, bb)
	assert.Len(t, edits, 4)
	hs := checkHunks(t, ab, bb, 3)
	assert.Len(t, hs, 4)

	// Completely different texts of the same size: a single replacement.
	c := make([]string, n)
	for i := range c {
		c[i] = fmt.Sprintf("other %d\n", i)
	}
	cb := []byte(strings.Join(c, ""))
	assert.Equal(t, []Edit{{0, n, 0, n}}, checkEdits(t, ab, cb))

	// Many scattered changes.
	d := append([]string(nil), a...)
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		d[r.IntN(n)] = fmt.Sprintf("random %d\n", r.Int())
	}
	checkHunks(t, ab, []byte(strings.Join(d, "")), 3)

	// Lines that repeat a lot.
	e := bytes.Repeat([]byte("x\n\n}\n"), n/3)
	f := bytes.Repeat([]byte("x\n}\n\n"), n/3)
	checkHunks(t, e, f, 3)
}

// TestBudget forces the search limits that keep the worst case linear:
// results stay correct edit scripts, only no longer minimal.
func TestBudget(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		x, y := randomIDs(r, 200, 4), randomIDs(r, 200, 4)
		for _, limits := range []struct{ cost, budget int }{{1, 1 << 30}, {3, 1 << 30}, {1 << 30, 0}, {1 << 30, 50}, {2, 300}} {
			m := newMyers(x, y)
			m.costLimit, m.budget = limits.cost, limits.budget
			edits := m.run()
			require.Equal(t, y, applyIDs(t, x, y, edits), "case %d, limits %+v", i, limits)
		}
	}
}

// TestMinimal compares the number of changed lines with the edit distance
// computed by dynamic programming.
func TestMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 2000 {
		x, y := randomIDs(r, 1+r.IntN(30), 1+r.IntN(5)), randomIDs(r, 1+r.IntN(30), 1+r.IntN(5))
		edits := newMyers(x, y).run()
		require.Equal(t, y, applyIDs(t, x, y, edits), "case %d", i)
		cost := 0
		for _, e := range edits {
			cost += (e.OldEnd - e.OldStart) + (e.NewEnd - e.NewStart)
		}
		require.Equal(t, editDistance(x, y), cost, "case %d: %v %v", i, x, y)
	}
}

func randomIDs(r *rand.Rand, n, alphabet int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = r.IntN(alphabet)
	}
	return out
}

// applyIDs applies edits computed on id sequences, checking the equal parts.
func applyIDs(t *testing.T, x, y []int, edits []Edit) []int {
	t.Helper()
	var out []int
	i := 0
	for _, e := range edits {
		require.GreaterOrEqual(t, e.OldStart, i)
		out = append(out, x[i:e.OldStart]...)
		require.Equal(t, len(out), e.NewStart)
		out = append(out, y[e.NewStart:e.NewEnd]...)
		i = e.OldEnd
	}
	return append(out, x[i:]...)
}

// editDistance is the number of inserted and deleted elements of a
// shortest edit script, by dynamic programming.
func editDistance(x, y []int) int {
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			if x[i-1] == y[j-1] {
				cur[j] = prev[j-1]
			} else {
				cur[j] = 1 + min(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}
