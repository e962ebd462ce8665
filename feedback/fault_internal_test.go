package feedback

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errInjected = errors.New("injected failure")

func faultSignals(prefix string, n int) []Signal {
	out := make([]Signal, n)
	for i := range out {
		out[i] = Signal{ID: fmt.Sprintf("%s-%d", prefix, i), Time: time.Date(2026, 11, 15, 0, 0, i, 0, time.UTC),
			Source: SourceRating, Subject: Subject{Blueprint: "go-service"}, Evidence: Evidence{Message: "a comment long enough to cut"}}
	}
	return out
}

// TestAppendFailsAtEveryByte fails an append's write after each number of
// bytes in turn, and "crashes" before the clean-up: reopened, the store
// holds every acknowledged signal, every line decodes, and the torn batch
// is repaired away — no acknowledged signal is ever lost.
func TestAppendFailsAtEveryByte(t *testing.T) {
	ctx := context.Background()
	acked := faultSignals("acked", 3)
	batch := faultSignals("batch", 2)
	var encoded int
	for _, s := range batch {
		b, err := s.MarshalJSON()
		require.NoError(t, err)
		encoded += len(b) + 1
	}
	for cut := 0; cut < encoded; cut += 7 {
		path := filepath.Join(t.TempDir(), "signals.jsonl")
		st, err := OpenFileStore(path, nil)
		require.NoError(t, err)
		require.NoError(t, st.Append(ctx, acked...))
		faultHook = func(op string, size int) (int, error) {
			switch op {
			case "write":
				return cut, errInjected
			case "truncate":
				return 0, errInjected // the process dies before cleaning up
			}
			return 0, nil
		}
		err = st.Append(ctx, batch...)
		faultHook = nil
		require.ErrorIs(t, err, errInjected, "cut at %d", cut)
		require.NoError(t, st.Close())

		st, err = OpenFileStore(path, nil)
		require.NoError(t, err)
		var ids []string
		for s, err := range st.Query(ctx, Filter{}) {
			require.NoError(t, err, "cut at %d", cut)
			ids = append(ids, s.ID)
		}
		require.GreaterOrEqual(t, len(ids), 3)
		assert.Equal(t, []string{"acked-0", "acked-1", "acked-2"}, ids[:3], "cut at %d", cut)
		for _, id := range ids[3:] {
			assert.Equal(t, "batch-0", id, "only a batch's complete first line can survive a crash (cut at %d)", cut)
		}
		require.NoError(t, st.Close())
	}
}

// TestAppendSyncFailure: a failed sync is not an acknowledgement, and the
// batch is removed.
func TestAppendSyncFailure(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	st, err := OpenFileStore(path, nil)
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.Append(ctx, faultSignals("acked", 2)...))
	faultHook = func(op string, size int) (int, error) {
		if op == "sync" {
			return 0, errInjected
		}
		return size, nil
	}
	err = st.Append(ctx, faultSignals("batch", 2)...)
	faultHook = nil
	require.ErrorIs(t, err, errInjected)
	var ids []string
	for s, err := range st.Query(ctx, Filter{}) {
		require.NoError(t, err)
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{"acked-0", "acked-1"}, ids)
	require.NoError(t, st.Append(ctx, faultSignals("later", 1)...), "the store goes on")
}
