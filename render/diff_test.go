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

func changes(ds []render.FileDiff) map[string]render.Change {
	out := map[string]render.Change{}
	for _, d := range ds {
		out[d.Path] = d.Change
	}
	return out
}

func TestDiff(t *testing.T) {
	ctx := context.Background()
	bp := miniBlueprint(t, `files: "opt/**": include: parameters.flag
`, map[string]string{
		"a.txt.tmpl":   "line 1\nname {{.name}}\nline 3\n",
		"b.txt":        "b\n",
		"run.sh":       "#!/bin/sh\n",
		"opt/only.txt": "only with flag\n",
	})
	e := newEngine(t, nil)
	dir := filepath.Join(t.TempDir(), "p")

	plan, err := e.Plan(ctx, bp, resolve(t, bp, blueprint.Set("flag=true")))
	require.NoError(t, err)
	ds, err := diffDir(ctx, e, plan, dir)
	require.NoError(t, err)
	assert.Equal(t, map[string]render.Change{"a.txt": render.Added, "b.txt": render.Added, "run.sh": render.Added, "opt/only.txt": render.Added}, changes(ds))

	require.NoError(t, e.Apply(ctx, plan, dir, nil))
	ds, err = diffDir(ctx, e, plan, dir)
	require.NoError(t, err)
	for _, d := range ds {
		assert.Equal(t, render.Unchanged, d.Change, "two renders diff clean: %s", d.Path)
		assert.Empty(t, d.Unified)
	}

	// Edit on disk, change a parameter, drop a conditional file.
	require.NoError(t, os.Chmod(filepath.Join(dir, "b.txt"), 0o755))
	plan2, err := e.Plan(ctx, bp, resolve(t, bp, blueprint.Set("name=other", "flag=false")))
	require.NoError(t, err)
	ds, err = diffDir(ctx, e, plan2, dir)
	require.NoError(t, err)
	assert.Equal(t, map[string]render.Change{"a.txt": render.Changed, "b.txt": render.Changed, "run.sh": render.Unchanged, "opt/only.txt": render.Removed}, changes(ds))
	for _, d := range ds {
		switch d.Path {
		case "a.txt":
			assert.Equal(t, "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n line 1\n-name demo\n+name other\n line 3\n", d.Unified)
			assert.Equal(t, blueprint.Shared, d.Level)
		case "b.txt":
			assert.Equal(t, "mode 0755 on disk, 0644 rendered\n", d.Unified)
		}
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 5, "Diff writes nothing")
}

func TestDiffGoServiceTwice(t *testing.T) {
	ctx := context.Background()
	bp := loadBP(t, goService)
	params := resolve(t, bp, blueprint.ValuesFile("../testdata/values/go-service-prod.yaml"))
	e := newEngine(t, nil)
	dir := filepath.Join(t.TempDir(), "orders")
	_, err := e.Render(ctx, bp, params, dir, nil)
	require.NoError(t, err)
	plan, err := newEngine(t, nil).Plan(ctx, loadBP(t, goService), params)
	require.NoError(t, err)
	ds, err := diffDir(ctx, e, plan, dir)
	require.NoError(t, err)
	require.Len(t, ds, len(plan.Manifest.Files))
	for _, d := range ds {
		assert.Equal(t, render.Unchanged, d.Change, d.Path)
	}
}
