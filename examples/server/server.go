package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/render"
)

//go:embed templates/*.html static/*
var assets embed.FS

// config configures a server. Catalog, Engine and Logger are required; the
// zero value of every other field is its default.
type config struct {
	// Catalog holds the blueprints the server offers.
	Catalog *blueprint.Catalog
	// Decisions are shown on the decision pages and linked from blueprints;
	// nil shows none. Renders evaluate them only when Engine was created
	// with them (render.Options.Decisions).
	Decisions *decision.Registry
	// Engine renders the projects.
	Engine *render.Engine
	// Logger receives one line per request and every failure.
	Logger *slog.Logger
	// MaxBody caps every request body, in bytes. Default 1 MiB.
	MaxBody int64
	// MaxRenders is how many renders and previews run at once. Default 4.
	MaxRenders int
	// RenderWait is how long a render waits for a free slot before the
	// request is answered 503. Default 2 s.
	RenderWait time.Duration
	// RenderTimeout bounds each render, archive included. Default 1 min.
	RenderTimeout time.Duration
	// TempDir holds the temporary directory of each render. Default
	// os.TempDir(). The directories a previous run left there when it
	// crashed are removed by newServer.
	TempDir string
	// MaxEvals is how many parameter evaluations (validations, the
	// resolution that starts a render, and the two resolutions of an
	// upgrade) run at once. An evaluation keeps its
	// slot until it ends, even when its request gave up. Default
	// 2 × GOMAXPROCS.
	MaxEvals int
	// EvalWait is how long an evaluation waits for a free slot before the
	// request is answered 503. Default 5 s.
	EvalWait time.Duration
	// EvalTimeout is how long a request waits for its evaluation before it
	// is answered 503 (without Retry-After). Default 10 s.
	EvalTimeout time.Duration
	// Isolated says the Catalog was loaded with blueprint.Options.Isolation
	// (see catalogOptions): an evaluation then follows its request's
	// context, and its child is killed when the request ends. Otherwise an
	// evaluation runs in process on to its end, whatever its request does,
	// and the Catalog must have been loaded without an evaluation deadline
	// for its slot to be held as long as it runs (catalogOptions again).
	Isolated bool
	// MaxReports is how many reports are computed at once, apart from
	// renders. Default 2.
	MaxReports int
	// ReportTTL is how long a computed report is served again while the
	// store does not change. Default 1 min.
	ReportTTL time.Duration
	// MaxErrors caps the fields and findings of an error reply; the reply
	// says how many it left out. Default 20.
	MaxErrors int
	// Now is the clock for rule schedules shown on the decision pages, for
	// the feedback report, and for the signals the server stamps. Default
	// time.Now.
	Now func() time.Time
	// Signals is the feedback store: POST /api/signals and the rating forms
	// append to it, the report reads it. Nil turns feedback off: those
	// routes answer 503 and the pages show no rating form.
	Signals feedback.Store
	// Recorder stamps the ratings the server makes and the signals posted
	// without an ID or a time. Default: a Recorder whose clock is Now.
	Recorder *feedback.Recorder
	// SignalsToken, when set, is required as "Authorization: Bearer TOKEN"
	// by POST /api/signals, so that only the tools given it (a CI job, a
	// scanner) can record signals. The rating forms stay open to the
	// pages' visitors (same origin only).
	SignalsToken string
	// Projects, when set, is the directory the scanned projects are in:
	// the report page shows each desire path's proposal (feedback/propose),
	// verified against the projects' recorded parameters, read from their
	// manifests under it only. Empty: no proposal is computed.
	Projects string
}

// server serves the pages and the JSON API. It is safe for concurrent use.
type server struct {
	cfg     config
	handler http.Handler
	// renders holds one token per render or preview in progress.
	renders chan struct{}
	// evals holds one token per parameter evaluation in progress,
	// abandoned ones included.
	evals chan struct{}
	// reportSlots holds one token per report being computed.
	reportSlots chan struct{}
	// reports caches the reports; storeGen counts the appends made through
	// the server.
	reports  reportCache
	storeGen atomic.Int64
	pages    map[string]*template.Template
}

// newServer returns a server for cfg, with the defaults filled in.
func newServer(cfg *config) (*server, error) {
	c := *cfg
	if c.Catalog == nil || c.Engine == nil || c.Logger == nil {
		return nil, errors.New("server: config needs a catalog, an engine and a logger")
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.MaxRenders <= 0 {
		c.MaxRenders = 4
	}
	if c.RenderWait <= 0 {
		c.RenderWait = 2 * time.Second
	}
	if c.RenderTimeout <= 0 {
		c.RenderTimeout = time.Minute
	}
	if c.TempDir == "" {
		c.TempDir = os.TempDir()
	}
	if c.MaxEvals <= 0 {
		c.MaxEvals = 2 * runtime.GOMAXPROCS(0)
	}
	if c.EvalWait <= 0 {
		c.EvalWait = 5 * time.Second
	}
	if c.EvalTimeout <= 0 {
		c.EvalTimeout = 10 * time.Second
	}
	if c.MaxReports <= 0 {
		c.MaxReports = 2
	}
	if c.ReportTTL <= 0 {
		c.ReportTTL = time.Minute
	}
	if c.MaxErrors <= 0 {
		c.MaxErrors = 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Recorder == nil {
		c.Recorder = &feedback.Recorder{Now: c.Now}
	}
	s := &server{cfg: c, renders: make(chan struct{}, c.MaxRenders),
		evals: make(chan struct{}, c.MaxEvals), reportSlots: make(chan struct{}, c.MaxReports)}
	if c.Signals != nil {
		s.cfg.Signals = countingStore{Store: c.Signals, gen: &s.storeGen}
	}
	if n := removeStaleRenderDirs(c.TempDir, c.Logger); n > 0 {
		c.Logger.Info("removed render directories left by a previous run", "count", n)
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /{$}", s.catalogPage)
	mux.HandleFunc("GET /blueprints/{name}", s.blueprintPage)
	mux.HandleFunc("POST /blueprints/{name}", s.blueprintSubmit)
	mux.HandleFunc("GET /decisions", s.decisionsPage)
	mux.HandleFunc("GET /decisions/{id}", s.decisionPage)
	mux.HandleFunc("POST /blueprints/{name}/rate", s.blueprintRate)
	mux.HandleFunc("POST /decisions/{id}/rate", s.decisionRate)
	mux.HandleFunc("GET /report", s.reportPage)
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

	mux.HandleFunc("GET /api/blueprints", s.apiBlueprints)
	mux.HandleFunc("GET /api/blueprints/{name}", s.apiBlueprint)
	mux.HandleFunc("GET /api/blueprints/{name}/schema", s.apiSchema)
	mux.HandleFunc("POST /api/blueprints/{name}/validate", s.apiValidate)
	mux.HandleFunc("POST /api/blueprints/{name}/render", s.apiRender)
	mux.HandleFunc("POST /api/blueprints/{name}/upgrade", s.apiUpgrade)
	mux.HandleFunc("GET /api/decisions", s.apiDecisions)
	mux.HandleFunc("GET /api/decisions/{id}", s.apiDecision)
	mux.HandleFunc("POST /api/signals", s.apiSignals)
	mux.HandleFunc("GET /api/report", s.apiReport)

	// Cross-site form posts are refused (Sec-Fetch-Site and Origin are
	// checked); clients that send neither, such as curl, are let through.
	s.handler = s.logRequests(s.recoverPanics(securityHeaders(http.NewCrossOriginProtection().Handler(mux))))
	return s, nil
}

// ServeHTTP serves the pages and the API.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// decisionCount returns the number of decisions, 0 without a registry.
func (s *server) decisionCount() int {
	if s.cfg.Decisions == nil {
		return 0
	}
	return s.cfg.Decisions.Len()
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"status":     "ok",
		"blueprints": len(s.cfg.Catalog.Names()),
		"decisions":  s.decisionCount(),
		"feedback":   s.cfg.Signals != nil,
	})
}

// errNotFound is returned for a blueprint, version or decision the server
// does not have.
var errNotFound = errors.New("not found")

// errBusy is returned when no render slot frees up within RenderWait.
var errBusy = errors.New("too many renders in progress, try again shortly")

// lookup returns one version of the named blueprint ("" is the latest) and
// its catalog entry. Only the catalog is consulted: a name or a version
// never reaches a fetcher or the file system unless the catalog lists it.
func (s *server) lookup(ctx context.Context, name, version string) (*blueprint.Blueprint, blueprint.CatalogEntry, error) {
	e, ok := s.cfg.Catalog.Entry(name, version)
	if !ok {
		if version != "" {
			return nil, e, fmt.Errorf("blueprint %q has no version %q: %w", name, version, errNotFound)
		}
		return nil, e, fmt.Errorf("no blueprint %q: %w", name, errNotFound)
	}
	bp, err := s.cfg.Catalog.Load(ctx, e.Name, e.Version)
	if err != nil {
		return nil, e, fmt.Errorf("loading %s %s: %w", e.Name, e.Version, err)
	}
	return bp, e, nil
}

// acquire takes a render slot, waiting at most RenderWait; the caller must
// call release.
func (s *server) acquire(ctx context.Context) (release func(), err error) {
	return slot(ctx, s.renders, s.cfg.RenderWait)
}

// plan renders bp with params in memory, for a preview, in a render slot.
func (s *server) plan(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params) (*render.Plan, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RenderTimeout)
	defer cancel()
	return s.cfg.Engine.Plan(ctx, bp, params)
}

// status returns the HTTP status for an error of lookup, Resolve, Plan or
// Render, and the message to show: the error's own when it is about the
// request or the blueprint, a generic one when it is about the server.
func (s *server) status(r *http.Request, err error) (int, string) {
	var (
		maxBytes *http.MaxBytesError
		invalid  *blueprint.ValidationError
		enforced *decision.EnforcedError
		rerr     *render.RenderError
	)
	var br *badRequest
	switch {
	case errors.Is(err, errNotFound):
		return http.StatusNotFound, err.Error()
	case errors.As(err, &br):
		return http.StatusBadRequest, br.msg
	case errors.As(err, &maxBytes):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", maxBytes.Limit)
	case errors.Is(err, errBodyTimeout), errors.Is(err, errBodyTruncated):
		status, msg, _ := bodyStatus(err)
		return status, msg
	case errors.Is(err, errEvalTimeout):
		return http.StatusServiceUnavailable, err.Error()
	case errors.Is(err, blueprint.ErrEvalTimeout):
		// An isolated child's own deadline (catalogOptions) came before
		// the request's: an evaluation all the same, not a render.
		return http.StatusServiceUnavailable, errEvalTimeout.Error()
	case errors.Is(err, blueprint.ErrEvalMemory):
		return http.StatusUnprocessableEntity, err.Error()
	case errors.As(err, &invalid):
		return http.StatusUnprocessableEntity, "invalid parameters"
	case errors.As(err, &enforced):
		return http.StatusUnprocessableEntity, "refused by enforced decisions"
	case errors.Is(err, render.ErrLimit):
		return http.StatusUnprocessableEntity, err.Error()
	case errors.Is(err, errBusy):
		return http.StatusServiceUnavailable, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "the render took too long"
	case errors.As(err, &rerr):
		s.cfg.Logger.Error("render failed", "path", r.URL.Path, "err", err)
		return http.StatusInternalServerError, "the blueprint failed to render: " + rerr.Error()
	}
	s.cfg.Logger.Error("request failed", "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "internal error"
}

// displayFile shortens a file name in a position for people and API
// clients: a path names a file on the server's disk, so only its last two
// elements are shown, the blueprint's directory and the file
// ("go-service/blueprint.cue").
func displayFile(name string) string {
	name = filepath.ToSlash(name)
	dir, file := path.Split(name)
	if dir == "" {
		return file
	}
	return path.Base(path.Clean(dir)) + "/" + file
}

func displayPos(p blueprint.Position) blueprint.Position {
	p.Filename = displayFile(p.Filename)
	return p
}

// fieldErrors returns the fields of a validation error with their positions
// shortened by displayFile.
func fieldErrors(ve *blueprint.ValidationError) []blueprint.FieldError {
	out := make([]blueprint.FieldError, len(ve.Fields))
	for i, f := range ve.Fields {
		if f.Input != nil {
			p := displayPos(*f.Input)
			f.Input = &p
		}
		schema := make([]blueprint.Position, len(f.Schema))
		for j, p := range f.Schema {
			schema[j] = displayPos(p)
		}
		if len(schema) > 0 {
			f.Schema = schema
		}
		out[i] = f
	}
	return out
}

// findings returns fs with their positions shortened by displayFile.
func findings(fs []decision.Finding) []decision.Finding {
	out := make([]decision.Finding, len(fs))
	for i, f := range fs {
		f.Pos = displayPos(f.Pos)
		f.RulePos = displayPos(f.RulePos)
		out[i] = f
	}
	return out
}

// writeJSON writes v as indented JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// parseTemplates parses each page with the layout.
func (s *server) parseTemplates() error {
	funcs := template.FuncMap{
		"join":   strings.Join,
		"date":   func(t time.Time) string { return t.Format(time.DateOnly) },
		"lower":  strings.ToLower,
		"bytes":  humanBytes,
		"pos":    func(p blueprint.Position) string { return displayPos(p).String() },
		"pct":    percent,
		"plural": english.Count,
		"code":   highlightHTML,
		"reason": reasonLabel,
		"hunk":   hunkLines,
		"sub":    func(a, b int) int { return a - b },
		"dec1":   func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	}
	pages, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimPrefix(p, "templates/")
		if name == "layout.html" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", p)
		if err != nil {
			return err
		}
		s.pages[name] = t
	}
	return nil
}

// page renders the named page with data and status. It renders into a
// buffer first, so that a template error is a clean 500.
func (s *server) page(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.cfg.Logger.Error("template failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage shows an error as a page.
func (s *server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.page(w, r, status, "error.html", struct {
		Status  int
		Title   string
		Message string
	}{status, http.StatusText(status), msg})
}

// humanBytes formats a size for people.
func humanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request: health checks at debug level,
// failures at warn, the rest at info.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 && r.Context().Err() != nil {
			// The client went away before an answer was written: say so,
			// in nginx's words, rather than log a 200 nobody received.
			s.cfg.Logger.Log(r.Context(), slog.LevelInfo, "request",
				"method", r.Method, "path", r.URL.Path, "status", statusClientClosed, "canceled", true,
				"duration", time.Since(start).Round(time.Microsecond).String())
			return
		}
		if sw.status == 0 {
			sw.status = http.StatusOK // nothing written: net/http answers 200
		}
		level := slog.LevelInfo
		switch {
		case r.URL.Path == "/healthz":
			level = slog.LevelDebug
		case sw.status >= 500:
			level = slog.LevelWarn
		}
		s.cfg.Logger.Log(r.Context(), level, "request",
			"method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "duration", time.Since(start).Round(time.Microsecond).String())
	})
}

// statusClientClosed is logged for a request whose client went away before
// it was answered (nginx's 499).
const statusClientClosed = 499

// recoverPanics turns a panic in a handler into a logged 500.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.cfg.Logger.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets headers that keep the pages to themselves: no
// scripts, styles only from the server, no framing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
