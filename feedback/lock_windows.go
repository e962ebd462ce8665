//go:build windows

package feedback

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is where the byte that stands for the whole file is locked.
// Windows byte-range locks are mandatory: a lock over the signals would make
// the lock-free reads of a query fail while another process appends. The
// byte far past any end of file stands for the file instead; locking beyond
// the end of a file is allowed, and every FileStore locks the same byte.
const lockOffset = 1 << 62

// lockFile takes a lock, exclusive or shared, on f's lock byte with
// LockFileEx, waiting for it. The lock is released by unlockFile, by
// closing f, or by the death of the process.
func lockFile(f *os.File, exclusive bool) error {
	var flags uint32
	if exclusive {
		flags = windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	ol := lockOverlapped()
	return windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, &ol)
}

func unlockFile(f *os.File) error {
	ol := lockOverlapped()
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}

func lockOverlapped() windows.Overlapped {
	return windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
}

// syncDir does nothing on Windows: a directory handle cannot be flushed
// (FlushFileBuffers needs write access, which a directory does not give);
// NTFS journals the creation of the file itself.
func syncDir(dir string) error { return nil }
