package blueprint_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

func TestComposition(t *testing.T) {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../testdata/blueprints/demo-environment", nil)
	require.NoError(t, err)
	incs := bp.Includes()
	require.Len(t, incs, 2)
	assert.Equal(t, "service", incs[0].Name)
	assert.Equal(t, "go-service", incs[0].Blueprint.Name)
	assert.Equal(t, "service", incs[0].Dir)
	assert.Equal(t, "preview-environment", incs[1].Blueprint.Name)

	p, err := bp.Resolve(ctx, blueprint.Set("name=orders", "team=payments", "mergeRequest=42"))
	require.NoError(t, err)
	parts := p.Parts()
	require.Len(t, parts, 3)
	assert.Equal(t, "", parts[0].Name)
	assert.Same(t, bp, parts[0].Blueprint)
	assert.Equal(t, []string{"", "service", "preview"}, []string{parts[0].Dir, parts[1].Dir, parts[2].Dir})
	svc, prev := parts[1].Params, parts[2].Params
	v, _ := svc.Lookup("name")
	assert.Equal(t, "orders", v)
	v, _ = svc.Lookup("database")
	assert.Equal(t, "postgres", v, "demo-environment's default flows into the include")
	v, _ = svc.Lookup("tier")
	assert.Equal(t, "dev", v, "unmapped parameters keep the included default")
	v, _ = prev.Lookup("host")
	assert.Equal(t, "orders-mr42.preview.acme.dev", v, "the include's derived values are its own")

	// The digest covers the included blueprints.
	own, err := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service", nil)
	require.NoError(t, err)
	assert.Equal(t, own.Digest, incs[0].Blueprint.Digest)

	// An input the include rejects is reported under the include's path.
	_, err = bp.Resolve(ctx, blueprint.Set("name=orders", "team=payments", "ttl=500h"))
	var ve *blueprint.ValidationError
	require.ErrorAs(t, err, &ve)
	f, ok := ve.Field("include.preview.with.ttl")
	require.True(t, ok, "%v", err)
	assert.Contains(t, f.Message, "between 1h and 168h")
}

// writeParent writes a blueprint that includes the go-service example with
// the given include body.
func writeParent(t *testing.T, include string) string {
	t.Helper()
	goService, err := filepath.Abs("../testdata/blueprints/go-service")
	require.NoError(t, err)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "blueprint.cue"), `name: "parent"
version: "1.0.0"
description: "includes go-service"
owner: "platform"
parameters: {
	name: string
	replicas: int & >=12 | *12
}
include: svc: {
	source: "`+goService+`"
`+include+`
}
`)
	return dir
}

func TestCompositionStaticChecks(t *testing.T) {
	ctx := context.Background()
	// A constant the included schema can never accept.
	_, err := blueprint.LoadDir(ctx, writeParent(t, `with: {name: parameters.name, tier: "staging"}`), nil)
	var ve *blueprint.ValidationError
	require.ErrorAs(t, err, &ve)
	f, ok := ve.Field("include.svc.with.tier")
	require.True(t, ok, "%v", err)
	require.NotNil(t, f.Input, "the mapping's position")
	assert.Equal(t, "blueprint.cue", filepath.Base(f.Input.Filename))
	assert.Equal(t, 11, f.Input.Line)
	require.NotEmpty(t, f.Schema, "the included constraint's position")
	assert.Equal(t, "go-service", filepath.Base(filepath.Dir(f.Schema[0].Filename)))
	assert.Contains(t, f.Message, `must be one of "dev", "prod" (got "staging")`)

	// Constraints that cannot hold together: >=12 here, <=10 there.
	_, err = blueprint.LoadDir(ctx, writeParent(t, `with: {name: parameters.name, replicas: parameters.replicas}`), nil)
	require.ErrorAs(t, err, &ve)
	f, ok = ve.Field("include.svc.with.replicas")
	require.True(t, ok, "%v", err)
	require.NotNil(t, f.Input, "%v", f)
	assert.NotEmpty(t, f.Schema, "%v", f)

	// Unknown names, and required parameters left unmapped.
	_, err = blueprint.LoadDir(ctx, writeParent(t, `with: {nme: parameters.name}`), nil)
	require.ErrorAs(t, err, &ve)
	f, ok = ve.Field("include.svc.with.nme")
	require.True(t, ok, "%v", err)
	assert.Contains(t, f.Message, "go-service has no parameter nme (known: database, goVersion, name,")
	f, ok = ve.Field("include.svc.with")
	require.True(t, ok, "%v", err)
	assert.Equal(t, "go-service needs parameter name: map it in with", f.Message)

	// A path that leaves the project.
	_, err = blueprint.LoadDir(ctx, writeParent(t, `with: {name: parameters.name}
path: "../out"`), nil)
	require.ErrorAs(t, err, &ve)
	_, ok = ve.Field("include.svc.path")
	assert.True(t, ok, "%v", err)
}

func TestCompositionCycle(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"a", "b"} {
		other := map[string]string{"a": "b", "b": "a"}[n]
		write(t, filepath.Join(root, n, "blueprint.cue"), `name: "`+n+`"
version: "1.0.0"
description: "cycle"
owner: "x"
parameters: {}
include: other: source: "../`+other+`"
`)
	}
	_, err := blueprint.LoadDir(context.Background(), filepath.Join(root, "a"), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "include cycle: "+filepath.Join(root, "a")+" -> "+filepath.Join(root, "b")+" -> "+filepath.Join(root, "a"))
	assert.Contains(t, err.Error(), "blueprint.cue:6:")
}

func TestCompositionFromGit(t *testing.T) {
	ctx := context.Background()
	repo := gitRepoOf(t, "demo-environment", "go-service", "preview-environment")
	s := localSources(t)
	bp, err := blueprint.Load(ctx, "git::file://"+repo+"//blueprints/demo-environment?ref=v1.0.0", &blueprint.Options{Fetcher: s})
	require.NoError(t, err)
	incs := bp.Includes()
	require.Len(t, incs, 2)
	assert.Equal(t, "git::file://"+repo+"//blueprints/go-service?ref="+bp.Revision, incs[0].Blueprint.Source,
		"a relative include is the same repository at the same commit")
	assert.Equal(t, bp.Revision, incs[0].Blueprint.Revision)
	local, err := blueprint.LoadDir(ctx, "../testdata/blueprints/demo-environment", nil)
	require.NoError(t, err)
	assert.Equal(t, local.Digest, bp.Digest)
}

func TestFetchedBlueprintCannotIncludeLocalPaths(t *testing.T) {
	ctx := context.Background()
	secret := writeBlueprint(t, serviceCUE)
	evil := func(include string) map[string]string {
		return map[string]string{"blueprint.cue": `name: "evil"
version: "1.0.0"
description: "reaches for the disk"
owner: "x"
parameters: {}
include: loot: source: "` + include + `"
`}
	}
	// Where a hostile blueprint comes from: every scheme the fetcher has.
	from := map[string]func(t *testing.T, files map[string]string) string{
		"https archive": func(t *testing.T, files map[string]string) string { return newTarServer(t, files) + "/evil.tar.gz" },
		"file:// archive": func(t *testing.T, files map[string]string) string {
			srv := newTarServer(t, files)
			resp, err := http.Get(srv + "/evil.tar.gz")
			require.NoError(t, err)
			defer resp.Body.Close()
			data, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			p := filepath.Join(t.TempDir(), "evil.tar.gz")
			require.NoError(t, os.WriteFile(p, data, 0o644))
			return "file://" + p
		},
		"git::file://": func(t *testing.T, files map[string]string) string {
			repo := filepath.Join(t.TempDir(), "repo")
			for n, c := range files {
				write(t, filepath.Join(repo, n), c)
			}
			for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "x"}, {"tag", "v1.0.0"}} {
				runGit(t, repo, args...)
			}
			return "git::file://" + repo + "?ref=v1.0.0"
		},
	}
	includes := map[string]string{
		"an absolute path":     secret,
		"file://":              "file://" + secret,
		"git::file://":         "git::file://" + secret + "?ref=v1.0.0",
		"a forced file getter": "file::" + secret,
	}
	for fname, src := range from {
		for iname, include := range includes {
			t.Run(fname+" includes "+iname, func(t *testing.T) {
				s, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: filepath.Join(t.TempDir(), "c")})
				require.NoError(t, err)
				_, err = blueprint.Load(ctx, src(t, evil(include)), &blueprint.Options{Fetcher: s})
				require.Error(t, err)
				assert.Contains(t, err.Error(), "a fetched blueprint may not include the local source")
				assert.False(t, strings.Contains(err.Error(), "svc"), "nothing of the local blueprint was read")
			})
		}
		t.Run(fname+" includes a relative path that leaves it", func(t *testing.T) {
			s, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: filepath.Join(t.TempDir(), "c")})
			require.NoError(t, err)
			_, err = blueprint.Load(ctx, src(t, evil("../../../../../../../../"+secret)), &blueprint.Options{Fetcher: s})
			require.Error(t, err)
			assert.False(t, strings.Contains(err.Error(), "svc"), "nothing of the local blueprint was read")
			t.Log(err)
		})
	}
}
