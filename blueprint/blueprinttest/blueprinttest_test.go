package blueprinttest_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
	"github.com/goldenpath-dev/goldenpath/render"
)

// fakeTB records what a helper reports. Fatal stops the helper the way
// testing does, by leaving the goroutine; run catches it.
type fakeTB struct {
	testing.TB
	helpers int
	errors  []string
	fatal   bool
	ctx     context.Context
}

type fatalStop struct{}

// update is the -update switch every golden test of the repository shares:
// Golden reads it by name.
var update = flag.Bool("update", false, "rewrite golden files")

func (f *fakeTB) Helper() { f.helpers++ }
func (f *fakeTB) Context() context.Context {
	if f.ctx == nil {
		f.ctx = context.Background()
	}
	return f.ctx
}
func (f *fakeTB) Logf(string, ...any) {}

// fakeTemp holds the fake TBs' temporary directories; TestMain removes it.
var fakeTemp string

func TestMain(m *testing.M) {
	var err error
	if fakeTemp, err = os.MkdirTemp("", "blueprinttest"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(fakeTemp)
	os.Exit(code)
}

func (f *fakeTB) TempDir() string {
	dir, err := os.MkdirTemp(fakeTemp, "t")
	if err != nil {
		panic(err)
	}
	return dir
}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.fatal = true
	panic(fatalStop{})
}

func run(fn func(tb testing.TB)) *fakeTB {
	f := &fakeTB{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(fatalStop); !ok {
					panic(r)
				}
			}
		}()
		fn(f)
	}()
	return f
}

const goService = "../../testdata/blueprints/go-service"

func TestValidate(t *testing.T) {
	var b *blueprint.Blueprint
	f := run(func(tb testing.TB) { b = blueprinttest.Validate(tb, goService, nil) })
	assert.Empty(t, f.errors)
	assert.Positive(t, f.helpers)
	require.NotNil(t, b)
	assert.Equal(t, "go-service", b.Name)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blueprint.cue"), []byte("name: \"X\"\nversion: \"1\"\ndescription: \"d\"\nowner: \"o\"\nparameters: {}\n"), 0o644))
	f = run(func(tb testing.TB) { blueprinttest.Validate(tb, dir, nil) })
	assert.True(t, f.fatal)
	require.Len(t, f.errors, 1)
	assert.Contains(t, f.errors[0], filepath.Join(dir, "blueprint.cue")+":1:7: name: name must be a DNS label")
	assert.Contains(t, f.errors[0], ":2:10: version: version must be a semantic version")
}

func TestResolve(t *testing.T) {
	b := blueprinttest.Validate(t, goService, nil)
	var p *blueprint.Params
	f := run(func(tb testing.TB) { p = blueprinttest.Resolve(tb, b, blueprint.Set("name=orders")) })
	assert.Empty(t, f.errors)
	require.NotNil(t, p)
	assert.Equal(t, "orders", p.Values()["name"])

	f = run(func(tb testing.TB) { blueprinttest.Resolve(tb, b, blueprint.Set("name=Orders", "replicas=0")) })
	assert.True(t, f.fatal)
	require.Len(t, f.errors, 1)
	assert.Contains(t, f.errors[0], "--set:1:6: name: name must start with a letter")
	assert.Contains(t, f.errors[0], "--set:2:10: replicas: must be >=1 (got 0)")
}

func TestRejects(t *testing.T) {
	b := blueprinttest.Validate(t, goService, nil)
	bad := blueprint.ValuesFile("../../testdata/values/go-service-invalid.yaml")

	var ve *blueprint.ValidationError
	f := run(func(tb testing.TB) { ve = blueprinttest.Rejects(tb, b, []string{"replicas", "name"}, bad) })
	assert.Empty(t, f.errors, "the right fields in another order pass")
	require.NotNil(t, ve)
	assert.Len(t, ve.Fields, 2)

	f = run(func(tb testing.TB) { blueprinttest.Rejects(tb, b, []string{"name"}, bad) })
	assert.False(t, f.fatal)
	require.Len(t, f.errors, 1)
	assert.True(t, strings.HasPrefix(f.errors[0], "go-service rejected fields name, replicas; want name"), f.errors[0])

	f = run(func(tb testing.TB) { blueprinttest.Rejects(tb, b, []string{"name"}, blueprint.Set("name=orders")) })
	assert.True(t, f.fatal)
	assert.Equal(t, []string{"parameters of go-service are valid; want errors on name"}, f.errors)

	f = run(func(tb testing.TB) {
		blueprinttest.Rejects(tb, b, []string{"name"}, blueprint.ValuesFile(filepath.Join(t.TempDir(), "missing.yaml")))
	})
	assert.True(t, f.fatal)
	assert.Contains(t, f.errors[0], "want a validation error on name")
}

// Validate with an engine's renderer names refuses a files rule that names
// a renderer the engine lacks, at its position in blueprint.cue.
func TestValidateRenderers(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blueprint.cue"), []byte(`name: "cfg"
version: "1.0.0"
description: "d"
owner: "o"
parameters: {}
files: "*.cue": renderer: "cue-yaml"
`), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "template"), 0o755))

	f := run(func(tb testing.TB) { blueprinttest.Validate(tb, dir, nil) })
	assert.Empty(t, f.errors, "without an engine any name loads")

	e, err := render.New(nil)
	require.NoError(t, err)
	f = run(func(tb testing.TB) { blueprinttest.Validate(tb, dir, &blueprint.Options{Renderers: e.Renderers()}) })
	assert.True(t, f.fatal)
	require.Len(t, f.errors, 1)
	assert.Contains(t, f.errors[0], filepath.Join(dir, "blueprint.cue")+`:6:17: files."*.cue".renderer: unknown renderer "cue-yaml" (known: copy, template)`)

	e, err = render.New(&render.Options{Renderers: map[string]render.Renderer{"cue-yaml": render.Copy()}})
	require.NoError(t, err)
	f = run(func(tb testing.TB) { blueprinttest.Validate(tb, dir, &blueprint.Options{Renderers: e.Renderers()}) })
	assert.Empty(t, f.errors)
}
