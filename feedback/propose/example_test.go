package propose_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/propose"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

// Three teams added the same make target, each naming its own service:
// the proposal writes it into the template with {{.name}}, checks that
// the new template renders each team's Makefile exactly as they edited it
// (and the fourth project's as before, plus the target), and bumps the
// minor version.
func ExamplePropose() {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/go-service-v2", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	store := feedback.NewMemoryStore()
	var engine render.Engine
	for i, name := range []string{"orders", "billing", "search", "ledger"} {
		dir := filepath.Join(tmp, name)
		params, _ := bp.Resolve(ctx, blueprint.Set("name="+name))
		if _, err := engine.Render(ctx, bp, params, dir, nil); err != nil {
			fmt.Println(err)
			return
		}
		if i < 3 {
			mk := filepath.Join(dir, "Makefile")
			data, _ := os.ReadFile(mk)
			edited := strings.Replace(string(data), "tidy:\n", "logs:\n\tkubectl logs -l app="+name+" -f\n\ntidy:\n", 1)
			os.WriteFile(mk, []byte(edited), 0o644)
		}
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
		store.Append(ctx, signals...)
	}

	pr, err := propose.Propose(ctx, store, bp, &propose.Options{
		Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pr.Blueprint, pr.From, "->", pr.Version, pr.Released)
	for _, c := range pr.Changes {
		fmt.Println(c.Status, c.Kind, c.File, c.Projects)
		fmt.Println("verified:", c.Verification.Affected, "affected,", c.Verification.Unaffected, "unaffected")
	}
	fmt.Print(string(pr.Files()["Makefile.tmpl"][strings.Index(string(pr.Files()["Makefile.tmpl"]), "logs:"):][:48]))
	// Output:
	// go-service 2.0.0 -> 2.1.0 2026-12-01
	// applied addition Makefile.tmpl [billing orders search]
	// verified: 3 affected, 1 unaffected
	// logs:
	// 	kubectl logs -l app={{.name}} -f
	//
	// tidy:
}
