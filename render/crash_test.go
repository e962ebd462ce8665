package render_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func TestMain(m *testing.M) {
	if os.Getenv("GP_CRASH_CHILD") != "" {
		crashChild()
	}
	os.Exit(m.Run())
}

// checkConsistent asserts that dir holds exactly what its manifest says.
func checkConsistent(t *testing.T, dir string) {
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
	for p := range got {
		require.False(t, strings.HasPrefix(p, ".goldenpath/staging-"), "staging left: %s", p)
	}
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
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "GP_CRASH_CHILD=1", "GP_BP="+bp.Source, "GP_DIR="+dir)
		if once {
			cmd.Env = append(cmd.Env, "GP_ONCE=1")
		}
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
	project := filepath.Join(parent, "project")
	run(project, true, 0)
	checkConsistent(t, project)
	interrupted := 0
	for i := 0; i < 12; i++ {
		run(project, false, time.Duration(20+rand.IntN(200))*time.Millisecond)
		if leftovers, _ := filepath.Glob(filepath.Join(project, ".goldenpath", "[sj]*")); len(leftovers) > 0 {
			interrupted++
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
	t.Logf("%d of 12 kills left a staging directory or a journal to recover", interrupted)
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.Contains(e.Name(), ".goldenpath-"), "staging sibling left: %s", e.Name())
	}
}
