package render_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/render"
)

const goServiceV2 = "../testdata/blueprints/go-service-v2"

func results(r *render.UpgradeResult) map[string]render.FileUpgrade {
	out := map[string]render.FileUpgrade{}
	for _, f := range r.Files {
		out[f.Path] = f
	}
	return out
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// edit replaces old by new in the project file p, which must contain old.
func edit(t testing.TB, dir, p, old, new string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(p))
	s := readFile(t, full)
	require.Contains(t, s, old, p)
	require.NoError(t, os.WriteFile(full, []byte(strings.Replace(s, old, new, 1)), 0o644))
}

func TestUpgradeGoServiceToV2(t *testing.T) {
	ctx := context.Background()
	v1, v2 := loadBP(t, goService), loadBP(t, goServiceV2)
	e := newEngine(t, nil)
	dir := filepath.Join(t.TempDir(), "orders")
	_, err := e.Render(ctx, v1, resolve(t, v1, blueprint.Set("name=orders", "port=9000", "replicas=2")), dir, nil)
	require.NoError(t, err)

	// Downstream edits, one per case.
	edit(t, dir, "cmd/orders/main.go", "ReadHeaderTimeout: 5 * time.Second", "ReadHeaderTimeout: 10 * time.Second") // far from upstream's changes
	edit(t, dir, "deploy/k8s/deployment.yaml", "containerPort: 9000", "containerPort: 9001")                        // where upstream adds the metrics port
	edit(t, dir, "deploy/k8s/deployment.yaml", "replicas: 2", "replicas: 4")                                        // far from it
	edit(t, dir, "Dockerfile", "USER", "# pinned by the team\nUSER")                                                // managed
	edit(t, dir, "Makefile", "test:", "integration:\n\tgo test -tags integration ./...\n\ntest:")                   // shared in 1.x, managed in 2.x
	edit(t, dir, "README.md", "# orders", "# orders — the order service")                                           // seeded
	require.NoError(t, os.Remove(filepath.Join(dir, "deploy/k8s/service.yaml")))                                    // deleted downstream
	dockerfile := readFile(t, filepath.Join(dir, "Dockerfile"))
	makefile := readFile(t, filepath.Join(dir, "Makefile"))

	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	got := results(res)
	want := map[string]render.Change{
		"cmd/orders/main.go":         render.Merged,
		"deploy/k8s/deployment.yaml": render.Conflicted,
		"Dockerfile":                 render.Overwritten,
		"Makefile":                   render.Overwritten,
		"README.md":                  render.Unchanged,
		"deploy/k8s/service.yaml":    render.KeptRemoved,
		".golangci.yml":              render.Removed,
		".golangci.yaml":             render.Added,
		"internal/health/health.go":  render.Added,
		".github/workflows/ci.yml":   render.Updated,
		"go.mod":                     render.Updated, // goVersion was 1.x's default: 2.0.0's applies
	}
	for p, c := range want {
		assert.Equal(t, c, got[p].Change, "%s: %+v", p, got[p])
	}
	assert.Equal(t, 1, res.Conflicts())
	assert.Equal(t, blueprint.Shared, got["Makefile"].PreviousLevel)
	assert.Equal(t, blueprint.Managed, got["Makefile"].Level)
	assert.Contains(t, res.Migrations, "renamed port to httpPort (migration before 2.0.0)")

	// Merged: both sides' changes are in the file.
	main := readFile(t, filepath.Join(dir, "cmd/orders/main.go"))
	assert.Contains(t, main, "ReadHeaderTimeout: 10 * time.Second")
	assert.Contains(t, main, "health.Register(mux, nil)")
	assert.Contains(t, main, `port = "9000"`)

	// Conflicted: markers around the clash, the far edit merged.
	dep := readFile(t, filepath.Join(dir, "deploy/k8s/deployment.yaml"))
	assert.True(t, got["deploy/k8s/deployment.yaml"].Markers)
	assert.Contains(t, dep, "<<<<<<< project\n")
	assert.Contains(t, dep, ">>>>>>> go-service 2.0.0\n")
	assert.Contains(t, dep, "containerPort: 9001")
	assert.Contains(t, dep, "containerPort: 9090")
	assert.Contains(t, dep, "replicas: 4")
	require.NotEmpty(t, got["deploy/k8s/deployment.yaml"].Conflicts)
	c := got["deploy/k8s/deployment.yaml"].Conflicts[0]
	assert.Contains(t, c.Project, "9001")
	assert.Contains(t, c.Upstream, "metrics")
	assert.Equal(t, "<<<<<<< project", strings.Split(dep, "\n")[c.Line-1])

	// Overwritten managed files: the new version in place, the edit kept.
	for p, edited := range map[string]string{"Dockerfile": dockerfile, "Makefile": makefile} {
		r := got[p]
		require.NotEmpty(t, r.Saved, p)
		assert.Equal(t, edited, readFile(t, filepath.Join(dir, filepath.FromSlash(r.Saved))), p)
		assert.NotEqual(t, edited, readFile(t, filepath.Join(dir, p)), p)
	}
	assert.Contains(t, readFile(t, filepath.Join(dir, "Dockerfile")), "METRICS_PORT=9090")
	assert.Contains(t, readFile(t, filepath.Join(dir, "go.mod")), "go 1.26")

	// Seeded and deleted files are the project's.
	assert.Contains(t, readFile(t, filepath.Join(dir, "README.md")), "the order service")
	assert.NoFileExists(t, filepath.Join(dir, "deploy/k8s/service.yaml"))
	assert.NoFileExists(t, filepath.Join(dir, ".golangci.yml"))
	assert.FileExists(t, filepath.Join(dir, "internal/health/health.go"))

	// The manifest is the new version's, with migrated parameters.
	m, err := render.ReadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, "2.0.0", m.Blueprint.Version)
	var params map[string]any
	require.NoError(t, json.Unmarshal(m.Parameters, &params))
	assert.EqualValues(t, 9000, params["httpPort"])
	assert.NotContains(t, params, "port")
	assertNoStaging(t, dir)

	// The manifest remembers the conflict: upgrading again is refused,
	// writing nothing, until it is resolved.
	require.Len(t, m.Conflicts, 1)
	assert.Equal(t, "deploy/k8s/deployment.yaml", m.Conflicts[0].Path)
	assert.Equal(t, "go-service 2.0.0", m.Conflicts[0].Upgrade)
	before := tree(t, dir)
	_, err = upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v2})
	var ce *render.ConflictsError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Files, 1)
	assert.Equal(t, []int{c.Line}, ce.Files[0].Lines)
	assert.Equal(t, before, tree(t, dir))
	writeFile(t, filepath.Join(dir, "deploy/k8s/deployment.yaml"), resolveMarkers(dep, true), 0o644)
	require.NoError(t, resolveDir(dir, "deploy/k8s/deployment.yaml"))
	m, err = render.ReadManifest(dir)
	require.NoError(t, err)
	assert.Empty(t, m.Conflicts)

	// Upgrading again to the same version changes nothing.
	before = tree(t, dir)
	again, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v2})
	require.NoError(t, err)
	for _, f := range again.Files {
		assert.Contains(t, []render.Change{render.Unchanged, render.KeptRemoved}, f.Change, f.Path)
	}
	assert.Equal(t, before, tree(t, dir))
}

func TestUpgradeDryRunWritesNothing(t *testing.T) {
	ctx := context.Background()
	v1, v2 := loadBP(t, goService), loadBP(t, goServiceV2)
	e := newEngine(t, nil)
	dir := filepath.Join(t.TempDir(), "orders")
	_, err := e.Render(ctx, v1, resolve(t, v1, blueprint.Set("name=orders")), dir, nil)
	require.NoError(t, err)
	edit(t, dir, "Dockerfile", "USER", "# local\nUSER")
	before := tree(t, dir)
	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1, DryRun: true})
	require.NoError(t, err)
	assert.True(t, res.DryRun)
	assert.Equal(t, before, tree(t, dir))
	got := results(res)
	assert.Equal(t, render.Overwritten, got["Dockerfile"].Change)
	assert.Contains(t, got["Dockerfile"].Diff, "-# local\n")
	assert.Contains(t, got["internal/health/health.go"].Diff, "+package health\n")
	assert.Equal(t, "2.0.0", res.Manifest.Blueprint.Version)
}

func TestUpgradeLoadsTheRecordedSource(t *testing.T) {
	ctx := context.Background()
	v1 := loadBP(t, goService)
	e := newEngine(t, nil)
	dir := filepath.Join(t.TempDir(), "orders")
	_, err := e.Render(ctx, v1, resolve(t, v1, blueprint.Set("name=orders")), dir, nil)
	require.NoError(t, err)
	local, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir()})
	require.NoError(t, err)

	// The recorded source is a local directory: the strict policy refuses it.
	_, err = upgradeDir(ctx, e, dir, loadBP(t, goServiceV2), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "loading the recorded blueprint")

	res, err := upgradeDir(ctx, e, dir, loadBP(t, goServiceV2), &render.UpgradeOptions{Load: &blueprint.Options{Fetcher: local}})
	require.NoError(t, err)
	assert.Equal(t, "1.4.0", res.From.Version)

	// Now the project records 2.0.0; a 1.x base is refused.
	_, err = upgradeDir(ctx, e, dir, loadBP(t, goServiceV2), &render.UpgradeOptions{Base: v1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "give the recorded version")
}

// versioned writes version v of a blueprint "mini" with the given
// parameters, files rules and template files (name → content; a name
// ending in "|0755" sets the mode).
func versioned(t testing.TB, v, params, rules string, files map[string]string) *blueprint.Blueprint {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "blueprint.cue"), fmt.Sprintf(`name: "mini"
version: %q
description: "a small blueprint"
owner: "platform"
parameters: {
%s
}
files: {
%s
}
`, v, params, rules), 0o644)
	for p, c := range files {
		mode := fs.FileMode(0o644)
		if name, ok := strings.CutSuffix(p, "|0755"); ok {
			p, mode = name, 0o755
		}
		writeFile(t, filepath.Join(dir, "template", filepath.FromSlash(p)), c, mode)
	}
	return loadBP(t, dir)
}

// project renders bp into a new directory and returns it.
func project(t testing.TB, e *render.Engine, bp *blueprint.Blueprint, inputs ...blueprint.Input) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "p")
	_, err := e.Render(context.Background(), bp, resolve(t, bp, inputs...), dir, nil)
	require.NoError(t, err)
	return dir
}

func TestUpgradeCases(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	bin1 := "\x00\x01v1"
	bin2 := "\x00\x01v2"
	v1 := versioned(t, "1.0.0", `name: string | *"demo"`, `"seeded.txt": level: "seeded"
"gone-seeded.txt": level: "seeded"`, map[string]string{
		"text.txt":        "one\ntwo\nthree\nfour\nfive\nsix\n",
		"gone.txt":        "removed upstream\n",
		"gone-seeded.txt": "removed upstream\n",
		"logo.bin":        bin1,
		"logo2.bin":       bin1,
		"run.sh":          "#!/bin/sh\necho run\n",
		"keep.sh|0755":    "#!/bin/sh\necho keep\n",
		"seeded.txt":      "hello\n",
	})
	v2 := versioned(t, "2.0.0", `name: string | *"demo"`, `"seeded.txt": level: "seeded"`, map[string]string{
		"text.txt":    "one\ntwo (upstream)\nthree\nfour\nfive\nsix\n",
		"logo.bin":    bin2,
		"logo2.bin":   bin2,
		"run.sh|0755": "#!/bin/sh\necho run\n",
		"keep.sh":     "#!/bin/sh\necho keep\n",
		"seeded.txt":  "hello, upstream\n",
		"both.txt":    "added upstream\n",
		"new.txt":     "new upstream\n",
	})

	dir := project(t, e, v1)
	write := func(p, s string) { writeFile(t, filepath.Join(dir, p), s, 0o644) }
	write("text.txt", "one\ntwo\nthree\nfour\nfive\nsix (project)\n")
	write("gone.txt", "removed upstream, edited in the project\n")
	write("gone-seeded.txt", "the team's\n")
	write("logo.bin", "\x00\x01project")
	require.NoError(t, os.Chmod(filepath.Join(dir, "keep.sh"), 0o700))
	write("both.txt", "added in the project\n")

	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	got := results(res)
	check := func(p string, c render.Change) render.FileUpgrade {
		t.Helper()
		assert.Equal(t, c, got[p].Change, "%s: %+v", p, got[p])
		return got[p]
	}
	check("text.txt", render.Merged)
	assert.Equal(t, "one\ntwo (upstream)\nthree\nfour\nfive\nsix (project)\n", readFile(t, filepath.Join(dir, "text.txt")))

	r := check("gone.txt", render.Conflicted)
	assert.Contains(t, r.Note, "removed upstream and edited")
	assert.Equal(t, "removed upstream, edited in the project\n", readFile(t, filepath.Join(dir, "gone.txt")))
	check("gone-seeded.txt", render.Unchanged)
	assert.FileExists(t, filepath.Join(dir, "gone-seeded.txt"))

	r = check("logo.bin", render.Conflicted)
	assert.True(t, r.Binary)
	assert.Equal(t, "\x00\x01project", readFile(t, filepath.Join(dir, "logo.bin")))
	assert.Equal(t, bin2, readFile(t, filepath.Join(dir, filepath.FromSlash(r.Saved))))
	check("logo2.bin", render.Updated)
	assert.Equal(t, bin2, readFile(t, filepath.Join(dir, "logo2.bin")))

	check("run.sh", render.Updated)
	fi, err := os.Stat(filepath.Join(dir, "run.sh"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o755), fi.Mode().Perm())
	r = check("keep.sh", render.Unchanged)
	assert.Contains(t, r.Note, "0700 is kept")
	fi, err = os.Stat(filepath.Join(dir, "keep.sh"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o700), fi.Mode().Perm())

	check("seeded.txt", render.Unchanged)
	assert.Equal(t, "hello\n", readFile(t, filepath.Join(dir, "seeded.txt")))

	r = check("both.txt", render.Conflicted)
	assert.True(t, r.Markers)
	both := readFile(t, filepath.Join(dir, "both.txt"))
	assert.Contains(t, both, "added in the project\n")
	assert.Contains(t, both, "added upstream\n")
	check("new.txt", render.Added)
	assert.Equal(t, 3, res.Conflicts())
}

func TestUpgradeWithheldConflicts(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := versioned(t, "1.0.0", ``, ``, map[string]string{"a.txt": "x = 1\n"})
	v2 := versioned(t, "2.0.0", ``, ``, map[string]string{"a.txt": "x = 2\n"})
	dir := project(t, e, v1)
	writeFile(t, filepath.Join(dir, "a.txt"), "x = 3\n", 0o644)
	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1, WithholdConflicts: true, Diff3: true})
	require.NoError(t, err)
	r := results(res)["a.txt"]
	assert.Equal(t, render.Conflicted, r.Change)
	assert.False(t, r.Markers)
	assert.Equal(t, "x = 3\n", readFile(t, filepath.Join(dir, "a.txt")))
	assert.Equal(t, render.ConflictsDir+"/a.txt", r.Saved)
	assert.Equal(t, "<<<<<<< project\nx = 3\n||||||| mini 1.0.0\nx = 1\n=======\nx = 2\n>>>>>>> mini 2.0.0\n",
		readFile(t, filepath.Join(dir, filepath.FromSlash(r.Saved))))
	require.Len(t, r.Conflicts, 1)
	assert.Equal(t, render.Conflict{Line: 1, Base: "x = 1\n", Project: "x = 3\n", Upstream: "x = 2\n"}, r.Conflicts[0])
}

func TestUpgradeParameters(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := versioned(t, "1.0.0", `n: int | *1`, ``, map[string]string{"n.txt.tmpl": "{{.n}}\n"})
	v2 := versioned(t, "2.0.0", `n: int | *2
team: string`, ``, map[string]string{"n.txt.tmpl": "{{.n}} {{.team}}\n"})

	// A required parameter the new version adds is named, with a hint.
	dir := project(t, e, v1)
	_, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	var pe *render.ParamsError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, []string{"team=VALUE"}, pe.Missing)
	assert.Contains(t, err.Error(), "--set team=VALUE")
	assert.Equal(t, "1\n", readFile(t, filepath.Join(dir, "n.txt")), "nothing written")

	// A value left at the old default follows the new default.
	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1, Inputs: []blueprint.Input{blueprint.Set("team=core")}})
	require.NoError(t, err)
	assert.Equal(t, "2 core\n", readFile(t, filepath.Join(dir, "n.txt")))
	assert.Equal(t, "n: 1 was the default of 1.0.0; the new version's default applies", res.Migrations[0])

	// A chosen value stays, and so does a default with KeepDefaults.
	dir = project(t, e, v1, blueprint.Set("n=5"))
	_, err = upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1, Inputs: []blueprint.Input{blueprint.Set("team=core")}})
	require.NoError(t, err)
	assert.Equal(t, "5 core\n", readFile(t, filepath.Join(dir, "n.txt")))
	dir = project(t, e, v1)
	_, err = upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1, KeepDefaults: true, Inputs: []blueprint.Input{blueprint.Set("team=core")}})
	require.NoError(t, err)
	assert.Equal(t, "1 core\n", readFile(t, filepath.Join(dir, "n.txt")))
}

// TestUpgradeResolveHook: UpgradeOptions.Resolve makes both of the
// upgrade's resolutions, the recorded parameters against the base and the
// migrated ones against the new version, and its error ends the upgrade
// with nothing written.
func TestUpgradeResolveHook(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := versioned(t, "1.0.0", `n: int | *1`, ``, map[string]string{"n.txt.tmpl": "{{.n}}\n"})
	v2 := versioned(t, "2.0.0", `n: int | *1`, ``, map[string]string{"n.txt.tmpl": "n={{.n}}\n"})
	dir := project(t, e, v1, blueprint.Set("n=5"))

	var called []string
	hook := func(ctx context.Context, bp *blueprint.Blueprint, inputs ...blueprint.Input) (*blueprint.Params, error) {
		called = append(called, bp.Version)
		return bp.Resolve(ctx, inputs...)
	}
	_, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1, Resolve: hook})
	require.NoError(t, err)
	assert.Equal(t, []string{"1.0.0", "2.0.0"}, called, "the base's resolution, then the new version's")
	assert.Equal(t, "n=5\n", readFile(t, filepath.Join(dir, "n.txt")))

	// The hook's error ends the upgrade, for either resolution.
	errRefused := errors.New("no evaluation slot")
	for _, refuse := range []string{"2.0.0", "3.0.0"} {
		v3 := versioned(t, "3.0.0", `n: int | *1`, ``, map[string]string{"n.txt.tmpl": "n is {{.n}}\n"})
		_, err := upgradeDir(ctx, e, dir, v3, &render.UpgradeOptions{Base: v2, Resolve: func(ctx context.Context, bp *blueprint.Blueprint, inputs ...blueprint.Input) (*blueprint.Params, error) {
			if bp.Version == refuse {
				return nil, errRefused
			}
			return bp.Resolve(ctx, inputs...)
		}})
		require.ErrorIs(t, err, errRefused, "refusing %s", refuse)
		assert.Equal(t, "n=5\n", readFile(t, filepath.Join(dir, "n.txt")), "nothing written")
	}
}

// TestUpgradeNeverLosesAnEdit upgrades random projects: a shared text file
// and a shared YAML list changed at random upstream and downstream, the
// project sometimes also changing either file's line endings or adding
// trailing blanks to it, and deleting list items. Every line the project
// added must be in the file after the upgrade, or in a reported conflict;
// every conflict is marked, and a marked YAML file resolves to YAML either
// way; a file merged without conflict keeps the project's line endings and
// trailing blanks. After a conflict, a second upgrade is refused until the
// project resolves it, and the upgrade after that loses nothing either.
//
// The upstream versions come from a pool built once (each a blueprint to
// load), the project from a copy of one render of 1.0.0: a case is the
// downstream edits and the upgrades (one to three, each an atomic apply
// with its fsyncs), about 10 ms on tmpfs, 60 ms on a disk under -race.
// $GP_UPGRADE_CASES sets the count (10 000 for the full property run).
func TestUpgradeNeverLosesAnEdit(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	rng := rand.New(rand.NewPCG(7, 11))
	n := upgradePropertyCases
	if testing.Short() {
		n = 200
	}
	if v := os.Getenv("GP_UPGRADE_CASES"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, "$GP_UPGRADE_CASES")
	}
	baseLines := make([]string, 30)
	for i := range baseLines {
		baseLines[i] = fmt.Sprintf("line %d", i)
	}
	mutate := func(tag string, from []string) []string {
		out := append([]string(nil), from...)
		for range 1 + rng.IntN(4) {
			i := rng.IntN(len(out))
			switch rng.IntN(3) {
			case 0:
				out[i] = fmt.Sprintf("%s edit %d", tag, rng.IntN(1000))
			case 1:
				out = append(out[:i], append([]string{fmt.Sprintf("%s insert %d", tag, rng.IntN(1000))}, out[i:]...)...)
			default:
				out = append(out[:i], out[i+1:]...)
			}
		}
		return out
	}
	join := func(ls []string) string {
		if len(ls) == 0 {
			return ""
		}
		return strings.Join(ls, "\n") + "\n"
	}
	items := []string{"a", "b", "c", "d", "e"}
	list := func(items []string) string {
		s := "name: svc\nitems:\n"
		for _, it := range items {
			s += "  - " + it + "\n"
		}
		return s + "port: 8080\n"
	}
	listUp := func() []string {
		out := slices.Clone(items)
		switch rng.IntN(3) {
		case 0:
			out = append(out, fmt.Sprintf("up%d", rng.IntN(100)))
		case 1:
			out[rng.IntN(len(out))] = fmt.Sprintf("up%d", rng.IntN(100))
		}
		return out
	}
	listDown := func() []string {
		out := slices.Clone(items)
		for range rng.IntN(3) {
			i := rng.IntN(len(out))
			out = slices.Delete(out, i, i+1)
		}
		return out
	}
	v1 := versioned(t, "1.0.0", ``, ``, map[string]string{"f.txt": join(baseLines), "list.yaml": list(items)})
	type upstream struct {
		v2, v3  *blueprint.Blueprint
		up, up3 []string
		upItems []string
	}
	pool := make([]upstream, 48)
	for k := range pool {
		u := &pool[k]
		u.up, u.upItems = mutate("up", baseLines), listUp()
		u.v2 = versioned(t, "2.0.0", ``, ``, map[string]string{"f.txt": join(u.up), "list.yaml": list(u.upItems)})
		u.up3 = mutate("up", u.up)
		u.v3 = versioned(t, "3.0.0", ``, ``, map[string]string{"f.txt": join(u.up3), "list.yaml": list(listUp())})
	}
	seed := project(t, e, v1)
	work := t.TempDir()
	// layout applies a random layout edit of the team to text: its line
	// endings, or trailing blanks on one line (never the first: the YAML
	// list's first line is the one checked). It returns the line ending.
	layout := func(text string) (string, string) {
		switch rng.IntN(6) {
		case 0: // the team's line endings
			return strings.ReplaceAll(text, "\n", "\r\n"), "\r\n"
		case 1: // trailing blanks
			ls := strings.SplitAfter(text, "\n")
			k := rng.IntN(len(ls))
			ls[k] = strings.Replace(ls[k], "\n", "  \n", 1)
			return strings.Join(ls, ""), "\n"
		case 2: // trailing blanks on the list's first line
			return strings.Replace(text, "\n", "  \n", 1), "\n"
		}
		return text, "\n"
	}
	conflicts, seconds, layouts := 0, 0, 0
	for i := range n {
		u := pool[rng.IntN(len(pool))]
		up, upItems, v2 := u.up, u.upItems, u.v2
		dir := filepath.Join(work, strconv.Itoa(i))
		require.NoError(t, os.CopyFS(dir, os.DirFS(seed)))
		down := mutate("down", baseLines)
		text, eol := layout(join(down))
		writeFile(t, filepath.Join(dir, "f.txt"), text, 0o644)
		kept := listDown()
		listText, listEOL := layout(list(kept))
		writeFile(t, filepath.Join(dir, "list.yaml"), listText, 0o644)
		opts := &render.UpgradeOptions{Base: v1}
		if i%4 == 3 {
			opts = &render.UpgradeOptions{WithoutBase: true} // a quarter without the recorded version
		}
		res, err := upgradeDir(ctx, e, dir, v2, opts)
		require.NoError(t, err, "case %d", i)
		check := func(res *render.UpgradeResult, down, up, baseItems, kept []string) {
			t.Helper()
			r := results(res)["f.txt"]
			out := readFile(t, filepath.Join(dir, "f.txt"))
			var inConflicts strings.Builder
			for _, c := range r.Conflicts {
				inConflicts.WriteString(c.Project)
			}
			for _, l := range down {
				if strings.HasPrefix(l, "down ") {
					assert.True(t, strings.Contains(out, l) || strings.Contains(inConflicts.String(), l),
						"case %d: %q lost (result %s)\nbase:\n%s\nupstream:\n%s\nproject:\n%s\nout:\n%s", i, l, r.Change, join(baseLines), join(up), join(down), out)
				}
			}
			if r.Change == render.Merged {
				for _, l := range up {
					if strings.HasPrefix(l, "up ") {
						assert.Contains(t, out, l+eol, "case %d: upstream line lost in a clean merge", i)
					}
				}
			}
			for _, p := range []string{"f.txt", "list.yaml"} {
				r := results(res)[p]
				out := readFile(t, filepath.Join(dir, p))
				if r.Change == render.Conflicted {
					assert.True(t, r.Markers, "case %d: %s: conflict without markers", i, p)
					assert.Contains(t, out, "<<<<<<< project", "case %d: %s", i, p)
				}
				if p != "list.yaml" {
					continue
				}
				if r.Change != render.Conflicted && listText != list(kept) {
					// The team's layout survives a merge without conflict.
					layouts++
					if listEOL == "\r\n" {
						assert.NotRegexp(t, "[^\r]\n", out, "case %d: list.yaml lost its CRLF line endings (result %s):\n%q", i, r.Change, out)
					}
					if first, _, _ := strings.Cut(listText, "\n"); strings.HasSuffix(first, "  ") {
						assert.True(t, strings.HasPrefix(out, first+"\n"), "case %d: list.yaml lost the trailing blanks of its first line (result %s):\n%q", i, r.Change, out)
					}
				}
				for _, project := range []bool{true, false} {
					var v any
					assert.NoError(t, yaml.Unmarshal([]byte(resolveMarkers(out, project)), &v), "case %d: list.yaml:\n%s", i, out)
				}
				if r.Change == render.Merged {
					var v struct{ Items []string }
					require.NoError(t, yaml.Unmarshal([]byte(out), &v))
					for _, it := range baseItems {
						if !slices.Contains(kept, it) {
							assert.NotContains(t, v.Items, it, "case %d: an item the project deleted is back", i)
						}
					}
				}
			}
		}
		check(res, down, up, items, kept)
		if res.Conflicts() == 0 {
			continue
		}
		conflicts++

		// A second upgrade is refused while the conflicts are there.
		up3, v3 := u.up3, u.v3
		before := tree(t, dir)
		_, err = upgradeDir(ctx, e, dir, v3, &render.UpgradeOptions{Base: v2})
		var ce *render.ConflictsError
		require.ErrorAs(t, err, &ce, "case %d", i)
		assert.Equal(t, before, tree(t, dir), "case %d", i)

		// The team keeps its side, and the next upgrade loses none of it.
		var resolved []string
		for _, f := range res.Files {
			if f.Change != render.Conflicted {
				continue
			}
			p := filepath.Join(dir, f.Path)
			writeFile(t, p, resolveMarkers(readFile(t, p), true), 0o644)
			resolved = append(resolved, f.Path)
		}
		require.NoError(t, resolveDir(dir, resolved...), "case %d", i)
		down = strings.Split(strings.TrimSuffix(strings.ReplaceAll(readFile(t, filepath.Join(dir, "f.txt")), "\r\n", "\n"), "\n"), "\n")
		kept = nil
		var v struct{ Items []string }
		require.NoError(t, yaml.Unmarshal([]byte(readFile(t, filepath.Join(dir, "list.yaml"))), &v))
		kept = v.Items
		// The layout the resolved file has is the team's now.
		listText, listEOL = readFile(t, filepath.Join(dir, "list.yaml")), "\n"
		if strings.Contains(listText, "\r\n") {
			listEOL = "\r\n"
		}
		res, err = upgradeDir(ctx, e, dir, v3, &render.UpgradeOptions{Base: v2})
		require.NoError(t, err, "case %d", i)
		var added []string // what 3.0.0 adds to 2.0.0
		for _, l := range up3 {
			if !slices.Contains(up, l) {
				added = append(added, l)
			}
		}
		check(res, down, added, upItems, kept)
		seconds++
	}
	t.Logf("%d cases, %d with conflicts upgraded again once resolved, %d YAML layout edits checked after a merge", n, seconds, layouts)
	assert.Positive(t, conflicts)
	assert.Positive(t, layouts)
}

// upgradePropertyCases is how many cases TestUpgradeNeverLosesAnEdit runs
// without -short: what fits in a minute under -race on two cores with the
// projects on a disk.
const upgradePropertyCases = 1_000

// TestUpgradeEvaluatesDecisions: the new version is held to the decisions
// in force, with the project's exceptions; the recorded version is only
// reproduced, never judged.
func TestUpgradeEvaluatesDecisions(t *testing.T) {
	ctx := context.Background()
	reg, err := decision.LoadDir(ctx, "../testdata/decisions", nil)
	require.NoError(t, err)
	after := func() time.Time { return time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC) } // ADR-0013 team-set is enforced
	v1, v2 := loadBP(t, goService), loadBP(t, goServiceV2)
	plain := newEngine(t, nil)
	dir := filepath.Join(t.TempDir(), "orders")
	_, err = plain.Render(ctx, v1, resolve(t, v1, blueprint.Set("name=orders")), dir, nil) // no team
	require.NoError(t, err)
	before := tree(t, dir)

	e := newEngine(t, &render.Options{Decisions: reg, Now: after})
	_, err = upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	var ee *decision.EnforcedError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "ADR-0013", ee.Enforced()[0].Decision)
	assert.Equal(t, before, tree(t, dir), "nothing written")

	// An active exception lets the upgrade through, recorded as exempt.
	writeFile(t, filepath.Join(dir, ".goldenpath", "exceptions.yaml"), `exceptions:
  - decision: ADR-0013
    rule: team-set
    justification: the team is being formed; named in the next reorganisation
    requested-by: jane.doe@acme.dev
    approved-by: aylin.demir
    expires: 2027-06-30
`, 0o644)
	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	require.NotNil(t, res.Decisions)
	assert.Equal(t, 1, res.Decisions.Count(decision.Exempt))
	m, err := render.ReadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, "2.0.0", m.Blueprint.Version)
}

// TestUpgradeMergesYAMLByStructure: keys on adjacent lines changed on
// different sides conflict line by line, and merge by structure.
func TestUpgradeMergesYAMLByStructure(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := versioned(t, "1.0.0", ``, ``, map[string]string{"values.yaml": "# service values\nreplicas: 2\nimage: app:1.0\nport: 8080\n"})
	v2 := versioned(t, "2.0.0", ``, ``, map[string]string{"values.yaml": "# service values\nreplicas: 2\nimage: app:2.0\nport: 8080\n"})
	dir := project(t, e, v1)
	writeFile(t, filepath.Join(dir, "values.yaml"), "# service values\nreplicas: 5\nimage: app:1.0\nport: 8080\n", 0o644)
	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	r := results(res)["values.yaml"]
	assert.Equal(t, render.Merged, r.Change)
	assert.True(t, r.Structured)
	assert.Equal(t, "# service values\nreplicas: 5\nimage: app:2.0\nport: 8080\n", readFile(t, filepath.Join(dir, "values.yaml")))
}

// TestUpgradeWithoutBase: when the recorded version is gone, the manifest's
// hashes still say what the project changed; nothing the team did is lost.
func TestUpgradeWithoutBase(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := versioned(t, "1.0.0", ``, `"m.txt": level: "managed"`, map[string]string{
		"a.txt": "one\ntwo\nthree\n", "b.txt": "b\n", "m.txt": "managed\n", "gone.txt": "bye\n", "kept.txt": "kept\n",
	})
	v2 := versioned(t, "2.0.0", ``, `"m.txt": level: "managed"`, map[string]string{
		"a.txt": "one (up)\ntwo\nthree\n", "b.txt": "b (up)\n", "m.txt": "managed 2\n", "kept.txt": "kept\n", "new.txt": "new\n",
	})
	dir := project(t, e, v1)
	writeFile(t, filepath.Join(dir, "a.txt"), "one\ntwo\nthree (down)\n", 0o644)
	writeFile(t, filepath.Join(dir, "m.txt"), "managed, edited\n", 0o644)

	// The recorded version given is not the one the manifest names.
	_, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v2})
	require.ErrorContains(t, err, "--without-base")

	res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{WithoutBase: true})
	require.NoError(t, err)
	got := results(res)
	assert.Equal(t, render.Conflicted, got["a.txt"].Change, "changed on both sides: no base to merge from")
	a := readFile(t, filepath.Join(dir, "a.txt"))
	assert.Contains(t, a, "three (down)\n")
	assert.Contains(t, a, "one (up)\n")
	assert.Equal(t, render.Updated, got["b.txt"].Change)
	assert.Equal(t, "b (up)\n", readFile(t, filepath.Join(dir, "b.txt")))
	assert.Equal(t, render.Overwritten, got["m.txt"].Change)
	assert.Equal(t, "managed, edited\n", readFile(t, filepath.Join(dir, filepath.FromSlash(got["m.txt"].Saved))))
	assert.Equal(t, render.Removed, got["gone.txt"].Change)
	assert.Equal(t, render.Unchanged, got["kept.txt"].Change)
	assert.Equal(t, render.Added, got["new.txt"].Change)
	assert.Contains(t, res.Migrations[0], "without the recorded version")
}
