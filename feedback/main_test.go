package feedback_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/feedback"
)

// The environment of a child process: the test binary run again by
// TestMain as a writer of a file store.
const (
	childEnv  = "GP_FEEDBACK_CHILD"  // the store's path
	prefixEnv = "GP_FEEDBACK_PREFIX" // the prefix of the IDs it appends
	countEnv  = "GP_FEEDBACK_COUNT"  // how many signals; 0 for until killed
	bigEnv    = "GP_FEEDBACK_BIG"    // "1" for hunks up to 256 KiB, so that writes tear
)

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		os.Exit(child(path))
	}
	os.Exit(m.Run())
}

// child appends signals to the store at path in batches of 1 to 8 and, after
// each Append returns, prints the IDs it acknowledged, one a line.
func child(path string) int {
	prefix := os.Getenv(prefixEnv)
	count, _ := strconv.Atoi(os.Getenv(countEnv))
	big := os.Getenv(bigEnv) == "1"
	st, err := feedback.OpenFileStore(path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer st.Close()
	ctx := context.Background()
	for n := 0; count == 0 || n < count; {
		size := 1 + rand.IntN(8)
		if count > 0 {
			size = min(size, count-n)
		}
		batch := make([]feedback.Signal, size)
		var ack strings.Builder
		for i := range batch {
			s := feedback.Signal{
				ID:       fmt.Sprintf("%s-%d", prefix, n),
				Time:     time.Now(),
				Source:   feedback.SourceDrift,
				Subject:  feedback.Subject{Project: prefix, Blueprint: "go-service", Version: "1.4.0"},
				File:     "Makefile",
				Result:   feedback.ResultFail,
				Evidence: feedback.Evidence{Hunk: "@@ -1 +1 @@\n-a\n+b\n"},
			}
			if big {
				s.Evidence.Hunk = "@@ -1 +1 @@\n+" + strings.Repeat("x", rand.IntN(256<<10)) + "\n"
			}
			batch[i] = s
			ack.WriteString(s.ID + "\n")
			n++
		}
		if err := st.Append(ctx, batch...); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		os.Stdout.WriteString(ack.String()) // one write: atomic in a pipe
	}
	return 0
}
