package blueprint_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// A missing blueprint, values file or schema file is said in a sentence
// naming what was being read, and errors.Is still finds fs.ErrNotExist.
func TestReadErrorsInWords(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope")

	_, err := blueprint.LoadDir(ctx, missing, nil)
	require.Error(t, err)
	assert.Equal(t, "blueprint "+missing+": no such directory", err.Error())
	assert.ErrorIs(t, err, fs.ErrNotExist)

	src, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir()})
	require.NoError(t, err)
	_, err = blueprint.Load(ctx, missing, &blueprint.Options{Fetcher: src})
	require.Error(t, err)
	assert.Equal(t, "blueprint "+missing+": no such directory", err.Error())
	assert.ErrorIs(t, err, fs.ErrNotExist)

	_, err = blueprint.LoadDir(ctx, dir, nil)
	require.Error(t, err)
	assert.Equal(t, "blueprint "+dir+": it holds no blueprint.cue", err.Error())
	assert.ErrorIs(t, err, fs.ErrNotExist)

	file := filepath.Join(dir, "values.yaml")
	require.NoError(t, os.WriteFile(file, []byte("a: 1\n"), 0o644))
	_, err = blueprint.LoadDir(ctx, file, nil)
	require.Error(t, err)
	assert.Equal(t, "blueprint "+file+": not a directory", err.Error())

	b := load(t, `name: "v"
version: "1.0.0"
description: "values"
owner: "platform"
parameters: {a: int | *1}
`)
	_, err = b.Resolve(ctx, blueprint.ValuesFile(filepath.Join(dir, "nope.yaml")))
	require.Error(t, err)
	assert.Equal(t, "values file "+filepath.Join(dir, "nope.yaml")+": it does not exist", err.Error())
	assert.ErrorIs(t, err, fs.ErrNotExist)
	var pe *fs.PathError
	assert.True(t, errors.As(err, &pe), "the *fs.PathError under it")
}
