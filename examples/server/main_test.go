package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
	"github.com/goldenpath-dev/goldenpath/render"
)

// The bundled testdata, loaded once for every test.
var (
	testCatalog   *blueprint.Catalog
	testDecisions *decision.Registry
)

// testNow is the day the tests' decisions are evaluated on: ADR-0012's
// limits are enforced, ADR-0013's team rule only warns.
var testNow = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	if os.Getenv(evalChildEnv) == "1" {
		os.Exit(serveEvaluation()) // the test binary as an isolation child
	}
	if os.Getenv(serverProcessEnv) == "1" {
		main() // the test binary run as the server, by startServer
		return
	}
	os.Exit(func() int {
		cache, err := os.MkdirTemp("", "gp-server-test-cache-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(cache)
		ctx := context.Background()
		sources, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: cache})
		if err == nil {
			testCatalog, err = blueprint.LoadCatalog(ctx, []string{"../../testdata/blueprints"}, &blueprint.Options{Fetcher: sources})
		}
		if err == nil {
			testDecisions, err = decision.LoadDir(ctx, "../../testdata/decisions", nil)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loading the testdata:", err)
			return 1
		}
		return pgtest.Main(m)
	}())
}

// newTestServer returns a server over the bundled testdata whose renders
// happen under the returned temporary directory. edit, when not nil,
// changes the config first.
func newTestServer(t testing.TB, edit func(*config)) (*server, string) {
	t.Helper()
	engine, err := render.New(&render.Options{Decisions: testDecisions, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cfg := &config{
		Catalog:   testCatalog,
		Decisions: testDecisions,
		Engine:    engine,
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		TempDir:   tmp,
		Now:       func() time.Time { return testNow },
	}
	if edit != nil {
		edit(cfg)
	}
	s, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, tmp
}

// do serves one request and returns the recorded response.
func do(t *testing.T, h http.Handler, method, target string, body io.Reader, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// assertEmptyDir fails when dir holds anything: every render's temporary
// directory must be gone once its request is answered.
func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left behind in the temporary directory: %s", e.Name())
	}
}

// entry is one entry of a tar archive.
type entry struct {
	typ  byte
	mode int64
	body string
}

// readArchive reads a gzipped tar archive into a map by entry name.
func readArchive(t *testing.T, r io.Reader) map[string]entry {
	t.Helper()
	gz, err := gzip.NewReader(r)
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	out := map[string]entry{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading the archive: %v", err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[h.Name]; dup {
			t.Errorf("archive: %s twice", h.Name)
		}
		out[h.Name] = entry{h.Typeflag, h.Mode, string(b)}
	}
	return out
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	store := filepath.Join(t.TempDir(), "signals.jsonl")
	go func() {
		defer outW.Close()
		done <- run(ctx, []string{
			"--addr", "127.0.0.1:0",
			"--blueprints", "../../testdata/blueprints",
			"--decisions", "../../testdata/decisions",
			"--store", store,
			"--cache-dir", t.TempDir(),
			"--shutdown-timeout", "5s",
		}, outW, &stderr)
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no address on stdout: %v; stderr:\n%s", err, stderr.String())
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, "goldenpath server listening on "))
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("stdout: %q", line)
	}
	go io.Copy(io.Discard, outR)

	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"blueprints": 4`) || !strings.Contains(string(body), `"decisions": 12`) ||
		!strings.Contains(string(body), `"feedback": true`) {
		t.Errorf("GET /healthz: %d %s", resp.StatusCode, body)
	}
	// A rating, appended to the store the flag names.
	resp, err = http.Post(url+"/api/signals", "application/json", strings.NewReader(`{"blueprint":"go-service","score":4,"by":"dana"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("POST /api/signals: %d %s", resp.StatusCode, body)
	}

	cancel() // as SIGINT or SIGTERM does through main's context
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit code %d after shutdown, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
	for _, want := range []string{"msg=listening", "msg=\"shutting down\"", "msg=stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the log lacks %s:\n%s", want, stderr.String())
		}
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
	// The store was closed at shutdown, its rating on disk.
	st, err := feedback.OpenFileStore(store, &feedback.FileStoreOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if sigs := storeSignals(t, st); len(sigs) != 1 || sigs[0].Source != feedback.SourceRating || sigs[0].Labels["by"] != "dana" {
		t.Errorf("the store holds %+v", sigs)
	}
}

func TestRunFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no blueprints", nil, exitUsage, "--blueprints is required"},
		{"unknown flag", []string{"--blueprints", "x", "--nope"}, exitUsage, "flag provided but not defined"},
		{"arguments", []string{"--blueprints", "x", "extra"}, exitUsage, "unexpected arguments"},
		{"max renders", []string{"--blueprints", "x", "--max-renders", "0"}, exitUsage, "--max-renders"},
		{"log level", []string{"--blueprints", "x", "--log-level", "loud"}, exitUsage, "--log-level"},
		{"missing catalog", []string{"--blueprints", filepath.Join(t.TempDir(), "none"), "--cache-dir", t.TempDir()}, exitError, "server: "},
		{"missing decisions", []string{"--blueprints", "../../testdata/blueprints", "--decisions", filepath.Join(t.TempDir(), "none"), "--cache-dir", t.TempDir()}, exitError, "server: "},
		{"bad address", []string{"--blueprints", "../../testdata/blueprints", "--addr", "256.0.0.1:99999", "--cache-dir", t.TempDir()}, exitError, "server: "},
		{"store in no directory", []string{"--blueprints", "../../testdata/blueprints", "--store", filepath.Join(t.TempDir(), "none", "signals.jsonl"), "--cache-dir", t.TempDir()}, exitError, "server: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr.String())
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout: %s", stdout.String())
			}
		})
	}
}

// The server's help names every flag with two dashes, as gp's does.
func TestHelpFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"--help"}, &stdout, &stderr)
	out := stdout.String() + stderr.String()
	if code != exitOK || !strings.Contains(out, "  --addr ADDRESS") || !strings.Contains(out, "  --blueprints SOURCE") {
		t.Errorf("--help: %d\n%s", code, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  -") && !strings.HasPrefix(line, "  --") && !strings.HasPrefix(line, "  -h, --help") {
			t.Errorf("a flag with one dash: %q", line)
		}
	}
}
