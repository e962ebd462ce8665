package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/feedback"
)

// The bombs of SECURITY.md's YAML section: 1.4 KB that expand past a
// billion nodes, and 34 bytes that send a recursive decoder into endless
// descent.
var (
	mergeBombYAML = func() string {
		var b strings.Builder
		b.WriteString("name: orders\nm0: &m0 {a: 1, b: 2}\n")
		for i := 1; i < 10; i++ {
			fmt.Fprintf(&b, "m%d: &m%d {", i, i)
			for j := range 10 {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "k%d: {<<: *m%d}", j, i-1)
			}
			b.WriteString("}\n")
		}
		return b.String()
	}()
	selfMergeYAML = "name: orders\nx: &a {k: 1, <<: *a}\n"
)

func TestHostileYAMLBodies(t *testing.T) {
	s, tmp := newTestServer(t, nil)
	for _, tc := range []struct{ name, body, want string }{
		{"merge bomb", mergeBombYAML, "YAML expands to more than 100000 nodes"},
		{"self merge", selfMergeYAML, `YAML anchor \"a\" refers to itself`},
	} {
		for _, target := range []string{"/api/blueprints/go-service/validate", "/api/blueprints/go-service/render"} {
			start := time.Now()
			w := do(t, s, "POST", target, strings.NewReader(tc.body), "Content-Type", "application/yaml")
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), tc.want) || !strings.Contains(w.Body.String(), `"file": "request.yaml"`) {
				t.Errorf("%s to %s: %d %s", tc.name, target, w.Code, w.Body)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s to %s took %s", tc.name, target, d)
			}
		}
	}
	if w := do(t, s, "GET", "/healthz", nil); w.Code != http.StatusOK {
		t.Errorf("healthz after the bombs: %d", w.Code)
	}
	assertEmptyDir(t, tmp)
}

// slowCatalog is a catalog of one blueprint whose evaluation takes as long
// as its input asks (a comprehension over the square of a list), loaded
// with opts.
func slowCatalog(t *testing.T, opts *blueprint.Options) *blueprint.Catalog {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "slow")
	for name, body := range map[string]string{
		"blueprint.cue": `name: "slow"
version: "1.0.0"
description: "evaluation that takes as long as its input asks"
owner: "test"
parameters: {
	name: string | *"x"
	n:    [...int] | *[]
}
derived: count: len([for a in parameters.n for b in parameters.n {a}])
`,
		"template/a.txt": "x\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sources, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if opts == nil {
		opts = &blueprint.Options{}
	}
	opts.Fetcher = sources
	c, err := blueprint.LoadCatalog(context.Background(), []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEvaluationKeepsItsSlot: a request that gives up on a slow evaluation
// is answered 503 without an invitation to retry, and the evaluation keeps
// its slot until it ends, so that abandoned evaluations cannot pile up.
func TestEvaluationKeepsItsSlot(t *testing.T) {
	s, _ := newTestServer(t, func(c *config) {
		c.Catalog = slowCatalog(t, &blueprint.Options{EvalTimeout: time.Minute})
		c.MaxEvals, c.EvalWait, c.EvalTimeout = 1, 20*time.Millisecond, 50*time.Millisecond
	})
	slow := `{"n": [` + strings.TrimSuffix(strings.Repeat("1,", 120), ",") + `]}`
	w := do(t, s, "POST", "/api/blueprints/slow/validate", strings.NewReader(slow))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "took too long") || w.Header().Get("Retry-After") != "" {
		t.Fatalf("slow validate: %d %s, Retry-After %q", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	// The evaluation goes on, in its slot: a quick request finds none.
	if len(s.evals) != 1 {
		t.Fatalf("%d evaluation slots held after the request gave up, want 1", len(s.evals))
	}
	w = do(t, s, "POST", "/api/blueprints/slow/validate", strings.NewReader(`{}`))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("validate while the slot is held: %d %s, Retry-After %q", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	// Once it ends, the slot is free again.
	deadline := time.Now().Add(30 * time.Second)
	for len(s.evals) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	s.cfg.EvalTimeout = 10 * time.Second
	if w := do(t, s, "POST", "/api/blueprints/slow/validate", strings.NewReader(`{}`)); w.Code != http.StatusOK {
		t.Errorf("validate once the evaluation ended: %d %s", w.Code, w.Body)
	}
}

// TestIsolatedEvaluationTimeout: when an isolated child's own deadline
// comes before the request's, the answer is the one of an evaluation that
// took too long (503, no Retry-After), not of a render.
func TestIsolatedEvaluationTimeout(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("isolation needs Linux")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	iso := &blueprint.Isolation{Command: []string{self}, Env: []string{evalChildEnv + "=1"}, MaxMemory: 512 << 20}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, _ := newTestServer(t, func(c *config) {
		// The child is killed after 3 s (time enough to load the catalog
		// in a race-instrumented child); the request would wait a minute.
		c.Catalog = slowCatalog(t, catalogOptions(nil, logger, 1<<20, 100_000, 3*time.Second, iso))
		c.Isolated, c.EvalTimeout = true, time.Minute
	})
	// 500 values squared: far more than 3 s of evaluation.
	slow := `{"n": [` + strings.TrimSuffix(strings.Repeat("1,", 500), ",") + `]}`
	w := do(t, s, "POST", "/api/blueprints/slow/validate", strings.NewReader(slow))
	var got apiProblem
	decodeJSON(t, w.Body, &got)
	if w.Code != http.StatusServiceUnavailable || got.Error != errEvalTimeout.Error() || w.Header().Get("Retry-After") != "" {
		t.Errorf("validate timed out in the child: %d %q, Retry-After %q", w.Code, got.Error, w.Header().Get("Retry-After"))
	}
}

func TestValuesCapped(t *testing.T) {
	s, _ := newTestServer(t, func(c *config) {
		c.Catalog = slowCatalog(t, &blueprint.Options{MaxInputNodes: 1000})
	})
	var b strings.Builder
	b.WriteString(`{"name": "x"`)
	for i := range 2000 {
		fmt.Fprintf(&b, `, "p%d": %d`, i, i)
	}
	b.WriteString("}")
	w := do(t, s, "POST", "/api/blueprints/slow/validate", strings.NewReader(b.String()))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "more than 1000 values") {
		t.Errorf("2000 parameters: %d %.300s", w.Code, w.Body)
	}
}

func TestErrorRepliesCapped(t *testing.T) {
	s, _ := newTestServer(t, nil)
	var b strings.Builder
	b.WriteString(`{"name": "orders"`)
	for i := range 500 {
		fmt.Fprintf(&b, `, "unknown%d": %d`, i, i)
	}
	b.WriteString("}")
	w := do(t, s, "POST", "/api/blueprints/go-service/validate", strings.NewReader(b.String()))
	var got apiProblem
	decodeJSON(t, w.Body, &got)
	if w.Code != http.StatusUnprocessableEntity || len(got.Fields) != 20 || got.Omitted != 480 {
		t.Errorf("500 unknown parameters: %d, %d fields, %d omitted", w.Code, len(got.Fields), got.Omitted)
	}
	if w.Body.Len() > 4*b.Len() {
		t.Errorf("a reply of %d bytes to a request of %d", w.Body.Len(), b.Len())
	}
	// A message that quotes a long value is cut.
	long := `{"name": "` + strings.Repeat("Ä", 50_000) + `"}`
	w = do(t, s, "POST", "/api/blueprints/go-service/validate", strings.NewReader(long))
	got = apiProblem{}
	decodeJSON(t, w.Body, &got)
	if w.Code != http.StatusUnprocessableEntity || len(got.Fields) == 0 {
		t.Fatalf("a long name: %d %.200s", w.Code, w.Body)
	}
	for _, f := range got.Fields {
		if len(f.Message) > maxMessageBytes+64 || !utf8.ValidString(f.Message) {
			t.Errorf("a message of %d bytes: %.100s…", len(f.Message), f.Message)
		}
	}
}

// countingQueries counts the queries a report makes of a store.
type countingQueries struct {
	feedback.Store
	n atomic.Int64
}

func (c *countingQueries) Query(ctx context.Context, f feedback.Filter) iter.Seq2[feedback.Signal, error] {
	c.n.Add(1)
	return c.Store.Query(ctx, f)
}

func TestReportCached(t *testing.T) {
	// The fleet's IDs must not be the server recorder's: a store keeps one
	// signal per ID.
	rec := testRecorder("f", testNow.Add(-48*time.Hour))
	st := &countingQueries{Store: feedback.NewMemoryStore()}
	if err := st.Append(context.Background(), fleet(rec)...); err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, withStore(st))
	first := do(t, s, "GET", "/api/report", nil)
	if first.Code != http.StatusOK {
		t.Fatalf("report: %d %s", first.Code, first.Body)
	}
	// Many clients polling: one computation.
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if w := do(t, s, "GET", "/api/report", nil); w.Code != http.StatusOK || w.Body.String() != first.Body.String() {
				t.Errorf("cached report: %d", w.Code)
			}
		})
	}
	wg.Wait()
	if n := st.n.Load(); n != 1 {
		t.Errorf("%d computations for 17 identical requests, want 1", n)
	}
	// Another query is another report; a new signal makes both stale.
	do(t, s, "GET", "/report", nil)
	if n := st.n.Load(); n != 1 {
		t.Errorf("the page and the API share the report of one query: %d computations", n)
	}
	do(t, s, "GET", "/api/report?min-projects=2", nil)
	if n := st.n.Load(); n != 2 {
		t.Errorf("%d computations after a second query, want 2", n)
	}
	w := do(t, s, "POST", "/api/signals", strings.NewReader(`{"blueprint": "go-service", "score": 5}`))
	if w.Code != http.StatusCreated {
		t.Fatalf("rating: %d %s", w.Code, w.Body)
	}
	if w := do(t, s, "GET", "/api/report", nil); w.Code != http.StatusOK || w.Body.String() == first.Body.String() {
		t.Errorf("report after a new signal: %d, unchanged %v", w.Code, w.Body.String() == first.Body.String())
	}
	if n := st.n.Load(); n != 3 {
		t.Errorf("%d computations after the store changed, want 3", n)
	}
	// Reports have slots of their own: renders saturated do not stop them.
	for range cap(s.renders) {
		s.renders <- struct{}{}
	}
	if w := do(t, s, "GET", "/api/report?min-projects=3", nil); w.Code != http.StatusOK {
		t.Errorf("report while renders are saturated: %d %s", w.Code, w.Body)
	}
}

func TestStaleRenderDirsRemoved(t *testing.T) {
	tmp := t.TempDir()
	dead := filepath.Join(tmp, "gp-render-999999999-1")                     // a process long gone
	mine := filepath.Join(tmp, fmt.Sprintf("gp-render-%d-2", os.Getpid()))  // this pid in a previous life
	live := filepath.Join(tmp, fmt.Sprintf("gp-render-%d-3", os.Getppid())) // another running server's
	old := filepath.Join(tmp, "gp-render-1234567")                          // the older naming, an hour old
	recent := filepath.Join(tmp, "gp-render-7654321")                       // the older naming, in use
	other := filepath.Join(tmp, "unrelated")                                // not ours
	for _, d := range []string{dead, mine, live, old, recent, other} {
		if err := os.MkdirAll(filepath.Join(d, "project"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hourAgo := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	newTestServer(t, func(c *config) { c.TempDir = tmp })
	for _, d := range []string{dead, mine, old} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", filepath.Base(d), err)
		}
	}
	for _, d := range []string{live, recent, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(d), err)
		}
	}
}

// TestBodyCutOff: a body the client stops sending before the read timeout,
// or ends early, is the client's error (408, 400), logged below ERROR.
func TestBodyCutOff(t *testing.T) {
	var logs syncBuffer
	s, _ := newTestServer(t, func(c *config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	srv := httptest.NewUnstartedServer(s)
	// Long enough that a client descheduled on a loaded machine between
	// its dial and its write still sends the headers in time: the read
	// timeout must cut the body, not the request line.
	srv.Config.ReadTimeout = 2 * time.Second
	srv.Start()
	defer srv.Close()
	send := func(closeWrite bool) string {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /api/blueprints/go-service/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\": ")
		if closeWrite {
			conn.(*net.TCPConn).CloseWrite()
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, _ := bufio.NewReader(conn).ReadString('\n')
		return line
	}
	if got := send(false); !strings.Contains(got, " 408 ") {
		t.Errorf("body cut off by the read timeout: %q", got)
	}
	if got := send(true); !strings.Contains(got, " 400 ") {
		t.Errorf("body ended early: %q", got)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("logged at ERROR:\n%s", logs.String())
	}
}

func TestBearerCaseInsensitive(t *testing.T) {
	s, _ := newTestServer(t, func(c *config) {
		c.Signals = feedback.NewMemoryStore()
		c.SignalsToken = "s3cret"
	})
	for _, h := range []string{"Bearer s3cret", "bearer s3cret", "BEARER  s3cret"} {
		w := do(t, s, "POST", "/api/signals", strings.NewReader(`{"blueprint": "go-service", "score": 4}`), "Authorization", h)
		if w.Code != http.StatusCreated {
			t.Errorf("Authorization: %s: %d %s", h, w.Code, w.Body)
		}
	}
	for _, h := range []string{"Basic s3cret", "Bearer wrong", "Bearers3cret"} {
		if w := do(t, s, "POST", "/api/signals", strings.NewReader(`{"blueprint": "go-service", "score": 4}`), "Authorization", h); w.Code != http.StatusUnauthorized {
			t.Errorf("Authorization: %s: %d", h, w.Code)
		}
	}
}

// TestCanceledLogged: a request whose client went away is logged as
// canceled (499), not as a 200 of no bytes.
func TestCanceledLogged(t *testing.T) {
	var logs syncBuffer
	s, _ := newTestServer(t, func(c *config) {
		c.Catalog = slowCatalog(t, &blueprint.Options{EvalTimeout: time.Minute})
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequestWithContext(ctx, "POST", "/api/blueprints/slow/validate",
		strings.NewReader(`{"n": [`+strings.TrimSuffix(strings.Repeat("1,", 100), ",")+`]}`))
	time.AfterFunc(50*time.Millisecond, cancel)
	s.ServeHTTP(httptest.NewRecorder(), r)
	if got := logs.String(); !strings.Contains(got, "status=499 canceled=true") || strings.Contains(got, "status=200") {
		t.Errorf("log:\n%s", got)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// FuzzBearerToken checks that the Authorization parser never panics and
// accepts only the Bearer scheme, in any case, with a token.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer abc", "BEARER  abc ", "Basic abc", "Bearer", "", " Bearer x y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := bearerToken(h)
		if !ok {
			return
		}
		scheme, _, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(tok) != tok {
			t.Fatalf("bearerToken(%q) = %q, accepted", h, tok)
		}
	})
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 4, "abcd… (6 more bytes)"},
		{"ääää", 3, "ä… (6 more bytes)"}, // never inside a character
	} {
		if got := truncate(tc.in, tc.limit); got != tc.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
	}
}
