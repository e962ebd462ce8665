// Command server is goldenpath's HTTP server: a catalog of blueprints with a
// form per blueprint, the decisions they implement, the feedback report, and
// a JSON API behind the pages. It is built only on the library's public API
// (packages blueprint, render, decision and feedback).
//
// Usage:
//
//	go run ./examples/server --blueprints testdata/blueprints --decisions testdata/decisions \
//	    --store signals.jsonl
//
// The operator's flags name the sources, under the local policy: a directory
// of blueprints, a blueprint, or a catalog index (catalog.yaml listing git
// repositories and archives). Nothing in a request can name a source or a
// path: blueprints are addressed by their catalog name, and optionally a
// version, only.
//
// --store (default $GP_STORE) names the feedback store, a JSON Lines file
// (feedback.FileStore) or a postgres:// URL (pgstore.Store, which several
// servers can share), opened once at startup and closed at shutdown; no
// request can name another. Signals posted to the API and ratings given on the pages are
// appended to it, and the report aggregates it. Without --store, feedback
// is off: the pages offer no rating form, and the feedback routes answer
// 503.
//
// Pages:
//
//	GET  /healthz                  liveness, with the number of blueprints and decisions
//	GET  /                         the catalog: every blueprint, its versions, owner and decisions
//	GET  /blueprints/{name}        a form generated from the blueprint's JSON Schema (?version=)
//	POST /blueprints/{name}        re-validate: the form with each field's error (422), a .tar.gz
//	                               download of the rendered project, or with _action=preview its
//	                               file tree with responsibility levels
//	GET  /decisions                every decision with its status
//	GET  /decisions/{id}           one decision: status, dates, links, rules and text
//	POST /blueprints/{name}/rate   a rating from the form on a blueprint's page (score 1 to 5,
//	POST /decisions/{id}/rate      comment, name), then 303 back to the page, which thanks
//	                               (?rated=1); invalid values give the page back with 422
//	GET  /report                   the feedback report (?since= &until= YYYY-MM-DD, until
//	                               exclusive; ?min-projects=): what to revisit and why, with the
//	                               signals behind each reason; charts drawn as SVG on the server:
//	                               compliance per decision, desire paths, version spread,
//	                               every label whole (long file paths wrap); with --projects,
//	                               each desire path's proposed template change (what gp propose
//	                               would write) and its verification against the projects
//
// JSON API (the request body of validate and render is the parameter values,
// as JSON or, with Content-Type application/yaml, YAML; ?version= picks a
// version):
//
//	GET  /api/blueprints                    the catalog
//	GET  /api/blueprints/{name}             one blueprint's versions and parameters
//	GET  /api/blueprints/{name}/schema      its parameters' JSON Schema
//	POST /api/blueprints/{name}/validate    200 with the resolved values, or 422 with
//	                                        one error per field and its positions
//	POST /api/blueprints/{name}/render      the project as application/gzip (a tar archive)
//	POST /api/blueprints/{name}/upgrade     upgrade a project sent as render answers it (a
//	                                        .tar.gz, one top-level directory) to ?to=VERSION
//	                                        (default: the newest): 200 with the upgraded
//	                                        archive, or 409 with it and the conflicts marked
//	                                        in the files (its manifest lists them); headers
//	                                        Goldenpath-Upgrade ("go-service 1.4.0 2.0.0") and
//	                                        Goldenpath-Conflicts (files in conflict). The
//	                                        merge base is the recorded version from the
//	                                        catalog (422 when it has none). With --store,
//	                                        every file's outcome (merged, conflict,
//	                                        overwritten, kept) is recorded as gp upgrade
//	                                        --store does, and the report counts conflicts
//	                                        (then --signals-token applies); 409 with JSON when
//	                                        the project still holds an earlier upgrade's
//	                                        conflicts, 400 for an archive that is not one
//	GET  /api/decisions                     every decision
//	GET  /api/decisions/{id}                one decision
//	POST /api/signals                       append signals to the store: one in its JSON form
//	                                        ("v":1, docs/signals.md), an array, or JSON Lines,
//	                                        those without "id" or "time" stamped by the server;
//	                                        or ratings, {"blueprint" or "decision", "score",
//	                                        "comment", "by"}. 201 with the IDs stored (a signal
//	                                        whose ID is stored already is kept once: a retry
//	                                        is safe); 400 for a
//	                                        body that is not JSON objects, 422 (with the index)
//	                                        for an invalid signal, and then nothing is stored;
//	                                        with --signals-token, 401 without
//	                                        "Authorization: Bearer TOKEN"
//	GET  /api/report                        the report as JSON (report.Report), with the
//	                                        query of GET /report; 400 for a bad query
//
// For example:
//
//	curl -s -X POST --data '{"name":"orders","tier":"prod","replicas":2}' \
//	    localhost:8080/api/blueprints/go-service/validate
//	{"error":"invalid parameters","blueprint":"go-service","version":"2.0.0","fields":[
//	  {"path":"replicas","message":"prod services need at least 3 replicas",
//	   "input":{"file":"request.json","line":1,"column":43}, ...}]}
//
//	curl -s -X POST --data '{"name":"orders"}' -o orders.tar.gz \
//	    'localhost:8080/api/blueprints/go-service/render?version=1.4.0'
//
//	curl -s -X POST --data-binary @orders.tar.gz -H 'Content-Type: application/gzip' \
//	    -o orders-2.tar.gz -w '%{http_code}\n' 'localhost:8080/api/blueprints/go-service/upgrade?to=2.0.0'
//
//	curl -s -X POST --data '{"blueprint":"go-service","score":4,"comment":"quick start"}' \
//	    localhost:8080/api/signals
//	{"ids":["0197a3…"],"stored":1}
//
//	gp scan --json ./orders | curl -s -X POST --data-binary @- localhost:8080/api/signals
//	curl -s 'localhost:8080/api/report?since=2026-10-01&min-projects=2'
//
// Request bodies are limited in bytes (--max-body, 413 beyond) and in values
// (--max-values, YAML aliases and merge keys expanded, checked before
// anything decodes them: 422 beyond). Parameter evaluations (validations,
// the resolution that starts a render, the two an upgrade makes of an
// uploaded manifest's parameters) run at most --max-evals at a time and keep their slot until they end, even when their
// request gave up after --eval-timeout (503, without Retry-After: the same
// input would take as long again). With --isolate (Linux), each evaluation
// runs first in a child process (the server re-executed) limited to
// --eval-memory MiB and killed after --eval-timeout or when its request
// ends, and in process only once it ended there; renders run at most --max-renders at a
// time, reports at most --max-reports, and a report is served from a cache
// until the store changes. A request waits briefly for a slot, then gets
// 503 with a Retry-After spread over a few seconds. Error replies list the
// first 20 fields or findings and count the rest ("omitted"). Each render
// runs in a temporary directory that is removed when the request ends; those
// a crashed run left are removed at start. A body cut off by the read
// timeout answers 408, one that ends early 400. Form posts from other sites
// are refused (http.CrossOriginProtection), and the report leaves out where
// the store and the registry are on the server. The server shuts down
// gracefully on SIGINT or SIGTERM, waiting up to --shutdown-timeout for
// requests in flight; a second signal stops it at once. SECURITY.md lists
// every bound.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/examples/internal/flagusage"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/examples/internal/signalstore"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/render"
)

func main() {
	if os.Getenv(evalChildEnv) == "1" {
		os.Exit(serveEvaluation())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes of run.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, " ") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// run runs the server until ctx is cancelled, then shuts it down gracefully.
// It prints the address it listens on to stdout and logs to stderr, and
// returns the process's exit code: 0 after a clean shutdown, 1 when the
// sources cannot be loaded or the server fails, 2 for bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		blueprints      stringsFlag
		addr            = fs.String("addr", "127.0.0.1:8080", "the `ADDRESS` to listen on")
		decisions       = fs.String("decisions", "", "the decisions `SOURCE`: a directory of decision records, or a git repository or archive")
		store           = fs.String("store", os.Getenv(signalstore.Env), "the feedback `STORE`: a JSON Lines file (created if needed) or a postgres:// URL; posted signals and ratings are appended to it, the report reads it; without it feedback is off (default $GP_STORE)")
		cacheDir        = fs.String("cache-dir", "", "the cache of fetched sources (default goldenpath/sources in the user cache directory)")
		maxRenders      = fs.Int("max-renders", 4, "how many renders run at once")
		maxBody         = fs.Int64("max-body", 1<<20, "the largest request body, in bytes")
		maxValues       = fs.Int("max-values", 2000, "the most values (scalars, mappings and lists, YAML aliases and merge keys expanded) one request's parameters may hold")
		maxEvals        = fs.Int("max-evals", 0, "how many parameter evaluations run at once, abandoned ones included (default 2 × GOMAXPROCS)")
		evalTimeout     = fs.Duration("eval-timeout", 10*time.Second, "how long a request waits for the evaluation of its parameters")
		isolate         = fs.Bool("isolate", false, "evaluate each request's parameters first in a child process limited to --eval-memory, killed after --eval-timeout or when the request ends (Linux only)")
		evalMemory      = fs.Int64("eval-memory", 1024, "the memory, in MiB, an isolated evaluation may use")
		maxReports      = fs.Int("max-reports", 2, "how many feedback reports are computed at once")
		memoryLimit     = fs.Int64("memory-limit", 512<<20, "the Go runtime's soft memory limit, in bytes (runtime/debug.SetMemoryLimit; 0 keeps $GOMEMLIMIT or none)")
		shutdownTimeout = fs.Duration("shutdown-timeout", 15*time.Second, "how long a shutdown waits for requests in flight")
		logLevel        = fs.String("log-level", "info", "the log `LEVEL`: debug, info, warn or error")
		projects        = fs.String("projects", "", "the `DIR` the scanned projects are in: the report page shows each desire path's proposed blueprint change, verified against the projects' manifests read under DIR only (default: no proposals)")
		signalsToken    = fs.String("signals-token", os.Getenv("GP_SIGNALS_TOKEN"), "require `TOKEN` as a bearer token on POST /api/signals (default $GP_SIGNALS_TOKEN; empty: open)")
	)
	fs.Var(&blueprints, "blueprints", "a catalog `SOURCE`: a directory of blueprints, a blueprint, or a catalog index; repeatable")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: server --blueprints SOURCE [--decisions SOURCE] [--addr ADDRESS] [flags]\n\nFlags:\n")
		flagusage.Print(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "server: "+format+"\n", a...)
		fs.Usage()
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	case len(blueprints) == 0:
		return usage("--blueprints is required")
	case *maxRenders < 1:
		return usage("--max-renders must be 1 or more")
	case *maxBody < 1:
		return usage("--max-body must be 1 or more")
	case *maxValues < 1:
		return usage("--max-values must be 1 or more")
	case *maxEvals < 0, *maxReports < 1:
		return usage("--max-evals and --max-reports must be 1 or more")
	case *evalTimeout <= 0:
		return usage("--eval-timeout must be positive")
	case *evalMemory <= 0:
		return usage("--eval-memory must be positive")
	}
	if *memoryLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit makes the collector work harder near it and hand
		// memory back to the system, instead of holding the peak of a
		// burst while idle.
		debug.SetMemoryLimit(*memoryLimit)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usage("--log-level: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	fail := func(err error) int {
		fmt.Fprintf(stderr, "server: %v\n", err)
		return exitError
	}

	// The operator's flags are trusted: they may name local directories.
	sources, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: *cacheDir, Logger: logger})
	if err != nil {
		return fail(err)
	}
	var iso *blueprint.Isolation
	if *isolate {
		self, err := os.Executable()
		if err != nil {
			return fail(fmt.Errorf("--isolate: %w", err))
		}
		iso = &blueprint.Isolation{Command: []string{self}, Env: []string{evalChildEnv + "=1"}, MaxMemory: *evalMemory << 20}
	}
	catalog, err := blueprint.LoadCatalog(ctx, blueprints, catalogOptions(sources, logger, *maxBody, *maxValues, *evalTimeout, iso))
	if err != nil {
		return fail(err)
	}
	var reg *decision.Registry
	if *decisions != "" {
		if reg, err = loadDecisions(ctx, *decisions, sources, logger); err != nil {
			return fail(err)
		}
	}
	engine, err := render.New(&render.Options{Decisions: reg, Logger: logger, MaxBytes: 64 << 20, MaxFiles: 10_000})
	if err != nil {
		return fail(err)
	}
	// The store is opened once, here, and closed once every request is
	// done: no request names it.
	var signals feedback.Store
	if *store != "" {
		opened, err := signalstore.Open(ctx, *store, &signalstore.Options{
			OnRepair: func(r feedback.Repair) {
				logger.Warn("feedback store: removed a torn last line", "path", r.Path, "bytes", r.Dropped)
			},
		})
		if err != nil {
			return fail(err)
		}
		defer func() {
			if err := opened.Close(); err != nil {
				logger.Error("closing the feedback store", "err", err)
			}
		}()
		signals = opened
	}
	s, err := newServer(&config{
		Catalog:     catalog,
		Decisions:   reg,
		Engine:      engine,
		Logger:      logger,
		MaxBody:     *maxBody,
		MaxRenders:  *maxRenders,
		MaxEvals:    *maxEvals,
		EvalTimeout: *evalTimeout,
		Isolated:    iso != nil,
		MaxReports:  *maxReports,
		Signals:     signals,
		Projects:    *projects,

		SignalsToken: *signalsToken,
	})
	if err != nil {
		return fail(err)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(err)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "goldenpath server listening on http://%s\n", ln.Addr())
	logger.Info("listening", "addr", ln.Addr().String(), "blueprints", len(catalog.Names()), "decisions", s.decisionCount(), "store", signalstore.Redact(*store))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fail(err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", shutdownTimeout.String())
	// A second signal stops the server at once, without waiting for the
	// requests in flight; the render directories they leave are removed at
	// the next start.
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	sctx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(sctx) }()
	select {
	case err := <-shut:
		if err != nil {
			srv.Close()
			return fail(fmt.Errorf("shutdown: %w", err))
		}
	case sig := <-again:
		logger.Warn("second signal: stopping now", "signal", sig.String())
		srv.Close()
		return exitError
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fail(err)
	}
	logger.Info("stopped")
	return exitOK
}

// catalogOptions are the options the server loads its catalog with.
// Requests' parameters are capped in bytes and values before anything
// decodes them. Without iso, an evaluation runs in process, where CUE
// cannot be interrupted: the library is given no deadline, so that Resolve
// returns only when the evaluation really ended and the server's slot is
// held exactly as long as it runs (the request itself waits at most
// --eval-timeout). With iso, every evaluation runs first in a child limited
// in memory and killed after evalTimeout or when its request ends, and in
// process only once it ended there, to its end.
func catalogOptions(sources blueprint.Fetcher, logger *slog.Logger, maxBody int64, maxValues int, evalTimeout time.Duration, iso *blueprint.Isolation) *blueprint.Options {
	opts := &blueprint.Options{Fetcher: sources, Logger: logger, MaxInputBytes: maxBody, MaxInputNodes: maxValues,
		EvalTimeout: noEvalDeadline, Isolation: iso}
	if iso != nil {
		opts.EvalTimeout = evalTimeout
	}
	return opts
}

// noEvalDeadline is the library's deadline for an evaluation in process:
// none. The server answers the request after --eval-timeout; the
// evaluation keeps its slot until it ends.
const noEvalDeadline = time.Duration(math.MaxInt64)

// evalChildEnv, set to 1, makes the server the child of an isolated
// evaluation (--isolate): it serves one evaluation on its standard streams
// and exits.
const evalChildEnv = "GP_SERVER_EVALUATION_CHILD"

// serveEvaluation is the server as an isolation child.
func serveEvaluation() int {
	if err := blueprint.ServeIsolation(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		return exitError
	}
	return exitOK
}

// loadDecisions loads the decisions at source: a local directory directly,
// so that positions name its files, anything else through sources.
func loadDecisions(ctx context.Context, source string, sources blueprint.Fetcher, logger *slog.Logger) (*decision.Registry, error) {
	opts := &decision.Options{Fetcher: sources, Logger: logger}
	if fi, err := os.Stat(source); err == nil && fi.IsDir() {
		return decision.LoadDir(ctx, source, opts)
	}
	return decision.Load(ctx, source, opts)
}
