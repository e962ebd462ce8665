package english_test

import (
	"fmt"
	"testing"

	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
)

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "file", "0 files"},
		{1, "file", "1 file"},
		{2, "file", "2 files"},
		{1, "entry", "1 entry"},
		{3, "entry", "3 entries"},
		{2, "day", "2 days"},
		{2, "match", "2 matches"},
		{2, "desire path", "2 desire paths"},
		{2, "passing scan", "2 passing scans"},
		{-1, "file", "-1 files"},
	} {
		if got := english.Count(tc.n, tc.noun); got != tc.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}

func ExampleCount() {
	fmt.Println(english.Count(1, "decision"), english.Count(0, "blueprint"), english.Count(12, "directory"))
	// Output: 1 decision 0 blueprints 12 directories
}
