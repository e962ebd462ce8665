package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/examples/internal/flagusage"
	"io"
	"regexp"
	"strings"
	"sync"
)

// A command is one entry of the command table.
type command struct {
	// name is what the user types after gp.
	name string
	// summary is a one-line description, lower case, without a full stop.
	summary string
	// usage is the synopsis after "gp ".
	usage string
	// help is the longer description, in paragraphs.
	help string
	// example holds example command lines, one per line.
	example string
	// setup defines the command's flags on fs (one FlagSet per run) and
	// returns the function that runs the command with the positional
	// arguments. The function returns nil for success, a *usageError, an
	// *exitError after reporting everything itself, a
	// *blueprint.ValidationError, or any other error.
	setup func(fs *flag.FlagSet) runFunc
}

type runFunc func(ctx context.Context, e *env, args []string) error

// newFlagSet returns the command's flags and its run function.
func (c *command) newFlagSet() (*flag.FlagSet, runFunc) {
	fs := flag.NewFlagSet("gp "+c.name, flag.ContinueOnError)
	// Parse errors and help are reported by execute, to the right stream.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs, c.setup(fs)
}

// execute parses args and runs the command, reporting any error.
func (c *command) execute(ctx context.Context, e *env, args []string) int {
	fs, runf := c.newFlagSet()
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		c.printHelp(e.stdout)
		return exitOK
	}
	if err != nil {
		return c.report(e, &usageError{msg: err.Error()})
	}
	return c.report(e, runf(ctx, e, pos))
}

// parseInterspersed parses the flags in args wherever they appear and returns
// the positional arguments in order. "--" ends the flags; a lone "-" is a
// positional argument. -h, -help or --help anywhere among the flags returns
// flag.ErrHelp.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	unknown := "" // the first unknown flag, as written
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name, _, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		f := fs.Lookup(name)
		if f == nil {
			if name == "h" || name == "help" {
				// Help wins over any other mistake on the command line.
				return nil, flag.ErrHelp
			}
			if unknown == "" {
				unknown, _, _ = strings.Cut(a, "=")
			}
			continue
		}
		if !hasValue && !isBoolFlag(f) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if unknown != "" {
		return nil, fmt.Errorf("unknown flag %s", unknown)
	}
	if err := fs.Parse(flags); err != nil {
		return nil, errors.New(dashes(err.Error()))
	}
	return append(pos, fs.Args()...), nil
}

// flagDash matches a flag name as the flag package writes it in its errors:
// one dash, after "flag " or ": " ("invalid value "x" for flag -set",
// "flag needs an argument: -o").
// Compiled on first use: gp's start-up is measured.
var flagDash = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(flag |for |: )-([A-Za-z][A-Za-z0-9-]+)`)
})

// dashes rewrites the flag package's error messages with the names as gp's
// help shows them: --long, -s.
func dashes(msg string) string {
	return flagDash().ReplaceAllString(msg, "$1--$2")
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// exactArgs checks that args holds one argument per name.
func exactArgs(args []string, names ...string) error {
	if len(args) < len(names) {
		return usageErrorf("missing %s argument", names[len(args)])
	}
	if len(args) > len(names) {
		return usageErrorf("unexpected argument %q", args[len(names)])
	}
	return nil
}

// printShortUsage prints the reminder shown after a usage error.
func (c *command) printShortUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: gp %s\nRun 'gp help %s' for details.\n", c.usage, c.name)
}

// printHelp prints the command's full help.
func (c *command) printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: gp %s\n\n%s\n", c.usage, strings.TrimSpace(c.help))
	fs, _ := c.newFlagSet()
	fmt.Fprint(w, "\nFlags:\n")
	fs.SetOutput(w)
	flagusage.Print(fs)
	if c.example != "" {
		fmt.Fprint(w, "\nExample:\n")
		for _, line := range strings.Split(strings.TrimSpace(c.example), "\n") {
			fmt.Fprintf(w, "  %s\n", strings.TrimSpace(line))
		}
	}
}

var helpCmd = &command{
	name:    "help",
	summary: "show help for gp or one of its commands",
	usage:   "help [COMMAND]",
	help: `
Help prints the list of commands, or the usage, flags and an example of
COMMAND. "gp COMMAND --help" does the same.`,
	example: "gp help validate",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, e *env, args []string) error {
			switch len(args) {
			case 0:
				printUsage(e.stdout)
				return nil
			case 1:
				c := lookup(args[0])
				if c == nil {
					return usageErrorf("unknown command %q", args[0])
				}
				c.printHelp(e.stdout)
				return nil
			}
			return usageErrorf("unexpected argument %q", args[1])
		}
	},
}
