package blueprint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

func TestLoadErrorsHavePositions(t *testing.T) {
	cases := []struct {
		name string
		cue  string
		want []string // substrings of the error, in order of the fields
	}{
		{
			name: "syntax",
			cue:  "name: \"x\"\nversion: \"1.0.0\"\nparameters: {\n\ta: int &\n}\n",
			want: []string{"blueprint.cue:5:1: "},
		},
		{
			name: "meta-schema",
			cue: `name: "Bad Name"
version: "1.0"
description: "d"
owner: "o"
parameters: {}
`,
			want: []string{
				"blueprint.cue:1:7: name: name must be a DNS label",
				"blueprint.cue:2:10: version: version must be a semantic version such as 1.4.0",
			},
		},
		{
			name: "unknown top-level field",
			cue:  "name: \"a\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: {}\nparamters: {}\n",
			want: []string{"blueprint.cue:6:1: paramters: unknown field"},
		},
		{
			name: "missing fields",
			cue:  "name: \"a\"\nparameters: {}\n",
			want: []string{"version: required", "description: required", "owner: required"},
		},
		{
			name: "missing parameters",
			cue:  "name: \"a\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\n",
			want: []string{"parameters: required"},
		},
		{
			name: "bad level",
			cue:  "name: \"a\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: {}\nfiles: \"x\": level: \"mine\"\n",
			want: []string{`blueprint.cue:6:20: files.x.level: must be one of "managed", "seeded", "shared" (got "mine")`},
		},
		{
			name: "bad glob",
			cue:  "name: \"a\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: {}\nfiles: \"../x\": level: \"managed\"\n",
			want: []string{"files.../x: \"../x\" has an empty"},
		},
		{
			name: "derived shadows parameter",
			cue:  "name: \"a\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: {x: int}\nderived: x: 1\n",
			want: []string{"blueprint.cue:6:10: derived.x: has the name of a parameter"},
		},
		{
			name: "conflict in schema",
			cue:  "name: \"a\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: {x: int & string}\n",
			want: []string{"parameters.x: conflicting values int and string"},
		},
		{
			name: "escaping dir",
			cue:  "name: \"a\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: {}\ndirs: [\"../out\"]\n",
			want: []string{"dirs: \"../out\" is not a clean relative path"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeBlueprint(t, tc.cue)
			_, err := blueprint.LoadDir(context.Background(), dir, nil)
			ve := validationError(t, err)
			msg := ve.Error()
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.Equal(t, dir, ve.Blueprint)
			assert.NotContains(t, msg, "goldenpath:schema.cue", "the meta-schema's own positions are not shown")
			assert.NotContains(t, msg, "#Blueprint")
			for _, f := range ve.Fields {
				assert.True(t, strings.HasPrefix(f.String(), filepath.Join(dir, "blueprint.cue")), "every error points into blueprint.cue: %s", f)
			}
		})
	}
}

func TestLoadRefusesSymlinks(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	write(t, secret, "do not read")
	elsewhere := writeBlueprint(t, serviceCUE)
	cases := map[string]struct {
		link   func(dir string) string // makes the symlink, returns the directory to load
		naming string
	}{
		"a template file": {func(dir string) string {
			require.NoError(t, os.Symlink(secret, filepath.Join(dir, "template", "link")))
			return dir
		}, "template/link is a symlink"},
		"a directory under template/": {func(dir string) string {
			require.NoError(t, os.Symlink(outside, filepath.Join(dir, "template", "sub")))
			return dir
		}, "template/sub is a symlink"},
		"template/": {func(dir string) string {
			require.NoError(t, os.RemoveAll(filepath.Join(dir, "template")))
			require.NoError(t, os.Symlink(filepath.Join(elsewhere, "template"), filepath.Join(dir, "template")))
			return dir
		}, "template is a symlink"},
		"blueprint.cue": {func(dir string) string {
			require.NoError(t, os.Remove(filepath.Join(dir, "blueprint.cue")))
			require.NoError(t, os.Symlink(secret, filepath.Join(dir, "blueprint.cue")))
			return dir
		}, "blueprint.cue is a symlink"},
		"the blueprint directory": {func(dir string) string {
			link := filepath.Join(t.TempDir(), "bp")
			require.NoError(t, os.Symlink(dir, link))
			return link
		}, "the blueprint directory is a symlink"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := c.link(writeBlueprint(t, serviceCUE))
			_, err := blueprint.LoadDir(context.Background(), dir, nil)
			require.ErrorIs(t, err, blueprint.ErrSymlink)
			assert.Contains(t, err.Error(), c.naming)
			assert.NotContains(t, err.Error(), "do not read")
			// The same through Sources under the local policy.
			src, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir()})
			require.NoError(t, err)
			_, err = blueprint.Load(context.Background(), dir, &blueprint.Options{Fetcher: src})
			require.ErrorIs(t, err, blueprint.ErrSymlink)
			assert.Contains(t, err.Error(), c.naming)
		})
	}
}

func TestLoadLimits(t *testing.T) {
	dir := writeBlueprint(t, serviceCUE)
	_, err := blueprint.LoadDir(context.Background(), dir, &blueprint.Options{MaxSchemaBytes: 100})
	assert.ErrorIs(t, err, blueprint.ErrTooLarge)
	_, err = blueprint.LoadDir(context.Background(), dir, &blueprint.Options{MaxTemplateFiles: 1})
	assert.ErrorIs(t, err, blueprint.ErrTooLarge)
	_, err = blueprint.LoadDir(context.Background(), dir, &blueprint.Options{MaxTemplateBytes: 10})
	assert.ErrorIs(t, err, blueprint.ErrTooLarge)
}

func TestLoadSourceErrors(t *testing.T) {
	_, err := blueprint.LoadDir(context.Background(), filepath.Join(t.TempDir(), "missing"), nil)
	assert.ErrorIs(t, err, os.ErrNotExist)
	file := filepath.Join(t.TempDir(), "file")
	write(t, file, "x")
	_, err = blueprint.LoadDir(context.Background(), file, nil)
	assert.ErrorContains(t, err, "not a directory")
	_, err = blueprint.LoadDir(context.Background(), t.TempDir(), nil)
	assert.ErrorIs(t, err, os.ErrNotExist, "a directory without blueprint.cue")

	// Load follows the strict policy by default: a local path is refused,
	// however real.
	_, err = blueprint.Load(context.Background(), writeBlueprint(t, serviceCUE), nil)
	assert.ErrorContains(t, err, "local paths are not allowed by the strict policy")
}

// dirFetcher is a Fetcher serving addresses "mem::NAME" from local
// directories, to exercise the seam with real files.
type dirFetcher map[string]string

func (f dirFetcher) Fetch(_ context.Context, source string) (*blueprint.Fetched, error) {
	dir, ok := f[source]
	if !ok {
		return nil, os.ErrNotExist
	}
	return &blueprint.Fetched{FS: os.DirFS(dir), Source: source, Revision: "rev-1"}, nil
}

func TestLoadThroughFetcher(t *testing.T) {
	dir := writeBlueprint(t, serviceCUE)
	opts := &blueprint.Options{Fetcher: dirFetcher{"mem::svc": dir}}
	b, err := blueprint.Load(context.Background(), "mem::svc", opts)
	require.NoError(t, err)
	assert.Equal(t, "mem::svc", b.Source)
	assert.Equal(t, "rev-1", b.Revision)
	local, err := blueprint.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	assert.Equal(t, local.Digest, b.Digest, "the digest depends on content, not on the source")
	_, err = blueprint.Load(context.Background(), "mem::other", opts)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestMatchGlob(t *testing.T) {
	cases := []struct {
		glob, name string
		want       bool
	}{
		{"README.md", "README.md", true},
		{"*.md", "README.md", true},
		{"*.md", "docs/README.md", false},
		{"**/*.md", "docs/README.md", true},
		{"**/*.md", "README.md", true},
		{"deploy/**", "deploy/k8s/a.yaml", true},
		{"deploy/**", "deploy", true},
		{"deploy/**", "deployment/a.yaml", false},
		{"deploy/**/x.yaml", "deploy/x.yaml", true},
		{"deploy/**/x.yaml", "deploy/a/b/x.yaml", true},
		{"deploy/*/x.yaml", "deploy/a/b/x.yaml", false},
		{"a/[bc].txt", "a/c.txt", true},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, blueprint.MatchGlob(tc.glob, tc.name), "%s ~ %s", tc.glob, tc.name)
	}
}

func TestParameters(t *testing.T) {
	b := load(t, serviceCUE)
	params := b.Parameters()
	byPath := map[string]blueprint.Parameter{}
	var order []string
	for _, p := range params {
		byPath[p.Path] = p
		order = append(order, p.Path)
	}
	assert.Equal(t, []string{"name", "tier", "replicas", "database", "owner", "ratio", "debug", "tags", "ports", "db", "db.size", "db.name"}, order)
	assert.Equal(t, blueprint.Parameter{Path: "name", Kind: "string", Doc: "Service name.", Required: true, Constraint: `=~"^[a-z][a-z0-9-]{2,30}$"`}, byPath["name"])
	assert.Equal(t, []any{"dev", "prod"}, byPath["tier"].Enum)
	assert.Equal(t, "dev", byPath["tier"].Default)
	assert.Equal(t, int64(2), byPath["replicas"].Default)
	assert.Equal(t, "int", byPath["replicas"].Kind)
	assert.False(t, byPath["replicas"].Required)
	assert.True(t, byPath["owner"].Optional)
	assert.False(t, byPath["owner"].Required)
	assert.Equal(t, "list", byPath["tags"].Kind)
	assert.Equal(t, "struct", byPath["db"].Kind)
	assert.True(t, byPath["db.name"].Optional)
}
