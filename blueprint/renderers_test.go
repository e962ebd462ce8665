package blueprint_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// writeRendererBlueprint writes a blueprint whose files rules name the
// given renderers, one rule per glob, and optionally includes another
// blueprint directory.
func writeRendererBlueprint(t *testing.T, name string, rules map[string]string, include string) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("name: \"" + name + "\"\nversion: \"1.0.0\"\ndescription: \"renderers\"\nowner: \"platform\"\n")
	b.WriteString("parameters: {name: string | *\"x\"}\n")
	for glob, r := range rules {
		b.WriteString("files: \"" + glob + "\": renderer: \"" + r + "\"\n")
	}
	if include != "" {
		b.WriteString("include: inner: {source: \"" + include + "\", path: \"inner\"}\n")
	}
	write(t, filepath.Join(dir, "blueprint.cue"), b.String())
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "template"), 0o755))
	write(t, filepath.Join(dir, "template", "a.yaml.cue"), "a: 1\n")
	return dir
}

func TestUnknownRendererAtLoad(t *testing.T) {
	ctx := t.Context()
	dir := writeRendererBlueprint(t, "svc", map[string]string{"*.cue": "cue-yaml"}, "")

	// Without Options.Renderers any name loads: rendering checks it.
	bp, err := blueprint.LoadDir(ctx, dir, nil)
	require.NoError(t, err)
	assert.NoError(t, bp.CheckRenderers([]string{"copy", "cue-yaml", "template"}))

	// With the names of an engine that has the renderer, it loads.
	_, err = blueprint.LoadDir(ctx, dir, &blueprint.Options{Renderers: []string{"copy", "cue-yaml", "template"}})
	require.NoError(t, err)

	// With an engine that lacks it, loading fails with the typed error,
	// which names the rule, the renderer, the file and the line.
	_, err = blueprint.LoadDir(ctx, dir, &blueprint.Options{Renderers: []string{"template", "copy"}})
	var ure *blueprint.UnknownRendererError
	require.ErrorAs(t, err, &ure)
	assert.Equal(t, "*.cue", ure.Glob)
	assert.Equal(t, "cue-yaml", ure.Renderer)
	assert.Equal(t, []string{"copy", "template"}, ure.Known)
	assert.Equal(t, filepath.Join(dir, "blueprint.cue"), ure.Pos.Filename)
	assert.Equal(t, 6, ure.Pos.Line)
	assert.Equal(t, ure.Pos.String()+`: files."*.cue".renderer: unknown renderer "cue-yaml" (known: copy, template)`, err.Error())

	// CheckRenderers says the same of a blueprint already loaded.
	err = bp.CheckRenderers([]string{"template"})
	require.ErrorAs(t, err, &ure)
	assert.Equal(t, "cue-yaml", ure.Renderer)

	// An empty, non-nil list knows no renderer.
	_, err = blueprint.LoadDir(ctx, dir, &blueprint.Options{Renderers: []string{}})
	require.ErrorAs(t, err, &ure)
}

func TestUnknownRendererInInclude(t *testing.T) {
	ctx := t.Context()
	inner := writeRendererBlueprint(t, "inner", map[string]string{"**": "jsonnet"}, "")
	outer := writeRendererBlueprint(t, "outer", nil, inner)

	_, err := blueprint.LoadDir(ctx, outer, nil)
	require.NoError(t, err)
	_, err = blueprint.LoadDir(ctx, outer, &blueprint.Options{Renderers: []string{"copy", "template"}})
	var ure *blueprint.UnknownRendererError
	require.ErrorAs(t, err, &ure)
	assert.Equal(t, "jsonnet", ure.Renderer)
	assert.Equal(t, filepath.Join(inner, "blueprint.cue"), ure.Pos.Filename)
	assert.Contains(t, err.Error(), "include inner")

	bp, err := blueprint.LoadDir(ctx, outer, nil)
	require.NoError(t, err)
	err = bp.CheckRenderers([]string{"copy", "template"})
	require.ErrorAs(t, err, &ure)
	assert.Equal(t, "**", ure.Glob)
}

// A pinned revision Sources keeps is checked against the names of each
// Load, not only the first.
func TestUnknownRendererKeptRevision(t *testing.T) {
	ctx := t.Context()
	url := newTarServer(t, map[string]string{
		"blueprint.cue":         "name: \"cfg\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: {}\nfiles: \"*.cue\": renderer: \"cue-yaml\"\n",
		"template/app.yaml.cue": "a: 1\n",
	})
	s, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir()})
	require.NoError(t, err)
	src := url + "/cfg.tar.gz"
	first, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: s})
	require.NoError(t, err)
	_, err = blueprint.Load(ctx, src, &blueprint.Options{Fetcher: s, Renderers: []string{"copy", "template"}})
	var ure *blueprint.UnknownRendererError
	require.ErrorAs(t, err, &ure)
	assert.Equal(t, "cue-yaml", ure.Renderer)
	again, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: s, Renderers: []string{"copy", "cue-yaml", "template"}})
	require.NoError(t, err)
	assert.Same(t, first, again)
}
