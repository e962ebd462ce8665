//go:build !unix && !windows

package fetch

import "io/fs"

// linkCount returns 1: this system reports no link count.
func linkCount(string, fs.FileInfo) (uint64, error) { return 1, nil }

// syncDir does nothing: this system cannot sync a directory.
func syncDir(string) error { return nil }
