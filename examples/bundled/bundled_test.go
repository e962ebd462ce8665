package bundled

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
	"github.com/goldenpath-dev/goldenpath/decision"
)

const blueprints = "../../testdata/blueprints"

// evalTime is when the decisions are evaluated: after every schedule in
// testdata/decisions that the bundled blueprints meet.
var evalTime = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func load(t *testing.T, name string) *blueprint.Blueprint {
	t.Helper()
	return blueprinttest.Validate(t, filepath.Join(blueprints, name), nil)
}

func registry(t *testing.T) *decision.Registry {
	t.Helper()
	reg, err := decision.LoadDir(t.Context(), "../../testdata/decisions", nil)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// slow skips t under -short: these tests build and run what they render.
func slow(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs rendered projects; skipped with -short")
	}
}

// goServiceAgrees checks that the manifests and the Dockerfile of a
// go-service project use the ports its parameters say: httpParam for the
// API and, when not "", metricsParam for the metrics.
func goServiceAgrees(httpParam, metricsParam string) func(p *blueprinttest.Project, m *manifests) error {
	return func(p *blueprinttest.Project, m *manifests) error {
		name, _ := p.Params.Lookup("name")
		n := fmt.Sprint(name)
		var errs []error
		want := map[string]int32{"http": intParam(p, httpParam)}
		if metricsParam != "" {
			want["metrics"] = intParam(p, metricsParam)
		}
		for port, v := range want {
			if got := m.containerPort(n, n, port); got != v {
				errs = append(errs, fmt.Errorf("Deployment %s: container port %s is %d, want %d", n, port, got, v))
			}
		}
		if metricsParam != "" {
			for _, d := range m.deployments {
				for _, c := range d.Spec.Template.Spec.Containers {
					if c.Name == n && !hasEnv(c.Env, "METRICS_PORT", fmt.Sprint(want["metrics"])) {
						errs = append(errs, fmt.Errorf("Deployment %s: METRICS_PORT is not %d", n, want["metrics"]))
					}
				}
			}
		}
		for _, d := range m.deployments {
			for _, c := range d.Spec.Template.Spec.Containers {
				if c.Name != n {
					continue
				}
				if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
					errs = append(errs, fmt.Errorf("Deployment %s: probes are not GET /healthz and /readyz", n))
				}
			}
		}
		docker, err := os.ReadFile(filepath.Join(p.Dir, "Dockerfile"))
		if err != nil {
			return err
		}
		expose := fmt.Sprintf("EXPOSE %d", want["http"])
		if metricsParam != "" {
			expose += fmt.Sprintf(" %d", want["metrics"])
		}
		env := fmt.Sprintf("ENV PORT=%d", want["http"])
		if metricsParam != "" {
			env += fmt.Sprintf(" METRICS_PORT=%d", want["metrics"])
		}
		for _, line := range []string{expose, env} {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + `$`).Match(docker) {
				errs = append(errs, fmt.Errorf("Dockerfile does not say %q", line))
			}
		}
		// The code's own fallback, when PORT is not set, is the parameter.
		main, err := os.ReadFile(filepath.Join(p.Dir, "cmd", n, "main.go"))
		if err != nil {
			return err
		}
		if fallback := fmt.Sprintf("port = \"%d\"", want["http"]); !strings.Contains(string(main), fallback) {
			errs = append(errs, fmt.Errorf("cmd/%s/main.go does not fall back to %s", n, fallback))
		}
		return errors.Join(errs...)
	}
}

func hasEnv(env []corev1.EnvVar, name, value string) bool {
	for _, e := range env {
		if e.Name == name && e.Value == value {
			return true
		}
	}
	return false
}

// goServiceMatrix is the matrix of a go-service version: every check a
// project of it must pass.
func goServiceMatrix(t *testing.T, reg *decision.Registry, httpParam, metricsParam string) *blueprinttest.Matrix {
	m := &blueprinttest.Matrix{
		Base:     map[string]any{"name": "orders"},
		Values:   map[string][]any{"team": {blueprinttest.Absent, "payments"}},
		Parallel: true,
	}
	db := postgresOrNone(t, m)
	m.Checks = []blueprinttest.MatrixCheck{
		blueprinttest.Parses(),
		blueprinttest.Gofmt(),
		blueprinttest.Decisions(reg, evalTime),
		kube("deploy", goServiceAgrees(httpParam, metricsParam)),
	}
	m.Checks = append(m.Checks, goChecks("")...)
	m.Checks = append(m.Checks, serviceRuns("", metricsParam != "", db))
	return m
}

// TestGoService renders go-service 1.4.0 and 2.0.0 over their matrix
// (tier, replicas, database, ports, goVersion, team present and absent)
// and proves every project: it parses, is formatted, passes its decisions,
// its manifests agree with its parameters, and it vets, builds, tests and
// runs, its readiness reaching a real PostgreSQL with database=postgres.
func TestGoService(t *testing.T) {
	slow(t)
	reg := registry(t)
	t.Run("1.4.0", func(t *testing.T) {
		goServiceMatrix(t, reg, "port", "").Run(t, load(t, "go-service"))
	})
	t.Run("2.0.0", func(t *testing.T) {
		goServiceMatrix(t, reg, "httpPort", "metricsPort").Run(t, load(t, "go-service-v2"))
	})
}

// TestTerraformModule renders terraform-module over its matrix (provider):
// every file parses as HCL, every variable referenced is declared, and the
// decisions it lists pass.
func TestTerraformModule(t *testing.T) {
	reg := registry(t)
	m := &blueprinttest.Matrix{
		Base:     map[string]any{"name": "bucket_store"},
		Checks:   []blueprinttest.MatrixCheck{blueprinttest.Parses(), terraform(), blueprinttest.Decisions(reg, evalTime)},
		Parallel: true,
	}
	m.Run(t, load(t, "terraform-module"))
}

// TestPreviewEnvironment renders preview-environment over its matrix
// (database, seedData, ttl): its manifests decode strictly and agree, and
// the decisions it lists pass.
func TestPreviewEnvironment(t *testing.T) {
	m := &blueprinttest.Matrix{
		Base:   map[string]any{"service": "orders", "mergeRequest": 42},
		Values: map[string][]any{"ttl": {"48h", "1h", "72h"}},
		Checks: []blueprinttest.MatrixCheck{
			blueprinttest.Parses(),
			blueprinttest.Decisions(registry(t), evalTime),
			kube("k8s", previewAgrees),
		},
		Parallel: true,
	}
	m.Run(t, load(t, "preview-environment"))
}

// previewAgrees checks what the preview's parameters decide: the namespace
// and its TTL, and the seed job only with a database.
func previewAgrees(p *blueprinttest.Project, m *manifests) error {
	var errs []error
	ns, _ := p.Params.Lookup("namespace")
	for _, d := range m.deployments {
		if d.Namespace != fmt.Sprint(ns) {
			errs = append(errs, fmt.Errorf("Deployment %s is in namespace %q, want %q", d.Name, d.Namespace, ns))
		}
	}
	data, err := os.ReadFile(filepath.Join(p.Dir, "k8s/namespace.yaml"))
	if err != nil {
		return err
	}
	ttl, _ := p.Params.Lookup("ttl")
	if !strings.Contains(string(data), "janitor/ttl: "+fmt.Sprint(ttl)+"\n") {
		errs = append(errs, fmt.Errorf("k8s/namespace.yaml does not carry janitor/ttl: %s", ttl))
	}
	seed, _ := p.Params.Lookup("seedData")
	if got := len(m.jobs) == 1; got != (seed == true) {
		errs = append(errs, fmt.Errorf("seedData is %v, but %d seed jobs are rendered", seed, len(m.jobs)))
	}
	return errors.Join(errs...)
}

// TestDemoEnvironment renders the composed demo-environment over its
// matrix: each part passes the checks of its own blueprint, the service
// part builds, tests and runs, and the compose file runs it on its port.
func TestDemoEnvironment(t *testing.T) {
	slow(t)
	reg := registry(t)
	checks := []blueprinttest.MatrixCheck{
		blueprinttest.Parses(),
		blueprinttest.Gofmt(),
		blueprinttest.Decisions(reg, evalTime),
		kube("service/deploy", func(p *blueprinttest.Project, m *manifests) error {
			return partProject(p, "service", goServiceAgrees("port", ""))(m)
		}),
		kube("preview/k8s", func(p *blueprinttest.Project, m *manifests) error {
			return partProject(p, "preview", previewAgrees)(m)
		}),
		{Name: "compose", Func: composeAgrees},
	}
	m := &blueprinttest.Matrix{
		Base:     map[string]any{"name": "shop", "team": "payments"},
		Values:   map[string][]any{"ttl": {"72h", "24h"}, "mergeRequest": {1, 7}},
		Parallel: true,
	}
	checks = append(checks, goChecks("service")...)
	m.Checks = append(checks, serviceRuns("service", false, postgresOrNone(t, m)))
	m.Run(t, load(t, "demo-environment"))
}

// partProject returns f applied to the part of p named part, as a project
// of its own.
func partProject(p *blueprinttest.Project, part string, f func(*blueprinttest.Project, *manifests) error) func(*manifests) error {
	return func(m *manifests) error {
		for _, pt := range p.Params.Parts() {
			if pt.Name == part {
				return f(&blueprinttest.Project{Dir: filepath.Join(p.Dir, pt.Dir), Blueprint: pt.Blueprint, Params: pt.Params, Combination: p.Combination}, m)
			}
		}
		return fmt.Errorf("no part %s", part)
	}
}

// composeAgrees checks that compose.yaml publishes the service part's port
// and builds the service part.
func composeAgrees(_ context.Context, p *blueprinttest.Project) error {
	data, err := os.ReadFile(filepath.Join(p.Dir, "compose.yaml"))
	if err != nil {
		return err
	}
	var port any
	for _, pt := range p.Params.Parts() {
		if pt.Name == "service" {
			port, _ = pt.Params.Lookup("port")
		}
	}
	var errs []error
	if want := fmt.Sprintf(`- "%v:%v"`, port, port); !strings.Contains(string(data), want) {
		errs = append(errs, fmt.Errorf("compose.yaml does not publish %s", want))
	}
	if !strings.Contains(string(data), "build: ./service\n") {
		errs = append(errs, errors.New("compose.yaml does not build ./service"))
	}
	return errors.Join(errs...)
}
