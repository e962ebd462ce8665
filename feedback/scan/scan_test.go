package scan_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

const goService = "../../testdata/blueprints/go-service"

// clock returns a Recorder with a fixed time and sequential IDs.
func clock(t time.Time) *feedback.Recorder {
	n := 0
	return &feedback.Recorder{
		Now:   func() time.Time { return t },
		NewID: func() string { n++; return fmt.Sprintf("sig-%04d", n) },
	}
}

func renderProject(t *testing.T, bp *blueprint.Blueprint, dir string, set ...string) {
	t.Helper()
	ctx := context.Background()
	params, err := bp.Resolve(ctx, blueprint.Set(set...))
	require.NoError(t, err)
	e, err := render.New(nil)
	require.NoError(t, err)
	_, err = e.Render(ctx, bp, params, dir, nil)
	require.NoError(t, err)
}

func replaceIn(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), old)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644))
}

func bySource(ss []feedback.Signal, src feedback.Source) []feedback.Signal {
	var out []feedback.Signal
	for _, s := range ss {
		if s.Source == src {
			out = append(out, s)
		}
	}
	return out
}

func TestScan(t *testing.T) {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, goService, nil)
	require.NoError(t, err)
	reg, err := decision.LoadDir(ctx, "../../testdata/decisions", nil)
	require.NoError(t, err)
	cat, err := blueprint.LoadCatalog(ctx, []string{"../../testdata/blueprints"}, &blueprint.Options{Fetcher: localSources(t)})
	require.NoError(t, err)
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)

	root := t.TempDir()
	orders, billing := filepath.Join(root, "orders"), filepath.Join(root, "billing")
	renderProject(t, bp, orders, "name=orders", "team=payments-core")
	renderProject(t, bp, billing, "name=billing", "team=ledger")
	for _, dir := range []string{orders, billing} {
		// The same edit in both: a longer readiness probe period (shared).
		replaceIn(t, filepath.Join(dir, "deploy/k8s/deployment.yaml"), "httpGet: {path: /readyz, port: http}", "httpGet: {path: /readyz, port: http}\n            periodSeconds:   30")
	}
	// orders also: a managed Dockerfile edit that names itself, a seeded
	// README edit, a deleted shared file, and exceptions.
	const distroless = "FROM gcr.io/distroless/static-debian12:nonroot@sha256:6ec5aa99dc335666e79dc64e4a6c8b89c33a543a1967f20d360922a80dd21f02"
	replaceIn(t, filepath.Join(orders, "Dockerfile"), distroless, "FROM   alpine:3.20 AS orders-debug")
	replaceIn(t, filepath.Join(orders, "README.md"), "# orders", "# Orders, by the payments team")
	require.NoError(t, os.Remove(filepath.Join(orders, "Makefile")))
	require.NoError(t, os.WriteFile(filepath.Join(orders, ".goldenpath", "exceptions.yaml"), []byte(`exceptions:
  - decision: ADR-0007
    rule: runtime-image
    justification: debugging a startup crash needs a shell for a week
    requested-by: jane.doe@acme.dev
    approved-by: aylin.demir
    expires: 2026-12-01
  - decision: ADR-0012
    rule: limits
    justification: load test
    requested-by: jane.doe@acme.dev
    approved-by: tom.okafor
    expires: 2026-04-30
`), 0o644))

	sigs, err := scan.Project(ctx, openProject(t, orders), &scan.Options{Blueprint: bp, Registry: reg, Catalog: cat, Recorder: clock(now)})
	require.NoError(t, err)
	for _, s := range sigs {
		require.NoError(t, s.Validate())
		assert.Equal(t, feedback.Subject{Project: "orders", Dir: orders, Owner: "payments-core", Blueprint: "go-service", Version: "1.4.0"}, s.Subject)
		assert.Equal(t, now, s.Time)
	}

	drift := bySource(sigs, feedback.SourceDrift)
	files := map[string]feedback.Signal{}
	for _, s := range drift {
		files[s.File] = s
	}
	require.Len(t, drift, 3, "%+v", drift)
	docker := files["Dockerfile.tmpl"]
	assert.Equal(t, feedback.ResultFail, docker.Result, "managed drift fails")
	assert.Equal(t, "managed", docker.Labels["level"])
	assert.Contains(t, docker.Evidence.Hunk, "+FROM   alpine:3.20 AS orders-debug\n")
	assert.Equal(t, "-"+distroless+"\n+FROM alpine:3.20 AS {{.name}}-debug\n", docker.Labels["hunk.key"], "whitespace and the project's name are normalised")
	dep := files["deploy/k8s/deployment.yaml.tmpl"]
	assert.Empty(t, dep.Result, "shared drift is evidence, not a failure")
	assert.Equal(t, "deploy/k8s/deployment.yaml", dep.Evidence.Path)
	assert.Equal(t, "+periodSeconds: 30\n", dep.Labels["hunk.key"])
	assert.Equal(t, "removed", files["Makefile.tmpl"].Labels["change"])
	_, readme := files["README.md.tmpl"]
	assert.False(t, readme, "seeded edits are the team's")

	// The same scan over an fs.FS reads the manifest and the exceptions
	// once, when the project is opened, and gives the same signals.
	counting := &countingFS{FS: os.DirFS(orders), opened: map[string]int{}}
	p, err := render.OpenProjectFS(counting, orders)
	require.NoError(t, err)
	again, err := scan.Project(ctx, p, &scan.Options{Blueprint: bp, Registry: reg, Catalog: cat, Recorder: clock(now)})
	require.NoError(t, err)
	assert.Equal(t, len(sigs), len(again))
	assert.Equal(t, 1, counting.opened[render.ManifestPath], "the manifest is read once")
	assert.Equal(t, 1, counting.opened[decision.ExceptionsFile], "the exceptions are read once")

	// billing made the same shared edit: the same key.
	other, err := scan.Project(ctx, openProject(t, billing), &scan.Options{Blueprint: bp, Recorder: clock(now)})
	require.NoError(t, err)
	require.Len(t, other, 2, "the edit and the scan")
	assert.Equal(t, feedback.SourceScan, other[1].Source)
	assert.Equal(t, map[string]string{"drift": "1", "rule": "0", "exception": "0", "lag": "0", "fail": "0", "warn": "0", "exempt": "0", "error": "0"}, other[1].Labels)
	assert.Equal(t, 1.0, *other[1].Value)
	assert.Equal(t, feedback.Subject{Project: "billing", Dir: billing, Owner: "ledger", Blueprint: "go-service", Version: "1.4.0"}, other[1].Subject)
	assert.Equal(t, dep.Labels["hunk.key"], other[0].Labels["hunk.key"])
	assert.Equal(t, dep.Labels["hunk.id"], other[0].Labels["hunk.id"])
	assert.Equal(t, "ledger", other[0].Subject.Owner)

	// Rules: one signal per rule in force; the exempted one is exempt, the
	// one whose exception expired fails.
	rules := map[string]feedback.Signal{}
	perRule := map[string]int{}
	for _, s := range bySource(sigs, feedback.SourceRule) {
		rules[s.Decision+"/"+s.Rule] = s
		perRule[s.Decision+"/"+s.Rule]++
	}
	for k, s := range rules {
		if n := s.Labels["findings"]; n != "" {
			assert.Equal(t, n, fmt.Sprint(perRule[k]), "%s: one signal per finding", k)
		} else {
			assert.Equal(t, 1, perRule[k], "%s: one pass signal", k)
		}
	}
	// build-stages-pinned (audit) fails on the build stage of the Dockerfile.
	assert.Equal(t, "Dockerfile", rules["ADR-0007/build-stages-pinned"].Evidence.Path)
	assert.Equal(t, feedback.ResultExempt, rules["ADR-0007/runtime-image"].Result, "%+v", rules["ADR-0007/runtime-image"])
	assert.Equal(t, feedback.ResultPass, rules["ADR-0012/limits"].Result)
	assert.Equal(t, feedback.ResultPass, rules["ADR-0013/team-set"].Result)

	exc := bySource(sigs, feedback.SourceException)
	require.Len(t, exc, 2)
	assert.Equal(t, feedback.ResultExempt, exc[0].Result)
	assert.Equal(t, "active", exc[0].Labels["status"])
	assert.Equal(t, "debugging a startup crash needs a shell for a week", exc[0].Evidence.Message)
	assert.Equal(t, feedback.ResultFail, exc[1].Result)
	assert.Equal(t, "expired", exc[1].Labels["status"])

	scans := bySource(sigs, feedback.SourceScan)
	require.Len(t, scans, 1, "one scan signal per scan")
	assert.Equal(t, sigs[len(sigs)-1], scans[0], "the scan signal comes last")
	assert.Equal(t, fmt.Sprint(len(sigs)-1), fmt.Sprint(*scans[0].Value))
	assert.Equal(t, "2", scans[0].Labels["exception"])

	lag := bySource(sigs, feedback.SourceLag)
	require.Len(t, lag, 1)
	assert.Equal(t, 1.0, *lag[0].Value)
	assert.Equal(t, "2.0.0", lag[0].Labels["latest"])
	assert.Equal(t, "45", lag[0].Labels["days"], "2.0.0 was released on 2026-10-01")
}

func localSources(t *testing.T) *blueprint.Sources {
	t.Helper()
	s, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir()})
	require.NoError(t, err)
	return s
}

func TestUpgradeSignalsAndRatings(t *testing.T) {
	ctx := context.Background()
	v1, err := blueprint.LoadDir(ctx, goService, nil)
	require.NoError(t, err)
	v2, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/go-service-v2", nil)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "orders")
	renderProject(t, v1, dir, "name=orders")
	replaceIn(t, filepath.Join(dir, "deploy/k8s/deployment.yaml"), "containerPort: 8080", "containerPort: 8081")
	replaceIn(t, filepath.Join(dir, "cmd/orders/main.go"), "5 * time.Second", "10 * time.Second")
	// A managed file edited (replaced, the edit kept) and a file the team
	// deleted (kept deleted).
	appendTo(t, filepath.Join(dir, "Dockerfile"), "# our own layer\n")
	require.NoError(t, os.Remove(filepath.Join(dir, "go.mod")))
	e, err := render.New(nil)
	require.NoError(t, err)
	res, err := e.Upgrade(ctx, openProject(t, dir), v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	now := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	sigs := scan.Upgrade(clock(now), feedback.Subject{Project: "orders"}, res)
	got := map[string]string{}
	for _, s := range sigs {
		require.NoError(t, s.Validate())
		got[s.File] = s.Labels["change"] + " " + string(s.Result)
		assert.Equal(t, "1.4.0", s.Labels["from"])
		assert.Equal(t, "2.0.0", s.Labels["to"])
		if s.Labels["change"] == "overwritten" {
			assert.Contains(t, s.Evidence.Message, ".goldenpath/overwritten/", "where the edit is kept")
		}
	}
	assert.Equal(t, map[string]string{
		"deploy/k8s/deployment.yaml.tmpl": "conflict fail",
		"cmd/{{.name}}/main.go.tmpl":      "merged pass",
		"Dockerfile.tmpl":                 "overwritten warn",
		"go.mod.tmpl":                     "kept-removed warn",
	}, got)

	r, err := feedback.Rate(clock(now), feedback.Rating{Decision: "ADR-0012", Score: 2, Comment: "limits are too tight for JVM services", By: "sam"})
	require.NoError(t, err)
	require.NoError(t, r.Validate())
	assert.Equal(t, 2.0, *r.Value)
	assert.Equal(t, "score", r.Unit)
	_, err = feedback.Rate(nil, feedback.Rating{Blueprint: "go-service", Score: 6})
	assert.ErrorContains(t, err, "want 1 to 5")
	_, err = feedback.Rate(nil, feedback.Rating{Blueprint: "go-service", Decision: "ADR-0012", Score: 3})
	assert.Error(t, err)
	m := feedback.Metric(clock(now), feedback.Subject{Project: "orders", Blueprint: "go-service"}, "time-to-first-render", 42, "s")
	require.NoError(t, m.Validate())
}

// countingFS counts the opens of each file.
type countingFS struct {
	fs.FS
	mu     sync.Mutex
	opened map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.mu.Lock()
	c.opened[name]++
	c.mu.Unlock()
	return c.FS.Open(name)
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// TestProjectInUnresolvedConflict: a file that still holds an upgrade's
// conflict markers gives no drift, but one upgrade signal saying it is in
// conflict; other files' drift is recorded as usual. Resolved, the file's
// edit is drift again.
func TestProjectInUnresolvedConflict(t *testing.T) {
	ctx := context.Background()
	v1, err := blueprint.LoadDir(ctx, goService, nil)
	require.NoError(t, err)
	v2, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/go-service-v2", nil)
	require.NoError(t, err)
	const dep = "deploy/k8s/deployment.yaml"
	dir := filepath.Join(t.TempDir(), "orders")
	renderProject(t, v1, dir, "name=orders")
	replaceIn(t, filepath.Join(dir, dep), "            - name: http\n", "")
	e, err := render.New(nil)
	require.NoError(t, err)
	res, err := e.Upgrade(ctx, openProject(t, dir), v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	require.Equal(t, 1, res.Conflicts())
	replaceIn(t, filepath.Join(dir, "cmd/orders/main.go"), "5 * time.Second", "10 * time.Second")

	scanFiles := func() (drift map[string]int, upgrade []feedback.Signal) {
		sigs, err := scan.Project(ctx, openProject(t, dir), &scan.Options{Blueprint: v2, Recorder: clock(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))})
		require.NoError(t, err)
		drift = map[string]int{}
		for _, s := range bySource(sigs, feedback.SourceDrift) {
			drift[s.File]++
		}
		for _, s := range sigs {
			require.NoError(t, s.Validate())
		}
		return drift, bySource(sigs, feedback.SourceUpgrade)
	}
	drift, up := scanFiles()
	assert.Zero(t, drift["deploy/k8s/deployment.yaml.tmpl"], "no drift from the conflict's markers")
	assert.Equal(t, 1, drift["cmd/{{.name}}/main.go.tmpl"], "other files' drift is recorded")
	require.Len(t, up, 1)
	s := up[0]
	assert.Equal(t, feedback.ResultWarn, s.Result)
	assert.Equal(t, "deploy/k8s/deployment.yaml.tmpl", s.File)
	assert.Equal(t, dep, s.Evidence.Path)
	assert.Equal(t, "unresolved", s.Labels["change"])
	assert.Equal(t, "go-service 2.0.0", s.Labels["upgrade"])
	assert.Equal(t, "spec.template.spec.containers", s.Labels["key"])
	assert.Equal(t, res.Manifest.Conflicts[0].Lines[0], s.Evidence.Line)
	assert.Contains(t, s.Evidence.Message, "deploy/k8s/deployment.yaml is in an unresolved conflict since the upgrade to go-service 2.0.0")

	// The team keeps its side: the markers are gone, its edit is drift.
	data, err := os.ReadFile(filepath.Join(dir, dep))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, dep), []byte(keepProject(string(data))), 0o644))
	drift, up = scanFiles()
	assert.Positive(t, drift["deploy/k8s/deployment.yaml.tmpl"])
	assert.Empty(t, up)
}

// keepProject resolves every conflict of a text with markers by the
// project's side.
func keepProject(text string) string {
	var out []string
	state := 0 // 0 outside, 1 project, 2 base or upstream
	for _, l := range strings.SplitAfter(text, "\n") {
		switch {
		case strings.HasPrefix(l, "<<<<<<< "):
			state = 1
		case state == 1 && (strings.HasPrefix(l, "||||||| ") || strings.TrimRight(l, "\r\n") == "======="):
			state = 2
		case state == 2 && strings.HasPrefix(l, ">>>>>>> "):
			state = 0
		case state < 2:
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// TestScanCleanProject: an unedited project leaves one signal, the scan.
func TestScanCleanProject(t *testing.T) {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, goService, nil)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "clean")
	renderProject(t, bp, dir, "name=clean")
	sigs, err := scan.Project(ctx, openProject(t, dir), &scan.Options{Blueprint: bp, Recorder: clock(time.Now())})
	require.NoError(t, err)
	require.Len(t, sigs, 1)
	assert.Equal(t, feedback.SourceScan, sigs[0].Source)
	assert.Equal(t, 0.0, *sigs[0].Value)
	assert.Equal(t, "clean", sigs[0].Subject.Project)
	assert.Equal(t, "1.4.0", sigs[0].Subject.Version)
}

// TestComposedUnresolvedConflict: in a composed project, the upgrade
// signals and the unresolved conflict a scan finds name the part the file
// is in, as every other signal does.
func TestComposedUnresolvedConflict(t *testing.T) {
	ctx := context.Background()
	bps := filepath.Join(t.TempDir(), "blueprints")
	require.NoError(t, os.CopyFS(bps, os.DirFS("../../testdata/blueprints")))
	// demo-environment 1.1.0 composes go-service 2.0.0.
	next := filepath.Join(bps, "demo-environment-next")
	require.NoError(t, os.CopyFS(next, os.DirFS(filepath.Join(bps, "demo-environment"))))
	replaceIn(t, filepath.Join(next, "blueprint.cue"), `version:     "1.0.0"`, `version:     "1.1.0"`)
	replaceIn(t, filepath.Join(next, "blueprint.cue"), `source: "../go-service"`, `source: "../go-service-v2"`)
	v1, err := blueprint.LoadDir(ctx, filepath.Join(bps, "demo-environment"), nil)
	require.NoError(t, err)
	v2, err := blueprint.LoadDir(ctx, next, nil)
	require.NoError(t, err)

	const dep = "service/deploy/k8s/deployment.yaml"
	dir := filepath.Join(t.TempDir(), "shop")
	renderProject(t, v1, dir, "name=shop", "team=core")
	replaceIn(t, filepath.Join(dir, dep), "            - name: http\n", "")
	e, err := render.New(nil)
	require.NoError(t, err)
	res, err := e.Upgrade(ctx, openProject(t, dir), v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	require.Equal(t, 1, res.Conflicts())

	var conflicts int
	for _, s := range scan.Upgrade(clock(time.Now()), feedback.Subject{Project: "shop"}, res) {
		if s.Evidence.Path == dep {
			assert.Equal(t, "service", s.Labels["part"], "upgrade signal %s of %s", s.Labels["change"], s.Evidence.Path)
			conflicts++
		}
	}
	assert.Equal(t, 1, conflicts)

	sigs, err := scan.Project(ctx, openProject(t, dir), &scan.Options{Blueprint: v2, Recorder: clock(time.Now())})
	require.NoError(t, err)
	up := bySource(sigs, feedback.SourceUpgrade)
	require.Len(t, up, 1)
	assert.Equal(t, "unresolved", up[0].Labels["change"])
	assert.Equal(t, dep, up[0].Evidence.Path)
	assert.Equal(t, "deploy/k8s/deployment.yaml.tmpl", up[0].File)
	assert.Equal(t, "service", up[0].Labels["part"])
}
