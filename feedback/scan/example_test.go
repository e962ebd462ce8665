package scan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

// Scanning a project whose team edited the shared Kubernetes deployment:
// one drift signal per edited hunk, naming the blueprint's template file,
// with the hunk's normalised key.
func ExampleProject() {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/go-service", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "orders")
	params, _ := bp.Resolve(ctx, blueprint.Set("name=orders"))
	var engine render.Engine
	if _, err := engine.Render(ctx, bp, params, dir, nil); err != nil {
		fmt.Println(err)
		return
	}
	dep := filepath.Join(dir, "deploy/k8s/deployment.yaml")
	data, _ := os.ReadFile(dep)
	os.WriteFile(dep, []byte(strings.Replace(string(data), "replicas: 2", "replicas: 4", 1)), 0o644)

	// Read-only: a project with an interrupted apply pending is refused
	// here, so no signal is ever made from a mix of two versions.
	project, err := render.OpenProjectFS(os.DirFS(dir), dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	signals, err := scan.Project(ctx, project, &scan.Options{Blueprint: bp, Engine: &engine})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range signals {
		if s.Source == feedback.SourceDrift {
			fmt.Printf("%s %s %s: %q\n", s.Subject.Project, s.Labels["level"], s.File, s.Labels["hunk.key"])
		}
	}
	// Output:
	// orders shared deploy/k8s/deployment.yaml.tmpl: "-replicas: 2\n+replicas: 4\n"
}
