package blueprinttest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
)

func TestGolden(t *testing.T) {
	b := blueprinttest.Validate(t, goService, nil)
	prod := blueprint.ValuesFile("../../testdata/values/go-service-prod.yaml")

	// The committed golden tree matches.
	f := run(func(tb testing.TB) { blueprinttest.Golden(tb, nil, b, "testdata/golden/go-service-prod", prod) })
	assert.Empty(t, f.errors)

	// Update writes a golden directory that then matches.
	golden := filepath.Join(t.TempDir(), "golden")
	t.Setenv(blueprinttest.UpdateEnv, "1")
	f = run(func(tb testing.TB) { blueprinttest.Golden(tb, nil, b, golden, prod) })
	assert.Empty(t, f.errors)
	t.Setenv(blueprinttest.UpdateEnv, "")
	f = run(func(tb testing.TB) { blueprinttest.Golden(tb, nil, b, golden, prod) })
	assert.Empty(t, f.errors)

	// A changed, a missing and an extra file are each reported.
	require.NoError(t, os.WriteFile(filepath.Join(golden, "Makefile"), []byte("stale\n"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(golden, "go.mod")))
	require.NoError(t, os.WriteFile(filepath.Join(golden, "extra.txt"), []byte("x"), 0o644))
	f = run(func(tb testing.TB) { blueprinttest.Golden(tb, nil, b, golden, prod) })
	require.Len(t, f.errors, 1)
	msg := f.errors[0]
	assert.Contains(t, msg, "Makefile: differs:\n--- golden/Makefile\n+++ rendered/Makefile\n")
	assert.Contains(t, msg, "-stale\n")
	assert.Contains(t, msg, "go.mod: rendered, not in the golden directory")
	assert.Contains(t, msg, "extra.txt: in the golden directory, not rendered")
	assert.False(t, f.fatal)

	f = run(func(tb testing.TB) { blueprinttest.Golden(tb, nil, b, filepath.Join(t.TempDir(), "none"), prod) })
	assert.True(t, f.fatal)
	assert.Contains(t, f.errors[0], "run with -update or GOLDENPATH_UPDATE=1 to create it")
}
