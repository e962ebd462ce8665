package feedback_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/storetest"
)

func openFile(t *testing.T, path string, opts *feedback.FileStoreOptions) *feedback.FileStore {
	t.Helper()
	st, err := feedback.OpenFileStore(path, opts)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func TestFileStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) feedback.Store {
		return openFile(t, filepath.Join(t.TempDir(), "signals.jsonl"), nil)
	}, &storetest.Options{Reopen: func(_ context.Context, st feedback.Store) (feedback.Store, error) {
		return feedback.OpenFileStore(st.(*feedback.FileStore).Path(), nil)
	}})
}

func TestFileStoreFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	st := openFile(t, path, nil)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Zero(t, fi.Size(), "created empty")
	assert.Zero(t, fi.Mode().Perm()&^0o644, "created 0644 at most")

	require.NoError(t, st.Append(t.Context(), full()))
	require.NoError(t, st.Append(t.Context(), signals("s", 2)...))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	require.Len(t, lines, 4)
	assert.Empty(t, lines[3], "ends with a newline")
	want, err := full().MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, string(want)+"\n", lines[0], "one line per signal, in its JSON form")
	for _, l := range lines[:3] {
		assert.True(t, strings.HasPrefix(l, `{"v":1,"id":"`), l)
	}
	assert.Equal(t, path, st.Path())

	// Reopened, it holds the same.
	require.NoError(t, st.Close())
	again := openFile(t, path, nil)
	assert.Equal(t, []string{full().ID, "s0", "s1"}, ids(collect(t, again, feedback.Filter{})))
	assert.Zero(t, again.Repaired())
}

// writeFile appends raw bytes to the file at path, as a crashed writer or a
// person might have.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	require.NoError(t, err)
	_, err = f.WriteString(data)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func line(t *testing.T, s feedback.Signal) string {
	b, err := s.MarshalJSON()
	require.NoError(t, err)
	return string(b) + "\n"
}

func TestFileStoreRepairsTornLineOnOpen(t *testing.T) {
	for name, torn := range map[string]string{
		"half a line":       `{"v":1,"id":"torn","time":"2026-11-03T10:15:00Z","sour`,
		"one byte":          `{`,
		"zeros":             "\x00\x00\x00\x00",
		"zeros, then lines": "\x00\x00{\"v\":1,\"id\":",
		"no line before":    "",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "signals.jsonl")
			good := ""
			if name != "no line before" {
				good = line(t, full()) + line(t, signals("s", 1)[0])
			} else {
				torn = `{"v":1,"id":"first"`
			}
			writeFile(t, path, good+torn)

			// Queries of a store not yet repaired skip the torn line.
			ro := openFile(t, path, &feedback.FileStoreOptions{ReadOnly: true})
			before := collect(t, ro, feedback.Filter{})

			var repairs []feedback.Repair
			st := openFile(t, path, &feedback.FileStoreOptions{OnRepair: func(r feedback.Repair) { repairs = append(repairs, r) }})
			assert.Equal(t, []feedback.Repair{{Path: path, Offset: int64(len(good)), Dropped: int64(len(torn))}}, repairs)
			assert.Equal(t, int64(len(torn)), st.Repaired())
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, good, string(data), "truncated to the last complete line")
			after := collect(t, st, feedback.Filter{})
			assert.Equal(t, before, after)
			if good != "" {
				assert.Equal(t, []string{full().ID, "s0"}, ids(after))
			}

			require.NoError(t, st.Append(t.Context(), signals("new", 1)...))
			assert.Len(t, collect(t, st, feedback.Filter{}), len(after)+1)
		})
	}
}

// A writer of another process dies in the middle of a line while this one
// has the file open: the next append removes the torn line before writing,
// so that its own line is not glued to it.
func TestFileStoreRepairsTornLineBeforeAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	var dropped int64
	st := openFile(t, path, &feedback.FileStoreOptions{OnRepair: func(r feedback.Repair) { dropped += r.Dropped }})
	require.NoError(t, st.Append(t.Context(), signals("a", 2)...))
	writeFile(t, path, `{"v":1,"id":"torn","ti`)
	assert.Equal(t, []string{"a0", "a1"}, ids(collect(t, st, feedback.Filter{})), "the torn line is not returned")
	require.NoError(t, st.Append(t.Context(), signals("b", 2)...))
	assert.Equal(t, int64(len(`{"v":1,"id":"torn","ti`)), dropped)
	assert.Equal(t, dropped, st.Repaired())
	assert.Equal(t, []string{"a0", "a1", "b0", "b1"}, ids(collect(t, st, feedback.Filter{})))
}

func TestFileStoreRefusesToCutOtherFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	const text = "{\"v\":1}\nthese are my notes, without a final newline"
	writeFile(t, path, text)
	_, err := feedback.OpenFileStore(path, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not look like a signal store")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, text, string(data), "left as it is")

	_, err = feedback.OpenFileStore(t.TempDir(), nil)
	assert.Error(t, err, "a directory")
	_, err = feedback.OpenFileStore(filepath.Join(t.TempDir(), "missing", "signals.jsonl"), nil)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = feedback.OpenFileStore(filepath.Join(t.TempDir(), "missing.jsonl"), &feedback.FileStoreOptions{ReadOnly: true})
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = feedback.OpenFileStore(path, &feedback.FileStoreOptions{MaxLineBytes: -1})
	assert.ErrorContains(t, err, "MaxLineBytes is negative")
}

func TestFileStoreBadLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	v2 := strings.Replace(line(t, signals("x", 1)[0]), `{"v":1`, `{"v":3`, 1) // a version this reader does not know
	writeFile(t, path, line(t, signals("a", 1)[0])+
		"\n"+ // blank lines are skipped, and counted
		"  \n"+
		"not json\n"+
		v2+
		`{"v":1,"id":"b","time":"2026-11-03T10:15:00Z","source":"gossip"}`+"\n"+
		line(t, signals("c", 1)[0]))
	st := openFile(t, path, nil)
	var got []string
	var errs []error
	for s, err := range st.Query(t.Context(), feedback.Filter{}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, s.ID)
	}
	assert.Equal(t, []string{"a0", "c0"}, got, "the stream goes on after a bad line")
	require.Len(t, errs, 3)
	var le *feedback.LineError
	for i, want := range []int{4, 5, 6} {
		require.ErrorAs(t, errs[i], &le)
		assert.Equal(t, path, le.Path)
		assert.Equal(t, want, le.Line)
		assert.True(t, strings.HasPrefix(errs[i].Error(), fmt.Sprintf("%s:%d: ", path, want)), errs[i].Error())
		assert.ErrorIs(t, errs[i], feedback.ErrBadRecord, "a line stepped over")
	}
	assert.ErrorIs(t, errs[1], feedback.ErrUnsupportedVersion)
	assert.ErrorIs(t, errs[2], feedback.ErrInvalidSignal)

	// Stopping at the first error works too.
	n := 0
	for _, err := range st.Query(t.Context(), feedback.Filter{}) {
		n++
		if err != nil {
			break
		}
	}
	assert.Equal(t, 2, n)
}

func TestFileStoreMaxLineBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	s := signals("a", 1)[0]
	size := len(line(t, s)) - 1
	small := openFile(t, path, &feedback.FileStoreOptions{MaxLineBytes: size})
	require.NoError(t, small.Append(t.Context(), s), "a line of exactly MaxLineBytes")
	assert.Equal(t, []string{"a0"}, ids(collect(t, small, feedback.Filter{})))

	big := s
	big.ID = "big"
	err := small.Append(t.Context(), s, big)
	assert.ErrorIs(t, err, feedback.ErrInvalidSignal)
	assert.ErrorContains(t, err, fmt.Sprintf(`"big": it encodes to %d bytes, more than the %d of FileStoreOptions.MaxLineBytes`, size+1, size))

	// Another writer allowed more: a query stops at the long line.
	large := openFile(t, path, nil)
	other := s
	other.ID = "a1"
	require.NoError(t, large.Append(t.Context(), big, s, other))
	var errs []error
	var got []string
	for s, err := range small.Query(t.Context(), feedback.Filter{}) {
		if err != nil {
			errs = append(errs, err)
		} else {
			got = append(got, s.ID)
		}
	}
	assert.Equal(t, []string{"a0"}, got)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], bufio.ErrTooLong)
	assert.NotErrorIs(t, errs[0], feedback.ErrBadRecord, "a long line ends the query: it is not stepped over")
	assert.EqualError(t, errs[0], fmt.Sprintf("%s:2: line longer than %d bytes (FileStoreOptions.MaxLineBytes): bufio.Scanner: token too long", path, size))
	assert.Equal(t, []string{"a0", "big", "a1"}, ids(collect(t, large, feedback.Filter{})), "a0 is not stored twice")
}

func TestFileStoreClosedAndReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	st := openFile(t, path, nil)
	require.NoError(t, st.Append(t.Context(), signals("a", 3)...))

	ro := openFile(t, path, &feedback.FileStoreOptions{ReadOnly: true})
	assert.ErrorIs(t, ro.Append(t.Context(), signals("b", 1)...), feedback.ErrReadOnly)
	assert.Len(t, collect(t, ro, feedback.Filter{}), 3)

	// A query running when the store closes goes on to its end.
	n := 0
	for _, err := range st.Query(t.Context(), feedback.Filter{}) {
		require.NoError(t, err)
		if n++; n == 1 {
			require.NoError(t, st.Close())
		}
	}
	assert.Equal(t, 3, n)
	assert.NoError(t, st.Close(), "twice")
	assert.ErrorIs(t, st.Append(t.Context(), signals("c", 1)...), feedback.ErrClosed)
	for _, err := range st.Query(t.Context(), feedback.Filter{}) {
		assert.ErrorIs(t, err, feedback.ErrClosed)
	}
}

// Two stores on one file in one process lock each other out as two
// processes would: each has its own open file.
func TestFileStoreTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	a, b := openFile(t, path, nil), openFile(t, path, nil)
	var wg sync.WaitGroup
	for i, st := range []*feedback.FileStore{a, b, a, b} {
		wg.Go(func() {
			for j := range 50 {
				assert.NoError(t, st.Append(t.Context(), signals(fmt.Sprintf("%d-%d-", i, j), 2)...))
			}
		})
	}
	wg.Wait()
	got := ids(collect(t, a, feedback.Filter{}))
	assert.Len(t, got, 4*50*2)
	seen := map[string]bool{}
	for _, id := range got {
		assert.False(t, seen[id], id)
		seen[id] = true
	}
	assert.Equal(t, got, ids(collect(t, b, feedback.Filter{})))
}

// An ID another handle, or an earlier process, stored is not stored again,
// whether the line is in this package's shape or not.
func TestFileStoreIdempotentAcrossHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	// A line written by hand, keys in another order and the ID escaped.
	require.NoError(t, os.WriteFile(path, []byte(`{"source":"rule","time":"2026-11-03T10:15:00Z","id":"h\u0061nd","v":1}`+"\n"), 0o644))
	a := openFile(t, path, nil)
	require.NoError(t, a.Append(t.Context(), signals("a", 2)...))
	b := openFile(t, path, nil)
	hand := signals("x", 1)[0]
	hand.ID = "hand"
	require.NoError(t, b.Append(t.Context(), append(signals("a", 3), hand)...))
	require.NoError(t, a.Append(t.Context(), signals("a", 4)...), "a reads what b appended")
	require.NoError(t, a.Close())
	c := openFile(t, path, nil)
	require.NoError(t, c.Append(t.Context(), signals("a", 5)...))
	assert.Equal(t, []string{"hand", "a0", "a1", "a2", "a3", "a4"}, checkFile(t, path))

	// An ID of invalid UTF-8 reads back with U+FFFD for each bad byte: a
	// second handle knows it by that.
	bad := signals("x", 1)[0]
	bad.ID = "bad\xff\xfeid"
	require.NoError(t, c.Append(t.Context(), bad))
	d := openFile(t, path, nil)
	require.NoError(t, d.Append(t.Context(), bad))
	assert.Equal(t, []string{"hand", "a0", "a1", "a2", "a3", "a4", "bad\uFFFD\uFFFDid"}, checkFile(t, path))
}

// checkFile asserts that every line of the file at path decodes and returns
// the IDs in it.
func checkFile(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	if len(data) > 0 {
		require.Equal(t, byte('\n'), data[len(data)-1], "the file ends with a complete line")
	}
	var out []string
	for i, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if len(data) == 0 {
			break
		}
		s, err := feedback.DecodeSignal(l)
		if err != nil {
			require.NoError(t, errors.Join(fmt.Errorf("line %d", i+1), err))
		}
		out = append(out, s.ID)
	}
	return out
}

func TestCheckFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	st := openFile(t, path, nil)
	assert.Empty(t, checkFile(t, path))
	require.NoError(t, st.Append(t.Context(), signals("a", 3)...))
	assert.Equal(t, []string{"a0", "a1", "a2"}, checkFile(t, path))
}
