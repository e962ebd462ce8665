package bundled

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
	"github.com/goldenpath-dev/goldenpath/render"
)

// teamEdits are the downstream edits a team makes to the shared files of a
// go-service 1.4.0 project, away from what 2.0.0 changes: each must
// survive the upgrade.
var teamEdits = []struct {
	file      string
	old       *regexp.Regexp
	new, kept string
}{
	{"cmd/orders/main.go", regexp.MustCompile(`ReadHeaderTimeout: 5 \* time.Second`), "ReadHeaderTimeout: 10 * time.Second", "ReadHeaderTimeout: 10 * time.Second"},
	{"deploy/k8s/deployment.yaml", regexp.MustCompile(`(?m)^  replicas: \d+$`), "  replicas: 5", "\n  replicas: 5\n"},
	{"go.mod", regexp.MustCompile(`^module `), "// The orders service, owned by the payments team.\nmodule ", "// The orders service, owned by the payments team.\n"},
}

// upgraded is the check that upgrades the 1.4.0 project p to v2 after the
// team's edits: no conflict, every edit kept. It then stands for the
// upgraded project in the checks after it (p.Blueprint and p.Params
// become v2's).
func upgraded(v1, v2 *blueprint.Blueprint) blueprinttest.MatrixCheck {
	return blueprinttest.MatrixCheck{Name: "upgrade to " + v2.Version, Func: func(ctx context.Context, p *blueprinttest.Project) error {
		for _, e := range teamEdits {
			full := filepath.Join(p.Dir, filepath.FromSlash(e.file))
			data, err := os.ReadFile(full)
			if err != nil {
				return err
			}
			if !e.old.Match(data) {
				return fmt.Errorf("%s: nothing to edit: %s", e.file, e.old)
			}
			if err := os.WriteFile(full, e.old.ReplaceAll(data, []byte(e.new)), 0o644); err != nil {
				return err
			}
		}
		eng, err := render.New(nil)
		if err != nil {
			return err
		}
		project, err := render.OpenProject(p.Dir)
		if err != nil {
			return err
		}
		res, err := eng.Upgrade(ctx, project, v2, &render.UpgradeOptions{Base: v1})
		if err != nil {
			return err
		}
		var errs []error
		if n := res.Conflicts(); n > 0 {
			for _, f := range res.Files {
				if f.Change == render.Conflicted {
					errs = append(errs, fmt.Errorf("%s: conflict: %+v", f.Path, f.Conflicts))
				}
			}
		}
		for _, e := range teamEdits {
			data, err := os.ReadFile(filepath.Join(p.Dir, filepath.FromSlash(e.file)))
			if err != nil {
				return err
			}
			if !strings.Contains(string(data), e.kept) {
				errs = append(errs, fmt.Errorf("%s: the team's edit %q was lost:\n%s", e.file, e.kept, data))
			}
		}
		var vals map[string]any
		if err := json.Unmarshal(res.Manifest.Parameters, &vals); err != nil {
			return err
		}
		params, err := v2.Resolve(ctx, blueprint.ValuesMap(vals))
		if err != nil {
			return err
		}
		p.Blueprint, p.Params = v2, params
		return errors.Join(errs...)
	}}
}

// TestGoServiceUpgrade renders go-service 1.4.0 over its matrix, makes the
// team's edits to main.go, the Deployment and go.mod, upgrades every
// project to 2.0.0 and proves the merged project as a 2.0.0 one: the edits
// merge cleanly, and it parses, is formatted, passes the decisions 2.0.0
// lists, agrees with its parameters, vets, builds, tests and runs with its
// metrics port.
func TestGoServiceUpgrade(t *testing.T) {
	slow(t)
	v1, v2 := load(t, "go-service"), load(t, "go-service-v2")
	checks := []blueprinttest.MatrixCheck{
		upgraded(v1, v2),
		blueprinttest.Parses(),
		blueprinttest.Gofmt(),
		blueprinttest.Decisions(registry(t), evalTime),
		kube("deploy", func(p *blueprinttest.Project, m *manifests) error {
			// The team scaled to 5 replicas; the ports are 2.0.0's.
			return goServiceAgrees("httpPort", "metricsPort")(p, m)
		}),
	}
	m := &blueprinttest.Matrix{
		Base:     map[string]any{"name": "orders"},
		Values:   map[string][]any{"team": {blueprinttest.Absent, "payments"}},
		Parallel: true,
	}
	checks = append(checks, goChecks("")...)
	m.Checks = append(checks, serviceRuns("", true, postgresOrNone(t, m)))
	m.Run(t, v1)
}

// TestUpgradeRefusesEqualPorts upgrades a 1.4.0 project on port 9090:
// 2.0.0's default metricsPort is 9090 too, and the upgrade is refused on
// metricsPort with the field's message, before anything is written,
// instead of rendering two container ports 9090.
func TestUpgradeRefusesEqualPorts(t *testing.T) {
	v1, v2 := load(t, "go-service"), load(t, "go-service-v2")
	eng, err := render.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "orders")
	p := blueprinttest.Resolve(t, v1, blueprint.Set("name=orders", "port=9090"))
	if _, err := eng.Render(t.Context(), v1, p, dir, nil); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, "deploy/k8s/deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	project, err := render.OpenProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = eng.Upgrade(t.Context(), project, v2, &render.UpgradeOptions{Base: v1})
	var ve *blueprint.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("upgrade: %v, want a validation error", err)
	}
	fe, ok := ve.Field("metricsPort")
	if !ok || fe.Message != "metricsPort must be between 1024 and 65535 and differ from httpPort (the default 9090 breaks it)" {
		t.Errorf("upgrade refused with %v", ve)
	}
	after, err := os.ReadFile(filepath.Join(dir, "deploy/k8s/deployment.yaml"))
	if err != nil || string(after) != string(before) {
		t.Errorf("the refused upgrade wrote the project: %v", err)
	}
	// With a metrics port of its own, the same project upgrades.
	res, err := eng.Upgrade(t.Context(), project, v2, &render.UpgradeOptions{Base: v1, Inputs: []blueprint.Input{blueprint.Set("metricsPort=9091")}})
	if err != nil {
		t.Fatalf("upgrade with metricsPort=9091: %v", err)
	}
	if res.Conflicts() != 0 {
		t.Errorf("%d conflicts", res.Conflicts())
	}
}
