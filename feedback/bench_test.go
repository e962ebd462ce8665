package feedback_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
)

// fleetSignal returns the i-th signal of a simulated fleet of 1 000
// projects: rule results mostly, drift with a hunk, lag and ratings.
func fleetSignal(i int) feedback.Signal {
	s := feedback.Signal{
		ID:   fmt.Sprintf("%012x%020x", t0.UnixMilli()+int64(i), i),
		Time: t0.Add(time.Duration(i) * time.Second),
		Subject: feedback.Subject{
			Project:   "project-" + strconv.Itoa(i%1000),
			Dir:       "/srv/fleet/project-" + strconv.Itoa(i%1000),
			Owner:     "team-" + strconv.Itoa(i%40),
			Blueprint: []string{"go-service", "tf-module", "preview-env"}[i%3],
			Version:   "1." + strconv.Itoa(i%5) + ".0",
		},
	}
	switch i % 10 {
	case 0, 1:
		s.Source = feedback.SourceDrift
		s.File = "Makefile"
		s.Result = feedback.ResultFail
		s.Evidence = feedback.Evidence{Message: "shared file edited downstream",
			Hunk: "@@ -12,3 +12,4 @@ test:\n \tgo test ./...\n+\tgo vet ./...\n lint:\n"}
	case 2:
		s.Source = feedback.SourceLag
		s.Value, s.Unit = ptr(float64(i%5)), "versions"
	case 3:
		s.Source = feedback.SourceRating
		s.Value, s.Unit = ptr(float64(1+i%5)), "score"
		s.Evidence.Message = "the deploy manifests are hard to change"
		s.Labels = map[string]string{"by": "dev-" + strconv.Itoa(i%300)}
	default:
		s.Source = feedback.SourceRule
		s.Decision = "ADR-00" + strconv.Itoa(10+i%12)
		s.Rule = "rule-" + strconv.Itoa(i%3)
		s.Mode = decision.Warn
		s.Severity = decision.Medium
		s.Result = []feedback.Result{feedback.ResultPass, feedback.ResultPass, feedback.ResultFail, feedback.ResultExempt}[i%4]
	}
	return s
}

// BenchmarkAppend appends batches of 1, 100 and 1 000 signals to a file,
// each batch synced: the sync is most of the cost. Each batch has new IDs,
// as a store leaves out the IDs it holds.
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			st, err := feedback.OpenFileStore(filepath.Join(b.TempDir(), "signals.jsonl"), nil)
			require.NoError(b, err)
			defer st.Close()
			sigs := make([]feedback.Signal, batch)
			for i := range sigs {
				sigs[i] = fleetSignal(i)
			}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for i := range sigs {
					sigs[i].ID = fmt.Sprintf("%032x", n)
					n++
				}
				if err := st.Append(b.Context(), sigs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "signals/s")
		})
	}
}

// BenchmarkQuery streams 1 000 000 signals from a file, with no filter and
// with one that matches 1 in 1 000. peak-heap-MB is the most heap in use
// during a query, sampled every 100 000 signals: it stays flat.
// file-B/signal is the size of the file over the number of signals.
func BenchmarkQuery(b *testing.B) {
	const total = 1_000_000
	path := filepath.Join(b.TempDir(), "signals.jsonl")
	st, err := feedback.OpenFileStore(path, nil)
	require.NoError(b, err)
	defer st.Close()
	batch := make([]feedback.Signal, 0, 10_000)
	for i := range total {
		batch = append(batch, fleetSignal(i))
		if len(batch) == cap(batch) {
			require.NoError(b, st.Append(b.Context(), batch...))
			batch = batch[:0]
		}
	}
	fi, err := os.Stat(path)
	require.NoError(b, err)
	for _, bc := range []struct {
		name string
		f    feedback.Filter
		want int
	}{
		{"all", feedback.Filter{}, total},
		{"project", feedback.Filter{Project: "project-7"}, total / 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var peak uint64
			var ms runtime.MemStats
			for b.Loop() {
				n := 0
				for s, err := range st.Query(b.Context(), bc.f) {
					if err != nil {
						b.Fatal(err)
					}
					if n++; n%100_000 == 0 || n == bc.want/2 {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
					}
					_ = s
				}
				if n != bc.want {
					b.Fatalf("%d signals, want %d", n, bc.want)
				}
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "signals/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(fi.Size())/total, "file-B/signal")
		})
	}
}

// BenchmarkFirstAppend opens a file of 1 000 000 signals and appends one:
// the first append reads the ID of every line, and keeps a digest of each.
// index-MiB is the heap that holds them.
func BenchmarkFirstAppend(b *testing.B) {
	const total = 1_000_000
	path := filepath.Join(b.TempDir(), "signals.jsonl")
	st, err := feedback.OpenFileStore(path, nil)
	require.NoError(b, err)
	batch := make([]feedback.Signal, 0, 10_000)
	for i := range total {
		batch = append(batch, fleetSignal(i))
		if len(batch) == cap(batch) {
			require.NoError(b, st.Append(b.Context(), batch...))
			batch = batch[:0]
		}
	}
	require.NoError(b, st.Close())
	var before, after runtime.MemStats
	var index float64
	n := 0
	for b.Loop() {
		st, err := feedback.OpenFileStore(path, nil)
		require.NoError(b, err)
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := fleetSignal(total + n)
		n++
		require.NoError(b, st.Append(b.Context(), s))
		runtime.GC()
		runtime.ReadMemStats(&after)
		index = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		require.NoError(b, st.Close())
	}
	b.ReportMetric(index, "index-MiB")
}
