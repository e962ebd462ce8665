package render_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

// crashChild runs in a child process: it renders into GP_DIR again and
// again, alternating parameters, until it is killed.
func crashChild() {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, os.Getenv("GP_BP"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	e, _ := render.New(nil)
	for i := 0; ; i++ {
		name := []string{"alpha", "beta"}[i%2]
		p, err := bp.Resolve(ctx, blueprint.Set("name="+name))
		if err == nil {
			_, err = e.Render(ctx, bp, p, os.Getenv("GP_DIR"), nil)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if os.Getenv("GP_ONCE") != "" {
			os.Exit(0)
		}
	}
}

// upgradeChild runs in a child process: it upgrades the project in GP_DIR
// from the blueprint in GP_BP to the one in GP_BP2, once.
func upgradeChild() {
	ctx := context.Background()
	v1, err := blueprint.LoadDir(ctx, os.Getenv("GP_BP"), nil)
	if err == nil {
		var v2 *blueprint.Blueprint
		if v2, err = blueprint.LoadDir(ctx, os.Getenv("GP_BP2"), nil); err == nil {
			e, _ := render.New(nil)
			_, err = upgradeDir(ctx, e, os.Getenv("GP_DIR"), v2, &render.UpgradeOptions{Base: v1})
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(0)
}

func TestMain(m *testing.M) {
	switch os.Getenv("GP_CRASH_CHILD") {
	case "":
	case "upgrade":
		upgradeChild()
	default:
		crashChild()
	}
	os.Exit(m.Run())
}

// runChild runs this test binary as a child with env added; with kill > 0
// it kills the child after kill, else it waits for it to succeed.
func runChild(t *testing.T, env []string, kill time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	if kill > 0 {
		time.Sleep(kill)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return
	}
	require.NoError(t, cmd.Wait(), stderr.String())
}

// checkConsistent asserts that dir holds exactly what its manifest says,
// and nothing left of an apply.
func checkConsistent(t *testing.T, dir string) {
	t.Helper()
	checkWhole(t, dir)
	for p := range tree(t, dir) {
		require.False(t, strings.HasPrefix(p, ".goldenpath/staging-"), "staging left: %s", p)
	}
}

// readableWhole asserts that the project in dir, as a kill left it, is
// either refused read-only (an interrupted apply is pending) or whole:
// never read as a mix of two versions.
func readableWhole(t *testing.T, dir string) (pending bool) {
	t.Helper()
	_, err := render.OpenProjectFS(os.DirFS(dir), dir)
	var pe *render.PendingError
	if errors.As(err, &pe) {
		return true
	}
	require.NoError(t, err)
	checkWhole(t, dir)
	return false
}

// checkWhole asserts that the files of dir are exactly those its manifest
// records, with their hashes.
func checkWhole(t *testing.T, dir string) {
	t.Helper()
	m, err := render.ReadManifest(dir)
	require.NoError(t, err)
	got := tree(t, dir)
	files := 0
	for p, content := range got {
		if strings.HasSuffix(p, "/") || strings.HasPrefix(p, ".goldenpath/") {
			continue
		}
		files++
		f, ok := m.File(p)
		require.True(t, ok, "%s is on disk but not in the manifest", p)
		sum, _ := sha(content)
		require.Equal(t, f.SHA256, sum, "%s does not match the manifest", p)
	}
	require.Equal(t, len(m.Files), files)
	require.Contains(t, []string{`{"flag":false,"n":1,"name":"alpha"}`, `{"flag":false,"n":1,"name":"beta"}`}, string(m.Parameters))
}

// TestApplyKilled kills a process at random points while it renders into a
// project, and checks that after Recover the project is always whole: every
// file of one render and its manifest, never a mix.
func TestApplyKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	files := map[string]string{}
	for i := 0; i < 300; i++ {
		files[fmt.Sprintf("d%d/f%d.txt.tmpl", i%17, i)] = strings.Repeat(fmt.Sprintf("line %d {{.name}}\n", i), 40)
	}
	bp := miniBlueprint(t, "", files)
	parent := t.TempDir()
	run := func(dir string, once bool, kill time.Duration) {
		env := []string{"GP_CRASH_CHILD=1", "GP_BP=" + bp.Source, "GP_DIR=" + dir}
		if once {
			env = append(env, "GP_ONCE=1")
		}
		runChild(t, env, kill)
	}
	project := filepath.Join(parent, "project")
	run(project, true, 0)
	checkConsistent(t, project)
	interrupted, pending := 0, 0
	for i := 0; i < 12; i++ {
		run(project, false, time.Duration(20+rand.IntN(200))*time.Millisecond)
		if leftovers, _ := filepath.Glob(filepath.Join(project, ".goldenpath", "[sj]*")); len(leftovers) > 0 {
			interrupted++
		}
		if readableWhole(t, project) {
			pending++
		}
		require.NoError(t, render.Recover(project))
		checkConsistent(t, project)

		fresh := filepath.Join(parent, fmt.Sprintf("fresh%d", i))
		run(fresh, true, time.Duration(5+rand.IntN(60))*time.Millisecond)
		require.NoError(t, render.Recover(fresh))
		if _, err := os.Stat(fresh); err == nil {
			checkConsistent(t, fresh)
		}
	}
	t.Logf("%d of 12 kills left a staging directory or a journal to recover, %d a journal (the project refused until recovered)", interrupted, pending)
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.Contains(e.Name(), ".goldenpath-"), "staging sibling left: %s", e.Name())
	}
}

// projectState is a project's tree without goldenpath's own working files
// (the manifest is kept, the names of overwritten/ copies are not).
func projectState(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for p, c := range tree(t, dir) {
		switch {
		case p == render.ManifestPath:
			out[p] = c
		case strings.HasPrefix(p, ".goldenpath/overwritten/") && !strings.HasSuffix(p, "/"):
			parts := strings.SplitN(p, "/", 4)
			out[".goldenpath/overwritten/*/"+parts[3]] = c
		case !strings.HasPrefix(p, ".goldenpath/"):
			out[p] = c
		}
	}
	return out
}

// TestUpgradeKilled kills a process at random points while it upgrades a
// project with downstream edits, and checks that after Recover the project
// is exactly as before the upgrade or exactly as a complete upgrade leaves
// it: no file of one version beside a file of the other, no edit lost.
func TestUpgradeKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	v1files, v2files := map[string]string{}, map[string]string{}
	for i := 0; i < 300; i++ {
		p := fmt.Sprintf("d%d/f%d.txt.tmpl", i%17, i)
		body := strings.Repeat(fmt.Sprintf("line %d {{.name}}\n", i), 40)
		v1files[p] = body
		v2files[p] = "upstream header\n" + body
	}
	v1 := versioned(t, "1.0.0", `name: string | *"demo"`, `"d1/**": level: "managed"`, v1files)
	v2 := versioned(t, "2.0.0", `name: string | *"demo"`, `"d1/**": level: "managed"`, v2files)
	e := newEngine(t, nil)
	seed := project(t, e, v1)
	for i := 0; i < 300; i += 10 { // edits at the end: merged, or overwritten in d1/
		p := filepath.Join(seed, fmt.Sprintf("d%d/f%d.txt", i%17, i))
		writeFile(t, p, readFile(t, p)+"downstream edit\n", 0o644)
	}
	parent := t.TempDir()
	run := func(dir string, kill time.Duration) {
		runChild(t, []string{"GP_CRASH_CHILD=upgrade", "GP_BP=" + v1.Source, "GP_BP2=" + v2.Source, "GP_DIR=" + dir}, kill)
	}
	before := projectState(t, seed)
	done := filepath.Join(parent, "done")
	require.NoError(t, os.CopyFS(done, os.DirFS(seed)))
	start := time.Now()
	run(done, 0)
	took := time.Since(start)
	after := projectState(t, done)
	require.NotEqual(t, before, after)

	outcomes := map[string]int{}
	for i := 0; i < 12; i++ {
		dir := filepath.Join(parent, fmt.Sprint("p", i))
		require.NoError(t, os.CopyFS(dir, os.DirFS(seed)))
		// Kill anywhere in the second half of an uninterrupted run, where
		// the upgrade renders, merges and commits (the first half is the
		// process starting and loading).
		run(dir, took/2+time.Duration(rand.Int64N(int64(took/2)+1)))
		require.NoError(t, render.Recover(dir))
		switch got := projectState(t, dir); {
		case assert.ObjectsAreEqual(before, got):
			outcomes["before"]++
		case assert.ObjectsAreEqual(after, got):
			outcomes["after"]++
		default:
			require.Equal(t, after, got, "kill %d left a project that is neither before nor after the upgrade", i)
		}
	}
	t.Logf("an upgrade process takes %v; outcomes of 12 kills: %v", took, outcomes)
}
