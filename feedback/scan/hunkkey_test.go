package scan_test

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
)

// hunkEdit is one edit a team makes: it rewrites a rendered file of a
// project whose parameters are params.
type hunkEdit struct {
	name string
	file string
	edit func(text string, params map[string]string) string
}

// after inserts line after the first line holding anchor.
func after(anchor, line string) func(string, map[string]string) string {
	return func(text string, _ map[string]string) string {
		i := strings.Index(text, anchor)
		j := i + strings.IndexByte(text[i:], '\n') + 1
		return text[:j] + line + "\n" + text[j:]
	}
}

// hunkEdits are different edits, several holding parameter values of some
// projects ("dev", "prod", "none", "postgres") as parts of words
// ("/dev/null", "(devtools)", "postgresql"), several on lines that hold
// the project's own values, among them a value the file's template also
// writes on a line of its own ("dev" of "TAG ?= dev") and a number (the
// port). A value that is a whole word of a line a team
// wrote ("echo dev" in a project whose tier is dev) is read as the
// parameter: no key tells the two apart.
func hunkEdits() []hunkEdit {
	return []hunkEdit{
		{"vet quietly", "Makefile", after("go test -race", "\tgo vet ./... 2>/dev/null")},
		{"devtools", "Makefile", after("golangci-lint run", "\t@echo lint done (devtools)")},
		{"dev tag", "Makefile", func(s string, _ map[string]string) string {
			return strings.Replace(s, "TAG      ?= dev", "TAG      ?= dev-latest", 1)
		}},
		{"tidy quietly", "Makefile", after("go mod tidy", "\t@go mod verify >/dev/null # production, devel, nonempty, postgresql")},
		{"binary suffix", "Makefile", func(s string, p map[string]string) string {
			return strings.Replace(s, "BINARY   := "+p["name"], "BINARY   := "+p["name"]+"-server", 1)
		}},
		{"probe period", "deploy/k8s/deployment.yaml", after("httpGet: {path: /readyz, port: http}", "            periodSeconds: 30")},
		{"null device", "deploy/k8s/deployment.yaml", after("readOnlyRootFilesystem: true", "            # logs go to /dev/null (devtools, prod.example.com)")},
		{"sidecar", "deploy/k8s/deployment.yaml", func(s string, p map[string]string) string {
			return after("containers:", "        - name: "+p["name"]+"-proxy")(s, p)
		}},
		{"deploy to the tier's namespace", "Makefile", func(s string, p map[string]string) string {
			return after("docker push", "\tkubectl apply -n "+p["tier"]+" -f deploy/k8s")(s, p)
		}},
		{"health check", "Makefile", func(s string, p map[string]string) string {
			return after("go run ./cmd", "\tcurl -fsS localhost:"+p["port"]+"/healthz")(s, p)
		}},
		{"tier label", "deploy/k8s/deployment.yaml", func(s string, p map[string]string) string {
			return strings.Replace(s, "acme.dev/tier: "+p["tier"], "acme.dev/tier: "+p["tier"]+"-eu", 1)
		}},
	}
}

// TestHunkKeysGroupEdits is a property: whatever the projects' parameter
// values — among them values that are parts of the edits' words — the same
// edit made in every project is one desire path of every project, and two
// different edits are never one.
func TestHunkKeysGroupEdits(t *testing.T) {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, goService, nil)
	require.NoError(t, err)
	edits := hunkEdits()
	names := []string{"orders", "billing", "devtool-api", "dev-portal", "prod-sync", "postgres-proxy", "nonesuch", "nulls"}
	rng := rand.New(rand.NewPCG(15, 15))
	for round := range 3 {
		root := t.TempDir()
		rec := clock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		var signals []feedback.Signal
		var projects []string
		for i, name := range names {
			p := map[string]string{
				"name":     name,
				"tier":     []string{"dev", "prod"}[rng.IntN(2)],
				"database": []string{"none", "postgres"}[rng.IntN(2)],
				"team":     []string{"devs", "prod-ops", "platform", "none-team"}[rng.IntN(4)],
				"port":     []string{"8181", "8282", "9090"}[rng.IntN(3)],
			}
			set := []string{"name=" + p["name"], "tier=" + p["tier"], "database=" + p["database"], "team=" + p["team"], "port=" + p["port"]}
			if p["tier"] == "prod" {
				set = append(set, "replicas=3")
			}
			dir := filepath.Join(root, fmt.Sprintf("p%d-%s", i, name))
			renderProject(t, bp, dir, set...)
			for _, e := range edits {
				path := filepath.Join(dir, e.file)
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				edited := e.edit(string(b), p)
				require.NotEqual(t, string(b), edited, "edit %q in %s", e.name, dir)
				require.NoError(t, os.WriteFile(path, []byte(edited), 0o644))
			}
			ss, err := scan.Project(ctx, openProject(t, dir), &scan.Options{Blueprint: bp, Recorder: rec})
			require.NoError(t, err)
			signals = append(signals, ss...)
			projects = append(projects, filepath.Base(dir))
		}
		slices.Sort(projects)
		rep, err := report.Aggregate(ctx, seq(signals), &report.AggregateOptions{MinProjects: 2, MaxProjects: len(names)})
		require.NoError(t, err)
		require.Len(t, rep.DesirePaths, len(edits), "round %d: one desire path per edit, got:\n%s", round, desireKeys(rep))
		for _, dp := range rep.DesirePaths {
			require.Equal(t, projects, dp.Projects, "round %d: desire path %s %q", round, dp.File, dp.Key)
		}
	}
}

func desireKeys(rep *report.Report) string {
	var b strings.Builder
	for _, dp := range rep.DesirePaths {
		fmt.Fprintf(&b, "%s %d %q\n", dp.File, dp.Count, dp.Key)
	}
	return b.String()
}

func seq(ss []feedback.Signal) iter.Seq2[feedback.Signal, error] {
	return func(yield func(feedback.Signal, error) bool) {
		for _, s := range ss {
			if !yield(s, nil) {
				return
			}
		}
	}
}
