package blueprint_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// The test binary is its own isolation child: started with
// GOLDENPATH_EVAL_CHILD=1, it serves one evaluation and exits.
func TestMain(m *testing.M) {
	if os.Getenv("GOLDENPATH_EVAL_CHILD") == "1" {
		if err := blueprint.ServeIsolation(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
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
