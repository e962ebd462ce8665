package render_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

var errInjected = errors.New("injected write failure")

// failAt returns a hook failing the n-th write (from 0) and counting writes.
// Files are rendered concurrently, so which file is the n-th may vary; the
// number of writes does not.
func failAt(n int, count *atomic.Int64) func(op, path string) error {
	return func(op, path string) error {
		if i := count.Add(1) - 1; i == int64(n) {
			return fmt.Errorf("%s %s: %w", op, path, errInjected)
		}
		return nil
	}
}

// writes counts the writes of a successful run of do.
func writes(t *testing.T, do func() error) int {
	t.Helper()
	var n atomic.Int64
	restore := render.SetFaultHook(failAt(-1, &n))
	defer restore()
	require.NoError(t, do())
	return int(n.Load())
}

// everyWrite fails the i-th write of do for every i, on a fresh copy of
// seed each time, then recovers and calls check with the project.
func everyWrite(t *testing.T, seed string, do func(dir string) error, check func(i int, dir string)) int {
	t.Helper()
	probe := filepath.Join(t.TempDir(), "probe")
	require.NoError(t, os.CopyFS(probe, os.DirFS(seed)))
	total := writes(t, func() error { return do(probe) })
	require.Positive(t, total)
	for i := range total {
		dir := filepath.Join(t.TempDir(), "p")
		require.NoError(t, os.CopyFS(dir, os.DirFS(seed)))
		var n atomic.Int64
		restore := render.SetFaultHook(failAt(i, &n))
		err := do(dir)
		restore()
		require.ErrorIs(t, err, errInjected, "write %d of %d", i, total)
		require.NoError(t, render.Recover(dir), "write %d", i)
		check(i, dir)
	}
	return total
}

// TestApplyFailsAtEveryWrite re-renders a project with new parameters and
// fails each write in turn: after Recover the project is wholly the old
// render or wholly the new one, and the team's seeded edit is intact.
func TestApplyFailsAtEveryWrite(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	files := map[string]string{"README.md": "# {{.name}}\n", "run.sh.tmpl": "echo {{.name}}\n"}
	for i := range 12 {
		files[fmt.Sprintf("d%d/f%d.txt.tmpl", i%3, i)] = fmt.Sprintf("file %d of {{.name}}\n", i)
	}
	bp := miniBlueprint(t, `files: "README.md": level: "seeded"`, files)
	seed := filepath.Join(t.TempDir(), "seed")
	_, err := e.Render(ctx, bp, resolve(t, bp, blueprint.Set("name=alpha")), seed, nil)
	require.NoError(t, err)
	writeFile(t, filepath.Join(seed, "README.md"), "# ours\n", 0o644)
	before := projectState(t, seed)
	beta := resolve(t, bp, blueprint.Set("name=beta"))
	done := filepath.Join(t.TempDir(), "done")
	require.NoError(t, os.CopyFS(done, os.DirFS(seed)))
	_, err = e.Render(ctx, bp, beta, done, nil)
	require.NoError(t, err)
	after := projectState(t, done)

	outcomes := map[string]int{}
	total := everyWrite(t, seed, func(dir string) error {
		_, err := e.Render(ctx, bp, beta, dir, nil)
		return err
	}, func(i int, dir string) {
		got := projectState(t, dir)
		switch {
		case assert.ObjectsAreEqual(before, got):
			outcomes["before"]++
		default:
			require.Equal(t, after, got, "write %d: neither the old nor the new render", i)
			outcomes["after"]++
		}
		assert.Equal(t, "# ours\n", readFile(t, filepath.Join(dir, "README.md")))
	})
	t.Logf("%d writes; outcomes %v", total, outcomes)
	assert.Positive(t, outcomes["before"])
	assert.Positive(t, outcomes["after"], "failures after the commit are completed by Recover")
}

// TestRenderNewFailsAtEveryWrite renders into a new directory and fails
// each write in turn: afterwards there is no directory, or a whole project.
func TestRenderNewFailsAtEveryWrite(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	bp := miniBlueprint(t, "", map[string]string{"a.txt": "a\n", "b/c.txt.tmpl": "{{.name}}\n"})
	params := resolve(t, bp)
	parent := t.TempDir()
	total := writes(t, func() error {
		_, err := e.Render(ctx, bp, params, filepath.Join(parent, "probe"), nil)
		return err
	})
	for i := range total {
		dir := filepath.Join(parent, fmt.Sprint("p", i))
		var n atomic.Int64
		restore := render.SetFaultHook(failAt(i, &n))
		_, err := e.Render(ctx, bp, params, dir, nil)
		restore()
		require.ErrorIs(t, err, errInjected)
		require.NoError(t, render.Recover(dir))
		assert.NoDirExists(t, dir, "write %d", i)
		entries, _ := os.ReadDir(parent)
		for _, en := range entries {
			assert.False(t, strings.Contains(en.Name(), ".goldenpath-"), "staging left after write %d: %s", i, en.Name())
		}
	}
}

// TestUpgradeFailsAtEveryWrite upgrades a project with downstream edits and
// fails each write in turn: after Recover the project is wholly before or
// wholly after the upgrade, so no downstream edit is lost.
func TestUpgradeFailsAtEveryWrite(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := versioned(t, "1.0.0", ``, `"m.txt": level: "managed"`, map[string]string{
		"a.txt": "one\ntwo\nthree\nfour\n", "m.txt": "managed\n", "gone.txt": "bye\n", "same.txt": "same\n",
	})
	v2 := versioned(t, "2.0.0", ``, `"m.txt": level: "managed"`, map[string]string{
		"a.txt": "one (up)\ntwo\nthree\nfour\n", "m.txt": "managed 2\n", "new.txt": "new\n", "same.txt": "same\n",
	})
	seed := project(t, e, v1)
	writeFile(t, filepath.Join(seed, "a.txt"), "one\ntwo\nthree\nfour (down)\n", 0o644)
	writeFile(t, filepath.Join(seed, "m.txt"), "managed, edited\n", 0o644)
	before := projectState(t, seed)
	done := filepath.Join(t.TempDir(), "done")
	require.NoError(t, os.CopyFS(done, os.DirFS(seed)))
	_, err := upgradeDir(ctx, e, done, v2, &render.UpgradeOptions{Base: v1})
	require.NoError(t, err)
	after := projectState(t, done)
	require.Equal(t, "one (up)\ntwo\nthree\nfour (down)\n", after["a.txt"])
	require.Equal(t, "managed, edited\n", after[".goldenpath/overwritten/*/m.txt"])

	outcomes := map[string]int{}
	total := everyWrite(t, seed, func(dir string) error {
		_, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
		return err
	}, func(i int, dir string) {
		got := projectState(t, dir)
		switch {
		case assert.ObjectsAreEqual(before, got):
			outcomes["before"]++
		default:
			require.Equal(t, after, got, "write %d: neither before nor after the upgrade", i)
			outcomes["after"]++
		}
	})
	t.Logf("%d writes; outcomes %v", total, outcomes)
	assert.Positive(t, outcomes["before"])
	assert.Positive(t, outcomes["after"])
}
