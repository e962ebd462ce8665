// Command gp is the goldenpath command line. It is an example built only on
// the public API of github.com/goldenpath-dev/goldenpath.
//
// Usage:
//
//	gp COMMAND [ARGS]
//	gp help [COMMAND]
//
// The commands are:
//
//	validate   check parameter values against a blueprint
//	schema     print a blueprint's parameters as JSON Schema
//	render     render a blueprint into a directory
//	upgrade    upgrade a rendered project to a new blueprint version
//	recover    complete an interrupted render or upgrade of a project
//	catalog    list the blueprints of a catalog and show one of them
//	decisions  list, show, lint and check architectural decisions
//	scan       observe rendered projects: drift, decisions, exceptions, lag
//	report     aggregate the signal store: which decision to revisit and why
//	propose    turn a blueprint's desire paths into its next version, verified
//	feedback   record a rating of a blueprint or a decision
//	store      copy signals between stores (JSON Lines files, PostgreSQL)
//	fleet      render, upgrade or check many projects
//	version    print the version of gp
//	help       show help for gp or one of its commands
//
// Flags may come before, between or after positional arguments
// ("gp validate DIR -f values.yaml --set tier=prod"); "--" ends the flags.
// Flags may be written with one dash or two. -f and --set may be repeated:
// inputs are applied in command-line order, later ones overriding earlier
// ones.
//
// Results go to standard output; errors, and only errors, go to standard
// error. Validation errors are printed one per line in the compiler
// convention FILE:LINE:COL: FIELD: MESSAGE, so editors can jump to them.
//
// Exit codes:
//
//	0  success
//	1  invalid input (a blueprint or parameter values that fail validation),
//	   enforced findings, or any other error
//	2  usage error: unknown command, bad flag, missing or extra arguments
//	3  conflicts left by an upgrade and not resolved yet (upgrade, render,
//	   scan)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// Exit codes.
const (
	exitOK        = 0
	exitInvalid   = 1 // invalid input, enforced findings or any other error
	exitUsage     = 2
	exitConflicts = 3 // conflicts left by an upgrade and not resolved yet
)

func main() { os.Exit(Main()) }

// Main runs gp with the process's arguments and standard streams and returns
// the exit code.
func Main() int {
	if os.Getenv(evalChildEnv) == "1" {
		return serveEvaluation()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// env is what a command may use of its process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run runs gp with args (without the program name) and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "gp: no command given")
		printShortUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		printUsage(stdout)
		return exitOK
	}
	if strings.HasPrefix(name, "-") {
		fmt.Fprintf(stderr, "gp: unknown flag %s (flags go after the command)\n", name)
		printShortUsage(stderr)
		return exitUsage
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(stderr, "gp: unknown command %q\n", name)
		printShortUsage(stderr)
		return exitUsage
	}
	return cmd.execute(ctx, e, args[1:])
}

// commands is the command table, in the order help lists it. It is filled in
// init because help refers to it.
var commands []*command

func init() {
	commands = []*command{
		validateCmd,
		schemaCmd,
		renderCmd,
		upgradeCmd,
		recoverCmd,
		catalogCmd,
		decisionsCmd,
		scanCmd,
		reportCmd,
		proposeCmd,
		feedbackCmd,
		storeCmd,
		fleetCmd,
		versionCmd,
		helpCmd,
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// printUsage prints the top-level help.
func printUsage(w io.Writer) {
	fmt.Fprint(w, `gp works with golden paths: it validates parameter values against a
blueprint, renders and upgrades projects without losing their edits, keeps
the architectural decisions and checks projects against them, scans projects
into feedback signals, and reports which decision or blueprint to revisit.

Usage:
  gp COMMAND [ARGS]

Commands:
`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, `
Run 'gp help COMMAND' for a command's flags and an example.

Exit codes:
  %d  success
  %d  invalid input, enforced findings, or any other error
  %d  usage error
  %d  conflicts left by an upgrade, not resolved yet (upgrade, render, scan)
`, exitOK, exitInvalid, exitUsage, exitConflicts)
}

// printShortUsage prints the usage reminder shown after a usage error.
func printShortUsage(w io.Writer) {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	fmt.Fprintf(w, "Usage: gp COMMAND [ARGS]\nCommands: %s\nRun 'gp help' for details.\n", strings.Join(names, ", "))
}

// usageError is a mistake on the command line: it exits 2 with a usage
// reminder.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitError ends a command with code after it has reported everything
// itself.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// report prints err the way its kind asks and returns the exit code.
func (c *command) report(e *env, err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var ee *exitError
	var ve *blueprint.ValidationError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "gp %s: %s\n", c.name, ue.msg)
		c.printShortUsage(e.stderr)
		return exitUsage
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ve):
		printFieldErrors(e.stderr, ve)
		return exitInvalid
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(e.stderr, "gp: interrupted")
		return exitInvalid
	}
	fmt.Fprintf(e.stderr, "gp: %v\n", err)
	return exitInvalid
}

// printFieldErrors prints one line per field in the compiler convention.
func printFieldErrors(w io.Writer, ve *blueprint.ValidationError) {
	if len(ve.Fields) == 0 {
		fmt.Fprintf(w, "gp: %s: invalid\n", ve.Blueprint)
		return
	}
	for _, f := range ve.Fields {
		fmt.Fprintln(w, f.String())
	}
}
