package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/goldenpath-dev/goldenpath/examples/internal/servicerun"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(evalChildEnv) == "1" || os.Getenv(asGPEnv) == "1" {
		// The child of an isolated evaluation started by a gp in a script,
		// or gp itself for TestHostileMemory.
		os.Exit(Main())
	}
	testscript.Main(withPostgres{m}, map[string]func(){
		"gp": func() { os.Exit(Main()) },
	})
}

// withPostgres runs the tests, then stops the PostgreSQL servers they
// shared, if they started them.
type withPostgres struct{ m *testing.M }

func (w withPostgres) Run() int {
	code := pgtest.Main(w.m)
	servicerun.StopPostgres()
	return code
}

// TestScripts runs testdata/script/*.txtar. Besides the standard commands,
// scripts have
//
//	exitcode N PROG [ARGS...]
//
// which runs PROG like exec and fails unless it exits with status N; its
// stdout and stderr are kept for the stdout and stderr commands. Scripts use
// "exec gp" for exit status 0 and "exitcode N gp" for any other, so every
// exit status is checked exactly.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitcode,
		},
	})
}

func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exitcode")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %q is not an exit status", args[0])
	}
	got := 0
	var ee *exec.ExitError
	switch err := ts.Exec(args[1], args[2:]...); {
	case err == nil:
	case errors.As(err, &ee):
		got = ee.ExitCode()
	default:
		ts.Fatalf("exitcode: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		pos       []string
		inputs    []inputArg
		json, err bool
	}{
		{
			args: []string{"bp", "-f", "a.yaml", "--set", "x=1", "-f=b.yaml", "--json", "--set=y=2"},
			pos:  []string{"bp"},
			inputs: []inputArg{
				{value: "a.yaml"}, {set: true, value: "x=1"}, {value: "b.yaml"}, {set: true, value: "y=2"},
			},
			json: true,
		},
		{
			args:   []string{"--set", "x=1", "bp", "-json=false", "extra"},
			pos:    []string{"bp", "extra"},
			inputs: []inputArg{{set: true, value: "x=1"}},
		},
		{
			// "--" ends the flags; a flag's value may look like a flag.
			args:   []string{"-f", "--", "-", "--", "--json", "-f"},
			pos:    []string{"-", "--json", "-f"},
			inputs: []inputArg{{value: "--"}},
		},
		{args: []string{"bp", "-f"}, err: true},
		{args: []string{"bp", "--nope", "x"}, err: true},
		{args: []string{"bp", "--set", "novalue"}, err: true},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(new(bytes.Buffer))
		var in inputFlags
		in.define(fs)
		asJSON := fs.Bool("json", false, "")
		pos, err := parseInterspersed(fs, tc.args)
		if (err != nil) != tc.err {
			t.Errorf("%q: error %v, want error %v", tc.args, err, tc.err)
			continue
		}
		if tc.err {
			continue
		}
		if !slices.Equal(pos, tc.pos) || !slices.Equal(in.list, tc.inputs) || *asJSON != tc.json {
			t.Errorf("%q: got %q %v json=%v, want %q %v json=%v", tc.args, pos, in.list, *asJSON, tc.pos, tc.inputs, tc.json)
		}
	}
}

// TestRun calls run in process, as an embedding program would.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string // a substring of stdout
		stderr string // a substring of stderr, which must be empty if ""
	}{
		{args: []string{"--help"}, code: 0, stdout: "Commands:"},
		{args: []string{"help", "schema"}, code: 0, stdout: "Usage: gp schema BLUEPRINT"},
		{args: []string{"schema", "-h"}, code: 0, stdout: "Usage: gp schema BLUEPRINT"},
		{args: nil, code: 2, stderr: "gp: no command given"},
		{args: []string{"--nope"}, code: 2, stderr: "gp: unknown flag --nope"},
		{args: []string{"frobnicate"}, code: 2, stderr: `gp: unknown command "frobnicate"`},
		{args: []string{"validate", "testdata/no-such-dir"}, code: 1, stderr: "gp: blueprint testdata/no-such-dir: no such directory"},
		{args: []string{"version", "extra"}, code: 2, stderr: `gp version: unexpected argument "extra"`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, nil, &stdout, &stderr)
		if code != tc.code {
			t.Errorf("gp %q: exit %d, want %d\nstderr: %s", tc.args, code, tc.code, stderr.String())
		}
		if !strings.Contains(stdout.String(), tc.stdout) {
			t.Errorf("gp %q: stdout %q does not contain %q", tc.args, stdout.String(), tc.stdout)
		}
		if tc.stderr == "" && stderr.Len() > 0 {
			t.Errorf("gp %q: unexpected stderr %q", tc.args, stderr.String())
		}
		if !strings.Contains(stderr.String(), tc.stderr) {
			t.Errorf("gp %q: stderr %q does not contain %q", tc.args, stderr.String(), tc.stderr)
		}
		if code != 0 && tc.code != 0 && stdout.Len() > 0 {
			t.Errorf("gp %q: failed with output on stdout: %q", tc.args, stdout.String())
		}
	}
}
