package goldenpath_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

// An in-house tool, whole: load a golden path and the decisions it
// implements, resolve a team's answers, render the project, upgrade it after
// the team edited it, scan it into a signal store, and aggregate the report
// that says what to change. docs/embedding.md walks through it.
func Example_embedding() {
	ctx := context.Background()
	work, _ := os.MkdirTemp("", "tool")
	defer os.RemoveAll(work)
	day := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return day }

	// 1. The golden path, and the decisions in force: lint-clean records in
	// a folder, with executable rules.
	v1, err := blueprint.LoadDir(ctx, "testdata/blueprints/go-service", nil)
	if err != nil {
		fmt.Println(err) // every problem of blueprint.cue, FILE:LINE:COL
		return
	}
	reg, err := decision.LoadDir(ctx, "testdata/decisions", nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	// 2. The team's answers, validated against the parameters.
	params, err := v1.Resolve(ctx, blueprint.Set("name=orders", "tier=prod", "replicas=3"))
	if err != nil {
		fmt.Println(err) // *blueprint.ValidationError: one line per field
		return
	}

	// 3. Render: an enforced rule that fails refuses the render; otherwise
	// every file and .goldenpath/manifest.json are written, or none.
	engine, err := render.New(&render.Options{Decisions: reg, Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	dir := filepath.Join(work, "orders")
	plan, err := engine.Render(ctx, v1, params, dir, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rendered", plan.Manifest.Blueprint.Name, plan.Manifest.Blueprint.Version)

	// 4. The team owns the last 20 %: it edits a shared manifest.
	dep := filepath.Join(dir, "deploy/k8s/deployment.yaml")
	data, _ := os.ReadFile(dep)
	os.WriteFile(dep, []byte(strings.Replace(string(data), "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", 1)), 0o644)

	// 5. Upgrade to the next version: the recorded version is rendered
	// again as the base, shared files are merged three ways, the edit kept.
	v2, err := blueprint.LoadDir(ctx, "testdata/blueprints/go-service-v2", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	project, err := render.OpenProject(dir) // completes an interrupted apply first
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := engine.Upgrade(ctx, project, v2, &render.UpgradeOptions{Base: v1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("upgraded to", res.To.Version, "with", res.Conflicts(), "conflicts")

	// 6. Scan the project — read-only, writing nothing — into a store.
	store, err := feedback.OpenFileStore(filepath.Join(work, "signals.jsonl"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	n := 0
	rec := &feedback.Recorder{Now: now, NewID: func() string { n++; return fmt.Sprint("s", n) }}
	readOnly, err := render.OpenProjectFS(os.DirFS(dir), dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	signals, err := scan.Project(ctx, readOnly, &scan.Options{Blueprint: v2, Registry: reg, Recorder: rec, Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := store.Append(ctx, signals...); err != nil {
		fmt.Println(err)
		return
	}

	// 7. The report: the team's edit is a desire path; with a fleet, the
	// same edit in many projects is evidence that the golden path should
	// change, and report.Report.Markdown writes it for people.
	rep, err := report.AggregateStore(ctx, store, feedback.Filter{}, &report.AggregateOptions{Registry: reg, Now: now, MinProjects: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range rep.DesirePaths {
		fmt.Printf("desire path in %s %s:\n%s", d.Blueprint, d.Example.Path, d.Key)
	}
	// Output:
	// rendered go-service 1.4.0
	// upgraded to 2.0.0 with 0 conflicts
	// desire path in go-service deploy/k8s/deployment.yaml:
	// -readOnlyRootFilesystem: true
	// +readOnlyRootFilesystem: false
}
