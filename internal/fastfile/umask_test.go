//go:build unix

package fastfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestCreatorModes creates files under a umask that strips bits and under
// one that keeps them: every file has exactly the mode asked for.
func TestCreatorModes(t *testing.T) {
	for _, umask := range []int{0o022, 0o077, 0o000, 0o027} {
		old := syscall.Umask(umask)
		dir := t.TempDir()
		var c Creator
		for i, mode := range []fs.FileMode{0o644, 0o755, 0o644, 0o755, 0o600} {
			p := filepath.Join(dir, string(rune('a'+i)))
			w, err := c.Create(p, mode)
			if err != nil {
				syscall.Umask(old)
				t.Fatal(err)
			}
			if _, err := w.Write([]byte("data")); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != mode {
				t.Errorf("umask %04o: %s has mode %v, want %v", umask, p, fi.Mode().Perm(), mode)
			}
			if got, _ := os.ReadFile(p); string(got) != "data" {
				t.Errorf("%s holds %q", p, got)
			}
		}
		syscall.Umask(old)
	}
}
