package report_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

func aggEdit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), old)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644))
}

// TestAggregateScans aggregates what scan.Project finds in projects rendered
// from the go-service blueprint: the conventions Aggregate relies on are
// those the scan follows.
func TestAggregateScans(t *testing.T) {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/go-service", nil)
	require.NoError(t, err)
	reg, err := decision.LoadDir(ctx, "../../testdata/decisions", nil)
	require.NoError(t, err)
	e, err := render.New(nil)
	require.NoError(t, err)
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)

	const distroless = "FROM gcr.io/distroless/static-debian12:nonroot@sha256:6ec5aa99dc335666e79dc64e4a6c8b89c33a543a1967f20d360922a80dd21f02"
	root := t.TempDir()
	names := []string{"alpha", "bravo", "charlie", "delta"}
	st := feedback.NewMemoryStore()
	n := 0
	rec := &feedback.Recorder{
		Now:   func() time.Time { return now.Add(-time.Hour) },
		NewID: func() string { n++; return fmt.Sprintf("sig-%04d", n) },
	}
	for i, name := range names {
		dir := filepath.Join(root, name)
		params, err := bp.Resolve(ctx, blueprint.Set("name="+name, "team=team-"+name))
		require.NoError(t, err)
		_, err = e.Render(ctx, bp, params, dir, nil)
		require.NoError(t, err)
		if i < 3 {
			// The same edits in three projects: a longer readiness period
			// (a shared file), a debug image named after the service (the
			// managed Dockerfile, against ADR-0007's runtime image).
			aggEdit(t, filepath.Join(dir, "deploy/k8s/deployment.yaml"), "httpGet: {path: /readyz, port: http}",
				"httpGet: {path: /readyz, port: http}\n            periodSeconds:   30")
			aggEdit(t, filepath.Join(dir, "Dockerfile"), distroless, "FROM alpine:3.20 AS "+name+"-debug")
		}
		if i < 2 {
			// An edit in two projects only.
			aggEdit(t, filepath.Join(dir, "Makefile"), "go test", "go test -race")
		}
		sigs, err := scan.Project(ctx, openProject(t, dir), &scan.Options{Blueprint: bp, Registry: reg, Recorder: rec, Now: func() time.Time { return now }})
		require.NoError(t, err)
		require.NoError(t, st.Append(ctx, sigs...))
	}

	r, err := report.AggregateStore(ctx, st, feedback.Filter{}, &report.AggregateOptions{Now: func() time.Time { return now }, Registry: reg})
	require.NoError(t, err)

	var paths []string
	for _, dp := range r.DesirePaths {
		paths = append(paths, fmt.Sprintf("%s %s %s %d %v", dp.Blueprint, dp.File, dp.Level, dp.Count, dp.Projects))
	}
	assert.Equal(t, []string{
		"go-service Dockerfile.tmpl managed 3 [alpha bravo charlie]",
		"go-service deploy/k8s/deployment.yaml.tmpl shared 3 [alpha bravo charlie]",
	}, paths, "the Makefile edit is in two projects only")

	var reasons []string
	for _, v := range r.Revisit {
		for _, rr := range v.Reasons {
			reasons = append(reasons, fmt.Sprintf("%s%s %s %s %s %v", v.Decision, v.Blueprint, rr.Reason, rr.File, rr.Rule, rr.Projects))
			assert.NotContains(t, rr.Rule, ",", "one reason per rule")
			assert.NotEmpty(t, rr.Summary)
		}
	}
	assert.Equal(t, []string{
		"ADR-0007 desire-path-against-rule Dockerfile.tmpl build-stages-pinned [alpha bravo charlie]",
		"ADR-0007 desire-path-against-rule Dockerfile.tmpl runtime-image [alpha bravo charlie]",
		"ADR-0007 managed-edits Dockerfile.tmpl  [alpha bravo charlie]",
		"ADR-0015 revisit-by-passed   []",
	}, reasons)

	d := aggDecision(t, r, "ADR-0007")
	assert.Equal(t, 4, d.Subjects)
	rule := d.Rules[aggRuleIndex(d.Rules, "runtime-image")]
	assert.Equal(t, report.Counts{Total: 4, Pass: 1, Fail: 3}, rule.Checks)
	b := aggBlueprint(t, r, "go-service")
	assert.Equal(t, []report.VersionCount{{Version: "1.4.0", Projects: 4}}, b.Versions)
	require.Len(t, b.ManagedEdits, 1)
	assert.Equal(t, "Dockerfile.tmpl", b.ManagedEdits[0].File)
}

func aggRuleIndex(rules []report.RuleReport, name string) int {
	for i, r := range rules {
		if r.Name == name {
			return i
		}
	}
	return -1
}

// TestAggregateCountsCleanProjects: every scanned project counts, the
// unedited one included, in the report's projects and its blueprint's
// versions; a re-scan that finds a project clean again ends its desire path.
func TestAggregateCountsCleanProjects(t *testing.T) {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/go-service", nil)
	require.NoError(t, err)
	e, err := render.New(nil)
	require.NoError(t, err)
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	st := feedback.NewMemoryStore()
	scanAll := func(at time.Time, dirs []string) {
		rec := &feedback.Recorder{Now: func() time.Time { return at }}
		for _, dir := range dirs {
			sigs, err := scan.Project(ctx, openProject(t, dir), &scan.Options{Blueprint: bp, Recorder: rec})
			require.NoError(t, err)
			require.NoError(t, st.Append(ctx, sigs...))
		}
	}
	root := t.TempDir()
	var dirs []string
	for i, name := range []string{"alpha", "bravo", "clean"} {
		dir := filepath.Join(root, name)
		params, err := bp.Resolve(ctx, blueprint.Set("name="+name))
		require.NoError(t, err)
		_, err = e.Render(ctx, bp, params, dir, nil)
		require.NoError(t, err)
		if i < 2 {
			aggEdit(t, filepath.Join(dir, "Makefile"), "go test", "go test -count=1")
		}
		dirs = append(dirs, dir)
	}
	scanAll(now.Add(-2*time.Hour), dirs)
	opts := &report.AggregateOptions{Now: func() time.Time { return now }, MinProjects: 2}
	r, err := report.AggregateStore(ctx, st, feedback.Filter{}, opts)
	require.NoError(t, err)
	assert.Equal(t, 3, r.Projects, "the unedited project is counted")
	require.Len(t, r.Blueprints, 1)
	assert.Equal(t, 3, r.Blueprints[0].Projects)
	assert.Equal(t, []report.VersionCount{{Version: "1.4.0", Projects: 3}}, r.Blueprints[0].Versions)
	require.Len(t, r.DesirePaths, 1)
	assert.Equal(t, []string{"alpha", "bravo"}, r.DesirePaths[0].Projects)
	var md strings.Builder
	require.NoError(t, r.Markdown(&md, nil))
	assert.Contains(t, md.String(), "about 3 projects")

	// bravo undoes its edit; the next scan finds it clean.
	aggEdit(t, filepath.Join(dirs[1], "Makefile"), "go test -count=1", "go test")
	scanAll(now.Add(-time.Hour), dirs)
	r, err = report.AggregateStore(ctx, st, feedback.Filter{}, opts)
	require.NoError(t, err)
	assert.Equal(t, 3, r.Projects)
	assert.Empty(t, r.DesirePaths, "one project still makes the edit")
}

// TestAggregateRescanSecondsApart: a team reverts an edit and scans again
// a second later. Scans stamp each project's signals with one time and
// record a scan signal, so the second scan is a scan of its own whatever
// ScanGap says: the reverted edit is gone from the report, and a new one
// is there.
func TestAggregateRescanSecondsApart(t *testing.T) {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/go-service", nil)
	require.NoError(t, err)
	e, err := render.New(nil)
	require.NoError(t, err)
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	root := t.TempDir()
	st := feedback.NewMemoryStore()
	clock := now.Add(-time.Hour)
	rec := &feedback.Recorder{Now: func() time.Time { return clock }}
	var dirs []string
	for _, name := range []string{"alpha", "bravo", "charlie"} {
		dir := filepath.Join(root, name)
		params, err := bp.Resolve(ctx, blueprint.Set("name="+name, "team=team-"+name))
		require.NoError(t, err)
		_, err = e.Render(ctx, bp, params, dir, nil)
		require.NoError(t, err)
		aggEdit(t, filepath.Join(dir, "Makefile"), "go test", "go test -race")
		dirs = append(dirs, dir)
	}
	scanAll := func() {
		for _, dir := range dirs {
			sigs, err := scan.Project(ctx, openProject(t, dir), &scan.Options{Blueprint: bp, Recorder: rec, Now: func() time.Time { return now }})
			require.NoError(t, err)
			require.NoError(t, st.Append(ctx, sigs...))
		}
	}
	scanAll()
	r, err := report.AggregateStore(ctx, st, feedback.Filter{}, &report.AggregateOptions{Now: func() time.Time { return now }})
	require.NoError(t, err)
	require.Len(t, r.DesirePaths, 1)
	assert.Equal(t, 3, r.DesirePaths[0].Count)

	for _, dir := range dirs {
		aggEdit(t, filepath.Join(dir, "Makefile"), "go test -race", "go test")
		aggEdit(t, filepath.Join(dir, "deploy/k8s/deployment.yaml"), "httpGet: {path: /readyz, port: http}",
			"httpGet: {path: /readyz, port: http}\n            periodSeconds:   30")
	}
	clock = clock.Add(time.Second)
	scanAll()
	r, err = report.AggregateStore(ctx, st, feedback.Filter{}, &report.AggregateOptions{Now: func() time.Time { return now }})
	require.NoError(t, err)
	require.Len(t, r.DesirePaths, 1, "the reverted Makefile edit is gone, the deployment edit is there")
	assert.Equal(t, "deploy/k8s/deployment.yaml.tmpl", r.DesirePaths[0].File)
	assert.Equal(t, 3, r.DesirePaths[0].Count)
}
