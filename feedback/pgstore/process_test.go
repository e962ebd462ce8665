//go:build unix

package pgstore_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore"
)

// The environment of a child process: the test binary run again by
// TestMain as a writer.
const (
	childEnv   = "GP_PGSTORE_CHILD"   // the database's URL
	prefixEnv  = "GP_PGSTORE_PREFIX"  // the prefix of the IDs it appends
	batchesEnv = "GP_PGSTORE_BATCHES" // how many batches; 0 for until killed
	sizeEnv    = "GP_PGSTORE_SIZE"    // signals per batch
)

// asChild runs the process as a writer, and reports so, when TestMain was
// started as one.
func asChild() (int, bool) {
	url := os.Getenv(childEnv)
	if url == "" {
		return 0, false
	}
	return child(url), true
}

// child appends batches of signals, each twice (a retry), and prints
// "ack BATCH" after each batch's Appends return.
func child(url string) int {
	prefix := os.Getenv(prefixEnv)
	batches, _ := strconv.Atoi(os.Getenv(batchesEnv))
	size, _ := strconv.Atoi(os.Getenv(sizeEnv))
	ctx := context.Background()
	// Statements of 50: a batch is several statements, so a kill can fall
	// between two of them.
	st, err := pgstore.Open(ctx, url, &pgstore.Options{BatchSize: 50, MaxConns: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer st.Close()
	for b := 0; batches == 0 || b < batches; b++ {
		batch := batchOf(prefix, b, size)
		if b > 0 {
			// The batch starts with signals of the one before, stored
			// already: it takes the INSERT statements of a transaction,
			// not the COPY, and a kill can fall between two of them.
			batch = append(batchOf(prefix, b-1, size)[:min(100, size)], batch...)
		}
		for range 2 {
			if err := st.Append(ctx, batch...); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 2
			}
		}
		fmt.Printf("ack %d\n", b)
	}
	return 0
}

func batchOf(prefix string, b, size int) []feedback.Signal {
	out := make([]feedback.Signal, size)
	for i := range out {
		out[i] = feedback.Signal{
			ID:       fmt.Sprintf("%s-%d-%d", prefix, b, i),
			Time:     time.Now(),
			Source:   feedback.SourceDrift,
			Subject:  feedback.Subject{Project: prefix, Blueprint: "go-service", Version: "1.4.0"},
			File:     "Makefile",
			Result:   feedback.ResultFail,
			Evidence: feedback.Evidence{Hunk: "@@ -1 +1 @@\n-a\n+b\n" + strings.Repeat("x", i%200)},
		}
	}
	return out
}

func startChild(t *testing.T, url, prefix string, batches, size int) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+url, prefixEnv+"="+prefix,
		fmt.Sprint(batchesEnv, "=", batches), fmt.Sprint(sizeEnv, "=", size))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		if stderr.Len() > 0 {
			t.Logf("child %s: %s", prefix, stderr.String())
		}
	})
	return cmd, out
}

// counts returns how many times each ID is stored, grouped by batch
// ("prefix-b").
func counts(t *testing.T, st *pgstore.Store) (perID map[string]int, perBatch map[string]int) {
	perID, perBatch = map[string]int{}, map[string]int{}
	for s, err := range st.Query(t.Context(), feedback.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		perID[s.ID]++
		perBatch[s.ID[:strings.LastIndexByte(s.ID, '-')]]++
	}
	return perID, perBatch
}

// Several processes append at once, two of them the same signals, each
// batch twice: every signal is stored exactly once.
func TestProcesses(t *testing.T) {
	st, url := open(t, nil)
	const batches, size = 20, 120
	prefixes := []string{"p0", "p1", "p2", "p2"}
	var wg sync.WaitGroup
	for _, p := range prefixes {
		cmd, out := startChild(t, url, p, batches, size)
		wg.Go(func() {
			io.Copy(io.Discard, out)
			if err := cmd.Wait(); err != nil {
				t.Errorf("child %s: %v", p, err)
			}
		})
	}
	wg.Wait()
	perID, perBatch := counts(t, st)
	if want := 3 * batches * size; len(perID) != want {
		t.Errorf("%d signals stored, want %d", len(perID), want)
	}
	for id, n := range perID {
		if n != 1 {
			t.Errorf("%s stored %d times", id, n)
		}
	}
	if len(perBatch) != 3*batches {
		t.Errorf("%d batches stored, want %d", len(perBatch), 3*batches)
	}
}

// A process killed in the middle of its batches leaves whole batches only,
// among them every batch it acknowledged.
func TestKilledWriter(t *testing.T) {
	st, url := open(t, nil)
	const size = 1000
	acked := map[string]bool{}
	killedInTx := 0
	for round := range 3 {
		prefix := fmt.Sprintf("k%d", round)
		cmd, out := startChild(t, url, prefix, 0, size)
		sc := bufio.NewScanner(out)
		// Kill it after a few acknowledgements, at a time within a batch
		// that changes each round.
		for n := 0; n < 2+round && sc.Scan(); n++ {
			acked[prefix+"-"+strings.TrimPrefix(sc.Text(), "ack ")] = true
		}
		// Kill it in the middle of a transaction of INSERT statements: when
		// the server shows one open, after its first statement.
		inTx := waitForInsert(t, st)
		cmd.Process.Kill()
		if inTx {
			killedInTx++
		}
		for sc.Scan() {
			acked[prefix+"-"+strings.TrimPrefix(sc.Text(), "ack ")] = true
		}
		cmd.Wait()
	}
	perID, perBatch := counts(t, st)
	for b, n := range perBatch {
		if n != size {
			t.Errorf("batch %s is stored in part: %d signals of %d", b, n, size)
		}
	}
	for b := range acked {
		if perBatch[b] != size {
			t.Errorf("acknowledged batch %s: %d signals stored", b, perBatch[b])
		}
	}
	for id, n := range perID {
		if n != 1 {
			t.Errorf("%s stored %d times", id, n)
		}
	}
	t.Logf("%d batches acknowledged, %d stored; %d of 3 kills in a transaction", len(acked), len(perBatch), killedInTx)
	if killedInTx == 0 {
		t.Error("no kill fell in a transaction: the test proves nothing")
	}
}

// waitForInsert waits, for up to 10 s, until another client of the
// store's database has a transaction open with an INSERT statement done or
// running, and reports whether it saw one.
func waitForInsert(t *testing.T, st *pgstore.Store) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			AND xact_start IS NOT NULL AND query LIKE 'INSERT INTO%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}
