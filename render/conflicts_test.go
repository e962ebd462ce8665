package render_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

// resolveMarkers resolves every conflict of a text with markers by the
// project's side, or by the upstream side.
func resolveMarkers(text string, project bool) string {
	var out []string
	state := 0 // 0 outside, 1 project, 2 base, 3 upstream
	for _, l := range strings.SplitAfter(text, "\n") {
		switch {
		case strings.HasPrefix(l, "<<<<<<< "):
			state = 1
		case state == 1 && strings.HasPrefix(l, "||||||| "):
			state = 2
		case state > 0 && state < 3 && strings.TrimRight(l, "\r\n") == "=======":
			state = 3
		case state == 3 && strings.HasPrefix(l, ">>>>>>> "):
			state = 0
		case state == 0, state == 1 && project, state == 3 && !project:
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// TestUpgradeMarksStructuredConflicts: a list item deleted in the project
// where the new version extends the list. The line merge is clean but not
// YAML; the structured merge conflicts on the list. The file gets markers
// around the list, taking either side gives YAML, and the result names the
// key and the line. Withheld, the copy has the markers and the file is as
// it was.
func TestUpgradeMarksStructuredConflicts(t *testing.T) {
	ctx := context.Background()
	v1, v2 := loadBP(t, goService), loadBP(t, goServiceV2)
	e := newEngine(t, nil)
	const dep = "deploy/k8s/deployment.yaml"
	for _, tc := range []struct {
		name, line string
		withhold   bool
	}{
		{"port item", "            - name: http\n", false},
		{"port item withheld", "            - name: http\n", true},
		{"env item", "            - name: PORT\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "orders")
			_, err := e.Render(ctx, v1, resolve(t, v1, blueprint.Set("name=orders")), dir, nil)
			require.NoError(t, err)
			edit(t, dir, dep, tc.line, "")
			edited := readFile(t, filepath.Join(dir, dep))

			res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1, WithholdConflicts: tc.withhold})
			require.NoError(t, err)
			r := results(res)[dep]
			require.Equal(t, render.Conflicted, r.Change)
			require.NotEmpty(t, r.Conflicts)
			assert.Equal(t, "spec.template.spec.containers", r.Conflicts[0].Key)
			written := filepath.Join(dir, dep)
			if tc.withhold {
				assert.False(t, r.Markers)
				assert.Equal(t, edited, readFile(t, written), "withheld: the file is left as it was")
				written = filepath.Join(dir, filepath.FromSlash(r.Saved))
			} else {
				assert.True(t, r.Markers)
			}
			out := readFile(t, written)
			assert.Equal(t, "<<<<<<< project", strings.Split(out, "\n")[r.Conflicts[0].Line-1])
			for _, project := range []bool{true, false} {
				var v any
				require.NoError(t, yaml.Unmarshal([]byte(resolveMarkers(out, project)), &v), "resolved by the project: %v\n%s", project, out)
			}
			assert.Contains(t, resolveMarkers(out, false), "name: metrics")

			// Remembered: listed, and a second upgrade is refused.
			m, err := render.ReadManifest(dir)
			require.NoError(t, err)
			require.Len(t, m.Conflicts, 1)
			assert.Equal(t, []string{"spec.template.spec.containers"}, m.Conflicts[0].Keys)
			pending := conflictsDir(t, dir)
			require.Len(t, pending, 1)
			assert.Equal(t, dep, pending[0].Path)
			assert.Equal(t, []int{r.Conflicts[0].Line}, pending[0].Lines)
			before := tree(t, dir)
			for _, o := range []*render.UpgradeOptions{{Base: v2}, {Base: v2, DryRun: true}} {
				_, err = upgradeDir(ctx, e, dir, v2, o)
				var ce *render.ConflictsError
				require.ErrorAs(t, err, &ce)
				assert.Contains(t, err.Error(), dep)
			}
			assert.Equal(t, before, tree(t, dir))

			if tc.withhold {
				// Resolving removes the copy; the file is the team's
				// choice.
				require.NoError(t, resolveDir(dir, dep))
				assert.NoFileExists(t, written)
			} else {
				// Markers left: Resolve refuses; gone: resolved.
				err := resolveDir(dir, dep)
				require.ErrorContains(t, err, "still holds conflict markers")
				writeFile(t, written, resolveMarkers(out, false), 0o644)
				assert.Empty(t, conflictsDir(t, dir))
			}
			_, err = upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v2})
			require.NoError(t, err)
			m, err = render.ReadManifest(dir)
			require.NoError(t, err)
			assert.Empty(t, m.Conflicts)
		})
	}
}

// TestResolveWithoutMarkers: a file removed upstream and edited in the
// project is a conflict no marker shows; it stays until Resolve, or until
// the file is deleted.
func TestResolveWithoutMarkers(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := versioned(t, "1.0.0", ``, ``, map[string]string{"gone.txt": "one\n", "a.txt": "a\n"})
	v2 := versioned(t, "2.0.0", ``, ``, map[string]string{"a.txt": "a\n"})
	v3 := versioned(t, "3.0.0", ``, ``, map[string]string{"a.txt": "a3\n"})
	dir := project(t, e, v1)
	writeFile(t, filepath.Join(dir, "gone.txt"), "one, edited\n", 0o644)
	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Conflicts())
	pending := conflictsDir(t, dir)
	require.Len(t, pending, 1)
	assert.Contains(t, pending[0].Where(), "removed upstream and edited")

	_, err = upgradeDir(ctx, e, dir, v3, &render.UpgradeOptions{Base: v2})
	var ce *render.ConflictsError
	require.ErrorAs(t, err, &ce)
	require.ErrorContains(t, resolveDir(dir, "a.txt"), "no conflict recorded")
	require.NoError(t, resolveDir(dir, "gone.txt"))
	assert.FileExists(t, filepath.Join(dir, "gone.txt"))
	_, err = upgradeDir(ctx, e, dir, v3, &render.UpgradeOptions{Base: v2})
	require.NoError(t, err)
	assert.Equal(t, "a3\n", readFile(t, filepath.Join(dir, "a.txt")))

	// Deleting the file resolves it too.
	dir = project(t, e, v1)
	writeFile(t, filepath.Join(dir, "gone.txt"), "one, edited\n", 0o644)
	_, err = upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(dir, "gone.txt")))
	_, err = upgradeDir(ctx, e, dir, v3, &render.UpgradeOptions{Base: v2})
	require.NoError(t, err)
}

// TestProjectResolve: Project.Resolve changes nothing when one path cannot
// be resolved and names each such path; otherwise it writes the manifest,
// and the Project holds the new one (the old *Manifest is left as it was),
// so the same Project upgrades next. A read-only Project is refused.
func TestProjectResolve(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := versioned(t, "1.0.0", ``, ``, map[string]string{"gone.txt": "one\n", "a.txt": "a\n"})
	v2 := versioned(t, "2.0.0", ``, ``, map[string]string{"a.txt": "a2\n"})
	v3 := versioned(t, "3.0.0", ``, ``, map[string]string{"a.txt": "a2\n", "b.txt": "b\n"})
	dir := project(t, e, v1)
	writeFile(t, filepath.Join(dir, "gone.txt"), "one, edited\n", 0o644)
	writeFile(t, filepath.Join(dir, "a.txt"), "a, edited\n", 0o644)
	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	require.Equal(t, 2, res.Conflicts())

	p, err := render.OpenProject(dir)
	require.NoError(t, err)
	m0 := p.Manifest()
	require.Len(t, m0.Conflicts, 2)
	manifest := filepath.Join(dir, filepath.FromSlash(render.ManifestPath))
	before := readFile(t, manifest)

	err = p.Resolve("a.txt", "gone.txt", "nope.txt")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a.txt: still holds conflict markers at line 1")
	assert.Contains(t, err.Error(), "nope.txt: no conflict recorded")
	assert.Equal(t, before, readFile(t, manifest), "nothing written")
	assert.Len(t, p.Manifest().Conflicts, 2)

	ro, err := render.OpenProjectFS(os.DirFS(dir), dir)
	require.NoError(t, err)
	require.ErrorContains(t, ro.Resolve("gone.txt"), "read-only")
	assert.Equal(t, before, readFile(t, manifest), "nothing written")

	require.NoError(t, p.Resolve("gone.txt"))
	require.Len(t, p.Manifest().Conflicts, 1)
	assert.Equal(t, "a.txt", p.Manifest().Conflicts[0].Path)
	assert.Len(t, m0.Conflicts, 2, "the manifest handed out before is not modified")
	onDisk, err := render.ReadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, p.Manifest().Conflicts, onDisk.Conflicts)
	pending, err := p.Conflicts()
	require.NoError(t, err)
	require.Len(t, pending, 1)

	// The same Project, resolved, upgrades.
	_, err = e.Upgrade(ctx, p, v3, &render.UpgradeOptions{Base: v2})
	var ce *render.ConflictsError
	require.ErrorAs(t, err, &ce)
	writeFile(t, filepath.Join(dir, "a.txt"), "a, edited\n", 0o644)
	require.NoError(t, p.Resolve("a.txt"))
	assert.Empty(t, p.Manifest().Conflicts)
	_, err = e.Upgrade(ctx, p, v3, &render.UpgradeOptions{Base: v2})
	require.NoError(t, err)
	assert.Equal(t, "b\n", readFile(t, filepath.Join(dir, "b.txt")))
}

// TestProjectResolveWriteFails: Resolve writes the manifest before it
// removes the copies under .goldenpath/conflicts/, so a manifest that
// cannot be written leaves the conflict and its copy as they were. A copy
// left behind once the manifest forgot its conflict is never read as one,
// and the next Resolve removes it.
func TestProjectResolveWriteFails(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := versioned(t, "1.0.0", ``, ``, map[string]string{"a.txt": "a\n", "b.txt": "b\n"})
	v2 := versioned(t, "2.0.0", ``, ``, map[string]string{"a.txt": "a2\n", "b.txt": "b2\n"})
	v3 := versioned(t, "3.0.0", ``, ``, map[string]string{"a.txt": "a2\n", "b.txt": "b2\n", "c.txt": "c\n"})
	dir := project(t, e, v1)
	writeFile(t, filepath.Join(dir, "a.txt"), "a, edited\n", 0o644)
	writeFile(t, filepath.Join(dir, "b.txt"), "b, edited\n", 0o644)
	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1, WithholdConflicts: true})
	require.NoError(t, err)
	require.Equal(t, 2, res.Conflicts())
	copyOf := func(p string) string {
		return filepath.Join(dir, filepath.FromSlash(render.ConflictsDir), p)
	}
	require.FileExists(t, copyOf("a.txt"))

	p, err := render.OpenProject(dir)
	require.NoError(t, err)
	manifest := filepath.Join(dir, filepath.FromSlash(render.ManifestPath))
	before := readFile(t, manifest)
	// The manifest's temporary file is a directory: the write fails, as
	// root too.
	blocker := manifest + ".tmp"
	require.NoError(t, os.MkdirAll(filepath.Join(blocker, "x"), 0o755))
	require.Error(t, p.Resolve("a.txt"))
	assert.Equal(t, before, readFile(t, manifest), "manifest unchanged")
	assert.FileExists(t, copyOf("a.txt"), "the copy is kept while the manifest lists its conflict")
	pending, err := p.Conflicts()
	require.NoError(t, err)
	require.Len(t, pending, 2)
	assert.Equal(t, render.ConflictsDir+"/a.txt", pending[0].Saved)
	ro, err := render.OpenProjectFS(os.DirFS(dir), dir)
	require.NoError(t, err)
	pending, err = ro.Conflicts()
	require.NoError(t, err)
	assert.Len(t, pending, 2, "read afresh")
	require.NoError(t, os.RemoveAll(blocker))

	require.NoError(t, p.Resolve("a.txt"))
	assert.NoFileExists(t, copyOf("a.txt"))
	assert.FileExists(t, copyOf("b.txt"))
	// A copy of a resolved conflict left behind: not a conflict, and
	// removed by the next Resolve, which keeps the copies still named.
	writeFile(t, copyOf("a.txt"), "a leftover\n", 0o644)
	pending, err = p.Conflicts()
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, "b.txt", pending[0].Path)
	require.NoError(t, p.Resolve("b.txt"))
	assert.NoFileExists(t, copyOf("a.txt"))
	assert.NoFileExists(t, copyOf("b.txt"))
	assert.NoDirExists(t, filepath.Join(dir, filepath.FromSlash(render.ConflictsDir)))
	_, err = e.Upgrade(ctx, p, v3, &render.UpgradeOptions{Base: v2})
	require.NoError(t, err)
	assert.Equal(t, "c\n", readFile(t, filepath.Join(dir, "c.txt")))
}

// TestDeprecatedConflictFunctions: the directory forms kept for
// compatibility, UnresolvedConflicts and Resolve, still work, and agree
// with the Project methods.
func TestDeprecatedConflictFunctions(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := versioned(t, "1.0.0", ``, ``, map[string]string{"gone.txt": "one\n", "a.txt": "a\n"})
	v2 := versioned(t, "2.0.0", ``, ``, map[string]string{"a.txt": "a2\n"})
	dir := project(t, e, v1)
	writeFile(t, filepath.Join(dir, "gone.txt"), "one, edited\n", 0o644)
	writeFile(t, filepath.Join(dir, "a.txt"), "a, edited\n", 0o644)
	_, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)

	pending, err := render.UnresolvedConflicts(dir)
	require.NoError(t, err)
	assert.Equal(t, conflictsDir(t, dir), pending)
	require.Len(t, pending, 2)
	require.ErrorContains(t, render.Resolve(dir, "a.txt"), "still holds conflict markers")
	require.NoError(t, render.Resolve(dir, "gone.txt"))
	pending, err = render.UnresolvedConflicts(dir)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, "a.txt", pending[0].Path)
}

// TestManifestConflictsChecked: the conflicts a manifest records are read
// back like its files: clean paths, sorted, copies under
// .goldenpath/conflicts/ only. A manifest without them reads as before.
func TestManifestConflictsChecked(t *testing.T) {
	head := `{"schema":1,"generator":"g","blueprint":{"name":"a","version":"1.0.0","source":"s","digest":"d"},"parameters":{},"decisions":[],"files":[]`
	for _, tc := range []struct {
		conflicts, err string
	}{
		{``, ""},
		{`,"conflicts":[{"path":"a.yaml","upgrade":"a 2.0.0","markers":true,"keys":["x"],"lines":[3]},{"path":"b.bin","upgrade":"a 2.0.0","saved":".goldenpath/conflicts/b.bin"}]`, ""},
		{`,"conflicts":[{"path":"b","upgrade":"a"},{"path":"a","upgrade":"a"}]`, "not sorted"},
		{`,"conflicts":[{"path":"../a","upgrade":"a"}]`, "conflicts[0]"},
		{`,"conflicts":[{"path":"a","upgrade":"a","saved":".goldenpath/overwritten/a"}]`, "not a path under .goldenpath/conflicts/"},
		{`,"conflicts":[{"path":"a","upgrade":"a","saved":".goldenpath/conflicts/../../x"}]`, "not a path under"},
		{`,"conflicts":[{"path":"a","upgrade":"a","extra":1}]`, "unknown field"},
	} {
		m, err := render.DecodeManifest(strings.NewReader(head + tc.conflicts + "}"))
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.conflicts)
			continue
		}
		require.NoError(t, err, tc.conflicts)
		out, err := m.Marshal()
		require.NoError(t, err)
		if tc.conflicts == "" {
			assert.NotContains(t, string(out), "conflicts")
		} else {
			assert.Contains(t, string(out), `"saved": ".goldenpath/conflicts/b.bin"`)
		}
	}
}

// TestRenderRefusesUnresolvedConflicts: Render and Apply into a project
// whose manifest records conflicts an upgrade left refuse, Force or not,
// and write nothing, rather than write a manifest that forgets them. Once
// the markers are gone, they write.
func TestRenderRefusesUnresolvedConflicts(t *testing.T) {
	ctx := context.Background()
	v1, v2 := loadBP(t, goService), loadBP(t, goServiceV2)
	e := newEngine(t, nil)
	const dep = "deploy/k8s/deployment.yaml"
	dir := filepath.Join(t.TempDir(), "orders")
	_, err := e.Render(ctx, v1, resolve(t, v1, blueprint.Set("name=orders")), dir, nil)
	require.NoError(t, err)
	edit(t, dir, dep, "            - name: http\n", "")
	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	require.Equal(t, 1, res.Conflicts())

	params := resolve(t, v2, blueprint.Set("name=orders"))
	plan, err := e.Plan(ctx, v2, params)
	require.NoError(t, err)
	before := tree(t, dir)
	for name, run := range map[string]func(*render.ApplyOptions) error{
		"render": func(o *render.ApplyOptions) error { _, err := e.Render(ctx, v2, params, dir, o); return err },
		"apply":  func(o *render.ApplyOptions) error { return e.Apply(ctx, plan, dir, o) },
	} {
		for _, o := range []*render.ApplyOptions{nil, {Force: true}} {
			err := run(o)
			var ce *render.ConflictsError
			require.ErrorAs(t, err, &ce, "%s, force %v", name, o != nil)
			require.Len(t, ce.Files, 1)
			assert.Equal(t, dep, ce.Files[0].Path)
			assert.True(t, ce.Files[0].Markers)
			assert.Equal(t, before, tree(t, dir), "%s wrote nothing", name)
		}
	}

	// The markers gone, the conflict is resolved: a forced render writes
	// and its manifest records no conflict.
	writeFile(t, filepath.Join(dir, dep), resolveMarkers(readFile(t, filepath.Join(dir, dep)), true), 0o644)
	_, err = e.Render(ctx, v2, params, dir, &render.ApplyOptions{Force: true})
	require.NoError(t, err)
	m, err := render.ReadManifest(dir)
	require.NoError(t, err)
	assert.Empty(t, m.Conflicts)
}
