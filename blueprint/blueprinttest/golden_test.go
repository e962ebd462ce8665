package blueprinttest_test

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
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
	setUpdate(t, true)
	f = run(func(tb testing.TB) { blueprinttest.Golden(tb, nil, b, golden, prod) })
	assert.Empty(t, f.errors)
	setUpdate(t, false)
	f = run(func(tb testing.TB) { blueprinttest.Golden(tb, nil, b, golden, prod) })
	assert.Empty(t, f.errors)

	// go-service renders docs/adr empty (dirs:): the golden directory
	// records it, since git keeps no empty directory.
	listed, err := os.ReadFile(filepath.Join(golden, ".goldenpath", blueprinttest.EmptyDirsFile))
	require.NoError(t, err)
	assert.Equal(t, "docs/adr\n", string(listed))
	require.NoError(t, os.Remove(filepath.Join(golden, "docs", "adr")))
	f = run(func(tb testing.TB) { blueprinttest.Golden(tb, nil, b, golden, prod) })
	assert.Empty(t, f.errors, "the list alone stands for the directory, as in a fresh clone")
	require.NoError(t, os.Remove(filepath.Join(golden, ".goldenpath", blueprinttest.EmptyDirsFile)))
	f = run(func(tb testing.TB) { blueprinttest.Golden(tb, nil, b, golden, prod) })
	require.Len(t, f.errors, 1)
	assert.Contains(t, f.errors[0], "docs/adr/: rendered as an empty directory, not in the golden directory")
	require.NoError(t, os.MkdirAll(filepath.Join(golden, "docs", "adr"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(golden, "logs"), 0o755))
	f = run(func(tb testing.TB) { blueprinttest.Golden(tb, nil, b, golden, prod) })
	require.Len(t, f.errors, 1, "an empty directory on disk counts too")
	assert.Contains(t, f.errors[0], "logs/: an empty directory in the golden directory, not rendered empty")
	require.NoError(t, os.Remove(filepath.Join(golden, "logs")))

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
	assert.Contains(t, f.errors[0], "run with -update to create it")
}

// setUpdate sets the test binary's -update flag for the rest of the test.
func setUpdate(t *testing.T, on bool) {
	t.Helper()
	old := *update
	require.NoError(t, flag.Set("update", strconv.FormatBool(on)))
	t.Cleanup(func() { *update = old })
}
