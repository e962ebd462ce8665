//go:build unix

package fetch

import (
	"io/fs"
	"os"
	"syscall"
)

// linkCount returns how many names the regular file p (described by fi)
// has.
func linkCount(_ string, fi fs.FileInfo) (uint64, error) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink), nil
	}
	return 1, nil
}

// syncDir syncs a directory, so that a name just renamed into it stays
// there after a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
