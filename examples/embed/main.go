// Command partner-tool is the vendoring scenario: a partner's own tool that
// ships its golden paths inside its binary with go:embed and renders them
// with goldenpath, with no files to install and no network.
//
//	partner-tool list
//	partner-tool render hello-service -o ./hello --set name=hello --set port=9000
//	partner-tool --help
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/examples/internal/flagusage"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/render"
)

// blueprints are compiled into the binary.
//
//go:embed all:blueprints
var blueprints embed.FS

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }

// run runs the tool with args and returns the exit code: 0, 1 for errors,
// 2 for usage errors.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "partner-tool: no command given\n"+usage)
		return 2
	}
	var err error
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		renderFlags(stdout)
		return 0
	case "list":
		err = list(ctx, stdout)
	case "render":
		err = renderCmd(ctx, args[1:], stdout)
	default:
		fmt.Fprintf(stderr, "partner-tool: unknown command %q\n%s", args[0], usage)
		return 2
	}
	var ve *blueprint.ValidationError
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "partner-tool: %v\nRun 'partner-tool --help' for the flags.\n", err)
		return 2
	case errors.As(err, &ve):
		for _, f := range ve.Fields {
			fmt.Fprintln(stderr, f.String())
		}
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "partner-tool: %v\n", err)
		return 1
	}
	return 0
}

// load loads an embedded blueprint by name.
func load(ctx context.Context, name string) (*blueprint.Blueprint, error) {
	sub, err := fs.Sub(blueprints, "blueprints/"+name)
	if err != nil {
		return nil, err
	}
	if _, err := fs.Stat(sub, blueprint.SchemaFile); err != nil {
		return nil, fmt.Errorf("no blueprint %q in this tool", name)
	}
	return blueprint.LoadFS(ctx, sub, "embedded:"+name, nil)
}

func list(ctx context.Context, w io.Writer) error {
	entries, err := fs.ReadDir(blueprints, "blueprints")
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		bp, err := load(ctx, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s %s: %s\n", bp.Name, bp.Version, bp.Description)
	}
	return nil
}

// usage is what partner-tool --help prints before render's flags.
const usage = `usage: partner-tool list
       partner-tool render NAME -o DIR [--set KEY=VALUE]...

Commands:
  list    list the blueprints inside this tool
  render  render the blueprint NAME into DIR

Flags of render:
`

// usageError is a wrong command line: exit status 2.
type usageError struct{ error }

// newRenderFlags defines render's flags on a new flag set.
func newRenderFlags() (fset *flag.FlagSet, out *string, sets *setFlags) {
	fset = flag.NewFlagSet("render", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	out = fset.String("o", "", "render into `DIR`")
	sets = &setFlags{}
	fset.Var(sets, "set", "set a parameter: `KEY=VALUE`; repeatable")
	return fset, out, sets
}

// renderFlags prints render's flags to w.
func renderFlags(w io.Writer) {
	fset, _, _ := newRenderFlags()
	fset.SetOutput(w)
	flagusage.Print(fset)
}

type setFlags []string

func (s *setFlags) String() string     { return fmt.Sprint(*s) }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

func renderCmd(ctx context.Context, args []string, w io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(w, usage)
		renderFlags(w)
		return flag.ErrHelp
	}
	if len(args) == 0 {
		return usageError{errors.New("render needs a blueprint name")}
	}
	name := args[0]
	fset, out, sets := newRenderFlags()
	if err := fset.Parse(args[1:]); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(w, usage)
		renderFlags(w)
		return err
	} else if err != nil {
		// Go's flag package names flags with one dash: name them as
		// --help shows them.
		if f, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
			if len(f) > 1 {
				f = "-" + f
			}
			err = fmt.Errorf("unknown flag -%s", f)
		}
		return usageError{err}
	}
	if *out == "" {
		return usageError{errors.New("-o DIR is required")}
	}
	bp, err := load(ctx, name)
	if err != nil {
		return err
	}
	params, err := bp.Resolve(ctx, blueprint.Set(*sets...))
	if err != nil {
		return err
	}
	engine, err := render.New(nil)
	if err != nil {
		return err
	}
	plan, err := engine.Render(ctx, bp, params, *out, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "rendered %s %s into %s: %s\n", bp.Name, bp.Version, *out, english.Count(len(plan.Manifest.Files), "file"))
	return nil
}
