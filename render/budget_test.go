package render_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/render"
)

// doubledCalls is sixty levels of templates that each call the one below
// twice: 2^60 calls.
func doubledCalls() string {
	var b strings.Builder
	b.WriteString(`{{define "t0"}}{{end}}`)
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&b, `{{define "t%d"}}{{template "t%d"}}{{template "t%d"}}{{end}}`, i, i-1, i-1)
	}
	b.WriteString(`{{template "t60"}}`)
	return b.String()
}

// TestExecutionBudget runs templates that loop or grow without bound, in
// contents, paths and dirs: each fails with ErrLimit naming the bound, soon,
// and leaves no goroutine and no work running once Render has returned.
func TestExecutionBudget(t *testing.T) {
	cases := []struct {
		name  string
		extra string // blueprint.cue
		files map[string]string
		want  string
	}{
		{"range over a product", "", map[string]string{"a.txt.tmpl": "{{range mul 1000000 1000000}}{{end}}"}, "template steps"},
		{"range over a parenthesised constant", "", map[string]string{"a.txt.tmpl": "{{range (100000000000)}}{{end}}"}, "template steps"},
		{"range over a variable", "", map[string]string{"a.txt.tmpl": "{{$n := 100000000000}}{{range $n}}x{{end}}"}, "template steps"},
		{"ranges in a define called from a range", "", map[string]string{
			"a.txt.tmpl": `{{define "d"}}{{range 100000}}{{end}}{{end}}{{range 100000}}{{template "d"}}{{end}}`}, "template steps"},
		{"sixty levels of doubled template calls", "", map[string]string{"a.txt.tmpl": doubledCalls()}, "template steps"},
		{"a long body that writes nothing", "", map[string]string{
			"a.txt.tmpl": "{{range 9999999}}" + strings.Repeat("{{$a := 1}}", 10000) + "{{end}}"}, "template steps"},
		{"a long define called from a range", "", map[string]string{
			"a.txt.tmpl": `{{define "d"}}` + strings.Repeat("{{$a := 1}}", 10000) + `{{end}}{{range 9999}}{{template "d"}}{{end}}`}, "template steps"},
		{"nested ranges over data", "parameters: l: [...int] | *[for x in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] for y in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] for z in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] {x*100 + y*10 + z}]\n",
			map[string]string{"a.txt.tmpl": "{{range $.l}}{{range $.l}}{{range $.l}}{{end}}{{end}}{{end}}"}, "template steps"},
		{"indent", "", map[string]string{"a.txt.tmpl": `{{indent 1200000000 "x"}}`}, "indent would make a value larger than"},
		{"printf doubling by assignment", "", map[string]string{
			"a.txt.tmpl": `{{$s := "xxxxxxxxxxxxxxxx"}}{{range 40}}{{$s = printf "%s%s" $s $s}}{{end}}`}, "printf would make a value larger than"},
		{"print doubling by assignment", "", map[string]string{
			"a.txt.tmpl": `{{$s := "xxxxxxxxxxxxxxxx"}}{{range 40}}{{$s = print $s $s}}{{end}}`}, "print would make a value larger than"},
		{"js escaping by assignment", "", map[string]string{
			"a.txt.tmpl": `{{$s := "<<<<<<<<"}}{{range 40}}{{$s = js $s}}{{end}}`}, "js would make a value larger than"},
		{"toJson escaping by assignment", "", map[string]string{
			"a.txt.tmpl": `{{$s := "<<<<<<<<"}}{{range 40}}{{$s = toJson $s}}{{end}}`}, "toJson would make a value larger than"},
		{"quote escaping by assignment", "", map[string]string{
			"a.txt.tmpl": `{{$s := "\x00\x00"}}{{range 40}}{{$s = quote $s}}{{end}}`}, "quote would make a value larger than"},
		{"a huge printf width", "", map[string]string{"a.txt.tmpl": `{{printf "%0999999999d" 1}}`}, "printf would make a value larger than"},
		{"join doubling", "", map[string]string{
			"a.txt.tmpl": `{{$s := "xxxxxxxxxxxxxxxx"}}{{$l := split "," ",,"}}{{range 40}}{{$s = join $s $l}}{{end}}`}, "join would make a value larger than"},
		{"replace doubling", "", map[string]string{
			"a.txt.tmpl": `{{$s := "xxxxxxxxxxxxxxxx"}}{{range 40}}{{$s = replace "x" "xx" $s}}{{end}}`}, "replace would make a value larger than"},
		{"a path that loops", "", map[string]string{"{{range mul 999999 999999}}{{end}}x.txt": "x"}, "template steps"},
		{"a path that loops and writes", "", map[string]string{"{{range mul 999 999}}y{{end}}x.txt": "x"}, "a path longer than 4096 bytes"},
		{"a path that grows", "", map[string]string{`{{$s := "yy"}}{{range 30}}{{$s = printf "%s%s" $s $s}}{{end}}{{$s}}.txt`: "x"}, "printf would make a value larger than 4096 bytes"},
		{"dirs that loop", "dirs: [\"{{range mul 999999 999999}}{{end}}d\"]\n", map[string]string{"a.txt": "a"}, "template steps"},
		{"a path that loops over constants", "", map[string]string{"{{range 999999999999}}{{end}}x.txt": "x"}, "loop more than 10000000 times"},
		{"dirs that loop over constants", "dirs: [\"{{range 999999999999}}y{{end}}d\"]\n", map[string]string{"a.txt": "a"}, "loop more than 10000000 times"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bp := miniBlueprint(t, c.extra, c.files)
			params := resolve(t, bp)
			// A tenth of the default step budget: the same limit, met ten
			// times sooner under -race on a busy machine, well within the
			// ten-second deadline.
			e := newEngine(t, &render.Options{MaxFileBytes: 1 << 20, MaxSteps: 1_000_000})
			before := runtime.NumGoroutine()
			dir := filepath.Join(t.TempDir(), "out")
			start := time.Now()
			_, err := e.Render(context.Background(), bp, params, dir, nil)
			took := time.Since(start)
			require.ErrorIs(t, err, render.ErrLimit)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "Budget")
			assert.Less(t, took, 15*time.Second)
			assert.NoDirExists(t, dir)
			assertNothingLeftRunning(t, before)
			t.Logf("%v: %v", took.Round(time.Millisecond), err)
		})
	}
}

// assertNothingLeftRunning checks that no goroutine started by a call is
// still there, and that the process does not go on using the CPU.
func assertNothingLeftRunning(t *testing.T, goroutines int) {
	t.Helper()
	cpu0 := processCPU()
	time.Sleep(300 * time.Millisecond)
	used := processCPU() - cpu0
	assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines, "a goroutine outlived the call")
	if cpu0 >= 0 {
		assert.Less(t, used, 150*time.Millisecond, "work went on after the call returned")
	}
}

// TestRefusedForcedRenderLeavesNoStateDir renders with Force into a
// directory goldenpath never rendered, and fails: the directory is left as
// it was, without an empty .goldenpath/.
func TestRefusedForcedRenderLeavesNoStateDir(t *testing.T) {
	bp := miniBlueprint(t, "", map[string]string{"a.txt.tmpl": "{{range mul 1000000 1000000}}{{end}}"})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "keep.txt"), "theirs", 0o644)
	_, err := newEngine(t, nil).Render(context.Background(), bp, resolve(t, bp), dir, &render.ApplyOptions{Force: true})
	require.ErrorIs(t, err, render.ErrLimit)
	assert.Equal(t, map[string]string{"keep.txt": "theirs"}, tree(t, dir))
}

// TestRenderStepBudget spreads work over many files, each within its own
// budget: the render's budget stops them together.
func TestRenderStepBudget(t *testing.T) {
	files := map[string]string{}
	for i := range 20 {
		files[fmt.Sprintf("f%02d.txt.tmpl", i)] = "{{range mul 3000 3000}}{{end}}" // 9 000 000 steps each
	}
	bp := miniBlueprint(t, "", files)
	_, err := newEngine(t, &render.Options{MaxRenderSteps: 50_000_000}).Plan(context.Background(), bp, resolve(t, bp))
	require.ErrorIs(t, err, render.ErrLimit)
	assert.Contains(t, err.Error(), "more than 50000000 template steps in one render")
	// Each file alone is within the budget.
	one := miniBlueprint(t, "", map[string]string{"f.txt.tmpl": files["f00.txt.tmpl"]})
	_, err = newEngine(t, nil).Plan(context.Background(), one, resolve(t, one))
	require.NoError(t, err)
}
