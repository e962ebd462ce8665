package render_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

const goService = "../testdata/blueprints/go-service"

func loadBP(t testing.TB, dir string) *blueprint.Blueprint {
	t.Helper()
	b, err := blueprint.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	return b
}

func resolve(t testing.TB, b *blueprint.Blueprint, inputs ...blueprint.Input) *blueprint.Params {
	t.Helper()
	p, err := b.Resolve(context.Background(), inputs...)
	require.NoError(t, err)
	return p
}

func newEngine(t testing.TB, opts *render.Options) *render.Engine {
	t.Helper()
	e, err := render.New(opts)
	require.NoError(t, err)
	return e
}

// tree reads every file under dir into a map of slash paths to contents.
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." {
				out[rel+"/"] = ""
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = string(b)
		return nil
	}))
	return out
}

func writeFile(t testing.TB, path, content string, mode fs.FileMode) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), mode))
}

// miniBlueprint writes a blueprint with the given extra blueprint.cue text
// and template files.
func miniBlueprint(t testing.TB, extra string, files map[string]string) *blueprint.Blueprint {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "blueprint.cue"), `name: "mini"
version: "1.0.0"
description: "a small blueprint"
owner: "platform"
parameters: {
	name: string | *"demo"
	flag: bool | *false
	n: int | *1
}
`+extra, 0o644)
	for p, c := range files {
		mode := fs.FileMode(0o644)
		if strings.HasSuffix(p, ".sh") || strings.HasSuffix(p, ".sh.tmpl") {
			mode = 0o755
		}
		writeFile(t, filepath.Join(dir, "template", filepath.FromSlash(p)), c, mode)
	}
	return loadBP(t, dir)
}

func TestRenderGoService(t *testing.T) {
	ctx := context.Background()
	bp := loadBP(t, goService)
	params := resolve(t, bp, blueprint.ValuesFile("../testdata/values/go-service-prod.yaml"))
	e := newEngine(t, nil)
	dir := filepath.Join(t.TempDir(), "orders")
	plan, err := e.Render(ctx, bp, params, dir, nil)
	require.NoError(t, err)

	levels := plan.Levels()
	assert.Positive(t, levels[blueprint.Managed])
	assert.Positive(t, levels[blueprint.Shared])
	assert.Positive(t, levels[blueprint.Seeded])

	m, err := render.ReadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, plan.Manifest, m)
	assert.Equal(t, "go-service", m.Blueprint.Name)
	assert.Equal(t, bp.Digest, m.Blueprint.Digest)
	assert.JSONEq(t, `{"database":"postgres","goVersion":"1.25","name":"orders","port":8080,"registry":"ghcr.io/acme","replicas":3,"team":"payments-core","tier":"prod"}`, string(m.Parameters))
	assert.Equal(t, []render.DecisionRef{{ID: "ADR-0001"}, {ID: "ADR-0007"}, {ID: "ADR-0012"}}, m.Decisions)

	byPath := map[string]render.File{}
	for _, f := range m.Files {
		byPath[f.Path] = f
	}
	assert.Equal(t, blueprint.Managed, byPath["Dockerfile"].Level)
	assert.Equal(t, "template", byPath["Dockerfile"].Renderer)
	assert.Equal(t, blueprint.Seeded, byPath["README.md"].Level)
	assert.Equal(t, "copy", byPath[".github/workflows/ci.yml"].Renderer)
	assert.Equal(t, "cmd/{{.name}}/main.go.tmpl", byPath["cmd/orders/main.go"].Template)
	assert.Contains(t, byPath, "deploy/postgres/statefulset.yaml")

	got := tree(t, dir)
	for _, f := range m.Files {
		content, ok := got[f.Path]
		require.True(t, ok, f.Path)
		assert.Equal(t, f.Size, int64(len(content)), f.Path)
	}
	assert.Contains(t, got["deploy/k8s/deployment.yaml"], "replicas: 3")
	assert.Contains(t, got, "docs/adr/", "declared empty directory")
	workflow, err := os.ReadFile(filepath.Join(goService, "template", ".github", "workflows", "ci.yml"))
	require.NoError(t, err)
	assert.Equal(t, string(workflow), got[".github/workflows/ci.yml"], "verbatim files are copied byte for byte")
	assertNoStaging(t, dir)
}

func assertNoStaging(t *testing.T, dir string) {
	t.Helper()
	siblings, err := filepath.Glob(filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".goldenpath-*"))
	require.NoError(t, err)
	assert.Empty(t, siblings, "staging directories left next to the target")
	inner, _ := filepath.Glob(filepath.Join(dir, ".goldenpath", "staging-*"))
	assert.Empty(t, inner, "staging directories left in the project")
	_, err = os.Stat(filepath.Join(dir, ".goldenpath", "journal.json"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestRenderDeterministic(t *testing.T) {
	ctx := context.Background()
	bp := loadBP(t, goService)
	params := resolve(t, bp, blueprint.ValuesFile("../testdata/values/go-service-prod.yaml"))
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	_, err := newEngine(t, nil).Render(ctx, bp, params, a, nil)
	require.NoError(t, err)
	// Another engine, another parse, one file at a time: the same bytes.
	_, err = newEngine(t, &render.Options{Concurrency: 1, TemplateCacheBytes: -1}).Render(ctx, bp, params, b, nil)
	require.NoError(t, err)
	assert.Equal(t, tree(t, a), tree(t, b))
}

func TestPlanWritesNothing(t *testing.T) {
	bp := loadBP(t, goService)
	params := resolve(t, bp, blueprint.Set("name=orders"))
	parent := t.TempDir()
	plan, err := newEngine(t, nil).Plan(context.Background(), bp, params)
	require.NoError(t, err)
	assert.NotEmpty(t, plan.Manifest.Files)
	assert.NotContains(t, sortedPaths(plan), "deploy/postgres/statefulset.yaml", "conditional files follow the parameters")
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func sortedPaths(p *render.Plan) []string {
	var out []string
	for _, f := range p.Manifest.Files {
		out = append(out, f.Path)
	}
	sort.Strings(out)
	return out
}

func TestApplyVerifiesThePlan(t *testing.T) {
	ctx := context.Background()
	bp := loadBP(t, goService)
	params := resolve(t, bp, blueprint.Set("name=orders"))
	e := newEngine(t, nil)
	plan, err := e.Plan(ctx, bp, params)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "p")
	require.NoError(t, e.Apply(ctx, plan, dir, nil))
	m, err := render.ReadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, plan.Manifest, m)

	// A plan whose hashes no longer match what renders is refused.
	tampered := *plan.Manifest
	tampered.Files = append([]render.File(nil), plan.Manifest.Files...)
	tampered.Files[0].SHA256 = strings.Repeat("0", 64)
	plan.Manifest = &tampered
	other := filepath.Join(t.TempDir(), "q")
	err = e.Apply(ctx, plan, other, nil)
	require.ErrorContains(t, err, "differs from the plan")
	_, err = os.Stat(other)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assertNoStaging(t, other)
}

func TestRenderFailureLeavesNothing(t *testing.T) {
	bp := miniBlueprint(t, "", map[string]string{
		"a.txt.tmpl": "ok {{.name}}\n",
		"b.txt.tmpl": "{{.name | nosuchfunc}}\n",
	})
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	_, err := newEngine(t, nil).Render(context.Background(), bp, resolve(t, bp), dir, nil)
	var re *render.RenderError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "b.txt.tmpl", re.Path)
	assert.Contains(t, err.Error(), `function "nosuchfunc" not defined`)
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	assert.Empty(t, entries, "no target and no staging directory")

	// An execution error in an existing project leaves it untouched.
	good := miniBlueprint(t, "", map[string]string{"a.txt.tmpl": "ok {{.name}}\n"})
	_, err = newEngine(t, nil).Render(context.Background(), good, resolve(t, good), dir, nil)
	require.NoError(t, err)
	before := tree(t, dir)
	bad := miniBlueprint(t, "", map[string]string{"a.txt.tmpl": "changed {{.name}}\n", "c.txt.tmpl": "{{index .name 99}}"})
	_, err = newEngine(t, nil).Render(context.Background(), bad, resolve(t, bad), dir, nil)
	require.Error(t, err)
	assert.Equal(t, before, tree(t, dir))
	assertNoStaging(t, dir)
}

func TestRenderHonoursCancellation(t *testing.T) {
	bp := loadBP(t, goService)
	params := resolve(t, bp, blueprint.Set("name=orders"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	parent := t.TempDir()
	_, err := newEngine(t, nil).Render(ctx, bp, params, filepath.Join(parent, "out"), nil)
	require.ErrorIs(t, err, context.Canceled)
	entries, _ := os.ReadDir(parent)
	assert.Empty(t, entries)
}

func TestRenderPathsAndModes(t *testing.T) {
	bp := miniBlueprint(t, `
files: "opt/**": include: parameters.flag
dirs: ["data/{{.name}}", "logs"]
`, map[string]string{
		"{{.name}}/{{.name | upper}}.txt.tmpl": "{{.name}} {{.n}}\n",
		"bin/run.sh":                           "#!/bin/sh\necho {{.name}}\n",
		"bin/gen.sh.tmpl":                      "#!/bin/sh\necho {{.name}}\n",
		"opt/extra.txt":                        "extra\n",
		"img/logo.png.tmpl":                    "\x89PNG\x00{{.name}}\x00",
		"plain.tmpl":                           "literal .tmpl name stays? {{.name}}\n",
	})
	dir := filepath.Join(t.TempDir(), "out")
	params := resolve(t, bp, blueprint.Set("name=svc"))
	_, err := newEngine(t, nil).Render(context.Background(), bp, params, dir, nil)
	require.NoError(t, err)
	got := tree(t, dir)
	assert.Equal(t, "svc 1\n", got["svc/SVC.txt"])
	assert.Equal(t, "#!/bin/sh\necho {{.name}}\n", got["bin/run.sh"], "files without .tmpl are copied")
	assert.Equal(t, "#!/bin/sh\necho svc\n", got["bin/gen.sh"])
	assert.Equal(t, "\x89PNG\x00{{.name}}\x00", got["img/logo.png"], "binary files are never templated")
	assert.Equal(t, "literal .tmpl name stays? svc\n", got["plain"])
	assert.NotContains(t, got, "opt/extra.txt")
	assert.Contains(t, got, "data/svc/")
	assert.Contains(t, got, "logs/")
	for p, want := range map[string]fs.FileMode{"bin/run.sh": 0o755, "bin/gen.sh": 0o755, "svc/SVC.txt": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, p))
		require.NoError(t, err)
		assert.Equal(t, want, fi.Mode().Perm(), p)
	}
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o755), fi.Mode().Perm())

	params = resolve(t, bp, blueprint.Set("name=svc", "flag=true"))
	plan, err := newEngine(t, nil).Plan(context.Background(), bp, params)
	require.NoError(t, err)
	assert.Contains(t, sortedPaths(plan), "opt/extra.txt")
}

func TestRenderRefusesEscapingPaths(t *testing.T) {
	for name, tc := range map[string]struct {
		file, set, want string
	}{
		"dotdot segment":   {"{{.name}}/x.txt", "name=..", "not a clean relative path"},
		"slash in segment": {"{{.name}}.txt", "name=a/b", "may not add or remove path segments"},
		"empty segment":    {"{{.name}}/x.txt", "name=", "not a clean relative path"},
		"git dir":          {"{{.name}}/hooks/post-checkout", "name=.git", ".git directory"},
		"state dir":        {"{{.name}}/manifest.json", "name=.goldenpath", "goldenpath owns"},
		"backslash":        {"{{.name}}.txt", `name=..\..\x`, "backslash"},
	} {
		t.Run(name, func(t *testing.T) {
			bp := miniBlueprint(t, "", map[string]string{tc.file: "x"})
			parent := t.TempDir()
			_, err := newEngine(t, nil).Render(context.Background(), bp, resolve(t, bp, blueprint.Set(tc.set)), filepath.Join(parent, "out"), nil)
			require.ErrorContains(t, err, tc.want)
			entries, _ := os.ReadDir(parent)
			assert.Empty(t, entries)
		})
	}
}

func TestRenderLimits(t *testing.T) {
	bp := miniBlueprint(t, "", map[string]string{
		"a.txt.tmpl": "{{range 2000}}0123456789{{end}}",
		"b.txt":      "b",
		"c.txt":      "c",
	})
	params := resolve(t, bp)
	for name, opts := range map[string]*render.Options{
		"files":      {MaxFiles: 2},
		"file bytes": {MaxFileBytes: 1000},
		"all bytes":  {MaxBytes: 15000, MaxFileBytes: 1 << 20},
	} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			_, err := newEngine(t, opts).Render(context.Background(), bp, params, filepath.Join(parent, "out"), nil)
			require.ErrorIs(t, err, render.ErrLimit)
			entries, _ := os.ReadDir(parent)
			assert.Empty(t, entries)
		})
	}
}

func TestRenderIntoExistingDirectories(t *testing.T) {
	ctx := context.Background()
	bp := miniBlueprint(t, `files: {
	"seed.txt*": level: "seeded"
	"managed.txt*": level: "managed"
}
`, map[string]string{
		"managed.txt.tmpl": "managed {{.name}}\n",
		"shared.txt.tmpl":  "shared {{.name}}\n",
		"seed.txt.tmpl":    "seed {{.name}}\n",
	})
	e := newEngine(t, nil)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mine.txt"), "the team's\n", 0o644)

	_, err := e.Render(ctx, bp, resolve(t, bp), dir, nil)
	require.ErrorIs(t, err, render.ErrNotProject)
	assert.Equal(t, map[string]string{"mine.txt": "the team's\n"}, tree(t, dir))

	_, err = e.Render(ctx, bp, resolve(t, bp), dir, &render.ApplyOptions{Force: true})
	require.NoError(t, err)
	got := tree(t, dir)
	assert.Equal(t, "the team's\n", got["mine.txt"], "files the blueprint does not produce are kept")
	assert.Equal(t, "shared demo\n", got["shared.txt"])

	// The team edits files; a re-render with new parameters updates the
	// untouched ones, keeps seeded ones, and refuses to overwrite edits.
	writeFile(t, filepath.Join(dir, "seed.txt"), "seed, edited\n", 0o644)
	writeFile(t, filepath.Join(dir, "shared.txt"), "shared, edited\n", 0o644)
	before := tree(t, dir)
	_, err = e.Render(ctx, bp, resolve(t, bp, blueprint.Set("name=next")), dir, nil)
	var ee *render.EditedError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, []string{"shared.txt"}, ee.Paths)
	assert.Equal(t, before, tree(t, dir), "nothing written")
	assertNoStaging(t, dir)

	_, err = e.Render(ctx, bp, resolve(t, bp, blueprint.Set("name=next")), dir, &render.ApplyOptions{Force: true})
	require.NoError(t, err)
	got = tree(t, dir)
	assert.Equal(t, "managed next\n", got["managed.txt"])
	assert.Equal(t, "shared next\n", got["shared.txt"])
	assert.Equal(t, "seed, edited\n", got["seed.txt"], "seeded files are never touched")
	var saved []string
	for p, c := range got {
		if strings.HasPrefix(p, ".goldenpath/overwritten/") && c == "shared, edited\n" {
			saved = append(saved, p)
		}
	}
	assert.Len(t, saved, 1, "the overwritten edit is kept")
	assertNoStaging(t, dir)
}

func TestRenderRemovesFilesDroppedUpstream(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	bp := miniBlueprint(t, `files: "gone/**": include: parameters.flag
files: "kept/**": include: parameters.flag
`, map[string]string{"a.txt": "a", "gone/deep/x.txt": "x", "kept/y.txt": "y"})
	dir := t.TempDir() + "/p"
	_, err := e.Render(ctx, bp, resolve(t, bp, blueprint.Set("flag=true")), dir, nil)
	require.NoError(t, err)
	writeFile(t, filepath.Join(dir, "kept", "y.txt"), "y, edited", 0o644)
	_, err = e.Render(ctx, bp, resolve(t, bp, blueprint.Set("flag=false")), dir, nil)
	require.NoError(t, err)
	got := tree(t, dir)
	assert.NotContains(t, got, "gone/deep/x.txt")
	assert.NotContains(t, got, "gone/", "emptied directories are removed")
	assert.Equal(t, "y, edited", got["kept/y.txt"], "an edited file is never removed")
	m, err := render.ReadManifest(dir)
	require.NoError(t, err)
	_, ok := m.File("kept/y.txt")
	assert.False(t, ok)
}

func TestRenderNeverWritesThroughSymlinks(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	bp := miniBlueprint(t, "", map[string]string{"deploy/x.txt": "x", "a.txt": "a"})
	dir := t.TempDir() + "/p"
	_, err := e.Render(ctx, bp, resolve(t, bp), dir, nil)
	require.NoError(t, err)
	// The team (or an attacker) replaces deploy/ by a link out of the project.
	outside := t.TempDir()
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "deploy")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "deploy")))
	_, err = e.Render(ctx, bp, resolve(t, bp, blueprint.Set("name=other")), dir, &render.ApplyOptions{Force: true})
	require.Error(t, err)
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing written outside the project")
}

func TestCustomRenderers(t *testing.T) {
	upper := render.RendererFunc(func(ctx context.Context, w io.Writer, in *render.Request) error {
		_, err := w.Write(bytes.ToUpper(in.Source))
		return err
	})
	e := newEngine(t, &render.Options{
		Renderers: map[string]render.Renderer{"upper": upper},
		Suffixes:  []render.Suffix{{Suffix: ".up", Renderer: "upper", Replace: ".txt"}},
	})
	bp := miniBlueprint(t, `files: "shout/**": renderer: "upper"
`, map[string]string{"a.up": "hello\n", "shout/b.md": "hi\n", "c.txt": "as is\n"})
	dir := t.TempDir() + "/p"
	plan, err := e.Render(context.Background(), bp, resolve(t, bp), dir, nil)
	require.NoError(t, err)
	got := tree(t, dir)
	assert.Equal(t, "HELLO\n", got["a.txt"])
	assert.Equal(t, "HI\n", got["shout/b.md"])
	assert.Equal(t, "as is\n", got["c.txt"])
	f, _ := plan.Manifest.File("a.txt")
	assert.Equal(t, "upper", f.Renderer)

	_, err = render.New(&render.Options{Suffixes: []render.Suffix{{Suffix: ".x", Renderer: "nope"}}})
	assert.ErrorContains(t, err, `unknown renderer "nope"`)
	bad := miniBlueprint(t, `files: "*": renderer: "nope"
`, map[string]string{"a": "a"})
	_, err = newEngine(t, nil).Plan(context.Background(), bad, resolve(t, bad))
	assert.ErrorContains(t, err, `unknown renderer "nope" (known: copy, template)`)
	var ure *blueprint.UnknownRendererError
	require.ErrorAs(t, err, &ure)
	assert.Equal(t, "*", ure.Glob)
	assert.Equal(t, "nope", ure.Renderer)
	assert.Positive(t, ure.Pos.Line)
	assert.Contains(t, err.Error(), "blueprint.cue:"+strconv.Itoa(ure.Pos.Line)+":")
	assert.Equal(t, []string{"copy", "template", "upper"}, e.Renderers())
}

func TestTwoTemplatesOnePath(t *testing.T) {
	bp := miniBlueprint(t, "", map[string]string{"a.txt": "a", "a.txt.tmpl": "b"})
	_, err := newEngine(t, nil).Plan(context.Background(), bp, resolve(t, bp))
	assert.ErrorContains(t, err, "a.txt and a.txt.tmpl both render to a.txt")
}

func TestRebuild(t *testing.T) {
	ctx := context.Background()
	bp := loadBP(t, goService)
	e := newEngine(t, nil)
	dir := filepath.Join(t.TempDir(), "orders")
	_, err := e.Render(ctx, bp, resolve(t, bp, blueprint.ValuesFile("../testdata/values/go-service-prod.yaml")), dir, nil)
	require.NoError(t, err)
	// The team edits a shared and a seeded file; the rebuild reproduces
	// what goldenpath wrote, byte for byte.
	writeFile(t, filepath.Join(dir, "README.md"), "ours\n", 0o644)
	writeFile(t, filepath.Join(dir, "Makefile"), "edited\n", 0o644)
	plan, err := rebuildDir(ctx, newEngine(t, nil), loadBP(t, goService), dir)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "rebuilt")
	require.NoError(t, e.Apply(ctx, plan, out, nil))
	m, err := render.ReadManifest(dir)
	require.NoError(t, err)
	rebuilt := tree(t, out)
	for _, f := range m.Files {
		if f.Level == blueprint.Seeded {
			continue
		}
		sum, _ := sha(rebuilt[f.Path])
		assert.Equal(t, f.SHA256, sum, f.Path)
	}
	original, err := os.ReadFile(filepath.Join(dir, render.ManifestPath))
	require.NoError(t, err)
	assert.Equal(t, string(original), rebuilt[render.ManifestPath], "the manifest is rebuilt byte for byte")

	other := miniBlueprint(t, "", map[string]string{"a": "a"})
	_, err = rebuildDir(ctx, e, other, dir)
	assert.ErrorContains(t, err, "the manifest records go-service 1.4.0")
}

func TestReadManifestRejectsBadManifests(t *testing.T) {
	good := `{"schema":1,"generator":"g","blueprint":{"name":"a","version":"1.0.0","source":"s","digest":"d"},"parameters":{},"decisions":[],"files":[{"path":"a.txt","template":"a.txt","renderer":"copy","level":"shared","mode":"0644","size":1,"sha256":"` + strings.Repeat("a", 64) + `"}]}`
	_, err := render.DecodeManifest(strings.NewReader(good))
	require.NoError(t, err)
	for name, tc := range map[string]struct{ from, to string }{
		"schema":        {`"schema":1`, `"schema":2`},
		"escaping path": {`"path":"a.txt"`, `"path":"../a.txt"`},
		"absolute path": {`"path":"a.txt"`, `"path":"/etc/passwd"`},
		"state dir":     {`"path":"a.txt"`, `"path":".goldenpath/journal.json"`},
		"hash":          {strings.Repeat("a", 64), "zz"},
		"level":         {`"level":"shared"`, `"level":"mine"`},
		"mode":          {`"mode":"0644"`, `"mode":"9999"`},
		"unknown field": {`"generator":"g"`, `"generator":"g","extra":1`},
		"parameters":    {`"parameters":{}`, `"parameters":[]`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := render.DecodeManifest(strings.NewReader(strings.Replace(good, tc.from, tc.to, 1)))
			assert.True(t, errors.Is(err, render.ErrManifest), "%v", err)
		})
	}
}

func sha(s string) (string, error) {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:]), nil
}

// TestRenderStopsLoopsThatDoNotEnd: nested ranges over constants are refused
// before anything runs; loops over data are stopped by FileTimeout, writing
// output or not, and the render leaves nothing.
func TestRenderStopsLoopsThatDoNotEnd(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, &render.Options{FileTimeout: 50 * time.Millisecond})
	bp := miniBlueprint(t, "", map[string]string{"spin.txt.tmpl": "ok\n{{range 5000}}{{range 5000}}x{{end}}{{end}}"})
	_, err := e.Plan(ctx, bp, resolve(t, bp))
	var re *render.RenderError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "spin.txt.tmpl:2:")
	assert.Contains(t, err.Error(), "loop more than 10000000 times")

	list := make([]any, 2000)
	for i := range list {
		list[i] = i
	}
	for _, body := range []string{"{{range $.l}}{{range $.l}}{{end}}{{end}}", "{{range $.l}}{{range $.l}}x{{end}}{{end}}"} {
		bp := miniBlueprint(t, "parameters: l: [...int]\n", map[string]string{"spin.txt.tmpl": body})
		dir := filepath.Join(t.TempDir(), "out")
		_, err := e.Render(ctx, bp, resolve(t, bp, blueprint.ValuesMap(map[string]any{"l": list})), dir, nil)
		require.ErrorIs(t, err, render.ErrLimit, body)
		assert.Contains(t, err.Error(), "rendering took longer than 50ms")
		assert.NoDirExists(t, dir)
	}
}
