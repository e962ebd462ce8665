package blueprint_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// The test binary is its own isolation child: started with
// GOLDENPATH_EVAL_CHILD=1, it serves one evaluation and exits.
//
// Started with GOLDENPATH_EVAL_PARENT=DIR, it loads the blueprint in DIR
// isolated, with no deadline to speak of, as a server would: the parent
// TestIsolatedChildDiesWithItsParent kills.
func TestMain(m *testing.M) {
	if os.Getenv("GOLDENPATH_EVAL_CHILD") == "1" {
		if err := blueprint.ServeIsolation(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if dir := os.Getenv("GOLDENPATH_EVAL_PARENT"); dir != "" {
		_, err := blueprint.LoadDir(context.Background(), dir, &blueprint.Options{Isolation: isolation(1 << 30), EvalTimeout: time.Hour})
		fmt.Fprintln(os.Stderr, "the evaluation ended:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func isolation(maxMemory int64) *blueprint.Isolation {
	return &blueprint.Isolation{Command: []string{os.Args[0]}, Env: []string{"GOLDENPATH_EVAL_CHILD=1"}, MaxMemory: maxMemory}
}

// hungryCUE are blueprints whose evaluation needs gigabytes.
var hungryCUE = map[string]string{
	"a default list of 200 million integers": `import "list"
name: "hungry"
version: "1.0.0"
description: "d"
owner: "o"
parameters: n: [...int] | *list.Range(0, 200000000, 1)
`,
	"a derived string doubled 34 times": `import "strings"
name: "hungry"
version: "1.0.0"
description: "d"
owner: "o"
parameters: s: string | *"xxxxxxxx"
derived: {
	s0: parameters.s
` + doubled(34) + `}
`,
}

func doubled(n int) string {
	s := ""
	for i := 1; i <= n; i++ {
		s += fmt.Sprintf("\ts%d: strings.Repeat(s%d, 2)\n", i, i-1)
	}
	return s
}

// hungryTimeout bounds a hungry evaluation generously: the memory limit
// must stop it first, which ErrEvalMemory (not ErrEvalTimeout) shows. A
// race-instrumented child on a machine loaded by other tests takes 10 s and
// more to fill 256 MiB.
const hungryTimeout = 2 * time.Minute

func TestIsolatedEvaluationIsBoundedInMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("isolation needs Linux")
	}
	for name, src := range hungryCUE {
		t.Run(name, func(t *testing.T) {
			dir := writeBlueprint(t, src)
			start := time.Now()
			_, err := blueprint.LoadDir(context.Background(), dir, &blueprint.Options{Isolation: isolation(256 << 20), EvalTimeout: hungryTimeout})
			require.ErrorIs(t, err, blueprint.ErrEvalMemory)
			assert.Contains(t, err.Error(), "CUE evaluation exceeded 256 MiB")
			t.Logf("%v: %v", time.Since(start).Round(time.Millisecond), err)
		})
	}
	t.Run("an input that makes the schema hungry", func(t *testing.T) {
		bp, err := blueprint.LoadDir(context.Background(), writeBlueprint(t, `import "list"
name: "hungry"
version: "1.0.0"
description: "d"
owner: "o"
parameters: {
	n: int | *1
	l: [...int] | *list.Range(0, n, 1)
}
`), &blueprint.Options{Isolation: isolation(256 << 20), EvalTimeout: hungryTimeout})
		require.NoError(t, err)
		start := time.Now()
		_, err = bp.Resolve(context.Background(), blueprint.Set("n=200000000"))
		require.ErrorIs(t, err, blueprint.ErrEvalMemory)
		assert.Contains(t, err.Error(), "CUE evaluation exceeded 256 MiB")
		t.Logf("%v: %v", time.Since(start).Round(time.Millisecond), err)
	})
}

func TestIsolatedEvaluation(t *testing.T) {
	if runtime.GOOS != "linux" {
		_, err := blueprint.LoadDir(context.Background(), writeBlueprint(t, serviceCUE), &blueprint.Options{Isolation: isolation(0)})
		require.ErrorIs(t, err, blueprint.ErrIsolationUnsupported)
		return
	}
	ctx := context.Background()
	// A generous deadline: the child is this test binary, slow under -race
	// on a busy machine; the deadline's own test is below.
	opts := &blueprint.Options{Isolation: isolation(0), EvalTimeout: time.Minute}
	bp, err := blueprint.LoadDir(ctx, writeBlueprint(t, serviceCUE), opts)
	require.NoError(t, err)
	p, err := bp.Resolve(ctx, blueprint.Set("name=orders"))
	require.NoError(t, err)
	assert.Equal(t, "orders", p.Data()["name"])
	// Errors are the in-process ones, with their types and positions.
	_, err = bp.Resolve(ctx, blueprint.Set("name=Not A Name"))
	var ve *blueprint.ValidationError
	require.ErrorAs(t, err, &ve)
	_, err = blueprint.LoadDir(ctx, writeBlueprint(t, "name: 1\n"), opts)
	require.ErrorAs(t, err, &ve)

	// A deadline ends the child.
	_, err = blueprint.LoadDir(ctx, writeBlueprint(t, hungryCUE["a default list of 200 million integers"]),
		&blueprint.Options{Isolation: isolation(4 << 30), EvalTimeout: 300 * time.Millisecond})
	require.ErrorIs(t, err, blueprint.ErrEvalTimeout)

	// A child that is not one.
	_, err = blueprint.LoadDir(ctx, writeBlueprint(t, serviceCUE), &blueprint.Options{Isolation: &blueprint.Isolation{Command: []string{"false"}}})
	require.ErrorContains(t, err, "isolated CUE evaluation")
}

// slowCUE is a blueprint whose check takes minutes of CPU and little
// memory: nine million iterations of a comprehension that yields nothing.
const slowCUE = `import "list"
name: "slow"
version: "1.0.0"
description: "d"
owner: "o"
parameters: n: int | *3000
derived: c: len([for a in list.Range(0, parameters.n, 1) for b in list.Range(0, parameters.n, 1) if a < 0 {a}])
`

// TestIsolatedChildDiesWithItsParent starts a parent process (this test
// binary) that evaluates a slow blueprint in an isolated child under a
// deadline of an hour, kills the parent with SIGKILL once the child runs,
// and checks that the child ends too: the kernel kills it with its parent.
func TestIsolatedChildDiesWithItsParent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("isolation needs Linux")
	}
	parent := exec.Command(os.Args[0])
	parent.Env = append(os.Environ(), "GOLDENPATH_EVAL_PARENT="+writeBlueprint(t, slowCUE))
	var stderr bytes.Buffer
	parent.Stderr = &stderr
	require.NoError(t, parent.Start())
	defer parent.Process.Kill()

	var child int
	for deadline := time.Now().Add(2 * time.Minute); child == 0 && time.Now().Before(deadline); {
		if kids := procChildren(parent.Process.Pid); len(kids) > 0 {
			child = kids[0]
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if child == 0 {
		parent.Process.Kill()
		parent.Wait()
		t.Fatalf("the parent started no child in 2 minutes: %s", stderr.String())
	}
	require.NoError(t, parent.Process.Kill())
	parent.Wait()
	require.NotContains(t, stderr.String(), "the evaluation ended", "the evaluation must still run when its parent is killed")

	// Generous: the kernel kills the child as the parent exits.
	for deadline := time.Now().Add(30 * time.Second); procAlive(child) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if procAlive(child) {
		if p, err := os.FindProcess(child); err == nil {
			p.Kill()
		}
		t.Fatalf("the isolated child %d still runs 30 s after its parent was killed", child)
	}
}

// procChildren lists the processes whose parent is pid (Linux's /proc).
func procChildren(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		f := strings.Fields(string(b[i+1:]))
		if i < 0 || len(f) < 2 || f[1] != strconv.Itoa(pid) {
			continue
		}
		if n, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// procAlive reports whether pid runs: it exists and is not a zombie (an
// orphan's zombie waits for a reaper that a container may not have).
func procAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	return i >= 0 && len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// TestIsolatedChildEndsItself: a child whose parent cannot kill it (here,
// one that never does) ends itself shortly after the request's deadline,
// saying so, and the parent reports that as ErrEvalTimeout.
func TestIsolatedChildEndsItself(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("isolation needs Linux")
	}
	dir := writeBlueprint(t, slowCUE)
	// The child is this binary; the parent's own kill comes an hour late.
	var stderr bytes.Buffer
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), "GOLDENPATH_EVAL_CHILD=1")
	schema, err := os.ReadFile(filepath.Join(dir, "blueprint.cue"))
	require.NoError(t, err)
	req, err := json.Marshal(map[string]any{"op": "check", "schema": string(schema), "name": "blueprint.cue", "maxMemory": 1 << 30, "timeout": 200 * time.Millisecond})
	require.NoError(t, err)
	child.Stdin, child.Stderr = bytes.NewReader(req), &stderr
	require.NoError(t, child.Start())
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute): // generous: the evaluation alone takes many minutes
		child.Process.Kill()
		<-done
		t.Fatal("the child still evaluated 2 minutes after its deadline of 200 ms")
	}
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Contains(t, stderr.String(), "isolated CUE evaluation: the child's deadline passed (200ms)")
}
