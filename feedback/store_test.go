package feedback_test

import (
	"context"
	"errors"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) feedback.Store { return feedback.NewMemoryStore() }, nil)

	var m feedback.MemoryStore // the zero value is ready
	require.NoError(t, m.Append(t.Context(), signals("z", 3)...))
	assert.Equal(t, 3, m.Len())
	require.NoError(t, m.Append(t.Context(), signals("z", 4)...))
	assert.Equal(t, 4, m.Len(), "stored IDs are not stored again")
}

// TestStoreKit runs the kit's error-joining form on a store that breaks
// two rules, and checks that it names them.
func TestStoreKit(t *testing.T) {
	require.NoError(t, storetest.TestStore(t.Context(), func(context.Context) (feedback.Store, error) {
		return feedback.NewMemoryStore(), nil
	}, nil))
	err := storetest.TestStore(t.Context(), func(context.Context) (feedback.Store, error) {
		return &forgetful{}, nil
	}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Idempotent: ")
	assert.Contains(t, err.Error(), "Concurrent: ")
	assert.NotContains(t, err.Error(), "Filters: ")
	assert.NotContains(t, err.Error(), "Durable: ", "skipped without Reopen")
}

// TestStoreKitDurable: the Durable rule fails a store whose reopened form
// lost the signals, and one that forgot which IDs it holds; the others
// still pass.
func TestStoreKitDurable(t *testing.T) {
	newStore := func(context.Context) (feedback.Store, error) {
		return unclosable{feedback.NewMemoryStore()}, nil
	}
	for _, tc := range []struct {
		name   string
		reopen func(ctx context.Context, st feedback.Store) (feedback.Store, error)
		want   string
	}{
		{"lost", func(context.Context, feedback.Store) (feedback.Store, error) {
			return feedback.NewMemoryStore(), nil
		}, "Durable: the reopened store: got 0 signals"},
		{"forgot IDs", func(ctx context.Context, st feedback.Store) (feedback.Store, error) {
			f := &forgetful{}
			for s, err := range st.Query(ctx, feedback.Filter{}) {
				if err != nil {
					return nil, err
				}
				f.signals = append(f.signals, s)
			}
			return f, nil
		}, "Durable: the reopened store after appending a stored ID and a new one: got 1206 signals"},
		{"fails", func(context.Context, feedback.Store) (feedback.Store, error) {
			return nil, errors.New("no such file")
		}, "Durable: Reopen: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := storetest.TestStore(t.Context(), newStore, &storetest.Options{Reopen: tc.reopen})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, line := range strings.Split(err.Error(), "\n") {
				assert.True(t, strings.HasPrefix(line, "Durable: "), "only Durable fails: %s", line)
			}
		})
	}
	// A memory store reopened as itself, a store that keeps its signals,
	// passes.
	require.NoError(t, storetest.TestStore(t.Context(), newStore, &storetest.Options{
		Reopen: func(_ context.Context, st feedback.Store) (feedback.Store, error) { return st, nil },
	}))
}

// unclosable hides a store's Close method, so that the kit leaves it open.
type unclosable struct{ feedback.Store }

// forgetful is a store that stores a signal again when its ID is stored:
// it breaks the Idempotent and Concurrent rules, and keeps the others.
type forgetful struct {
	mu      sync.Mutex
	signals []feedback.Signal
}

func (f *forgetful) Append(ctx context.Context, signals ...feedback.Signal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, s := range signals {
		if err := s.Validate(); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range signals {
		s.Time = s.Time.UTC()
		if s.Value != nil {
			v := *s.Value
			s.Value = &v
		}
		s.Labels = maps.Clone(s.Labels)
		f.signals = append(f.signals, s)
	}
	return nil
}

func (f *forgetful) Query(ctx context.Context, filter feedback.Filter) iter.Seq2[feedback.Signal, error] {
	return func(yield func(feedback.Signal, error) bool) {
		f.mu.Lock()
		snapshot := slices.Clone(f.signals)
		f.mu.Unlock()
		for _, s := range snapshot {
			if err := ctx.Err(); err != nil {
				yield(feedback.Signal{}, err)
				return
			}
			s.Labels = maps.Clone(s.Labels)
			if s.Value != nil {
				v := *s.Value
				s.Value = &v
			}
			if filter.Match(s) && !yield(s, nil) {
				return
			}
		}
	}
}

// signals returns n valid signals whose IDs start with prefix: the
// conformance kit's.
var signals = storetest.Signals

// collect returns the signals matching f, failing t on an error.
func collect(t testing.TB, st feedback.Store, f feedback.Filter) []feedback.Signal {
	t.Helper()
	var out []feedback.Signal
	for s, err := range st.Query(t.Context(), f) {
		require.NoError(t, err)
		out = append(out, s)
	}
	return out
}

func ids(ss []feedback.Signal) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}
