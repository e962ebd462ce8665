package render_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

// interrupt leaves in dir, a project bp rendered with name=old, what a
// re-render with name=new killed in its commit leaves: a committed journal,
// the first file moved into place, the rest and the manifest staged.
func interrupt(t *testing.T, e *render.Engine, bp *blueprint.Blueprint, dir string) {
	t.Helper()
	ctx := t.Context()
	_, err := e.Render(ctx, bp, resolve(t, bp, blueprint.Set("name=old")), dir, nil)
	require.NoError(t, err)
	next := filepath.Join(t.TempDir(), "next")
	plan, err := e.Render(ctx, bp, resolve(t, bp, blueprint.Set("name=new")), next, nil)
	require.NoError(t, err)
	staging := filepath.Join(dir, ".goldenpath", "staging-test")
	require.NoError(t, os.CopyFS(staging, os.DirFS(next)))
	type op struct {
		Kind string `json:"kind"`
		Path string `json:"path"`
	}
	var ops []op
	for _, f := range plan.Manifest.Files {
		ops = append(ops, op{"write", f.Path})
	}
	ops = append(ops, op{"write", render.ManifestPath})
	j, err := json.Marshal(map[string]any{"staging": "staging-test", "ops": ops})
	require.NoError(t, err)
	first := plan.Manifest.Files[0].Path
	require.NoError(t, os.Rename(filepath.Join(staging, first), filepath.Join(dir, first)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".goldenpath", "journal.json"), j, 0o644))
}

func TestProjectWithAnInterruptedApply(t *testing.T) {
	e := newEngine(t, nil)
	bp := miniBlueprint(t, "", map[string]string{"a.txt.tmpl": "a {{.name}}\n", "b.txt.tmpl": "b {{.name}}\n", "c.txt.tmpl": "c {{.name}}\n"})
	dir := filepath.Join(t.TempDir(), "p")
	interrupt(t, e, bp, dir)

	// Read-only, the project is refused: it is a mix of two versions.
	_, err := render.OpenProjectFS(os.DirFS(dir), dir)
	var pe *render.PendingError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, dir, pe.Dir)
	assert.EqualError(t, err, "an interrupted apply is pending in "+dir+": run gp recover "+dir)
	_, err = render.ReadManifest(dir)
	require.ErrorAs(t, err, &pe)

	// Opened to write, the apply is completed first.
	p, err := render.OpenProject(dir)
	require.NoError(t, err)
	assert.False(t, p.ReadOnly())
	assert.Contains(t, string(p.Manifest().Parameters), `"name":"new"`)
	for d, err := range e.Drift(t.Context(), bp, p) {
		require.NoError(t, err)
		assert.Equal(t, render.Unchanged, d.Change, d.File.Path)
	}
	assert.NoFileExists(t, filepath.Join(dir, ".goldenpath", "journal.json"))
	_, err = render.OpenProjectFS(os.DirFS(dir), dir)
	require.NoError(t, err)
}

func TestDrift(t *testing.T) {
	e := newEngine(t, nil)
	bp := miniBlueprint(t, `files: "s.txt": level: "seeded"`, map[string]string{
		"a.txt.tmpl": "a {{.name}}\n", "b.txt": "b\n", "c.txt": "c\n", "d.txt": "d\n", "s.txt": "seed\n", "bin.dat": "\x00\x01",
	})
	dir := filepath.Join(t.TempDir(), "p")
	_, err := e.Render(t.Context(), bp, resolve(t, bp), dir, nil)
	require.NoError(t, err)
	writeFile(t, filepath.Join(dir, "a.txt"), "a edited\n", 0o644)
	require.NoError(t, os.Chmod(filepath.Join(dir, "b.txt"), 0o755))
	require.NoError(t, os.Remove(filepath.Join(dir, "c.txt")))
	writeFile(t, filepath.Join(dir, "s.txt"), "the team's\n", 0o644)
	writeFile(t, filepath.Join(dir, "bin.dat"), "\x00\x02", 0o644)
	require.NoError(t, os.Remove(filepath.Join(dir, "d.txt")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "d.txt"), 0o755))

	p, err := render.OpenProjectFS(os.DirFS(dir), dir)
	require.NoError(t, err)
	got := map[string]render.FileDrift{}
	var order []string
	for d, err := range e.Drift(t.Context(), bp, p) {
		require.NoError(t, err)
		got[d.File.Path] = d
		order = append(order, d.File.Path)
	}
	assert.Equal(t, []string{"a.txt", "b.txt", "bin.dat", "c.txt", "d.txt", "s.txt"}, order, "path order")
	assert.Equal(t, render.Changed, got["a.txt"].Change)
	assert.Equal(t, "a demo\n", string(got["a.txt"].Want))
	assert.Equal(t, "a edited\n", string(got["a.txt"].Got))
	assert.Equal(t, render.Changed, got["b.txt"].Change)
	assert.Equal(t, "mode 0755 on disk, 0644 rendered", got["b.txt"].Note)
	assert.True(t, got["bin.dat"].Binary)
	assert.Equal(t, render.Added, got["c.txt"].Change, "deleted in the project: a render adds it")
	assert.Equal(t, render.Changed, got["d.txt"].Change)
	assert.Nil(t, got["d.txt"].Got)
	assert.Contains(t, got["d.txt"].Note, "is a d")
	assert.Equal(t, render.Changed, got["s.txt"].Change)
	assert.Equal(t, blueprint.Seeded, got["s.txt"].File.Level)

	// The same project from an fs.FS that is not a directory.
	mfs := fstest.MapFS{}
	require.NoError(t, fsCopy(mfs, dir))
	p, err = render.OpenProjectFS(mfs, "in memory")
	require.NoError(t, err)
	n := 0
	for d, err := range e.Drift(t.Context(), bp, p) {
		require.NoError(t, err)
		if d.Change != render.Unchanged {
			n++
		}
	}
	assert.Equal(t, 6, n)

	// Unchanged files keep no contents: only what differs is held.
	writeFile(t, filepath.Join(dir, "a.txt"), "a demo\n", 0o644)
	p, err = render.OpenProjectFS(os.DirFS(dir), dir)
	require.NoError(t, err)
	for d, err := range e.Drift(t.Context(), bp, p) {
		require.NoError(t, err)
		if d.File.Path == "a.txt" {
			assert.Equal(t, render.Unchanged, d.Change)
			assert.Nil(t, d.Want)
			assert.Nil(t, d.Got)
		}
	}

	// Another version of the blueprint does not reproduce the manifest.
	other := miniBlueprint(t, "", map[string]string{"a.txt.tmpl": "other\n"})
	for _, err := range e.Drift(t.Context(), other, p) {
		require.Error(t, err)
	}
}

// fsCopy copies the regular files of dir into m.
func fsCopy(m fstest.MapFS, dir string) error {
	return filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			m[filepath.ToSlash(rel)] = &fstest.MapFile{Mode: info.Mode()}
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data, Mode: info.Mode()}
		return nil
	})
}

func TestPlanJSON(t *testing.T) {
	e := newEngine(t, nil)
	bp := miniBlueprint(t, "", map[string]string{"a.txt.tmpl": "a {{.name}}\n"})
	plan, err := e.Plan(t.Context(), bp, resolve(t, bp))
	require.NoError(t, err)
	data, err := json.Marshal(plan)
	require.NoError(t, err)
	var form map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &form))
	assert.Len(t, form, 1, "no decisions evaluated: the manifest only")
	m, err := render.DecodeManifest(bytes.NewReader(form["manifest"]))
	require.NoError(t, err)
	assert.Equal(t, plan.Manifest, m)
	assert.Contains(t, string(data), `"path":"a.txt"`)
	byValue, err := json.Marshal(*plan)
	require.NoError(t, err)
	assert.Equal(t, string(data), string(byValue), "a Plan and a *Plan have the same form")
}

func TestOpenProjectErrors(t *testing.T) {
	_, err := render.OpenProjectFS(fstest.MapFS{render.ManifestPath: {Data: []byte("{")}}, "broken")
	assert.True(t, errors.Is(err, render.ErrManifest), "%v", err)
	assert.ErrorContains(t, err, "broken")
}

func TestZeroEngine(t *testing.T) {
	var e render.Engine
	bp := miniBlueprint(t, "", map[string]string{"a.txt.tmpl": "a {{.name}}\n", "b.bin": "\x00"})
	dir := filepath.Join(t.TempDir(), "p")
	plan, err := e.Render(t.Context(), bp, resolve(t, bp), dir, nil)
	require.NoError(t, err)
	want, err := newEngine(t, nil).Plan(t.Context(), bp, resolve(t, bp))
	require.NoError(t, err)
	assert.Equal(t, want.Manifest, plan.Manifest, "the zero Engine is New(nil)")
	p, err := render.OpenProject(dir)
	require.NoError(t, err)
	for d, err := range e.Drift(t.Context(), bp, p) {
		require.NoError(t, err)
		assert.Equal(t, render.Unchanged, d.Change)
	}
}

// TestFleetWithAnInterruptedApply: the fleet's check refuses a project with
// an interrupted apply pending; its upgrade completes it first.
func TestFleetWithAnInterruptedApply(t *testing.T) {
	e := newEngine(t, nil)
	bp := miniBlueprint(t, "", map[string]string{"a.txt.tmpl": "a {{.name}}\n", "b.txt.tmpl": "b {{.name}}\n"})
	dir := filepath.Join(t.TempDir(), "p")
	interrupt(t, e, bp, dir)
	var results []render.FleetResult
	opts := &render.FleetOptions{Op: render.FleetCheck, Load: localLoad(t), Result: func(r render.FleetResult) { results = append(results, r) }}
	_, err := e.Fleet(t.Context(), []render.Target{{Dir: dir}}, opts)
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.Equal(t, render.FleetFailed, results[0].Status)
	assert.Contains(t, results[0].Error, "an interrupted apply is pending in "+dir)
	assert.FileExists(t, filepath.Join(dir, ".goldenpath", "journal.json"), "a check writes nothing")

	results = nil
	opts.Op = render.FleetUpgrade
	_, err = e.Fleet(t.Context(), []render.Target{{Dir: dir, Source: bp.Source}}, opts)
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.Equal(t, render.FleetOK, results[0].Status, results[0].Error)
	assert.NoFileExists(t, filepath.Join(dir, ".goldenpath", "journal.json"))
}
