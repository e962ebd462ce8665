//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package feedback_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/feedback"
)

// startChild runs the test binary as a writer (see child) and returns it
// with its standard output.
func startChild(t *testing.T, path, prefix string, count int, big bool) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path, prefixEnv+"="+prefix, fmt.Sprint(countEnv, "=", count))
	if big {
		cmd.Env = append(cmd.Env, bigEnv+"=1")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if stderr.Len() > 0 {
			t.Logf("child %s: %s", prefix, stderr.String())
		}
	})
	return cmd, out
}

// acked returns the IDs in a child's output, leaving out a last line cut
// short.
func acked(out []byte) []string {
	lines := strings.SplitAfter(string(out), "\n")
	var ids []string
	for _, l := range lines {
		if strings.HasSuffix(l, "\n") {
			ids = append(ids, strings.TrimSuffix(l, "\n"))
		}
	}
	return ids
}

// Several processes append to one file at once, and this one too: every
// signal is there once, whole.
func TestFileStoreProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	const children, each = 3, 150
	type result struct {
		out []byte
		err error
	}
	results := make([]result, children)
	var wg sync.WaitGroup
	for i := range children {
		// The last child writes lines of up to 256 KiB, longer than a
		// pipe's or a page's atomic write.
		cmd, out := startChild(t, path, fmt.Sprintf("p%d", i), each, i == children-1)
		wg.Go(func() {
			b, err := io.ReadAll(out)
			if err == nil {
				err = cmd.Wait()
			}
			results[i] = result{b, err}
		})
	}
	st := openFile(t, path, nil)
	for j := range 30 {
		require.NoError(t, st.Append(t.Context(), signals(fmt.Sprintf("parent-%d-", j), 3)...))
	}
	wg.Wait()

	want := map[string]bool{}
	for j := range 30 {
		for _, s := range signals(fmt.Sprintf("parent-%d-", j), 3) {
			want[s.ID] = true
		}
	}
	for i, r := range results {
		require.NoError(t, r.err, "child %d", i)
		ack := acked(r.out)
		assert.Len(t, ack, each, "child %d acknowledged all", i)
		for _, id := range ack {
			want[id] = true
		}
	}
	got := checkFile(t, path)
	assert.Len(t, got, len(want))
	seen := map[string]bool{}
	for _, id := range got {
		assert.True(t, want[id], "unexpected %s", id)
		assert.False(t, seen[id], "twice: %s", id)
		seen[id] = true
	}
	assert.Equal(t, got, ids(collect(t, st, feedback.Filter{})))
	assert.Zero(t, st.Repaired())
}

// A writer killed at random points: after each kill the store opens, every
// signal the writer acknowledged is there once, and every line decodes.
func TestFileStoreKilledWriter(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	dir := t.TempDir()
	var repairs, repairedBytes int64
	acknowledged := map[string]map[string]bool{}
	for round := range rounds {
		// Half the rounds write lines of up to 256 KiB, which tear when the
		// kill comes in the middle of a write, each to a file of its own
		// (to keep the test short); the others append to one file.
		big := round%2 == 1
		path := filepath.Join(dir, "signals.jsonl")
		if big {
			path = filepath.Join(dir, fmt.Sprintf("big-%d.jsonl", round))
		}
		if acknowledged[path] == nil {
			acknowledged[path] = map[string]bool{}
		}
		all := acknowledged[path]
		cmd, out := startChild(t, path, fmt.Sprintf("r%d", round), 0, big)
		var output []byte
		done := make(chan struct{})
		go func() {
			output, _ = io.ReadAll(out)
			close(done)
		}()
		// From before the store is opened to well into the appends.
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		require.NoError(t, cmd.Process.Kill())
		<-done
		err := cmd.Wait()
		require.Error(t, err)
		require.Equal(t, -1, cmd.ProcessState.ExitCode(), "the child was killed, it did not exit: %v", err)

		st, err := feedback.OpenFileStore(path, &feedback.FileStoreOptions{
			OnRepair: func(r feedback.Repair) { repairs++; repairedBytes += r.Dropped },
		})
		require.NoError(t, err)
		got := map[string]int{}
		for s, err := range st.Query(t.Context(), feedback.Filter{}) {
			require.NoError(t, err)
			got[s.ID]++
		}
		require.NoError(t, st.Close())
		ack := acked(output)
		for _, id := range ack {
			all[id] = true
		}
		for id := range all {
			assert.Equal(t, 1, got[id], "round %d: acknowledged signal %s", round, id)
		}
		for id, n := range got {
			assert.Equal(t, 1, n, "round %d: %s", round, id)
		}
		assert.Len(t, checkFile(t, path), len(got))
		t.Logf("round %d (big %v): %d acknowledged, %d in the store", round, big, len(ack), len(got))
	}
	t.Logf("%d torn lines repaired, %d bytes", repairs, repairedBytes)
}
