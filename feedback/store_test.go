package feedback_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/feedback"
)

// testStore runs the tests every Store must pass; open returns an empty
// store.
func testStore(t *testing.T, open func(t *testing.T) feedback.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		st := open(t)
		in := []feedback.Signal{full(), {ID: "b", Time: t0, Source: feedback.SourceMetric}}
		in[0].Time = in[0].Time.In(time.FixedZone("X", -7200))
		require.NoError(t, st.Append(t.Context(), in...))
		got := collect(t, st, feedback.Filter{})
		require.Len(t, got, 2)
		assert.Equal(t, full(), got[0], "stored in UTC")
		assert.Equal(t, in[1], got[1])

		// Stores keep copies: editing what was appended or returned changes
		// nothing.
		in[1].Labels = map[string]string{"x": "y"}
		got[0].Labels["exception"] = "changed"
		*got[0].Value = 99
		assert.Equal(t, []feedback.Signal{full(), {ID: "b", Time: t0, Source: feedback.SourceMetric}}, collect(t, st, feedback.Filter{}))
	})

	t.Run("Empty", func(t *testing.T) {
		st := open(t)
		assert.Empty(t, collect(t, st, feedback.Filter{}))
		require.NoError(t, st.Append(t.Context()))
		assert.Empty(t, collect(t, st, feedback.Filter{}))
	})

	t.Run("InvalidAppendsNothing", func(t *testing.T) {
		st := open(t)
		err := st.Append(t.Context(),
			feedback.Signal{ID: "ok", Time: t0, Source: feedback.SourceRule},
			feedback.Signal{ID: "bad", Time: t0, Source: "gossip"})
		assert.ErrorIs(t, err, feedback.ErrInvalidSignal)
		assert.Contains(t, err.Error(), `"bad"`)
		assert.Empty(t, collect(t, st, feedback.Filter{}))
	})

	t.Run("Filters", func(t *testing.T) {
		st := open(t)
		var all []feedback.Signal
		i := 0
		for _, project := range []string{"orders", "billing"} {
			for _, bp := range []string{"go-service", "tf-module"} {
				for _, d := range []string{"ADR-0007", "ADR-0012", ""} {
					for _, src := range []feedback.Source{feedback.SourceRule, feedback.SourceDrift} {
						i++
						all = append(all, feedback.Signal{
							ID: fmt.Sprintf("s%02d", i), Time: t0.Add(time.Duration(i) * time.Hour),
							Source: src, Decision: d,
							Subject: feedback.Subject{Project: project, Blueprint: bp},
						})
					}
				}
			}
		}
		require.NoError(t, st.Append(t.Context(), all[:10]...))
		require.NoError(t, st.Append(t.Context(), all[10:]...))
		for _, f := range []feedback.Filter{
			{},
			{Project: "orders"},
			{Project: "nobody"},
			{Blueprint: "tf-module"},
			{Decision: "ADR-0012"},
			{Source: feedback.SourceDrift},
			{Since: t0.Add(5 * time.Hour)},
			{Until: t0.Add(5 * time.Hour)},
			{Since: t0.Add(3 * time.Hour), Until: t0.Add(3 * time.Hour)},
			{Since: t0.Add(3 * time.Hour), Until: t0.Add(9 * time.Hour), Project: "orders", Source: feedback.SourceRule},
			{Project: "billing", Blueprint: "go-service", Decision: "ADR-0007", Source: feedback.SourceRule},
		} {
			var want []string
			for _, s := range all {
				if f.Match(s) {
					want = append(want, s.ID)
				}
			}
			assert.Equal(t, want, ids(collect(t, st, f)), "%+v", f)
		}
		// Spot checks of Match itself: Since is inclusive, Until exclusive.
		assert.Len(t, collect(t, st, feedback.Filter{Since: t0.Add(3 * time.Hour), Until: t0.Add(4 * time.Hour)}), 1)
		assert.Len(t, collect(t, st, feedback.Filter{Project: "orders", Decision: "ADR-0012"}), 4)
	})

	t.Run("StopEarly", func(t *testing.T) {
		st := open(t)
		require.NoError(t, st.Append(t.Context(), signals("s", 1000)...))
		n := 0
		for _, err := range st.Query(t.Context(), feedback.Filter{}) {
			require.NoError(t, err)
			if n++; n == 3 {
				break
			}
		}
		assert.Equal(t, 3, n)
	})

	t.Run("Cancel", func(t *testing.T) {
		st := open(t)
		require.NoError(t, st.Append(t.Context(), signals("s", 1000)...))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		assert.ErrorIs(t, st.Append(ctx, signals("t", 1)...), context.Canceled)
		var errs []error
		n := 0
		for _, err := range st.Query(ctx, feedback.Filter{}) {
			if err != nil {
				errs = append(errs, err)
			} else {
				n++
			}
		}
		assert.Equal(t, 0, n)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], context.Canceled)
		assert.Len(t, collect(t, st, feedback.Filter{}), 1000, "the cancelled append stored nothing")
	})

	t.Run("Concurrent", func(t *testing.T) {
		st := open(t)
		const writers, each = 16, 50
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					// Batches of 1 and 3, and queries while appending.
					batch := signals(fmt.Sprintf("w%02d-%03d-", w, i), 1+2*(i%2))
					assert.NoError(t, st.Append(t.Context(), batch...))
					if i%10 == 0 {
						for _, err := range st.Query(t.Context(), feedback.Filter{}) {
							assert.NoError(t, err)
						}
					}
				}
			})
		}
		wg.Wait()
		count := make(map[string]int)
		for _, s := range collect(t, st, feedback.Filter{}) {
			count[s.ID]++
		}
		assert.Len(t, count, writers*each*2)
		for id, n := range count {
			assert.Equal(t, 1, n, id)
		}
	})
}

func TestMemoryStore(t *testing.T) {
	testStore(t, func(*testing.T) feedback.Store { return feedback.NewMemoryStore() })

	var m feedback.MemoryStore // the zero value is ready
	require.NoError(t, m.Append(t.Context(), signals("z", 3)...))
	assert.Equal(t, 3, m.Len())
}

// signals returns n valid signals whose IDs start with prefix.
func signals(prefix string, n int) []feedback.Signal {
	out := make([]feedback.Signal, n)
	for i := range out {
		out[i] = feedback.Signal{
			ID:       fmt.Sprintf("%s%d", prefix, i),
			Time:     t0.Add(time.Duration(i) * time.Second),
			Source:   feedback.SourceRule,
			Subject:  feedback.Subject{Project: "orders", Blueprint: "go-service", Version: "1.4.0"},
			Decision: "ADR-0007",
			Rule:     "postgres-16",
			Result:   feedback.ResultPass,
		}
	}
	return out
}

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
