package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// The limits layer: what keeps one request, or a burst of them, from
// taking the server down. Every evaluation a request starts runs in a
// bounded pool of slots and keeps its slot until it really ends (CUE cannot
// be interrupted: a request that gives up must not leave work behind that
// nothing counts); validations, renders and reports each have their own
// slots; reports are cached between changes of the store; error replies
// are capped.

// errEvalTimeout is returned when an evaluation does not end within
// EvalTimeout. Its slot stays taken until the evaluation ends.
var errEvalTimeout = errors.New("evaluating the parameters took too long")

// errBodyTimeout and errBodyTruncated are a request body the client did not
// finish sending.
var (
	errBodyTimeout   = errors.New("the request body was not received in time")
	errBodyTruncated = errors.New("the request body ended early")
)

// slot takes one of ch's slots, waiting at most wait; the caller must call
// release.
func slot(ctx context.Context, ch chan struct{}, wait time.Duration) (release func(), err error) {
	release = func() { <-ch }
	select {
	case ch <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case ch <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// resolve resolves inputs against bp in an evaluation slot. The request
// waits at most EvalTimeout for the result. The slot is released only when
// Resolve returned, and Resolve returns only when no evaluation of the call
// runs any more: in process, the evaluation is not cancelled with the
// request (it cannot be) and has no deadline of its own (catalogOptions);
// isolated, the child is killed when the request ends, and the in-process
// run that follows a child's success is waited for by the library. So
// evaluations running, abandoned ones included, are never more than
// MaxEvals.
func (s *server) resolve(ctx context.Context, bp *blueprint.Blueprint, inputs ...blueprint.Input) (*blueprint.Params, error) {
	release, err := slot(ctx, s.evals, s.cfg.EvalWait)
	if err != nil {
		return nil, err
	}
	type result struct {
		p   *blueprint.Params
		err error
	}
	done := make(chan result, 1)
	ectx := context.WithoutCancel(ctx)
	if s.cfg.Isolated {
		ectx = ctx
	}
	go func() {
		defer release()
		p, err := bp.Resolve(ectx, inputs...)
		done <- result{p, err}
	}()
	t := time.NewTimer(s.cfg.EvalTimeout)
	defer t.Stop()
	select {
	case r := <-done:
		return r.p, r.err
	case <-t.C:
		return nil, fmt.Errorf("%w (more than %s)", errEvalTimeout, s.cfg.EvalTimeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readBody reads a request body of at most MaxBody bytes, telling a body
// too large, one cut off by the server's read timeout and one that ended
// early apart.
func (s *server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err == nil {
		return body, nil
	}
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		return nil, err
	case isTimeout(err):
		return nil, errBodyTimeout
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return nil, errBodyTruncated
	}
	if r.Context().Err() != nil {
		return nil, r.Context().Err()
	}
	return nil, fmt.Errorf("%w: %v", errBodyTruncated, err)
}

// isTimeout reports whether err is a read that hit the server's deadline.
func isTimeout(err error) bool {
	var nerr net.Error
	return errors.As(err, &nerr) && nerr.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// bodyStatus returns the status of a body readBody refused, and false for
// any other error.
func bodyStatus(err error) (int, string, bool) {
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", maxBytes.Limit), true
	case errors.Is(err, errBodyTimeout):
		return http.StatusRequestTimeout, err.Error(), true
	case errors.Is(err, errBodyTruncated):
		return http.StatusBadRequest, errBodyTruncated.Error(), true
	}
	return 0, "", false
}

// retryAfter invites a retry only when one can succeed: the server was
// busy. The delay is spread over a few seconds, so that the clients turned
// away together do not all come back together. An evaluation that ran out
// of time gets no invitation: the same input would run out of time again,
// and its evaluation still holds a slot.
func retryAfter(w http.ResponseWriter, err error) {
	if errors.Is(err, errBusy) {
		w.Header().Set("Retry-After", strconv.Itoa(1+rand.IntN(5)))
	}
}

// maxMessageBytes caps each message of an error reply: a message may quote
// the value it is about, and a value may be as long as the body.
const maxMessageBytes = 1 << 10

// capFields keeps the first MaxErrors fields of a validation error, each
// message at most maxMessageBytes long, and returns how many it left out.
func (s *server) capFields(fs []blueprint.FieldError) ([]blueprint.FieldError, int) {
	n := 0
	if len(fs) > s.cfg.MaxErrors {
		fs, n = fs[:s.cfg.MaxErrors], len(fs)-s.cfg.MaxErrors
	}
	for i := range fs {
		fs[i].Message = truncate(fs[i].Message, maxMessageBytes)
	}
	return fs, n
}

// capFindings keeps the first MaxErrors findings, each message at most
// maxMessageBytes long, and returns how many it left out.
func (s *server) capFindings(fs []decision.Finding) ([]decision.Finding, int) {
	n := 0
	if len(fs) > s.cfg.MaxErrors {
		fs, n = fs[:s.cfg.MaxErrors], len(fs)-s.cfg.MaxErrors
	}
	for i := range fs {
		fs[i].Message = truncate(fs[i].Message, maxMessageBytes)
	}
	return fs, n
}

// truncate cuts s to at most limit bytes, on a character boundary, and says
// how much it cut.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}

// countingStore counts the appends made through it, so that a cached report
// knows when it is stale.
type countingStore struct {
	feedback.Store
	gen *atomic.Int64
}

func (c countingStore) Append(ctx context.Context, signals ...feedback.Signal) error {
	err := c.Store.Append(ctx, signals...)
	c.gen.Add(1) // even on error: a failed append may have written
	return err
}

// Path is the store's file, when it has one.
func (c countingStore) Path() string {
	if p, ok := c.Store.(interface{ Path() string }); ok {
		return p.Path()
	}
	return ""
}

// reportCache holds the reports computed since the store last changed, one
// per query, and lets concurrent requests for one report share its
// computation.
type reportCache struct {
	mu      sync.Mutex
	entries map[string]*reportEntry
}

type reportEntry struct {
	// store is the state of the store the report was computed from
	// (storeKey).
	store   string
	done    chan struct{}
	val     any // a *report.Report, or what cached's compute returned
	err     error
	expires time.Time
}

// maxReportEntries bounds the cache: a report is as large as the groups of
// the store (projects, decisions, files, distinct edits), and the queries
// differ only by dates and a number. A full cache is emptied.
const maxReportEntries = 16

// storeKey says which state of the store a report was computed from: the
// appends made through the server and, for a file, its size and time, which
// catch writes by other programs.
func (s *server) storeKey() string {
	key := strconv.FormatInt(s.storeGen.Load(), 10)
	if p, ok := s.cfg.Signals.(interface{ Path() string }); ok && p.Path() != "" {
		if fi, err := os.Stat(p.Path()); err == nil {
			key += fmt.Sprintf("/%d/%d", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return key
}

// cachedReport returns the report for q, computing it with compute in a
// report slot only when the store changed since it was last computed, or
// when it is older than ReportTTL (a report depends on the date).
// Concurrent requests for one report wait for one computation.
func (s *server) cachedReport(ctx context.Context, q reportQuery, compute func(context.Context) (*report.Report, error)) (*report.Report, error) {
	v, err := s.cached(ctx, q.values().Encode(), func(ctx context.Context) (any, error) { return compute(ctx) })
	rep, _ := v.(*report.Report)
	return rep, err
}

// cached is cachedReport for any value computed from the store, under key:
// one computation at a time per key, in a report slot, until the store
// changes or ReportTTL passes.
func (s *server) cached(ctx context.Context, key string, compute func(context.Context) (any, error)) (any, error) {
	store := s.storeKey()
	c := &s.reports
	for {
		c.mu.Lock()
		e, ok := c.entries[key]
		if !ok || e.store != store || (!e.expires.IsZero() && time.Now().After(e.expires)) {
			break // compute it, below, still locked
		}
		c.mu.Unlock()
		select {
		case <-e.done:
			if e.err == nil {
				return e.val, nil
			}
			// A failed computation is not cached: try again.
			c.mu.Lock()
			if c.entries[key] == e {
				delete(c.entries, key)
			}
			c.mu.Unlock()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// Reports of an earlier state of the store are of no more use.
	for k, old := range c.entries {
		if old.store != store {
			delete(c.entries, k)
		}
	}
	if c.entries == nil || len(c.entries) >= maxReportEntries {
		c.entries = map[string]*reportEntry{}
	}
	e := &reportEntry{store: store, done: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()

	// The computation is shared: it runs on its own, not cancelled by the
	// request that happened to start it, within its own deadline.
	go func() {
		defer close(e.done)
		release, err := slot(context.WithoutCancel(ctx), s.reportSlots, s.cfg.RenderWait)
		if err != nil {
			e.err = err
		} else {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.RenderTimeout)
			e.val, e.err = compute(rctx)
			cancel()
			release()
		}
		c.mu.Lock()
		if e.err != nil {
			if c.entries[key] == e {
				delete(c.entries, key)
			}
		} else {
			e.expires = time.Now().Add(s.cfg.ReportTTL)
		}
		c.mu.Unlock()
	}()
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// renderDirPrefix starts the name of every render's temporary directory;
// the pid that follows tells whose it is.
const renderDirPrefix = "gp-render-"

// renderDirPattern is the os.MkdirTemp pattern of this process's renders.
func renderDirPattern() string {
	return renderDirPrefix + strconv.Itoa(os.Getpid()) + "-*"
}

// removeStaleRenderDirs removes the render directories a server left in
// dir when it crashed or was killed: those of a process that no longer
// runs (or of this process's pid in a previous life: a container's server
// is pid 1 every time, and this one has not rendered yet), and those of
// the older naming, without a pid, untouched for an hour. It returns how
// many it removed.
func removeStaleRenderDirs(dir string, logger *slog.Logger) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, renderDirPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		stale := false
		pidText, _, hasPid := strings.Cut(rest, "-")
		if pid, err := strconv.Atoi(pidText); hasPid && err == nil && pid > 0 {
			stale = pid == os.Getpid() || !processAlive(pid)
		} else if fi, err := e.Info(); err == nil {
			stale = time.Since(fi.ModTime()) > time.Hour
		}
		if !stale {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			logger.Warn("removing a render directory left by a previous run", "dir", name, "err", err)
			continue
		}
		n++
	}
	return n
}

// processAlive reports whether a process with pid runs. Where that cannot
// be asked (signal 0 is Unix's), a process is taken to be alive, and its
// directories are kept.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	switch {
	case err == nil, errors.Is(err, syscall.EPERM):
		return true
	case errors.Is(err, os.ErrProcessDone), errors.Is(err, syscall.ESRCH):
		return false
	}
	return true
}

// bearerToken returns the credentials of an "Authorization: Bearer TOKEN"
// header; the scheme is case-insensitive (RFC 9110, 11.1).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}
