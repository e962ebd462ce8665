package report_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/internal/fleetsim"
	"github.com/goldenpath-dev/goldenpath/internal/heapwatch"
)

func aggBenchOptions() *report.AggregateOptions {
	return &report.AggregateOptions{Now: func() time.Time { return fleetsim.Base.Add(40 * 7 * 24 * time.Hour) }}
}

func aggCheckBenchReport(b *testing.B, r *report.Report, n int) {
	if r.Signals != n || len(r.Decisions) != 10 || len(r.DesirePaths) == 0 || len(r.Revisit) == 0 {
		b.Fatalf("unexpected report: %d signals, %d decisions, %d desire paths, %d to revisit",
			r.Signals, len(r.Decisions), len(r.DesirePaths), len(r.Revisit))
	}
}

// BenchmarkAggregate aggregates signals made on the fly. With 500 projects,
// 100 000 and 1 000 000 signals have the same groups (4 and 40 scans of
// each project): the peak heap stays the same, bounded by the groups, not
// by the signals. 5 000 projects have ten times the groups.
func BenchmarkAggregate(b *testing.B) {
	for _, bc := range []struct{ projects, signals int }{
		{500, 100_000}, {500, 1_000_000}, {5000, 1_000_000},
	} {
		b.Run(fmt.Sprintf("projects=%d/signals=%d", bc.projects, bc.signals), func(b *testing.B) {
			fleet := fleetsim.New(bc.projects)
			opts := aggBenchOptions()
			b.ReportAllocs()
			peak := heapwatch.Start()
			for b.Loop() {
				r, err := report.Aggregate(context.Background(), fleet.Signals(bc.signals), opts)
				if err != nil {
					b.Fatal(err)
				}
				aggCheckBenchReport(b, r, bc.signals)
			}
			b.ReportMetric(peak.Stop(), "peak-heap-MiB")
			b.ReportMetric(float64(bc.signals*b.N)/b.Elapsed().Seconds(), "signals/s")
		})
	}
}

// BenchmarkAggregateSource measures making the signals alone, to subtract
// from BenchmarkAggregate.
func BenchmarkAggregateSource(b *testing.B) {
	fleet := fleetsim.New(5000)
	for b.Loop() {
		n := 0
		for range fleet.Signals(1_000_000) {
			n++
		}
	}
	b.ReportMetric(float64(1_000_000*b.N)/b.Elapsed().Seconds(), "signals/s")
}

// BenchmarkAggregateFileStore aggregates 1 000 000 signals read from a
// FileStore's file (5 000 projects): decoding the JSON lines included.
func BenchmarkAggregateFileStore(b *testing.B) {
	const total = 1_000_000
	path := filepath.Join(b.TempDir(), "signals.jsonl")
	st, err := feedback.OpenFileStore(path, nil)
	require.NoError(b, err)
	defer st.Close()
	batch := make([]feedback.Signal, 0, 10_000)
	for s := range fleetsim.New(5000).Signals(total) {
		batch = append(batch, s)
		if len(batch) == cap(batch) {
			require.NoError(b, st.Append(b.Context(), batch...))
			batch = batch[:0]
		}
	}
	opts := aggBenchOptions()
	b.ReportAllocs()
	peak := heapwatch.Start()
	for b.Loop() {
		r, err := report.AggregateStore(b.Context(), st, feedback.Filter{}, opts)
		if err != nil {
			b.Fatal(err)
		}
		aggCheckBenchReport(b, r, total)
	}
	b.ReportMetric(peak.Stop(), "peak-heap-MiB")
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "signals/s")
}
