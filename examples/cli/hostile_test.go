package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// asGPEnv makes the test binary run gp (TestMain).
const asGPEnv = "GP_TEST_AS_GP"

// TestHostileMemory runs gp, as a process of its own, on blueprints that
// would take gigabytes, and measures its peak resident memory (with its
// isolation child's): each is refused by its bound, which its error names,
// and under 1 GiB.
func TestHostileMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("isolation and the memory measure need Linux")
	}
	if testing.Short() {
		t.Skip("runs gp on blueprints that need gigabytes")
	}
	dir := t.TempDir()
	// bp writes a blueprint: imports, then the header, then params.
	bp := func(name, imports, params string, files map[string]string) string {
		d := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Join(d, "template"), 0o755))
		cue := imports + "name: \"" + name + "\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: " + params + "\n"
		require.NoError(t, os.WriteFile(filepath.Join(d, "blueprint.cue"), []byte(cue), 0o644))
		for p, c := range files {
			require.NoError(t, os.WriteFile(filepath.Join(d, "template", p), []byte(c), 0o644))
		}
		return d
	}
	out := filepath.Join(dir, "out")
	hungry := bp("hungry", "import \"list\"\n", "n: [...int] | *list.Range(0, 200000000, 1)", nil)
	cases := []struct {
		name string
		args []string
		want string // a regular expression
	}{
		{"CUE: a default list of 200 million integers", []string{"validate", "--isolate", "--eval-memory", "256", "--eval-timeout", "2m", hungry},
			"CUE evaluation exceeded 256 MiB"},
		// The defaults: 1 GiB for the child, 10 s for the evaluation;
		// whichever the child meets first is named.
		{"CUE: a default list of 200 million integers, default limits", []string{"validate", "--isolate", hungry},
			`CUE evaluation exceeded 1024 MiB|cue evaluation timed out after 10s \(in the isolated child\)`},
		{"template: indent to 1.2 GB", []string{"render", bp("indent", "", "{}", map[string]string{"a.txt.tmpl": `{{indent 1200000000 "x"}}`}),
			"-o", out}, "indent would make a value larger than"},
		{"template: printf doubling", []string{"render", bp("doubling", "", "{}", map[string]string{
			"a.txt.tmpl": `{{$s := "xxxxxxxxxxxxxxxx"}}{{range 40}}{{$s = printf "%s%s" $s $s}}{{end}}{{$s}}`}), "-o", out},
			"printf would make a value larger than"},
		{"template: a file name that writes without end", []string{"render", bp("pathloop", "", "{}", map[string]string{
			"{{range mul 999 999}}y{{end}}x.txt": "x"}), "-o", out}, "a path longer than 4096 bytes"},
		// Ten million template steps one by one: the step budget, or,
		// under -race on a loaded machine, the ten seconds a file may take.
		{"template: sixty levels of doubled template calls", []string{"render", bp("calls", "", "{}", map[string]string{
			"a.txt.tmpl": doubledCalls()}), "-o", out}, "render limit exceeded"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], c.args...)
			// The mark is inherited by gp's isolation child: a process
			// that still carries it once gp exited was left running.
			mark := fmt.Sprintf("GP_TEST_HOSTILE_MARK=%d-%d", os.Getpid(), i)
			cmd.Env = append(os.Environ(), asGPEnv+"=1", mark)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			err := cmd.Run()
			took := time.Since(start)
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
			assert.Equal(t, 1, ee.ExitCode())
			assert.Regexp(t, c.want, stderr.String())
			assert.Less(t, took, 3*time.Minute, "refusing took longer than every limit of the case")
			assert.Empty(t, marked(mark), "processes left running after gp exited")
			rss := maxRSS(cmd.ProcessState)
			if !raceEnabled {
				assert.Less(t, rss, int64(1<<30), "gp took more than 1 GiB")
			}
			assert.NoDirExists(t, out)
			t.Logf("%v, peak %d MiB: %s", took.Round(time.Millisecond), rss>>20, strings.TrimSpace(stderr.String()))
		})
	}
}

// marked lists the processes whose environment holds mark (Linux's /proc).
func marked(mark string) []string {
	files, _ := filepath.Glob("/proc/[0-9]*/environ")
	var pids []string
	for _, f := range files {
		env, err := os.ReadFile(f)
		if err != nil {
			continue // ended meanwhile, or not ours
		}
		for v := range bytes.SplitSeq(env, []byte{0}) {
			if string(v) == mark {
				pids = append(pids, filepath.Base(filepath.Dir(f)))
			}
		}
	}
	return pids
}

// TestUntrustedIsolates: --untrusted alone turns isolation on (on Linux),
// with gp itself as the child and the default 1 GiB, and a blueprint that
// needs gigabytes, loaded with those options, is refused by a limit of
// the child: the memory or the deadline.
func TestUntrustedIsolates(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("isolation needs Linux")
	}
	fs := flag.NewFlagSet("gp", flag.ContinueOnError)
	var sf sourceFlags
	sf.define(fs)
	require.NoError(t, fs.Parse([]string{"--untrusted"}))
	opts, err := sf.loadOptions()
	require.NoError(t, err)
	require.NotNil(t, opts.Isolation, "--untrusted evaluates in process")
	self, err := os.Executable()
	require.NoError(t, err)
	assert.Equal(t, []string{self}, opts.Isolation.Command)
	assert.Contains(t, opts.Isolation.Env, evalChildEnv+"=1")
	assert.Equal(t, int64(1<<30), opts.Isolation.MaxMemory)
	if testing.Short() {
		return
	}
	// The strict policy refuses local paths: LoadDir names the directory
	// as a program does, with the options --untrusted gives.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "template"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blueprint.cue"), []byte("import \"list\"\nname: \"hungry\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: n: [...int] | *list.Range(0, 200000000, 1)\n"), 0o644))
	_, err = blueprint.LoadDir(context.Background(), dir, opts)
	require.Error(t, err)
	assert.Regexp(t, `CUE evaluation exceeded 1024 MiB|cue evaluation timed out after 10s \(in the isolated child\)`, err.Error())
}

// doubledCalls is sixty levels of templates each calling the one below
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
