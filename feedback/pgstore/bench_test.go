package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

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

// benchServers are servers with PostgreSQL's durable defaults (fsync,
// synchronous commit, full-page writes), one per file system their data is
// on, started at the first benchmark that needs it; with
// GP_PG_BENCH_FAST=1, servers without them, to see what durability costs.
var benchServers struct {
	sync.Mutex
	srv map[string]*pgtest.Server
}

// benchDisks are the file systems the append benchmarks put the data of
// both stores on: the disk (the system's temporary directory), and tmpfs
// when /dev/shm exists, which takes the disk's writes and fsyncs out.
func benchDisks() []string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return []string{"disk", "tmpfs"}
	}
	return []string{"disk"}
}

// benchDir returns a new directory on the file system named by disk.
func benchDir(b *testing.B, disk string) string {
	parent := ""
	if disk == "tmpfs" {
		parent = "/dev/shm"
	}
	dir, err := os.MkdirTemp(parent, "gp-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// benchDB returns the URL of a new database on the server whose data is on
// disk ("disk" or "tmpfs").
func benchDB(b *testing.B, disk string) string {
	b.Helper()
	benchServers.Lock()
	defer benchServers.Unlock()
	srv := benchServers.srv[disk]
	if srv == nil {
		// The data directory's parent: reachable by the server's user
		// when this process is root.
		parent := os.TempDir()
		if disk == "tmpfs" {
			parent = "/dev/shm"
		}
		data := filepath.Join(parent, "gp-bench-pg-"+strconv.Itoa(os.Getpid()))
		var err error
		srv, err = pgtest.Start(context.Background(), &pgtest.Options{
			Durable: os.Getenv("GP_PG_BENCH_FAST") != "1", DataDir: data})
		if errors.Is(err, pgtest.ErrNotInstalled) && os.Getenv("CI") == "" {
			b.Skip(err)
		}
		if err != nil {
			b.Fatal(err)
		}
		if benchServers.srv == nil {
			benchServers.srv = map[string]*pgtest.Server{}
		}
		benchServers.srv[disk] = srv
	}
	url, err := srv.CreateDatabase(b.Context(), b.Name())
	if err != nil {
		b.Fatal(err)
	}
	return url
}

// benchIDs numbers the signals the benchmarks append.
var benchIDs atomic.Int64

// stopBench stops the benchmarks' servers; TestMain calls it.
func stopBench() {
	benchServers.Lock()
	defer benchServers.Unlock()
	for _, srv := range benchServers.srv {
		srv.Stop()
	}
	benchServers.srv = nil
}

type benchStore struct {
	name string
	st   feedback.Store
}

// benchStores opens an empty store of each kind with its data on disk
// ("disk" or "tmpfs"): the JSON Lines file store (the baseline) and the
// PostgreSQL store.
func benchStores(b *testing.B, disk string) []benchStore {
	fst, err := feedback.OpenFileStore(filepath.Join(benchDir(b, disk), "signals.jsonl"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fst.Close() })
	pst, err := pgstore.Open(b.Context(), benchDB(b, disk), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pst.Close() })
	return []benchStore{{"store=jsonl", fst}, {"store=postgres", pst}}
}

// BenchmarkAppend appends batches of 1 000 new signals of a simulated
// fleet, each batch durable when Append returns: fsynced by the file store,
// committed by PostgreSQL (fsync and synchronous commit on). writers=1 is
// one goroutine appending a batch after another; writers=4 is four
// appending at once, as the shards of a fleet do (the file store takes
// their batches one at a time; PostgreSQL commits them together). Each
// store's data is on the disk, or on tmpfs. The signals are made before the
// clock starts; only their IDs are new in each batch. postgres-insert is
// the INSERT an append falls back on when an ID of its batch is stored.
// WAL-KB/batch is the write-ahead log PostgreSQL wrote for each batch.
func BenchmarkAppend(b *testing.B) {
	const batchSize = 1000
	sim := fleetsim.New(5000)
	fleet := make([]feedback.Signal, 0, 20*batchSize)
	for s := range sim.Signals(cap(fleet)) {
		fleet = append(fleet, s)
	}
	for _, disk := range benchDisks() {
		b.Run("disk="+disk, func(b *testing.B) {
			stores := benchStores(b, disk)
			insert := stores[1]
			insert.name = "store=postgres-insert"
			for _, writers := range []int{1, 4} {
				for _, s := range append(stores, insert) {
					if writers > 1 && s.name == "store=postgres-insert" {
						continue
					}
					b.Run(fmt.Sprintf("writers=%d/%s", writers, s.name), func(b *testing.B) {
						*pgstore.UseCopy = s.name != "store=postgres-insert"
						defer func() { *pgstore.UseCopy = true }()
						benchAppend(b, s.st, fleet, batchSize, writers)
					})
				}
			}
		})
	}
}

// benchAppend appends b.N batches of size signals from writers goroutines
// at once, each batch a slice of the fleet's signals with new IDs.
func benchAppend(b *testing.B, st feedback.Store, fleet []feedback.Signal, size, writers int) {
	pg, _ := st.(*pgstore.Store)
	lsn := func() int64 {
		var n int64
		if pg != nil {
			if err := pg.Pool().QueryRow(b.Context(), `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
		return n
	}
	// The CPU time the server's backends and this process spend on each
	// batch: less at the mercy of other programs on the machine than the
	// time the batch takes.
	backends := func() map[int]time.Duration {
		if pg == nil {
			return nil
		}
		m := map[int]time.Duration{}
		rows, err := pg.Pool().Query(b.Context(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var pid int
			rows.Scan(&pid)
			m[pid] = procCPU(pid)
		}
		if rows.Close(); rows.Err() != nil {
			b.Fatal(rows.Err())
		}
		return m
	}
	if pg != nil {
		// A connection for every writer, there at the start.
		var conns []*pgxpool.Conn
		for range writers {
			c, err := pg.Pool().Acquire(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			c.Release()
		}
	}
	batches := make([][]feedback.Signal, writers)
	for w := range batches {
		batches[w] = make([]feedback.Signal, size)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	wal := lsn()
	server := backends()
	client := selfCPU()
	b.ResetTimer()
	for w := range writers {
		batch := batches[w]
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				// New IDs in every run of every count: a stored ID
				// would make the append a no-op.
				base := i * size % len(fleet)
				for j := range batch {
					batch[j] = fleet[(base+j)%len(fleet)]
					batch[j].ID = "bench-" + strconv.FormatInt(benchIDs.Add(1), 36)
				}
				if err := st.Append(b.Context(), batch...); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(size*b.N)/b.Elapsed().Seconds(), "signals/s")
	if c := selfCPU(); c > 0 {
		b.ReportMetric(float64(c-client)/1e6/float64(b.N), "client-CPU-ms/batch")
	}
	if pg != nil {
		b.ReportMetric(float64(lsn()-wal)/1024/float64(b.N), "WAL-KB/batch")
		var cpu time.Duration
		for pid, end := range backends() {
			cpu += end - server[pid]
		}
		if cpu > 0 {
			b.ReportMetric(float64(cpu)/1e6/float64(b.N), "server-CPU-ms/batch")
		}
	}
}

// procCPU returns the CPU time process pid has used, user and system, from
// /proc (Linux); 0 elsewhere.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // clock ticks of 1/100 s
}

// BenchmarkAggregate aggregates 1 000 000 signals of 5 000 projects
// streamed from each store into a report. peak-heap-MiB is the most heap in
// use meanwhile: bounded by the groups, not the signals.
func BenchmarkAggregate(b *testing.B) {
	const total = 1_000_000
	fleet := fleetsim.New(5000)
	for _, s := range benchStores(b, "disk") {
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
