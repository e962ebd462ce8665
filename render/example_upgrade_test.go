package render_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

// Upgrading a go-service project to 2.0.0: the team's edit of a shared file
// is merged with the new version's changes, and the renamed parameter is
// migrated.
func ExampleEngine_Upgrade() {
	ctx := context.Background()
	v1, err := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	v2, err := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service-v2", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	engine, _ := render.New(nil)
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "orders")
	params, _ := v1.Resolve(ctx, blueprint.Set("name=orders", "port=9000"))
	if _, err := engine.Render(ctx, v1, params, dir, nil); err != nil {
		fmt.Println(err)
		return
	}
	// The team raises a timeout in the shared main.go.
	main := filepath.Join(dir, "cmd/orders/main.go")
	src, _ := os.ReadFile(main)
	os.WriteFile(main, []byte(strings.Replace(string(src), "5 * time.Second", "10 * time.Second", 1)), 0o644)

	project, err := render.OpenProject(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := engine.Upgrade(ctx, project, v2, &render.UpgradeOptions{Base: v1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Migrations[0])
	for _, f := range res.Files {
		if f.Path == "cmd/orders/main.go" || f.Path == "internal/health/health.go" || f.Path == ".golangci.yml" {
			fmt.Println(f.Change, f.Path)
		}
	}
	fmt.Println("conflicts:", res.Conflicts())
	// Output:
	// renamed port to httpPort (migration before 2.0.0)
	// removed .golangci.yml
	// merged cmd/orders/main.go
	// added internal/health/health.go
	// conflicts: 0
}

// A fleet of three projects rendered from one blueprint, two at a time.
func ExampleEngine_Fleet() {
	ctx := context.Background()
	engine, _ := render.New(nil)
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	sources, _ := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: filepath.Join(tmp, "cache")})
	bp, _ := filepath.Abs("../testdata/blueprints/go-service")
	targets := []render.Target{
		{ID: "orders", Dir: filepath.Join(tmp, "orders"), Source: bp, Values: map[string]any{"name": "orders"}},
		{ID: "payments", Dir: filepath.Join(tmp, "payments"), Source: bp, Values: map[string]any{"name": "payments", "tier": "prod", "replicas": 3}},
		{ID: "broken", Dir: filepath.Join(tmp, "broken"), Source: bp, Values: map[string]any{"name": "Broken"}},
	}
	sum, err := engine.Fleet(ctx, targets, &render.FleetOptions{
		Op:          render.FleetRender,
		Concurrency: 2,
		Load:        &blueprint.Options{Fetcher: sources},
		Result: func(r render.FleetResult) {
			if r.Status == render.FleetFailed {
				fmt.Println(r.ID, "failed")
			}
		},
	})
	fmt.Println(err, sum.Statuses[render.FleetOK], "ok of", sum.Total)
	// Output:
	// broken failed
	// <nil> 2 ok of 3
}

// Drift compares a project with what its recorded version renders: here a
// team edited a managed file, deleted a shared one and rewrote the seeded
// README, which is theirs.
func ExampleEngine_Drift() {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var engine render.Engine // the zero Engine is render.New(nil)'s
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "orders")
	params, _ := bp.Resolve(ctx, blueprint.Set("name=orders"))
	if _, err := engine.Render(ctx, bp, params, dir, nil); err != nil {
		fmt.Println(err)
		return
	}
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
	os.Remove(filepath.Join(dir, "Makefile"))
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("# orders, our way\n"), 0o644)

	// Read-only: a project with an interrupted apply pending is refused.
	project, err := render.OpenProjectFS(os.DirFS(dir), dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	for d, err := range engine.Drift(ctx, bp, project) {
		if err != nil {
			fmt.Println(err)
			return
		}
		if d.Change != render.Unchanged {
			fmt.Println(d.Change, d.File.Level, d.File.Path)
		}
	}
	// Output:
	// changed managed Dockerfile
	// added shared Makefile
	// changed seeded README.md
}

// A conflict left by an upgrade is marked in the file, named by its key and
// line, and remembered: the next upgrade is refused until the team resolves
// it.
func ExampleProject_Resolve() {
	ctx := context.Background()
	v1, _ := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service", nil)
	v2, _ := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service-v2", nil)
	engine, _ := render.New(nil)
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "orders")
	params, _ := v1.Resolve(ctx, blueprint.Set("name=orders"))
	if _, err := engine.Render(ctx, v1, params, dir, nil); err != nil {
		fmt.Println(err)
		return
	}
	// The team deletes the name of the container's port; 2.0.0 adds a
	// second port to the same list.
	dep := filepath.Join(dir, "deploy/k8s/deployment.yaml")
	src, _ := os.ReadFile(dep)
	os.WriteFile(dep, []byte(strings.Replace(string(src), "            - name: http\n", "", 1)), 0o644)

	upgrade := func(to, base *blueprint.Blueprint) (*render.UpgradeResult, error) {
		project, err := render.OpenProject(dir)
		if err != nil {
			return nil, err
		}
		return engine.Upgrade(ctx, project, to, &render.UpgradeOptions{Base: base})
	}
	res, _ := upgrade(v2, v1)
	for _, f := range res.Files {
		for _, c := range f.Conflicts {
			fmt.Printf("%s: conflict at line %d, key %s\n", f.Path, c.Line, c.Key)
		}
	}
	_, err := upgrade(v2, v2)
	fmt.Println(strings.Contains(err.Error(), "still in conflict"))

	// The team keeps 2.0.0's ports, edits the markers out, and says so.
	project, err := render.OpenProject(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	pending, _ := project.Conflicts()
	fmt.Println(pending[0].Where())
	merged, _ := os.ReadFile(dep)
	var out []string
	keep := true
	for _, l := range strings.SplitAfter(string(merged), "\n") {
		switch {
		case strings.HasPrefix(l, "<<<<<<< "):
			keep = false
		case l == "=======\n":
			keep = true
		case strings.HasPrefix(l, ">>>>>>> "):
		case keep:
			out = append(out, l)
		}
	}
	os.WriteFile(dep, []byte(strings.Join(out, "")), 0o644)
	fmt.Println(project.Resolve("deploy/k8s/deployment.yaml"))
	_, err = upgrade(v2, v2)
	fmt.Println(err)
	// Output:
	// deploy/k8s/deployment.yaml: conflict at line 29, key spec.template.spec.containers
	// true
	// markers at deploy/k8s/deployment.yaml:29 (key spec.template.spec.containers)
	// <nil>
	// <nil>
}
