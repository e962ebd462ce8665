package customrenderer_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/examples/customrenderer"
	"github.com/goldenpath-dev/goldenpath/render"
	"github.com/goldenpath-dev/goldenpath/render/rendertest"
)

var data = map[string]any{"name": "orders", "replicas": int64(3)}

func TestConformance(t *testing.T) {
	rendertest.Run(t, rendertest.Suite{
		New: customrenderer.CUEYAML,
		Valid: []rendertest.Case{
			{Name: "deployment", Input: render.Request{Path: "d.cue", Data: data, Source: []byte(`
apiVersion: "apps/v1"
kind: "Deployment"
metadata: "name": name
spec: "replicas": replicas & >=1
`)}, Want: []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  replicas: 3\n")},
		},
		Invalid: []rendertest.Case{
			{Name: "syntax", Input: render.Request{Path: "a.cue", Data: data, Source: []byte("a: {")}},
			{Name: "constraint", Input: render.Request{Path: "b.cue", Data: data, Source: []byte(`spec: "replicas": replicas & >5`)}},
			{Name: "unknown reference", Input: render.Request{Path: "c.cue", Data: data, Source: []byte("x: nope")}},
			{Name: "incomplete", Input: render.Request{Path: "d.cue", Data: data, Source: []byte("x: string")}},
		},
	})
}

func TestRenderBlueprint(t *testing.T) {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "testdata/blueprint", nil)
	require.NoError(t, err)
	params, err := bp.Resolve(ctx, blueprint.Set("name=orders", "replicas=4"))
	require.NoError(t, err)
	e, err := render.New(&render.Options{
		Renderers: map[string]render.Renderer{"cue-yaml": customrenderer.CUEYAML()},
		Suffixes:  []render.Suffix{{Suffix: ".cue", Renderer: "cue-yaml", Replace: ".yaml"}},
	})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "out")
	plan, err := e.Render(ctx, bp, params, dir, nil)
	require.NoError(t, err)
	f, ok := plan.Manifest.File("deploy/deployment.yaml")
	require.True(t, ok)
	assert.Equal(t, "cue-yaml", f.Renderer)
	got, err := os.ReadFile(filepath.Join(dir, "deploy", "deployment.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(got), "replicas: 4")
	assert.Contains(t, string(got), "name: orders")
	assert.Contains(t, string(got), "memory: 256Mi")

	// A constraint in the manifest template refuses the render.
	params, err = bp.Resolve(ctx, blueprint.Set("name=orders", "replicas=20"))
	require.NoError(t, err)
	_, err = e.Render(ctx, bp, params, filepath.Join(t.TempDir(), "bad"), nil)
	require.ErrorContains(t, err, "deploy/deployment.cue")
}
