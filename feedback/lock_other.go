//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package feedback

import "os"

// Without flock(2), a FileStore serialises only the goroutines of one
// process (with its mutex): one process per file.

func lockFile(f *os.File, exclusive bool) error { return nil }

func unlockFile(f *os.File) error { return nil }

// syncDir does nothing: not every system can sync a directory.
func syncDir(dir string) error { return nil }
