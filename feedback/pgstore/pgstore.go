// Package pgstore is a [feedback.Store] in PostgreSQL, for the signals that
// several servers and many fleet workers share.
//
// It is a module of its own (github.com/goldenpath-dev/goldenpath/feedback/pgstore)
// so that programs which keep their signals in a file link no database
// driver. It is built on github.com/jackc/pgx/v5 and its pool.
//
// [Open] connects, creates the store's tables if needed and migrates them,
// from SQL embedded in the package, recording the schema's version in a
// table of its own; concurrent opens migrate once. [Store.Append] writes a
// batch in one transaction, so a batch is stored whole or not at all even
// when the process dies in the middle, and leaves out the signals whose ID
// is stored: retries are safe, and many processes may append the same
// signals. [Store.Query] streams through a server-side cursor, a page at a
// time, so memory is bounded by the page whatever the number of signals.
//
// The store passes the conformance kit of [storetest].
//
// [storetest]: https://pkg.go.dev/github.com/goldenpath-dev/goldenpath/feedback/storetest
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/internal/english"
)

//go:embed migrations/*.sql
var migrations embed.FS

// SchemaVersion is the version of the tables this package writes: the
// number of the last file in its migrations. Open migrates older tables to
// it and refuses newer ones.
const SchemaVersion = 2

// Defaults of [Options].
const (
	DefaultBatchSize = 1000
	DefaultPageSize  = 1000
)

// Options configures [Open] and [New]. The zero value is the default.
type Options struct {
	// Schema is the PostgreSQL schema that holds the store's tables
	// (gp_signals and gp_schema_version); Open creates it if needed.
	// Default "public". Two stores in different schemas of one database
	// are independent.
	Schema string
	// MaxConns bounds the connections of the pool Open makes; 0 keeps the
	// pool_max_conns of the URL, or pgxpool's default (the larger of 4
	// and the number of CPUs). A running Query holds one connection, an
	// Append one for its transaction.
	MaxConns int32
	// BatchSize is how many signals one INSERT statement of an Append
	// carries; an Append of more sends several, in one transaction.
	// Default DefaultBatchSize.
	BatchSize int
	// PageSize is how many rows a query fetches from its cursor at a time:
	// it bounds a query's memory. Default DefaultPageSize.
	PageSize int
}

// Store is a [feedback.Store] in PostgreSQL. Any of its methods may be
// called concurrently, from any number of processes sharing the database.
type Store struct {
	pool      *pgxpool.Pool
	ownPool   bool
	table     string // the signals table, quoted and qualified
	ident     pgx.Identifier
	batchSize int
	pageSize  int

	mu     sync.RWMutex
	closed bool
}

// Open connects to the PostgreSQL database at url (a "postgres://" URL or
// a key=value connection string, as pgx reads them, PG* environment
// variables included), creates or migrates the store's tables, and returns
// the store. A nil opts means the defaults. Close the store when done.
func Open(ctx context.Context, url string, opts *Options) (*Store, error) {
	o := options(opts)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	s, err := newStore(ctx, pool, o)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.ownPool = true
	return s, nil
}

// New returns a store using a pool the caller made, creating or migrating
// its tables. Close does not close the pool. A nil opts means the
// defaults; Options.MaxConns does not apply.
func New(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Store, error) {
	return newStore(ctx, pool, options(opts))
}

func options(opts *Options) Options {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Schema == "" {
		o.Schema = "public"
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	return o
}

func newStore(ctx context.Context, pool *pgxpool.Pool, o Options) (*Store, error) {
	s := &Store{
		pool:      pool,
		table:     pgx.Identifier{o.Schema, "gp_signals"}.Sanitize(),
		ident:     pgx.Identifier{o.Schema, "gp_signals"},
		batchSize: o.BatchSize,
		pageSize:  o.PageSize,
	}
	if err := migrate(ctx, pool, o.Schema); err != nil {
		return nil, err
	}
	return s, nil
}

// migrate creates the schema and the version table if needed and applies
// the migrations the database lacks, in one transaction under an advisory
// lock, so that concurrent opens migrate once.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(files)
	if len(files) != SchemaVersion {
		return fmt.Errorf("pgstore: %d migrations embedded, want %d", len(files), SchemaVersion)
	}
	s := pgx.Identifier{schema}.Sanitize()
	// Tables at this version need nothing: no lock, no DDL, so that a
	// role that may only read and write them can open the store.
	var have int
	err = pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+pgx.Identifier{schema, "gp_schema_version"}.Sanitize()).Scan(&have)
	switch {
	case err == nil && have == SchemaVersion:
		return nil
	case err == nil && have > SchemaVersion:
		return newerError(s, have)
	case err != nil:
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || (pe.Code != "42P01" && pe.Code != "3F000") { // no table, no schema
			return fmt.Errorf("pgstore: reading the schema version of %s: %w", s, err)
		}
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('goldenpath.pgstore.' || $1))`, schema); err != nil {
			return fmt.Errorf("pgstore: locking schema %s for migration: %w", s, err)
		}
		for _, q := range []string{
			`CREATE SCHEMA IF NOT EXISTS ` + s,
			`SET LOCAL search_path TO ` + s,
			`CREATE TABLE IF NOT EXISTS gp_schema_version (
				version    integer PRIMARY KEY,
				applied_at timestamptz NOT NULL DEFAULT now()
			)`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("pgstore: preparing schema %s: %w", s, err)
			}
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM gp_schema_version`).Scan(&have); err != nil {
			return fmt.Errorf("pgstore: reading the schema version of %s: %w", s, err)
		}
		if have > SchemaVersion {
			return newerError(s, have)
		}
		for _, name := range files[have:] {
			v, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
			if err != nil {
				return fmt.Errorf("pgstore: migration %s: no version number", name)
			}
			sql, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return fmt.Errorf("pgstore: migrating schema %s to version %d (%s): %w", s, v, name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO gp_schema_version (version) VALUES ($1)`, v); err != nil {
				return fmt.Errorf("pgstore: recording version %d in schema %s: %w", v, s, err)
			}
		}
		return nil
	})
}

func newerError(schema string, have int) error {
	return fmt.Errorf("pgstore: the tables in schema %s are at version %d, newer than the %d this program knows: upgrade it", schema, have, SchemaVersion)
}

// Pool returns the store's connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the store, and the pool that Open made, after the queries
// and appends running have ended. Later calls return feedback.ErrClosed.
// Closing a closed store does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	if s.ownPool {
		s.pool.Close()
	}
	return nil
}

func (s *Store) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// column returns v as a text column can hold it: NUL bytes and invalid
// UTF-8 replaced by U+FFFD. Equal values stay equal, so a filter on the
// column selects a superset of what it should, which Query narrows.
func column(v string) string {
	if strings.IndexByte(v, 0) >= 0 {
		v = strings.ReplaceAll(v, "\x00", "\uFFFD")
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}

// idColumn returns id as the id column holds it: as it is when it is text
// PostgreSQL holds and has no backslash (every ID feedback.NewID makes),
// escaped otherwise — a backslash doubled, a NUL as \0, a byte of invalid
// UTF-8 as \xHH — so that two IDs never share a row.
func idColumn(id string) string {
	if utf8.ValidString(id) && strings.IndexByte(id, 0) < 0 && strings.IndexByte(id, '\\') < 0 {
		return id
	}
	var b strings.Builder
	for i := 0; i < len(id); {
		r, size := utf8.DecodeRuneInString(id[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, id[i])
		case r == 0:
			b.WriteString(`\0`)
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteString(id[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Append validates the signals and stores them in one transaction: one
// COPY, or, when a signal's ID is stored already or repeated (the COPY then
// fails whole), INSERT statements of Options.BatchSize signals that leave
// those out. When it returns nil every signal is committed, and when it
// fails none is. A signal whose ID is stored, or earlier in the batch, is
// left out, so that a retried Append is safe. An Append that deadlocks with
// another one on the same IDs is retried.
func (s *Store) Append(ctx context.Context, signals ...feedback.Signal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range signals {
		if err := signals[i].Validate(); err != nil {
			return err
		}
	}
	if s.isClosed() {
		return feedback.ErrClosed
	}
	if len(signals) == 0 {
		return nil
	}
	// Each signal's JSON is encoded once, when first needed: by the COPY
	// as it streams its rows, so that the encoding of the next rows
	// overlaps the server's work on the last ones, or by the INSERTs.
	src := &copySource{signals: signals, bodies: make([][]byte, len(signals)), i: -1}
	n := min(len(signals), s.batchSize)
	var (
		ids, sources, projects, blueprints, decisions, bodies = make([]string, 0, n), make([]string, 0, n),
			make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		times = make([]time.Time, 0, n)
	)
	insert := `INSERT INTO ` + s.table + ` (id, time, source, project, blueprint, decision, signal)
		SELECT id, time, source, project, blueprint, decision, signal
		FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
			WITH ORDINALITY AS u(id, time, source, project, blueprint, decision, signal, n)
		ORDER BY n
		ON CONFLICT (id) DO NOTHING`
	write := func(tx execer) error {
		for start := 0; start < len(signals); start += s.batchSize {
			ids, times, sources, projects, blueprints, decisions, bodies =
				ids[:0], times[:0], sources[:0], projects[:0], blueprints[:0], decisions[:0], bodies[:0]
			for i := start; i < min(start+s.batchSize, len(signals)); i++ {
				sig := &signals[i]
				b, err := src.body(i)
				if err != nil {
					return err
				}
				ids = append(ids, idColumn(sig.ID))
				times = append(times, sig.Time.UTC())
				sources = append(sources, column(string(sig.Source)))
				projects = append(projects, column(sig.Subject.Project))
				blueprints = append(blueprints, column(sig.Subject.Blueprint))
				decisions = append(decisions, column(sig.Decision))
				bodies = append(bodies, string(b))
			}
			if _, err := tx.Exec(ctx, insert, ids, times, sources, projects, blueprints, decisions, bodies); err != nil {
				return err
			}
		}
		return nil
	}
	// The fast way first: one COPY, a transaction of its own, which fails
	// whole when an ID is stored or repeated; then the INSERTs that leave
	// those out.
	if useCopy {
		_, err := s.pool.CopyFrom(ctx, s.ident, columns, src)
		var pe *pgconn.PgError
		if err == nil {
			return nil
		}
		if src.err != nil {
			return src.err
		}
		if !errors.As(err, &pe) || pe.Code != "23505" {
			if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
				err = fmt.Errorf("%w (%w)", ctxErr, err)
			}
			if !errors.As(err, &pe) || (pe.Code != "40P01" && pe.Code != "40001") {
				return fmt.Errorf("pgstore: appending %s to %s: %w", english.Count(len(signals), "signal"), s.table, err)
			}
		}
	}
	var err error
	for attempt := 0; ; attempt++ {
		if len(signals) <= s.batchSize {
			// One statement is a transaction of its own: no BEGIN and
			// COMMIT to wait for.
			err = write(s.pool)
		} else {
			err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return write(tx) })
		}
		var pe *pgconn.PgError
		if attempt < 5 && errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") && ctx.Err() == nil {
			continue // deadlock or serialization failure: nothing was stored
		}
		break
	}
	if src.err != nil {
		return src.err
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return fmt.Errorf("pgstore: appending %s to %s: %w", english.Count(len(signals), "signal"), s.table, err)
	}
	return nil
}

// copySource is the rows of an Append's COPY, a pgx.CopyFromSource made
// from its signals as pgx sends them. Values returns the same slice each
// time: pgx encodes a row before asking for the next.
type copySource struct {
	signals []feedback.Signal
	bodies  [][]byte // each signal's JSON, nil until encoded
	i       int
	row     [7]any
	err     error // the first signal that did not encode
}

// body returns the JSON of signal i, encoding it the first time.
func (c *copySource) body(i int) ([]byte, error) {
	if c.bodies[i] == nil {
		b, err := c.signals[i].MarshalJSON()
		if err != nil {
			c.err = fmt.Errorf("pgstore: encoding signal %q: %w", c.signals[i].ID, err)
			return nil, c.err
		}
		c.bodies[i] = b
	}
	return c.bodies[i], nil
}

// Next implements pgx.CopyFromSource.
func (c *copySource) Next() bool {
	c.i++
	return c.i < len(c.signals)
}

// Values implements pgx.CopyFromSource: the row of the current signal, in
// the order of columns.
func (c *copySource) Values() ([]any, error) {
	sig := &c.signals[c.i]
	b, err := c.body(c.i)
	if err != nil {
		return nil, err
	}
	c.row = [7]any{idColumn(sig.ID), sig.Time.UTC(), column(string(sig.Source)), column(sig.Subject.Project),
		column(sig.Subject.Blueprint), column(sig.Decision), b}
	return c.row[:], nil
}

// Err implements pgx.CopyFromSource.
func (c *copySource) Err() error { return nil }

// useCopy makes Append try one COPY before INSERTs; the benchmarks turn it
// off to compare.
var useCopy = true

// columns are the columns Append writes, in the order of its rows.
var columns = []string{"id", "time", "source", "project", "blueprint", "decision", "signal"}

// execer is a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// RowError is an error in one stored row: a signal that does not decode,
// written by a newer program or edited by hand.
type RowError struct {
	// Table is the table, qualified by its schema.
	Table string
	// Seq is the row's seq column: its place in the order appended.
	Seq int64
	// Err is what is wrong with the row.
	Err error
}

// Error returns "pgstore: TABLE row SEQ: ERR".
func (e *RowError) Error() string {
	return fmt.Sprintf("pgstore: %s row with seq %d: %v", e.Table, e.Seq, e.Err)
}

// Unwrap returns e.Err.
func (e *RowError) Unwrap() error { return e.Err }

// Query streams the signals that match f in the order they were appended,
// through a cursor in a read-only transaction: it sees the signals
// committed when it starts, and holds one connection and one page of
// Options.PageSize rows at a time. A row that does not decode yields a
// *RowError and the stream goes on if the loop does; any other error, and
// ctx's cancellation, ends it.
func (s *Store) Query(ctx context.Context, f feedback.Filter) iter.Seq2[feedback.Signal, error] {
	return func(yield func(feedback.Signal, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(feedback.Signal{}, err)
			return
		}
		if s.isClosed() {
			yield(feedback.Signal{}, feedback.ErrClosed)
			return
		}
		if err := s.query(ctx, f, yield); err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
				err = fmt.Errorf("%w (%w)", ctxErr, err)
			}
			yield(feedback.Signal{}, fmt.Errorf("pgstore: querying %s: %w", s.table, err))
		}
	}
}

// page is one FETCH of a query's cursor: the rows' seq and signal columns,
// the signals end to end in data.
type page struct {
	seqs []int64
	ends []int
	data []byte
}

// query streams the signals matching f. One goroutine fetches pages from
// the cursor while this one decodes the page before: at most three pages
// are held, one being fetched, one waiting and one being decoded.
func (s *Store) query(ctx context.Context, f feedback.Filter, yield func(feedback.Signal, error) bool) (err error) {
	where, args := s.where(f)
	pages := make(chan *page, 1)
	free := make(chan *page, 2)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		err := s.fetch(ctx, where, args, pages, free, stop)
		close(pages)
		done <- err
	}()
	broke := false // the loop stopped: yield must not be called again
	defer func() {
		close(stop)
		for range pages { // let the fetcher see stop
		}
		if ferr := <-done; err == nil && !broke && ctx.Err() == nil {
			err = ferr
		}
	}()
	n := 0
	for p := range pages {
		start := 0
		for i, end := range p.ends {
			raw := p.data[start:end]
			start = end
			if n++; n%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			sig, err := feedback.DecodeSignal(raw)
			if err != nil {
				if !yield(feedback.Signal{}, &RowError{Table: s.table, Seq: p.seqs[i], Err: err}) {
					broke = true
					return nil
				}
				continue
			}
			if f.Match(sig) && !yield(sig, nil) {
				broke = true
				return nil
			}
		}
		select {
		case free <- p:
		default:
		}
	}
	return ctx.Err() // and the fetcher's error, if any
}

// fetch reads the cursor of a query in pages, sending each on pages, until
// the rows end, stop is closed or an error; it reuses the pages on free.
func (s *Store) fetch(ctx context.Context, where string, args []any, pages chan<- *page, free <-chan *page, stop <-chan struct{}) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer func() {
		// Ending the transaction closes the cursor. A cancelled ctx has
		// broken the connection already: the pool drops it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		tx.Rollback(rctx)
	}()
	// A query reads every row it selects: plan for all of them, not for
	// the first tenth as for a cursor by default, which read a narrow
	// time range through the whole table in seq order rather than
	// through the time index and a sort.
	if _, err = tx.Exec(ctx, `SET LOCAL cursor_tuple_fraction = 1`); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DECLARE gp_query NO SCROLL CURSOR FOR SELECT seq, signal FROM `+s.table+where+` ORDER BY seq`, args...)
	if err != nil {
		return err
	}
	fetch := `FETCH ` + strconv.Itoa(s.pageSize) + ` FROM gp_query`
	for {
		var p *page
		select {
		case p = <-free:
			p.seqs, p.ends, p.data = p.seqs[:0], p.ends[:0], p.data[:0]
		default:
			p = &page{}
		}
		rows, err := tx.Query(ctx, fetch)
		if err != nil {
			return err
		}
		for rows.Next() {
			var seq int64
			raw := rows.RawValues()
			if len(raw) != 2 || raw[1] == nil {
				continue
			}
			if err := rows.Scan(&seq, nil); err != nil {
				rows.Close()
				return err
			}
			p.seqs = append(p.seqs, seq)
			p.data = append(p.data, raw[1]...)
			p.ends = append(p.ends, len(p.data))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(p.seqs) > 0 {
			select {
			case pages <- p:
			case <-stop:
				return nil
			}
		}
		if len(p.seqs) < s.pageSize {
			return nil
		}
		select {
		case <-stop:
			return nil
		default:
		}
	}
}

// where returns the WHERE clause of a query for f and its arguments: a
// superset of what f selects, which Query narrows with f.Match. Times are
// stored to the microsecond; the range is widened by one.
func (s *Store) where(f feedback.Filter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if !f.Since.IsZero() {
		add("time >= $%d", f.Since.UTC().Add(-time.Microsecond))
	}
	if !f.Until.IsZero() {
		add("time < $%d", f.Until.UTC().Add(time.Microsecond))
	}
	if f.Project != "" {
		add("project = $%d", column(f.Project))
	}
	if f.Blueprint != "" {
		add("blueprint = $%d", column(f.Blueprint))
	}
	if f.Decision != "" {
		add("decision = $%d", column(f.Decision))
	}
	if f.Source != "" {
		add("source = $%d", column(string(f.Source)))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}
