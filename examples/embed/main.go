// Command partner-tool is the vendoring scenario: a partner's own tool that
// ships its golden paths inside its binary with go:embed and renders them
// with goldenpath, with no files to install and no network.
//
//	partner-tool list
//	partner-tool render hello-service -o ./hello --set name=hello --set port=9000
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"

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
		fmt.Fprintln(stderr, "usage: partner-tool list | render NAME -o DIR [--set KEY=VALUE]...")
		return 2
	}
	var err error
	switch args[0] {
	case "list":
		err = list(ctx, stdout)
	case "render":
		err = renderCmd(ctx, args[1:], stdout)
	default:
		fmt.Fprintf(stderr, "partner-tool: unknown command %q\n", args[0])
		return 2
	}
	var ve *blueprint.ValidationError
	switch {
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

type setFlags []string

func (s *setFlags) String() string     { return fmt.Sprint(*s) }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

func renderCmd(ctx context.Context, args []string, w io.Writer) error {
	if len(args) == 0 {
		return errors.New("render needs a blueprint name")
	}
	name := args[0]
	fset := flag.NewFlagSet("render", flag.ContinueOnError)
	out := fset.String("o", "", "render into DIR")
	var sets setFlags
	fset.Var(&sets, "set", "KEY=VALUE")
	if err := fset.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-o DIR is required")
	}
	bp, err := load(ctx, name)
	if err != nil {
		return err
	}
	params, err := bp.Resolve(ctx, blueprint.Set(sets...))
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
