package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowser drives headless Chromium through the go-service form with
// browser/form.mjs: the browser refuses an invalid name itself, the server
// refuses tier prod with 2 replicas and shows the error next to the field,
// and once corrected the project is previewed and downloaded. The test then
// reads the downloaded archive.
//
// It needs node, Debian's chromium (or $CHROMIUM) and npm ci in browser/;
// it fails without them, and skips only when GP_SKIP_BROWSER=1 is set.
func TestBrowser(t *testing.T) {
	node, chromium := requireBrowser(t)
	s, tmp := newTestServer(t, nil)
	ts := httptest.NewServer(s)
	defer ts.Close()
	downloads := t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, node, filepath.Join("browser", "form.mjs"), ts.URL, downloads)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("form.mjs: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	var res struct {
		Archive string
		Steps   []map[string]any
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("form.mjs printed %s: %v", out, err)
	}
	t.Logf("browser flow: %s in all; steps %v", time.Since(start).Round(time.Millisecond), res.Steps)

	if filepath.Base(res.Archive) != "orders.tar.gz" || filepath.Dir(res.Archive) != downloads {
		t.Errorf("downloaded %s, want orders.tar.gz in %s", res.Archive, downloads)
	}
	f, err := os.Open(res.Archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := readArchive(t, f)
	for _, name := range []string{"orders/.goldenpath/manifest.json", "orders/cmd/orders/main.go", "orders/Dockerfile", "orders/internal/health/health.go"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the archive lacks %s; it has %v", name, keys(files))
		}
	}
	deploy := files["orders/deploy/k8s/deployment.yaml"].body
	for _, want := range []string{"replicas: 3", "acme.dev/tier: prod", "payments"} {
		if !strings.Contains(deploy, want) {
			t.Errorf("deployment.yaml lacks %q:\n%s", want, deploy)
		}
	}
	if m := files["orders/.goldenpath/manifest.json"].body; !strings.Contains(m, `"version": "2.0.0"`) {
		t.Errorf("manifest:\n%s", m)
	}
	assertEmptyDir(t, tmp)
}

// requireBrowser returns the Chromium executable and checks that the
// browser driver's packages are installed, failing when they are not.
func requireBrowser(t *testing.T) (node, chromium string) {
	t.Helper()
	node = requireNode(t)
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s: install Debian's chromium package (.ci/run does), set CHROMIUM, or set GP_SKIP_BROWSER=1 to skip the browser tests", chromium)
	}
	if _, err := os.Stat(filepath.Join("browser", "node_modules", "playwright-core", "package.json")); err != nil {
		t.Fatal("playwright-core is not installed: run npm ci in examples/server/browser (.ci/run does), or set GP_SKIP_BROWSER=1 to skip the browser tests")
	}
	return node, chromium
}
