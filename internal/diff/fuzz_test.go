package diff

import (
	"bytes"
	"slices"
	"testing"
)

// maxFuzzInput bounds the size of each fuzzed text. Larger inputs find
// nothing new (TestLarge and TestBudget cover size), but when one brings
// new coverage the fuzzer spends up to a minute minimizing it, at a cost
// quadratic in its size, instead of fuzzing.
const maxFuzzInput = 512

// FuzzUnified checks that applying the hunks of a and b to a gives b, for
// several amounts of context, that Unified agrees on equality, and that
// the edit script of Lines, and the ones found under tight search limits,
// rebuild b.
func FuzzUnified(f *testing.F) {
	for _, tc := range unifiedCases {
		f.Add([]byte(tc.a), []byte(tc.b))
	}
	f.Add([]byte("a\nb\nc\n"), []byte("a\r\nb\nc"))
	f.Add([]byte("x\n\nx\n\n}\n"), []byte("\n}\nx\n\nx\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if len(a) > maxFuzzInput || len(b) > maxFuzzInput {
			return
		}
		for _, context := range []int{0, 1, 3} {
			hs := Hunks(a, b, context)
			got, err := Apply(a, hs)
			if err != nil {
				t.Fatalf("context %d: Apply: %v", context, err)
			}
			if !bytes.Equal(got, b) {
				t.Fatalf("context %d: Apply(a, Hunks(a, b)) = %q, want %q", context, got, b)
			}
			if (len(hs) == 0) != bytes.Equal(a, b) {
				t.Fatalf("context %d: %d hunks for equal=%v", context, len(hs), bytes.Equal(a, b))
			}
		}
		u := Unified("a", "b", a, b, 3)
		if (u == "") != bytes.Equal(a, b) {
			t.Fatalf("Unified = %q for equal=%v", u, bytes.Equal(a, b))
		}
		// The edit script on its own rebuilds b too.
		al, bl := SplitLines(a), SplitLines(b)
		var out []byte
		i := 0
		for _, e := range Lines(a, b) {
			if e.OldStart < i || e.OldEnd < e.OldStart || e.NewEnd < e.NewStart {
				t.Fatalf("bad edit %+v after line %d", e, i)
			}
			for _, l := range al[i:e.OldStart] {
				out = append(out, l...)
			}
			for _, l := range bl[e.NewStart:e.NewEnd] {
				out = append(out, l...)
			}
			i = e.OldEnd
		}
		for _, l := range al[i:] {
			out = append(out, l...)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("edits rebuild %q, want %q", out, b)
		}

		// The fallbacks used when the search gets too expensive.
		ids := map[string]int{}
		intern := func(lines [][]byte) []int {
			out := make([]int, len(lines))
			for i, l := range lines {
				if _, ok := ids[string(l)]; !ok {
					ids[string(l)] = len(ids)
				}
				out[i] = ids[string(l)]
			}
			return out
		}
		x, y := intern(al), intern(bl)
		for _, limits := range [][2]int{{1, 1 << 30}, {2, 1 << 30}, {1 << 30, 10}} {
			m := newMyers(x, y)
			m.costLimit, m.budget = limits[0], limits[1]
			var got []int
			i := 0
			for _, e := range m.run() {
				if e.OldStart < i || e.OldEnd < e.OldStart || e.NewEnd < e.NewStart || e.NewStart != len(got)+e.OldStart-i {
					t.Fatalf("limits %v: bad edit %+v after line %d", limits, e, i)
				}
				got = append(append(got, x[i:e.OldStart]...), y[e.NewStart:e.NewEnd]...)
				i = e.OldEnd
			}
			got = append(got, x[i:]...)
			if !slices.Equal(got, y) {
				t.Fatalf("limits %v: edits rebuild %v, want %v", limits, got, y)
			}
		}
	})
}
