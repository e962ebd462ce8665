package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
	"github.com/goldenpath-dev/goldenpath/feedback/storetest"
	"github.com/goldenpath-dev/goldenpath/internal/fleetsim"
)

func TestMain(m *testing.M) {
	if code, ok := asChild(); ok {
		os.Exit(code)
	}
	code := pgtest.Main(m)
	stopBench()
	os.Exit(code)
}

// open opens a store in a new database, closed at the end of the test.
func open(t testing.TB, opts *pgstore.Options) (*pgstore.Store, string) {
	t.Helper()
	url := pgtest.Database(t)
	st, err := pgstore.Open(t.Context(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, url
}

func TestStore(t *testing.T) {
	runKit(t, nil)
}

// Small batches and pages: an Append is several statements, a query
// several fetches.
func TestStoreSmallPages(t *testing.T) {
	runKit(t, &pgstore.Options{BatchSize: 7, PageSize: 5, MaxConns: 2})
}

// runKit runs the store kit on stores opened with opts, each in a new
// database; the Durable rule reopens a store from its URL, with a pool of
// its own, as another process would.
func runKit(t *testing.T, opts *pgstore.Options) {
	var mu sync.Mutex
	urls := map[feedback.Store]string{}
	storetest.Run(t, func(t *testing.T) feedback.Store {
		st, url := open(t, opts)
		mu.Lock()
		urls[st] = url
		mu.Unlock()
		return st
	}, &storetest.Options{Reopen: func(ctx context.Context, st feedback.Store) (feedback.Store, error) {
		mu.Lock()
		url := urls[st]
		mu.Unlock()
		re, err := pgstore.Open(ctx, url, opts)
		if err != nil {
			return nil, err
		}
		return re, nil
	}})
}

// The error-joining form passes too, with stores in schemas of one
// database.
func TestStoreSchemas(t *testing.T) {
	url := pgtest.Database(t)
	n := 0
	var stores []*pgstore.Store
	defer func() {
		for _, st := range stores {
			st.Close()
		}
	}()
	schemas := map[feedback.Store]string{}
	err := storetest.TestStore(t.Context(), func(ctx context.Context) (feedback.Store, error) {
		n++
		schema := "kit " + strings.Repeat("x", n)
		st, err := pgstore.Open(ctx, url, &pgstore.Options{Schema: schema})
		if err != nil {
			return nil, err
		}
		stores = append(stores, st)
		schemas[st] = schema
		return st, nil
	}, &storetest.Options{Reopen: func(ctx context.Context, st feedback.Store) (feedback.Store, error) {
		re, err := pgstore.Open(ctx, url, &pgstore.Options{Schema: schemas[st]})
		if err != nil {
			return nil, err
		}
		return re, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// Opening migrates once, however many open at once, and refuses tables
// newer than the package.
func TestMigrate(t *testing.T) {
	url := pgtest.Database(t)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			st, err := pgstore.Open(t.Context(), url, nil)
			if err == nil {
				err = st.Append(t.Context(), storetest.Signals("m", 2)...)
				st.Close()
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	st, err := pgstore.Open(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	versions := schemaVersions(t, st.Pool())
	if want := allVersions(); !slices.Equal(versions, want) {
		t.Fatalf("versions recorded: %v, want %v", versions, want)
	}
	if _, err := st.Pool().Exec(t.Context(), `INSERT INTO gp_schema_version (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	_, err = pgstore.Open(t.Context(), url, nil)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("version 99, newer than the %d this program knows", pgstore.SchemaVersion)) {
		t.Fatalf("opening newer tables: %v", err)
	}
}

// A row that does not decode is reported with its place, and the stream
// goes on.
func TestRowError(t *testing.T) {
	st, _ := open(t, nil)
	if err := st.Append(t.Context(), storetest.Signals("r", 3)...); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(t.Context(), `UPDATE gp_signals SET signal = '{"v":3}' WHERE id = 'r1'`); err != nil {
		t.Fatal(err)
	}
	var got []string
	var errs []error
	for s, err := range st.Query(t.Context(), feedback.Filter{}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, s.ID)
	}
	var re *pgstore.RowError
	if len(errs) != 1 || !errors.As(errs[0], &re) || re.Seq != 2 || !errors.Is(errs[0], feedback.ErrUnsupportedVersion) {
		t.Fatalf("errors %v, want one RowError at seq 2", errs)
	}
	if strings.Join(got, " ") != "r0 r2" {
		t.Fatalf("signals %v, want r0 r2", got)
	}
}

// Fields PostgreSQL's text cannot hold are filtered exactly all the same.
func TestAwkwardText(t *testing.T) {
	st, _ := open(t, nil)
	a := storetest.Signals("a", 2)
	a[0].Subject.Project = "nul\x00in"
	a[1].Subject.Project = "nul\uFFFDin"
	// IDs that would be one row if NUL and invalid UTF-8 were replaced.
	ids := []string{"id\x00", "id\uFFFD", "id\xff", `id\0`, `id\\0`}
	for _, id := range ids {
		s := storetest.Signals(id, 1)[0]
		s.ID = id
		a = append(a, s)
	}
	if err := st.Append(t.Context(), a...); err != nil {
		t.Fatal(err)
	}
	var got []string
	for s, err := range st.Query(t.Context(), feedback.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.ID)
	}
	if len(got) != 7 {
		t.Errorf("stored %q, want 7 signals", got)
	}
	for _, p := range []string{"nul\x00in", "nul\uFFFDin"} {
		var got []string
		for s, err := range st.Query(t.Context(), feedback.Filter{Project: p}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, s.Subject.Project)
		}
		if len(got) != 1 || got[0] != p {
			t.Errorf("filter on %q: got %q", p, got)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := pgstore.Open(t.Context(), "postgres://nobody@/nowhere?host=/nonexistent&connect_timeout=2", nil)
	if err == nil {
		t.Fatal("opened a store on no server")
	}
	_, err = pgstore.Open(t.Context(), "postgres://%zz", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "pgstore: ") {
		t.Fatalf("a bad URL: %v", err)
	}
}

// Options.MaxConns bounds the connections, however many goroutines use
// the store.
func TestPoolLimit(t *testing.T) {
	st, url := open(t, &pgstore.Options{MaxConns: 3})
	watch, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(t.Context())
	done := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 10 {
				if err := st.Append(t.Context(), storetest.Signals(fmt.Sprintf("g%d-%d-", g, i), 20)...); err != nil {
					t.Error(err)
					return
				}
				for _, err := range st.Query(t.Context(), feedback.Filter{Project: "orders"}) {
					if err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	go func() { wg.Wait(); close(done) }()
	// Only client backends are the store's: an autovacuum worker, which
	// the appends may bring to this database, has its datname too.
	most := 0
	for {
		var n int
		err := watch.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		most = max(most, n)
		select {
		case <-done:
			if most > 3 || most == 0 {
				t.Errorf("at most %d connections seen, want 1 to 3", most)
			}
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// A role that may only read and append to the tables opens a store that
// is at this version: Open runs no DDL then.
func TestOpenWithoutDDL(t *testing.T) {
	owner, url := open(t, nil)
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP ROLE IF EXISTS gp_writer`,
		`CREATE ROLE gp_writer LOGIN`,
		`GRANT USAGE ON SCHEMA public TO gp_writer`,
		`GRANT SELECT, INSERT ON gp_signals, gp_schema_version TO gp_writer`,
		`REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
		`REVOKE CREATE ON DATABASE ` + pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize() + ` FROM PUBLIC`,
	} {
		if _, err := owner.Pool().Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	writerURL := strings.Replace(url, "postgres://"+pgtest.User+"@", "postgres://gp_writer@", 1)
	st, err := pgstore.Open(t.Context(), writerURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Append(t.Context(), storetest.Signals("w", 3)...); err != nil {
		t.Fatal(err)
	}
	if err := st.Append(t.Context(), storetest.Signals("w", 4)...); err != nil {
		t.Fatal(err, "(the INSERT of a batch with stored IDs)")
	}
	n := 0
	for _, err := range st.Query(t.Context(), feedback.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d signals, want 4", n)
	}
}

// allVersions is every schema version, 1 to pgstore.SchemaVersion.
func allVersions() []int {
	var v []int
	for i := range pgstore.SchemaVersion {
		v = append(v, i+1)
	}
	return v
}

// Tables at version 1 (six btree indexes) migrate to the current version
// with their signals, which the lean indexes then find by every filter.
func TestMigrateFromVersion1(t *testing.T) {
	url := pgtest.Database(t)
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	v1, err := os.ReadFile("migrations/0001_signals.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE gp_schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
		string(v1),
		`INSERT INTO gp_schema_version (version) VALUES (1)`,
	} {
		if _, err := conn.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	// A version 1 program's rows: the signals' JSON and their columns.
	all := varied(50)
	for _, s := range all[:40] {
		b, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(t.Context(), `INSERT INTO gp_signals (id, time, source, project, blueprint, decision, signal) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			s.ID, s.Time, string(s.Source), s.Subject.Project, s.Subject.Blueprint, s.Decision, string(b)); err != nil {
			t.Fatal(err)
		}
	}
	st, err := pgstore.Open(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	versions := schemaVersions(t, conn)
	if want := allVersions(); !slices.Equal(versions, want) {
		t.Fatalf("versions after migrating: %v, want %v", versions, want)
	}
	var indexes []string
	rows, err := conn.Query(t.Context(), `SELECT indexdef FROM pg_indexes WHERE tablename = 'gp_signals' ORDER BY indexname`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d string
		rows.Scan(&d)
		indexes = append(indexes, d)
	}
	want := []string{
		`CREATE UNIQUE INDEX gp_signals_id ON public.gp_signals USING btree (id)`,
		`CREATE UNIQUE INDEX gp_signals_pkey ON public.gp_signals USING btree (seq)`,
		`CREATE INDEX gp_signals_project ON public.gp_signals USING btree (project, seq)`,
		`CREATE INDEX gp_signals_time ON public.gp_signals USING brin ("time") WITH (pages_per_range='16')`,
	}
	if !slices.Equal(indexes, want) {
		t.Errorf("indexes after migrating:\n%s\nwant:\n%s", strings.Join(indexes, "\n"), strings.Join(want, "\n"))
	}
	// The signals are there, found by each filter, and appending more
	// leaves out the stored IDs.
	if err := st.Append(t.Context(), all...); err != nil {
		t.Fatal(err)
	}
	for _, f := range []feedback.Filter{
		{},
		{Project: all[3].Subject.Project},
		{Blueprint: all[4].Subject.Blueprint},
		{Decision: all[5].Decision},
		{Source: all[6].Source},
		{Since: all[10].Time, Until: all[30].Time},
	} {
		var want, got []string
		for _, s := range all {
			if f.Match(s) {
				want = append(want, s.ID)
			}
		}
		for s, err := range st.Query(t.Context(), f) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, s.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("filter %+v after migrating: %v, want %v", f, got, want)
		}
	}
}

// varied returns n signals whose project, blueprint, decision and source
// vary, so that each filter selects some of them.
func varied(n int) []feedback.Signal {
	all := storetest.Signals("v-", n)
	for i := range all {
		all[i].Subject.Project = fmt.Sprintf("project-%d", i%7)
		all[i].Subject.Blueprint = fmt.Sprintf("blueprint-%d", i%3)
		all[i].Decision = fmt.Sprintf("ADR-%04d", i%4)
		if i%5 == 0 {
			all[i].Source = feedback.SourceDrift
		}
	}
	return all
}

// A narrow time range is read through the time index, not through the
// whole table; the other filters' queries find what they should.
func TestTimeRangeUsesIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("appends 100 000 signals")
	}
	st, _ := open(t, nil)
	const n = 100_000
	batch := make([]feedback.Signal, 0, 10_000)
	for s := range fleetsim.New(2000).Signals(n) {
		batch = append(batch, s)
		if len(batch) == cap(batch) {
			if err := st.Append(t.Context(), batch...); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	// What autovacuum does after inserts: summarise the time index's
	// ranges and gather the statistics the planner goes by.
	if _, err := st.Pool().Exec(t.Context(), `VACUUM ANALYZE gp_signals`); err != nil {
		t.Fatal(err)
	}
	scans := func() int64 {
		var n int64
		if err := st.Pool().QueryRow(t.Context(), `SELECT pg_stat_get_xact_numscans('gp_signals_time'::regclass) + pg_stat_get_numscans('gp_signals_time'::regclass)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := scans()
	// One minute of the weekly scan, a second a project: 60 projects of
	// 2 000.
	since := fleetsim.Base.Add(10 * time.Minute)
	f := feedback.Filter{Since: since, Until: since.Add(time.Minute)}
	got := 0
	for s, err := range st.Query(t.Context(), f) {
		if err != nil {
			t.Fatal(err)
		}
		if !f.Match(s) {
			t.Fatalf("%s at %s is outside the range", s.ID, s.Time)
		}
		got++
	}
	if got != 60*50 {
		t.Errorf("%d signals in the range, want %d", got, 60*50)
	}
	// The statistics reach the counters when the backend reports them.
	deadline := time.Now().Add(10 * time.Second)
	for scans() == before && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if scans() == before {
		t.Errorf("the time range was not read through gp_signals_time")
	}
}

// schemaVersions returns the migrations a database records, in order.
func schemaVersions(t *testing.T, db interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}) []int {
	t.Helper()
	rows, err := db.Query(t.Context(), `SELECT version FROM gp_schema_version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return versions
}
