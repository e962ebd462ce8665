//go:build windows

package feedback

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// The Windows lock stands on one byte past the end of the file: a second
// handle still reads every signal while an append holds it, and cannot
// take it until it is released.
func TestWindowsLockLeavesSignalsReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("{\"id\":\"a\"}\n"), 0o644))
	writer, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	require.NoError(t, err)
	defer writer.Close()
	reader, err := os.Open(path)
	require.NoError(t, err)
	defer reader.Close()

	require.NoError(t, lockFile(writer, true))
	_, err = writer.Write([]byte("{\"id\":\"b\"}\n"))
	require.NoError(t, err)
	data, err := io.ReadAll(reader)
	require.NoError(t, err, "a lock over the signals would fail this read")
	assert.Equal(t, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n", string(data))

	tryLock := func() error {
		ol := lockOverlapped()
		return windows.LockFileEx(windows.Handle(reader.Fd()),
			windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	}
	assert.Error(t, tryLock(), "the byte is locked by the writer")
	require.NoError(t, unlockFile(writer))
	require.NoError(t, tryLock())
	require.NoError(t, unlockFile(reader))
}
