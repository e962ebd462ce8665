package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// serverProcessEnv makes the test binary run as the server (see TestMain).
const serverProcessEnv = "GP_SERVER_PROCESS"

// startStoreServer runs the server in a process of its own with args and env,
// and returns its base URL; it is stopped with SIGTERM at the end of the
// test, and must exit 0.
func startStoreServer(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"--addr", "127.0.0.1:0", "--cache-dir", t.TempDir(),
		"--blueprints", "../../testdata/blueprints", "--decisions", "../../testdata/decisions"}, args...)...)
	cmd.Env = append(append(os.Environ(), serverProcessEnv+"=1"), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("no address on stdout: %v; stderr:\n%s", err, stderr.String())
	}
	go io.Copy(io.Discard, out)
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("server: %v\n%s", err, stderr.String())
		}
	})
	return strings.TrimSpace(strings.TrimPrefix(line, "goldenpath server listening on "))
}

func post(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url+"/api/signals", "application/json", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("POST %s/api/signals: %d %s", url, resp.StatusCode, b)
	}
}

// Two server processes on different ports share one PostgreSQL store: a
// rating posted to one is in the other's report, and signals posted to
// both at once, some to both, are stored once each.
func TestServersSharePostgres(t *testing.T) {
	db := pgtest.Database(t)
	a := startStoreServer(t, nil, "--store", db)
	b := startStoreServer(t, []string{"GP_STORE=" + db})

	post(t, a, `{"blueprint":"go-service","score":2,"comment":"the deploy manifests are hard to change","by":"dana"}`)
	resp, err := http.Get(b + "/api/report")
	if err != nil {
		t.Fatal(err)
	}
	var rep report.Report
	err = json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, bp := range rep.Blueprints {
		if bp.Name == "go-service" && bp.Ratings != nil && bp.Ratings.Count == 1 && bp.Ratings.Mean == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("the rating posted to one server is not in the other's report: %+v", rep.Blueprints)
	}

	// Retries and overlaps: each signal posted to both servers, from
	// several clients at once.
	const clients, each = 4, 25
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("%032x", (c/2)*1000+i)
				body := fmt.Sprintf(`{"v":1,"id":%q,"time":"2026-11-20T10:00:00Z","source":"metric","subject":{"project":"p%d"},"value":%d,"unit":"count"}`, id, c/2, i)
				post(t, []string{a, b}[(c+i)%2], body)
			}
		})
	}
	wg.Wait()
	st, err := pgstore.Open(t.Context(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	count := map[string]int{}
	for s, err := range st.Query(t.Context(), feedback.Filter{Source: feedback.SourceMetric}) {
		if err != nil {
			t.Fatal(err)
		}
		count[s.ID]++
	}
	if len(count) != clients/2*each {
		t.Errorf("%d metric signals stored, want %d", len(count), clients/2*each)
	}
	for id, n := range count {
		if n != 1 {
			t.Errorf("%s stored %d times", id, n)
		}
	}
}
