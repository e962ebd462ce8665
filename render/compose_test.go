package render_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

const demoEnvironment = "../testdata/blueprints/demo-environment"

func TestRenderComposedBlueprint(t *testing.T) {
	ctx := context.Background()
	bp := loadBP(t, demoEnvironment)
	params := resolve(t, bp, blueprint.Set("name=orders", "team=payments", "mergeRequest=7"))
	e := newEngine(t, nil)
	dir := filepath.Join(t.TempDir(), "demo")
	plan, err := e.Render(ctx, bp, params, dir, nil)
	require.NoError(t, err)
	m := plan.Manifest

	byPath := map[string]render.File{}
	for _, f := range m.Files {
		byPath[f.Path] = f
	}
	for path, want := range map[string]struct {
		part  string
		level blueprint.Level
	}{
		"Makefile":                              {"", blueprint.Managed},
		"README.md":                             {"", blueprint.Seeded},
		"compose.yaml":                          {"", blueprint.Shared},
		"db/init.sql":                           {"", blueprint.Shared},
		"service/Dockerfile":                    {"service", blueprint.Managed},
		"service/README.md":                     {"service", blueprint.Seeded},
		"service/cmd/orders/main.go":            {"service", blueprint.Shared},
		"preview/k8s/namespace.yaml":            {"preview", blueprint.Managed},
		"preview/k8s/postgres.yaml":             {"preview", blueprint.Shared},
		"preview/.github/workflows/preview.yml": {"preview", blueprint.Managed},
	} {
		f, ok := byPath[path]
		if assert.True(t, ok, "%s rendered", path) {
			assert.Equal(t, want.part, f.Part, path)
			assert.Equal(t, want.level, f.Level, path)
		}
	}
	require.Len(t, m.Includes, 2)
	assert.Equal(t, "service", m.Includes[0].Name)
	assert.Equal(t, "go-service", m.Includes[0].Blueprint.Name)
	assert.Equal(t, "preview", m.Includes[1].Dir)
	assert.Equal(t, bp.Digest, m.Blueprint.Digest)

	compose, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(compose), "DATABASE_URL: postgres://orders:orders@db:5432/orders")
	ns, err := os.ReadFile(filepath.Join(dir, "preview/k8s/namespace.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(ns), "preview-orders-mr7", "the include renders with its own derived values")

	// The same inputs render the same bytes, and the project rebuilds
	// from its manifest.
	again := filepath.Join(t.TempDir(), "again")
	_, err = newEngine(t, nil).Render(ctx, loadBP(t, demoEnvironment), resolve(t, bp, blueprint.Set("name=orders", "team=payments", "mergeRequest=7")), again, nil)
	require.NoError(t, err)
	assert.Equal(t, tree(t, dir), tree(t, again))
	rebuilt, err := rebuildDir(ctx, newEngine(t, nil), loadBP(t, demoEnvironment), dir)
	require.NoError(t, err)
	assert.Equal(t, m.Files, rebuilt.Manifest.Files)
}

func TestComposedFilePrecedence(t *testing.T) {
	ctx := context.Background()
	goSvc, err := filepath.Abs(goService)
	require.NoError(t, err)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "blueprint.cue"), `name: "wrapper"
version: "1.0.0"
description: "overrides one file of go-service"
owner: "platform"
parameters: name: string
include: svc: {
	source: "`+goSvc+`"
	with: name: parameters.name
	path: "svc"
}
`, 0o644)
	writeFile(t, filepath.Join(dir, "template", "svc", "README.md.tmpl"), "# {{.name}}, wrapped\n", 0o644)
	bp := loadBP(t, dir)
	plan, err := newEngine(t, nil).Plan(ctx, bp, resolve(t, bp, blueprint.Set("name=orders")))
	require.NoError(t, err)
	f, ok := plan.Manifest.File("svc/README.md")
	require.True(t, ok)
	assert.Equal(t, "", f.Part, "the including blueprint's file wins")
	assert.Equal(t, "svc/README.md.tmpl", f.Template)
	_, ok = plan.Manifest.File("svc/Dockerfile")
	assert.True(t, ok, "the include's other files are kept")
}
