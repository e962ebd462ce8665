package diff

import (
	"bytes"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/internal/systempart"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// gnuDiff runs GNU diff -U context on a and b, with extra options, and
// returns its output without the two header lines, which hold timestamps.
// It skips the test when GNU diff is not installed.
func gnuDiff(t *testing.T, a, b []byte, context int, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	require.NoError(t, os.WriteFile(pa, a, 0o644))
	require.NoError(t, os.WriteFile(pb, b, 0o644))
	args := append([]string{"-U", strconv.Itoa(context)}, extra...)
	out, err := exec.Command("diff", append(args, pa, pb)...).Output()
	if err != nil {
		// Exit status 1 means the files differ.
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("diff %v: %v", args, err)
		}
	}
	return stripHeader(string(out))
}

// stripHeader removes the "---" and "+++" lines of a unified diff.
func stripHeader(s string) string {
	if !strings.HasPrefix(s, "--- ") {
		return s
	}
	parts := strings.SplitN(s, "\n", 3)
	if len(parts) < 3 {
		return s
	}
	return parts[2]
}

func requireGNUDiff(t *testing.T) {
	t.Helper()
	systempart.Tool(t, "diff", "Debian: apt-get install diffutils")
	out, err := exec.Command("diff", "--version").Output()
	if err != nil || !bytes.Contains(out, []byte("GNU diffutils")) {
		t.Skip("diff is not GNU diff")
	}
}

// TestGNUTable checks the table of TestUnified against GNU diff itself.
func TestGNUTable(t *testing.T) {
	requireGNUDiff(t)
	for _, tc := range unifiedCases {
		a, b := []byte(tc.a), []byte(tc.b)
		require.Equal(t, gnuDiff(t, a, b, tc.context), stripHeader(tc.want), tc.name)
	}
}

// TestGNURandom compares Unified with GNU diff on random texts.
//
// Texts made of few distinct lines have many shortest edit scripts; the
// one chosen depends on the details of the algorithm, which follows GNU
// diff's, including its post-processing of where runs of changes are
// placed. GNU diff by default first discards lines that match many others
// to go faster, which may lead it to another alignment of the same length:
// these texts are compared with diff --minimal, which turns that off.
// Texts of distinct lines are compared with plain diff -u.
func TestGNURandom(t *testing.T) {
	requireGNUDiff(t)
	r := rand.New(rand.NewPCG(7, 8))
	n := 300
	if testing.Short() {
		n = 50
	}
	for i := range n {
		alphabet := 2 + r.IntN(4)
		a, b := randomText(r, alphabet), randomText(r, alphabet)
		context := r.IntN(5)
		want := gnuDiff(t, a, b, context, "--minimal")
		got := stripHeader(Unified("a", "b", a, b, context))
		require.Equal(t, want, got, "case %d: diff -U %d --minimal on %q and %q", i, context, a, b)
	}
	for i := range n {
		a, b := editedText(r)
		context := r.IntN(5)
		want := gnuDiff(t, a, b, context)
		got := stripHeader(Unified("a", "b", a, b, context))
		require.Equal(t, want, got, "case %d: diff -U %d on %q and %q", i, context, a, b)
	}
}

// randomText returns up to 40 lines drawn from alphabet distinct ones,
// sometimes without the final newline.
func randomText(r *rand.Rand, alphabet int) []byte {
	var buf bytes.Buffer
	for range r.IntN(40) {
		buf.WriteByte(byte('a' + r.IntN(alphabet)))
		buf.WriteByte('\n')
	}
	return trimNewline(r, buf.Bytes())
}

// editedText returns a text of distinct lines and a random edit of it:
// lines deleted, replaced and inserted. As no line repeats, there is only
// one shortest edit script, which diff -u finds too.
func editedText(r *rand.Rand) (a, b []byte) {
	var ab, bb bytes.Buffer
	fresh := 0
	for i := range r.IntN(60) {
		line := fmt.Sprintf("line %d\n", i)
		ab.WriteString(line)
		switch r.IntN(10) {
		case 0: // delete
		case 1: // replace
			fresh++
			fmt.Fprintf(&bb, "new %d\n", fresh)
		case 2: // insert before
			for range 1 + r.IntN(3) {
				fresh++
				fmt.Fprintf(&bb, "new %d\n", fresh)
			}
			bb.WriteString(line)
		default:
			bb.WriteString(line)
		}
	}
	return trimNewline(r, ab.Bytes()), trimNewline(r, bb.Bytes())
}

func trimNewline(r *rand.Rand, text []byte) []byte {
	if len(text) > 0 && r.IntN(4) == 0 {
		return text[:len(text)-1]
	}
	return text
}
