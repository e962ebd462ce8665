package pgstore

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzColumn: whatever a signal's field holds, its column is text
// PostgreSQL accepts (valid UTF-8, no NUL), and a field it could hold
// already is kept as it is.
func FuzzColumn(f *testing.F) {
	for _, s := range []string{"", "orders", "nul\x00in", "bad\xffutf8", "\uFFFD", "ADR-0007", "a\x00\xff\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c := column(v)
		if !utf8.ValidString(c) || strings.IndexByte(c, 0) >= 0 {
			t.Fatalf("column(%q) = %q: not text PostgreSQL holds", v, c)
		}
		if utf8.ValidString(v) && strings.IndexByte(v, 0) < 0 && c != v {
			t.Fatalf("column(%q) = %q: changed a field that was text already", v, c)
		}
		if column(c) != c {
			t.Fatalf("column is not idempotent on %q", v)
		}
	})
}

// FuzzIDColumn: two IDs never share a row, and every ID is text PostgreSQL
// holds.
func FuzzIDColumn(f *testing.F) {
	for _, s := range [][2]string{{"a\x00", "a\\0"}, {"a\xff", "a\\xff"}, {"\\", "\\\\"}, {"0193f8a2c4e17b3f", "0193f8a2c4e17b3f"}, {"a\uFFFD", "a\xff"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ca, cb := idColumn(a), idColumn(b)
		if !utf8.ValidString(ca) || strings.IndexByte(ca, 0) >= 0 {
			t.Fatalf("idColumn(%q) = %q: not text PostgreSQL holds", a, ca)
		}
		if a != b && ca == cb {
			t.Fatalf("idColumn(%q) = idColumn(%q) = %q", a, b, ca)
		}
	})
}
