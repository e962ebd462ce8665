package pgstore_test

import (
	"context"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/internal/fleetsim"
	"github.com/goldenpath-dev/goldenpath/internal/heapwatch"
)

func aggBenchOptions() *report.AggregateOptions {
	now := fleetsim.Base.Add(40 * 7 * 24 * time.Hour)
	return &report.AggregateOptions{Now: func() time.Time { return now }}
}

func aggCheckBenchReport(b *testing.B, r *report.Report, n int) {
	if r.Signals != n || len(r.Decisions) != 10 || len(r.DesirePaths) == 0 || len(r.Revisit) == 0 {
		b.Fatalf("unexpected report: %d signals, %d decisions, %d desire paths, %d to revisit",
			r.Signals, len(r.Decisions), len(r.DesirePaths), len(r.Revisit))
	}
}

// benchServer is a server with PostgreSQL's durable defaults (fsync,
// synchronous commit), started at the first benchmark that needs it; with
// GP_PG_BENCH_FAST=1, a server without them, to see what durability costs.
var benchServer struct {
	once sync.Once
	srv  *pgtest.Server
	err  error
}

func benchDB(b *testing.B) string {
	b.Helper()
	benchServer.once.Do(func() {
		benchServer.srv, benchServer.err = pgtest.Start(context.Background(), &pgtest.Options{Durable: os.Getenv("GP_PG_BENCH_FAST") != "1"})
		if benchServer.err == nil {
			stopBench = benchServer.srv.Stop
		}
	})
	if benchServer.err != nil {
		b.Skip(benchServer.err)
	}
	url, err := benchServer.srv.CreateDatabase(b.Context(), b.Name())
	if err != nil {
		b.Fatal(err)
	}
	return url
}

// benchIDs numbers the signals the benchmarks append.
var benchIDs atomic.Int64

// stopBench stops the benchmarks' server; TestMain calls it.
var stopBench = func() error { return nil }

// benchStores opens an empty store of each kind: the JSON Lines file store
// (the baseline) and the PostgreSQL store.
func benchStores(b *testing.B) []struct {
	name string
	st   feedback.Store
} {
	fst, err := feedback.OpenFileStore(filepath.Join(b.TempDir(), "signals.jsonl"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fst.Close() })
	pst, err := pgstore.Open(b.Context(), benchDB(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pst.Close() })
	return []struct {
		name string
		st   feedback.Store
	}{{"store=jsonl", fst}, {"store=postgres", pst}}
}

// BenchmarkAppend appends batches of 1 000 new signals, each batch durable
// when Append returns: fsynced by the file store, committed by PostgreSQL
// (fsync and synchronous commit on).
func BenchmarkAppend(b *testing.B) {
	fleet := fleetsim.New(5000)
	stores := benchStores(b)
	insert := stores[1]
	insert.name = "store=postgres-insert"
	for _, s := range append(stores, insert) {
		b.Run(s.name+"/batch=1000", func(b *testing.B) {
			*pgstore.UseCopy = s.name != "store=postgres-insert"
			defer func() { *pgstore.UseCopy = true }()
			next, stop := iter.Pull2(fleet.Signals(1 << 30))
			defer stop()
			batch := make([]feedback.Signal, 1000)
			b.ReportAllocs()
			for b.Loop() {
				for i := range batch {
					// New IDs in every run of every count: a stored ID
					// would make the append a no-op.
					batch[i], _, _ = next()
					batch[i].ID = s.name + strconv.FormatInt(benchIDs.Add(1), 10)
				}
				if err := s.st.Append(b.Context(), batch...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(batch)*b.N)/b.Elapsed().Seconds(), "signals/s")
		})
	}
}

// BenchmarkAggregate aggregates 1 000 000 signals of 5 000 projects
// streamed from each store into a report. peak-heap-MiB is the most heap in
// use meanwhile: bounded by the groups, not the signals.
func BenchmarkAggregate(b *testing.B) {
	const total = 1_000_000
	fleet := fleetsim.New(5000)
	for _, s := range benchStores(b) {
		batch := make([]feedback.Signal, 0, 10_000)
		for sig := range fleet.Signals(total) {
			batch = append(batch, sig)
			if len(batch) == cap(batch) {
				if err := s.st.Append(b.Context(), batch...); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		b.Run(s.name+"/signals=1000000", func(b *testing.B) {
			opts := aggBenchOptions()
			b.ReportAllocs()
			peak := heapwatch.Start()
			for b.Loop() {
				r, err := report.AggregateStore(b.Context(), s.st, feedback.Filter{}, opts)
				if err != nil {
					b.Fatal(err)
				}
				aggCheckBenchReport(b, r, total)
			}
			b.ReportMetric(peak.Stop(), "peak-heap-MiB")
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "signals/s")
		})
	}
}
