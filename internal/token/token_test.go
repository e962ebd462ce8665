package token

import (
	"slices"
	"strings"
	"testing"
)

func TestIndexes(t *testing.T) {
	for _, c := range []struct {
		text, value string
		want        []int
	}{
		{"tier: dev", "dev", []int{6}},
		{"(dev) dev-tools", "dev", []int{1, 6}},
		{"(devtools)", "dev", nil},
		{"2>/dev/null", "dev", nil},
		{"acme.dev/tier", "dev", nil},
		{"orders-postgres", "postgres", []int{7}},
		{"ündev dev", "dev", []int{7}},
		{"anything", "", nil},
		{"-.x-", "-.x", []int{0}},
	} {
		if got := Indexes(c.text, c.value); !slices.Equal(got, c.want) {
			t.Errorf("Indexes(%q, %q) = %v, want %v", c.text, c.value, got, c.want)
		}
	}
	// Loose: joiners do not bind; word characters still do.
	if got := LooseIndexes("2>/dev/null (devtools)", "dev"); !slices.Equal(got, []int{3}) {
		t.Errorf("LooseIndexes = %v, want [3]", got)
	}
}

// FuzzIndexes: every offset found is an occurrence of the value, in
// increasing order, and a whole token is always a loose one.
func FuzzIndexes(f *testing.F) {
	f.Add("tier: dev (devtools) 2>/dev/null", "dev")
	f.Add("orders-postgres.svc", "postgres")
	f.Add("ééé", "é")
	f.Fuzz(func(t *testing.T, text, value string) {
		whole, loose := Indexes(text, value), LooseIndexes(text, value)
		for _, got := range [][]int{whole, loose} {
			if !slices.IsSorted(got) {
				t.Fatalf("offsets %v not in order", got)
			}
			for _, i := range got {
				if !strings.HasPrefix(text[i:], value) {
					t.Fatalf("offset %d of %q is not %q", i, text, value)
				}
			}
		}
		for _, i := range whole {
			if !slices.Contains(loose, i) {
				t.Fatalf("whole token at %d of %q is not a loose one (%v)", i, text, loose)
			}
		}
	})
}
