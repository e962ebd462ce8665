//go:build !linux

package fastfile

import (
	"io/fs"
	"os"
)

// join gives every name to os.DirFS.
func (d dirFS) join(string) (string, bool) { return "", false }

func openRegular(string, string) (fs.File, error) { panic("unreachable") }

func readRegular(string, string) ([]byte, bool, error) { panic("unreachable") }

// Create creates the new file full (it must not exist) with the permission
// bits perm, for writing.
func (c *Creator) Create(full string, perm fs.FileMode) (*Writer, error) {
	perm = perm.Perm()
	f, err := os.OpenFile(full, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return nil, err
	}
	keep, known := c.keeps(perm)
	if !known {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		keep = fi.Mode().Perm() == perm
		c.learn(perm, keep)
	}
	if !keep {
		if err := f.Chmod(perm); err != nil {
			f.Close()
			return nil, err
		}
	}
	return &Writer{f: f}, nil
}

// Writer is a file open for writing, made by Creator.Create. It is not safe
// for concurrent use.
type Writer struct{ f *os.File }

// Write writes all of p.
func (w *Writer) Write(p []byte) (int, error) { return w.f.Write(p) }

// Close closes the file.
func (w *Writer) Close() error { return w.f.Close() }
