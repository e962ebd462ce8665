package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/feedback"
)

// TestBrowser drives headless Chromium through the go-service form with
// browser/form.mjs: the browser refuses an invalid name itself, the server
// refuses tier prod with 2 replicas and shows the error next to the field,
// and once corrected the project is previewed and downloaded. The test then
// reads the downloaded archive.
//
// It needs node, Debian's chromium (or $CHROMIUM) and npm ci in browser/;
// without them it skips naming what to install (./test installs them), and
// fails when CI is set.
func TestBrowser(t *testing.T) {
	node, chromium := requireBrowser(t)
	s, tmp := newTestServer(t, nil)
	ts := httptest.NewServer(s)
	defer ts.Close()
	downloads := t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
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
	// The decision page as the browser drew it: Markdown rendered into
	// lists, paragraphs and headings, each rule once.
	var record map[string]any
	for _, st := range res.Steps {
		if st["name"] == "decision" {
			record = st
		}
	}
	if record == nil {
		t.Fatalf("form.mjs did not visit a decision page: %v", res.Steps)
	}
	for key, least := range map[string]float64{"listItems": 5, "paragraphs": 3, "headings": 4, "ruleRows": 2} {
		if n, _ := record[key].(float64); n < least {
			t.Errorf("ADR-0007's page has %v %s, want at least %v", record[key], key, least)
		}
	}
	if n, _ := record["runtimeImage"].(float64); n != 1 {
		t.Errorf("the runtime-image rule shows %v times on ADR-0007's page, want once", record["runtimeImage"])
	}
	assertEmptyDir(t, tmp)
}

// requireBrowser returns the Chromium executable and checks that the
// browser driver's packages are installed: without them the test skips,
// naming what to install, or fails when CI is set.
func requireBrowser(t *testing.T) (node, chromium string) {
	t.Helper()
	node = requireNode(t)
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missingSystemPart(t, "no Chromium at "+chromium+": install Debian's chromium package (./test does) or set CHROMIUM")
	}
	if _, err := os.Stat(filepath.Join("browser", "node_modules", "playwright-core", "package.json")); err != nil {
		missingSystemPart(t, "playwright-core is not installed: run npm ci in examples/server/browser (./test does)")
	}
	return node, chromium
}

// longDesireFile is a blueprint file whose path, as a chart label, is
// wider than the widest label column.
const longDesireFile = "deploy/overlays/production/eu-west-1/k8s/horizontal-pod-autoscaler.yaml.tmpl"

// TestBrowserFeedback drives headless Chromium through the feedback side
// with browser/feedback.mjs, over a file store holding the fleet's
// signals: the report's SVG charts are drawn and visible, their labels
// whole and fitting their columns in a 1280×900 window, the browser
// refuses a rating without a score, and a rating sent from go-service's
// page comes back as a thank-you (303) and counts in the report. The test
// then reads the rating from the store.
//
// Like TestBrowser, it skips without node, Chromium or npm ci in browser/,
// or fails when CI is set.
func TestBrowserFeedback(t *testing.T) {
	node, chromium := requireBrowser(t)
	st, err := feedback.OpenFileStore(filepath.Join(t.TempDir(), "signals.jsonl"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := testRecorder("s", testNow.Add(-time.Hour))
	fleetSigs := fleet(rec)
	// And one desire path more, in a file whose path is longer than the
	// widest label column, so that its label wraps in the browser.
	for _, p := range []struct{ name, version string }{{"orders", "2.0.0"}, {"billing", "2.0.0"}, {"search", "1.4.0"}} {
		s := rec.New(feedback.SourceDrift, feedback.Subject{Project: p.name, Owner: "team-" + p.name, Blueprint: "go-service", Version: p.version})
		s.File = longDesireFile
		s.Evidence = feedback.Evidence{Hunk: "@@ -1,0 +2 @@\n+  minReplicas: 2\n"}
		s.Labels = map[string]string{"level": "shared", "change": "changed", "hunk.key": "+  minReplicas: 2\n"}
		fleetSigs = append(fleetSigs, s)
	}
	if err := st.Append(t.Context(), fleetSigs...); err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, withStore(st))
	ts := httptest.NewServer(s)
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, node, filepath.Join("browser", "feedback.mjs"), ts.URL)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("feedback.mjs: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	var res struct {
		Charts map[string]struct {
			Title    string
			Bars     int
			Segments int
			Legend   []string
			First    string
			Labels   []string
			Lines    []int
			Tightest float64
		}
		Steps []map[string]any
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("feedback.mjs printed %s: %v", out, err)
	}
	t.Logf("browser flow: %s in all; steps %v", time.Since(start).Round(time.Millisecond), res.Steps)

	// The charts as the browser saw them: the bars and segments the fleet
	// gives (see TestReportPage).
	for id, want := range map[string]struct {
		title          string
		bars, segments int
		first          string
	}{
		"chart-compliance": {"Compliance per decision", 4, 8, "ADR-0007: 2 of 3 checks pass (67%)"},
		"chart-desire":     {"Desire paths", 3, 3, "go-service: Makefile, edit 16ee4b311faeaeba: 3 projects (billing, orders, search)"},
		"chart-spread":     {"Version spread per blueprint", 2, 4, "go-service 2.0.0: 2 of 4 projects (50%), the latest"},
	} {
		got := res.Charts[id]
		if got.Title != want.title || got.Bars != want.bars || got.Segments != want.segments || got.First != want.first {
			t.Errorf("%s in the browser: %+v, want %+v", id, got, want)
		}
	}
	// Every label whole, as the browser wrote it (feedback.mjs checked
	// that each fits its column at 1280 px): the desire paths' files too,
	// the longest wrapped.
	for id, want := range map[string][]string{
		"chart-compliance": {"ADR-0007", "ADR-0012", "ADR-0013", "ADR-0014"},
		"chart-desire":     {"go-service: " + longDesireFile, "go-service: Makefile", "go-service: deploy/k8s/deployment.yaml.tmpl"},
		"chart-spread":     {"go-service", "terraform-module"},
	} {
		c := res.Charts[id]
		t.Logf("%s: labels %q in %v lines; the fullest line takes %v of its column", id, c.Labels, c.Lines, c.Tightest)
		for i, label := range c.Labels {
			if wrapped := c.Lines[i] > 1; wrapped != strings.Contains(label, "horizontal-pod") {
				t.Errorf("%s: %q is drawn in %d lines", id, label, c.Lines[i])
			}
		}
		got := slices.Clone(c.Labels)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s's labels in the browser: %q, want %q", id, got, want)
		}
	}
	if l := res.Charts["chart-compliance"].Legend; strings.Join(l, ", ") != "pass, warn, fail, fail (audit), exempt, error" {
		t.Errorf("the compliance legend in the browser: %v", l)
	}

	// The rating is in the store, after the fleet.
	all := storeSignals(t, st)
	if len(all) != len(fleetSigs)+1 {
		t.Fatalf("the store holds %d signals, want %d", len(all), len(fleetSigs)+1)
	}
	r := all[len(all)-1]
	if r.Source != feedback.SourceRating || r.Subject.Blueprint != "go-service" || r.Decision != "" || r.Value == nil || *r.Value != 4 ||
		r.Unit != "score" || r.Evidence.Message != "Fast to start; the <b>CI</b> is slow" || r.Labels["by"] != "playwright" {
		t.Errorf("the rating stored: %+v", r)
	}
}
