package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestLoadAndAbuse runs the server as a child process built from this
// package, on loopback, and measures it under load, then under a burst of
// hostile requests: YAML bombs, 1 MiB bodies of many parameters (some cut
// off by a one-second client timeout), slow clients. /healthz must keep
// answering, the process's peak resident memory must stay under 512 MiB,
// the CPU must go quiet once the clients are gone, every acknowledged
// signal must be stored once, and a second SIGTERM must stop the server at
// once. The figures are logged; the machine may be shared, so only loose
// floors are asserted, relative to an empty handler measured in the same
// run. Every loop is bounded in time.
func TestLoadAndAbuse(t *testing.T) {
	if testing.Short() {
		t.Skip("load and abuse test: skipped with -short")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the server's memory")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// GP_ABUSE_BASELINE names another build of the server (an earlier
	// revision, say): the load cells run against it first, in the same
	// run, for comparison.
	if baseline := os.Getenv("GP_ABUSE_BASELINE"); baseline != "" {
		b := startServer(t, baseline, t.TempDir())
		t.Log("baseline " + baseline + ":")
		loadCells(t, b.base, nil)
		b.stop()
	}
	srv := startServer(t, bin, dir)
	defer srv.stop()
	base, pid, cmd, exited, stderr, store := srv.base, srv.cmd.Process.Pid, srv.cmd, srv.exited, srv.stderr, srv.store
	addr := strings.TrimPrefix(base, "http://")

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}, Timeout: 30 * time.Second}
	get := func(ctx context.Context, path string) (int, error) { return getURL(ctx, client, base+path) }
	post := func(ctx context.Context, c *http.Client, path, ctype, body string) (int, error) {
		return postURL(ctx, c, base+path, ctype, body)
	}
	var acked atomic.Int64
	t.Log("this build:")
	loadCells(t, base, &acked)

	// Abuse: a burst of hostile requests, all at once, while /healthz is
	// polled.
	var many strings.Builder
	many.WriteString(`{"name":"orders"`)
	for i := 0; many.Len() < 1<<20-32; i++ {
		fmt.Fprintf(&many, `,"p%d":%d`, i, i)
	}
	many.WriteString("}")
	var under strings.Builder // under --max-values (2 000), every one unknown
	under.WriteString(`{"name":"orders"`)
	for i := range 1900 {
		fmt.Fprintf(&under, `,"parameter%d":"%s"`, i, strings.Repeat("v", 80))
	}
	under.WriteString("}")
	abuse := []struct {
		name, path, ctype, body string
		timeout                 time.Duration
	}{
		{"merge bomb", "/api/blueprints/go-service/validate", "application/yaml", mergeBombYAML, 0},
		{"merge bomb render", "/api/blueprints/go-service/render", "application/yaml", mergeBombYAML, 0},
		{"self merge", "/api/blueprints/go-service/validate", "application/yaml", selfMergeYAML, 0},
		{"self merge render", "/api/blueprints/go-service/render", "application/yaml", selfMergeYAML, 0},
		{"1 MiB of parameters", "/api/blueprints/go-service/validate", "application/json", many.String(), time.Second},
		{"1 MiB of YAML entries", "/api/blueprints/go-service/validate", "application/yaml", "name: orders\nx: [" + strings.Repeat("1,", 1<<19-16) + "1]\n", time.Second},
		{"1 MiB of YAML keys", "/api/blueprints/go-service/render", "application/yaml", strings.Repeat("k: 1\n", 1<<18-16), 0},
		{"1900 unknown parameters", "/api/blueprints/go-service/validate", "application/json", under.String(), time.Second},
		{"1900 unknown parameters render", "/api/blueprints/go-service/render", "application/json", under.String(), 0},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var (
		wg                    sync.WaitGroup
		healthOK, healthSlow  atomic.Int64
		healthFail            atomic.Int64
		hostileDone, hostileN atomic.Int64
	)
	stop := make(chan struct{})
	go func() { // /healthz, every 50 ms
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			t0 := time.Now()
			hctx, hcancel := context.WithTimeout(ctx, 5*time.Second)
			code, err := get(hctx, "/healthz")
			hcancel()
			switch {
			case err != nil || code != 200:
				healthFail.Add(1)
			case time.Since(t0) > time.Second:
				healthSlow.Add(1)
			default:
				healthOK.Add(1)
			}
		}
	}()
	for _, a := range abuse {
		for range 8 {
			hostileN.Add(1)
			wg.Go(func() {
				c := client
				if a.timeout > 0 {
					c = &http.Client{Timeout: a.timeout}
				}
				code, err := post(ctx, c, a.path, a.ctype, a.body)
				if err == nil {
					if code < 400 {
						t.Errorf("%s: %d", a.name, code)
					}
					hostileDone.Add(1)
				}
			})
		}
	}
	// Slow clients: headers one byte every 300 ms; the server must cut
	// them at its header timeout (5 s).
	var slowCut atomic.Int64
	for range 32 {
		wg.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				return
			}
			defer conn.Close()
			start := time.Now()
			for _, b := range []byte("POST /api/blueprints/go-service/validate HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 100)) {
				if _, err := conn.Write([]byte{b}); err != nil {
					break
				}
				if time.Since(start) > 12*time.Second {
					return
				}
				time.Sleep(300 * time.Millisecond)
			}
			if time.Since(start) < 12*time.Second {
				slowCut.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
	t.Logf("abuse: %d hostile requests (%d answered, the rest given up by their clients), 32 slow clients (%d cut by the server); /healthz meanwhile: %d ok, %d slower than 1 s, %d failed",
		hostileN.Load(), hostileDone.Load(), slowCut.Load(), healthOK.Load(), healthSlow.Load(), healthFail.Load())
	if healthFail.Load() > 0 || healthOK.Load() == 0 {
		t.Errorf("/healthz failed %d times during the abuse", healthFail.Load())
	}
	if slowCut.Load() != 32 {
		t.Errorf("%d of 32 slow clients cut by the server", slowCut.Load())
	}
	if code, err := get(context.Background(), "/healthz"); err != nil || code != 200 {
		t.Errorf("/healthz after the abuse: %d %v", code, err)
	}

	// Once the clients are gone, the work they started ends: the CPU goes
	// quiet within the evaluation slots' drain.
	time.Sleep(3 * time.Second)
	cpu0 := cpuTime(t, pid)
	time.Sleep(2 * time.Second)
	idle := cpuTime(t, pid) - cpu0
	peak, rss := memory(t, pid, "VmHWM"), memory(t, pid, "VmRSS")
	t.Logf("after the abuse: %s of CPU in 2 s idle; peak RSS %d MiB, now %d MiB", idle, peak>>20, rss>>20)
	if idle > time.Second {
		t.Errorf("the server burned %s of CPU in 2 s after its clients left", idle)
	}
	if peak >= 512<<20 {
		t.Errorf("peak RSS %d MiB, want under 512 MiB", peak>>20)
	}

	// Every acknowledged signal is stored, once.
	data, err := os.ReadFile(store)
	if err != nil {
		t.Fatal(err)
	}
	// (A request cut off by the end of its cell may be stored without its
	// acknowledgement reaching the client: stored >= acknowledged.)
	ids := map[string]bool{}
	for l := range bytes.Lines(data) {
		var sg struct{ ID string }
		if err := json.Unmarshal(l, &sg); err != nil || sg.ID == "" || ids[sg.ID] {
			t.Errorf("store line %q: %v, or stored twice", l, err)
			break
		}
		ids[sg.ID] = true
	}
	if n := int64(len(ids)); n < acked.Load() {
		t.Errorf("%d signals stored, %d acknowledged", n, acked.Load())
	}
	t.Logf("%d signals acknowledged, %d stored, each once", acked.Load(), len(ids))

	// A second SIGTERM stops the server at once, with a request in flight
	// (a slow client holding the body open).
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/blueprints/go-service/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		t.Logf("second SIGTERM: stopped in %s", time.Since(start).Round(time.Millisecond))
		exited <- nil // for the deferred clean-up
	case <-time.After(5 * time.Second):
		t.Errorf("still running 5 s after a second SIGTERM")
	}
	if strings.Contains(stderr.String(), "fatal error") || strings.Contains(stderr.String(), "panic") {
		t.Errorf("the server crashed:\n%s", stderr.String())
	}
}

// cpuTime returns the user and system CPU time process pid has used.
func cpuTime(t *testing.T, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// memory returns a size field (VmHWM, VmRSS) of /proc/PID/status in bytes.
func memory(t *testing.T, pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// childServer is a server running as a child process.
type childServer struct {
	base   string
	cmd    *exec.Cmd
	exited chan error
	stderr *syncBuffer
	store  string
}

// startServer starts the server binary bin over the bundled testdata, with
// its store, cache and temporary directory in dir.
func startServer(t *testing.T, bin, dir string, args ...string) *childServer {
	t.Helper()
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &childServer{exited: make(chan error, 1), stderr: &syncBuffer{}, store: filepath.Join(dir, "signals.jsonl")}
	s.cmd = exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--blueprints", "../../testdata/blueprints",
		"--decisions", "../../testdata/decisions", "--store", s.store, "--cache-dir", filepath.Join(dir, "cache"),
		"--log-level", "error", "--shutdown-timeout", "30s"}, args...)...)
	s.cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "GOMEMLIMIT=")
	s.cmd.Stderr = s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := regexp.MustCompile(`http://(\S+)`).FindStringSubmatch(line)
	if err != nil || m == nil {
		s.stop()
		t.Fatalf("no address: %q %v\n%s", line, err, s.stderr.String())
	}
	s.base = "http://" + m[1]
	return s
}

// stop kills the server if it still runs.
func (s *childServer) stop() {
	s.cmd.Process.Kill()
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
	}
}

func getURL(ctx context.Context, c *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func postURL(ctx context.Context, c *http.Client, url, ctype, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// loadCells measures the server at base: each cell runs for a short, fixed
// time with many clients. acked, when not nil, counts the signals the
// server acknowledged.
func loadCells(t *testing.T, base string, acked *atomic.Int64) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	get := func(ctx context.Context, path string) (int, error) { return getURL(ctx, client, base+path) }
	post := func(ctx context.Context, c *http.Client, path, ctype, body string) (int, error) {
		return postURL(ctx, c, base+path, ctype, body)
	}
	if acked == nil {
		acked = &atomic.Int64{}
	}
	// Load: each cell runs for a short, fixed time with many clients.
	const cell = 2 * time.Second
	type cellResult struct {
		name               string
		ok, busy, failures int64
		p99                time.Duration
		rate               float64
	}
	run := func(name string, clients int, call func(ctx context.Context) (int, error), want ...int) cellResult {
		ctx, cancel := context.WithTimeout(context.Background(), cell)
		defer cancel()
		var (
			mu        sync.Mutex
			latencies []time.Duration
			r         = cellResult{name: name}
			wg        sync.WaitGroup
		)
		start := time.Now()
		for range clients {
			wg.Go(func() {
				for ctx.Err() == nil {
					t0 := time.Now()
					code, err := call(ctx)
					d := time.Since(t0)
					mu.Lock()
					switch {
					case err != nil && ctx.Err() != nil:
					case err == nil && slices.Contains(want, code):
						r.ok++
						latencies = append(latencies, d)
					case code == http.StatusServiceUnavailable:
						r.busy++
					default:
						r.failures++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		r.rate = float64(r.ok) / time.Since(start).Seconds()
		if len(latencies) > 0 {
			slices.Sort(latencies)
			r.p99 = latencies[len(latencies)*99/100]
		}
		t.Logf("%-10s %3d clients: %7.0f req/s, p99 %-12s (%d ok, %d busy, %d failed)", name, clients, r.rate, r.p99.Round(time.Millisecond), r.ok, r.busy, r.failures)
		if r.failures > 0 {
			t.Errorf("%s: %d failures", name, r.failures)
		}
		return r
	}
	t.Log("load (loopback, load generator on the same machine, which may be shared):")
	// The reference: a handler that does nothing, served in this process
	// to the same load generator, measured in the same run. What the
	// machine serves at the moment, whatever else runs on it, is what the
	// server's rates are held to.
	ref := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }))
	defer ref.Close()
	reference := run("reference", 64, func(ctx context.Context) (int, error) { return getURL(ctx, client, ref.URL) }, 200)
	health := run("healthz", 64, func(ctx context.Context) (int, error) { return get(ctx, "/healthz") }, 200)
	run("catalog", 64, func(ctx context.Context) (int, error) { return get(ctx, "/") }, 200)
	validate := run("validate", 64, func(ctx context.Context) (int, error) {
		return post(ctx, client, "/api/blueprints/go-service/validate", "application/json", `{"name":"orders","tier":"prod","replicas":3}`)
	}, 200)
	run("signals", 64, func(ctx context.Context) (int, error) {
		code, err := post(ctx, client, "/api/signals", "application/json", `{"blueprint":"go-service","score":4,"comment":"load"}`)
		if code == http.StatusCreated {
			acked.Add(1)
		}
		return code, err
	}, 201)
	run("render", 16, func(ctx context.Context) (int, error) {
		return post(ctx, client, "/api/blueprints/go-service/render", "application/json", `{"name":"orders"}`)
	}, 200)
	run("report", 16, func(ctx context.Context) (int, error) { return get(ctx, "/api/report") }, 200)
	// Renders while 16 clients poll the report.
	pctx, stopPolling := context.WithCancel(context.Background())
	var polls atomic.Int64
	var pollers sync.WaitGroup
	for range 16 {
		pollers.Go(func() {
			for pctx.Err() == nil {
				if code, err := get(pctx, "/api/report"); err == nil && code == http.StatusOK {
					polls.Add(1)
				}
			}
		})
	}
	run("render+poll", 16, func(ctx context.Context) (int, error) {
		return post(ctx, client, "/api/blueprints/go-service/render", "application/json", `{"name":"orders"}`)
	}, 200)
	stopPolling()
	pollers.Wait()
	t.Logf("(%d reports served to the pollers meanwhile)", polls.Load())
	// Loose floors, relative to the reference, which falls with the
	// server's rates when other work loads the machine (on a 2-core machine
	// at load 23, with the -race load generator: reference 494 req/s,
	// healthz 1 404, validate 172; the absolute floors of 500 and 50 this
	// replaces failed there): a server twenty times slower than an empty
	// handler at /healthz, or two hundred times at a validation, has a
	// problem of its own.
	if health.rate < reference.rate/20 || validate.rate < reference.rate/200 {
		t.Errorf("healthz %.0f req/s, validate %.0f req/s: far below the %.0f req/s of an empty handler on this machine now", health.rate, validate.rate, reference.rate)
	}

}
