package bundled

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
)

// copyBlueprint copies the bundled blueprint name into a temporary
// directory, applies edits (file → old → new) to its templates, and loads
// it.
func copyBlueprint(t *testing.T, name string, edits map[string][2]string) *blueprint.Blueprint {
	t.Helper()
	src := filepath.Join(blueprints, name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if e, ok := edits[filepath.ToSlash(rel)]; ok {
			if !strings.Contains(string(data), e[0]) {
				t.Fatalf("%s: no %q to edit", rel, e[0])
			}
			data = []byte(strings.Replace(string(data), e[0], e[1], 1))
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return blueprinttest.Validate(t, dst, nil)
}

// TestBrokenBlueprintFailsTheKit breaks go-service 2.0.0 three ways, each
// only for some parameters — a route registered twice with PostgreSQL, a
// container port written as 8080 instead of httpPort, a Service that is
// not YAML when the team is set — and shows that the kit fails on each,
// naming the parameters that produced it, and passes the combination that
// none of them touches.
func TestBrokenBlueprintFailsTheKit(t *testing.T) {
	slow(t)
	db := postgres(t)
	b := copyBlueprint(t, "go-service-v2", map[string][2]string{
		"template/internal/handler/handler.go.tmpl": {
			`	mux.HandleFunc("GET /v1/hello", h.hello)`,
			`	mux.HandleFunc("GET /v1/hello", h.hello){{if eq .database "postgres"}}
	mux.HandleFunc("GET /v1/hello", h.hello){{end}}`,
		},
		"template/deploy/k8s/deployment.yaml.tmpl": {"containerPort: {{.httpPort}}", "containerPort: 8080"},
		"template/deploy/k8s/service.yaml.tmpl":    {"  name: {{.name}}\n", "  name: {{.name}}\n{{with .team}}   team: {{.}}\n{{end}}"},
	})
	m := &blueprinttest.Matrix{
		Base: map[string]any{"name": "orders"},
		Values: map[string][]any{
			"httpPort": {8080, 1024},
			"database": {"none", "postgres"},
			"team":     {blueprinttest.Absent, "payments"},
		},
		Pin: map[string]any{"tier": "dev", "replicas": 2, "metricsPort": 9090, "goVersion": "1.26"},
		Checks: []blueprinttest.MatrixCheck{
			blueprinttest.Parses(),
			kube("deploy", goServiceAgrees("httpPort", "metricsPort")),
			blueprinttest.CommandEnv(goEnv, "go", "build", "-o", "bin/", "./..."),
			serviceRuns("", true, db),
		},
	}
	err := m.Test(t.Context(), b, t.TempDir())
	if err == nil {
		t.Fatal("the broken blueprint passes the kit")
	}
	msg := err.Error()
	for _, want := range []string{
		// The duplicate route panics at start-up, with PostgreSQL only.
		"[database=postgres httpPort=8080 team=payments]: check service runs: exited before answering /healthz",
		`panic: pattern "GET /v1/hello"`,
		// The port mismatch, when httpPort is not 8080.
		"[database=postgres httpPort=1024 team=<absent>]: check kubernetes: Deployment orders: container orders: PORT=1024 is not its http port",
		// The YAML, when the team is set.
		"[database=none httpPort=1024 team=payments]: check parses: deploy/k8s/service.yaml: document 1: yaml: line 5: ",
		"[database=none httpPort=1024 team=payments]: check kubernetes: deploy/k8s/service.yaml: document 1: yaml: line 5: ",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the kit's failures do not say %q", want)
		}
	}
	if strings.Contains(msg, "[database=none httpPort=8080 team=<absent>]") {
		t.Errorf("the untouched combination fails")
	}
	for _, line := range strings.Split(msg, "\n") {
		if strings.HasPrefix(line, "go-service 2.0.0 [") && strings.Contains(line, "check service runs") && !strings.Contains(line, "database=postgres") {
			t.Errorf("a service without PostgreSQL fails to run: %s", line)
		}
	}
}
