package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

// cueGoroutines counts the goroutines of this process that are running
// CUE: every one has a frame of package cuelang.org/go in its stack.
func cueGoroutines() int {
	buf := make([]byte, 8<<20)
	n := runtime.Stack(buf, true)
	count := 0
	for g := range bytes.SplitSeq(buf[:n], []byte("\n\n")) {
		if bytes.Contains(g, []byte("cuelang.org/go/")) {
			count++
		}
	}
	return count
}

// childProcesses counts the processes whose parent is this one (Linux's
// /proc); -1 elsewhere.
func childProcesses() int {
	if runtime.GOOS != "linux" {
		return -1
	}
	dirs, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return -1
	}
	self := strconv.Itoa(os.Getpid())
	n := 0
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue // ended meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == self {
			n++
		}
	}
	return n
}

// TestEvaluationsNeverExceedMaxEvals sends a real server (httptest) waves
// of slow evaluations, more than it has slots, from clients that give up
// early, and samples what really runs until everything ended: the CUE
// goroutines in process, and with --isolate the children, are never more
// than MaxEvals, and nothing runs on once the slots are free. The
// evaluations are validations, and upgrades of an uploaded project whose
// manifest records slow parameters (the upgrade resolves them against the
// base, then against the new version). The catalog is loaded as main loads
// it (catalogOptions).
func TestEvaluationsNeverExceedMaxEvals(t *testing.T) {
	const maxEvals = 2
	for _, tc := range []struct {
		isolated bool
		endpoint string
	}{{false, "validate"}, {false, "upgrade"}, {true, "validate"}, {true, "upgrade"}} {
		isolated := tc.isolated
		t.Run("isolated="+strconv.FormatBool(isolated)+"/"+tc.endpoint, func(t *testing.T) {
			if isolated && runtime.GOOS != "linux" {
				t.Skip("isolation needs Linux")
			}
			evalTimeout := 100 * time.Millisecond
			var iso *blueprint.Isolation
			if isolated {
				self, err := os.Executable()
				if err != nil {
					t.Fatal(err)
				}
				iso = &blueprint.Isolation{Command: []string{self}, Env: []string{evalChildEnv + "=1"}, MaxMemory: 512 << 20}
				// The child is killed after the deadline: give it time to
				// start, and to be seen running.
				evalTimeout = 2 * time.Second
			}
			logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			catalog := slowCatalog(t, catalogOptions(nil, logger, 1<<20, 100_000, evalTimeout, iso))
			s, _ := newTestServer(t, func(c *config) {
				c.Catalog, c.Isolated = catalog, isolated
				c.MaxEvals, c.EvalWait, c.EvalTimeout = maxEvals, 50*time.Millisecond, evalTimeout
			})
			srv := httptest.NewServer(s)
			defer srv.Close()

			// Longer than the clients wait on a loaded machine (120 values
			// squared: about a second on an idle one); an evaluation that
			// ends sooner is answered, which does not matter here.
			slow := `{"n": [` + strings.TrimSuffix(strings.Repeat("1,", 120), ",") + `]}`
			contentType, body := "application/json", []byte(slow)
			if tc.endpoint == "upgrade" {
				contentType, body = "application/gzip", slowProject(t, srv.URL, slow)
			}
			var (
				mu                      sync.Mutex
				maxCUE, maxChild, maxAt int
				samples                 int
			)
			sample := func() {
				c, p := cueGoroutines(), max(childProcesses(), 0)
				mu.Lock()
				maxCUE, maxChild, maxAt, samples = max(maxCUE, c), max(maxChild, p), max(maxAt, c+p), samples+1
				mu.Unlock()
			}
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				for {
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
						sample()
					}
				}
			}()

			// Three waves of clients, each after the last one left: a slot
			// freed while its evaluation runs on would let the next wave
			// start more.
			codes := make(chan int, 9*maxEvals)
			for wave := range 3 {
				if wave > 0 {
					time.Sleep(300 * time.Millisecond)
				}
				var wg sync.WaitGroup
				for range 3 * maxEvals {
					wg.Go(func() {
						// The client leaves after 300 ms, before any evaluation ends.
						ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
						defer cancel()
						req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/api/blueprints/slow/"+tc.endpoint, bytes.NewReader(body))
						req.Header.Set("Content-Type", contentType)
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							codes <- 0 // gave up
							return
						}
						resp.Body.Close()
						codes <- resp.StatusCode
					})
				}
				wg.Wait()
			}
			close(codes)
			answered := map[int]int{}
			for c := range codes {
				answered[c]++
			}
			t.Logf("%s: %d values each; answers (0: the client left first): %v", tc.endpoint, strings.Count(slow, "1"), answered)
			// Until every slot is free again; then nothing may run.
			deadline := time.Now().Add(5 * time.Minute)
			for len(s.evals) > 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			close(stop)
			<-sampled
			if n := len(s.evals); n > 0 {
				t.Fatalf("%d evaluation slots still held after 5 minutes", n)
			}
			// A freed slot: what ran in it has ended.
			if n := cueGoroutines(); n > 0 {
				t.Errorf("%d goroutines run CUE with every evaluation slot free", n)
			}
			if n := childProcesses(); n > 0 {
				t.Errorf("%d isolation children run with every evaluation slot free", n)
			}
			t.Logf("%d samples: at most %d evaluations at once (%d CUE goroutines, %d children), for %d slots", samples, maxAt, maxCUE, maxChild, maxEvals)
			if maxAt == 0 {
				t.Fatal("no evaluation was ever seen running")
			}
			if maxAt > maxEvals {
				t.Errorf("%d evaluations (CUE goroutines and isolation children) ran at once, more than --max-evals %d", maxAt, maxEvals)
			}
			// The server answers again.
			if w := do(t, s, "POST", "/api/blueprints/slow/validate", strings.NewReader(`{}`)); w.Code != http.StatusOK {
				t.Errorf("validate once every evaluation ended: %d %s", w.Code, w.Body)
			}
		})
	}
}

// slowProject renders a project of the slow blueprint through the server
// at url, quickly (no parameters), and returns it as an upload whose
// manifest records the parameters params instead: what the upgrade
// evaluates comes from the uploader.
func slowProject(t *testing.T, url, params string) []byte {
	t.Helper()
	resp, body := postBody(t, url+"/api/blueprints/slow/render", "application/json", []byte(`{"name":"orders"}`))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("render: %d %s", resp.StatusCode, body)
	}
	files := readArchive(t, bytes.NewReader(body))
	const manifest = "orders/" + render.ManifestPath
	m, err := render.DecodeManifest(strings.NewReader(files[manifest].body))
	if err != nil {
		t.Fatalf("%s: %v", manifest, err)
	}
	var recorded map[string]any
	if err := json.Unmarshal(m.Parameters, &recorded); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(params), &recorded); err != nil {
		t.Fatal(err)
	}
	if m.Parameters, err = json.Marshal(recorded); err != nil {
		t.Fatal(err)
	}
	e := files[manifest]
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	e.body = string(b)
	files[manifest] = e
	return packArchive(t, files)
}
