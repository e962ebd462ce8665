package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/render"
)

var renderCmd = &command{
	name:    "render",
	summary: "render a blueprint into a directory",
	usage:   "render BLUEPRINT -o DIR [-f FILE]... [--set KEY=VALUE]... [--dry-run] [--force] [--json]",
	help: `
Render resolves the parameter values given with -f and --set against the
blueprint in the directory BLUEPRINT and renders the project into DIR,
with its manifest in DIR/.goldenpath/manifest.json. Every file and the
manifest are written, or none: a new DIR appears whole or not at all, and
a render of an existing project that is killed after it committed is
completed by the next render or by gp recover DIR (until then, commands
that only read the project refuse it).

Invalid parameters are reported like validate reports them (exit 1), and
nothing is created. With --dry-run the plan is printed — every file with
its change against DIR (added, changed, unchanged, removed), level, size
and path — and nothing is written.

DIR may be missing or empty, or a project goldenpath rendered before: its
files are re-rendered, seeded files that exist are left alone, and files
edited since the last render are not overwritten (exit 1, listing them;
gp upgrade merges them). A non-empty DIR that goldenpath did not render is
refused. --force writes anyway, keeping each overwritten edit under
DIR/.goldenpath/overwritten/. A project with conflicts an upgrade left and
that are not resolved is not rendered, even with --force or --dry-run
(exit 3, listing them; see gp upgrade --resolved).

With --json the plan is printed in its JSON form, {"manifest": ...,
"decisions": ...} (the manifest written, and the evaluation of the
decisions in force when there was one); a dry run adds "changes", the
change of each file against DIR.

On a terminal, without -f or --set, render asks for each parameter,
showing its description, default and constraints (Enter keeps the
default), and asks again for the values that fail validation; with -f or
--set, it asks only for the required parameters they leave out. It never
asks when standard input is not a terminal.

With --decisions SOURCE (or $GP_DECISIONS) the decisions in force for the
blueprint are evaluated against the parameters and the rendered files
before anything is written, with the exceptions of DIR's
.goldenpath/exceptions.yaml. An enforced rule that fails refuses the
render: every finding is printed on standard error and nothing is written
(exit 1). Warnings, audits and exemptions are printed after the result and
recorded in the manifest with the decisions' versions and digests.`,
	example: `
gp render ./blueprints/go-service -o ./orders --set name=orders --set tier=prod --set replicas=3
gp render ./blueprints/go-service -o ./orders -f values.yaml --dry-run`,
	setup: func(fs *flag.FlagSet) runFunc {
		var in inputFlags
		in.define(fs)
		out := fs.String("o", "", "render into `DIR`")
		dryRun := fs.Bool("dry-run", false, "print the plan and write nothing")
		force := fs.Bool("force", false, "write into a directory goldenpath did not render, and overwrite edited files")
		asJSON := fs.Bool("json", false, "print the plan or manifest as JSON")
		var df decisionFlags
		df.defineForRender(fs)
		return func(ctx context.Context, e *env, args []string) error {
			if err := exactArgs(args, "BLUEPRINT"); err != nil {
				return err
			}
			if *out == "" {
				return usageErrorf("-o DIR is required")
			}
			inputs, err := in.inputs(e.stdin)
			if err != nil {
				return err
			}
			df.src = in.src
			return renderProject(ctx, e, &in.src, &df, args[0], *out, inputs, in.empty() && terminal(e.stdin), *dryRun, *force, *asJSON)
		}
	},
}

// dryRunJSON is the --json output of a dry run: the plan's JSON form
// (render.Plan.MarshalJSON) with the changes it would make.
func dryRunJSON(plan *render.Plan, changes []render.FileDiff) (map[string]json.RawMessage, error) {
	data, err := json.Marshal(plan)
	if err != nil {
		return nil, err
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	if changes == nil {
		changes = []render.FileDiff{}
	}
	if out["changes"], err = json.Marshal(changes); err != nil {
		return nil, err
	}
	return out, nil
}

func renderProject(ctx context.Context, e *env, sf *sourceFlags, df *decisionFlags, src, dir string, inputs []blueprint.Input, ask, dryRun, force, asJSON bool) error {
	if err := checkConflicts(e, dir, "since an upgrade (nothing was written)"); err != nil {
		return err
	}
	bp, err := sf.load(ctx, src)
	if err != nil {
		return err
	}
	var params *blueprint.Params
	if ask {
		fmt.Fprintf(e.stderr, "%s %s: %s\nEnter keeps the default in brackets.\n", bp.Name, bp.Version, bp.Description)
		params, err = prompt(ctx, e, bp, nil, nil)
	} else {
		params, err = bp.Resolve(ctx, inputs...)
		if missing := missingOnly(bp, err); missing != nil && terminal(e.stdin) {
			// On a terminal, what was given is kept and only what is
			// missing is asked for.
			fmt.Fprintf(e.stderr, "%s %s: %s missing.\n", bp.Name, bp.Version, english.Count(len(missing), "required parameter"))
			params, err = prompt(ctx, e, bp, inputs, missing)
		}
	}
	if err != nil {
		return err
	}
	opts := &render.Options{}
	var popts render.PlanOptions
	if df.source != "" || os.Getenv("GP_DECISIONS") != "" {
		now, err := df.now()
		if err != nil {
			return err
		}
		if opts.Decisions, err = df.load(ctx, ""); err != nil {
			return err
		}
		opts.Now = func() time.Time { return now }
		popts.Subject = dir
	}
	// A dry run writes nothing: a project with an interrupted apply
	// pending is refused, not planned against as a mix of two versions. A
	// render completes it (Apply recovers first).
	var project *render.Project
	if dryRun {
		p, done, err := readTarget(dir)
		switch {
		case errors.Is(err, render.ErrNotProject) && !force:
			return fmt.Errorf("%s is not empty and was not rendered by goldenpath: use --force to render into it", dir)
		case err != nil && !errors.Is(err, render.ErrNotProject):
			return err
		}
		if done != nil {
			defer done()
		}
		project = p
	} else if err := render.Recover(dir); err != nil {
		return err
	}
	if opts.Decisions != nil {
		if project != nil {
			popts.Exceptions = project.Exceptions()
		} else if xs, err := decision.ReadExceptions(os.DirFS(dir), filepath.Join(dir, filepath.FromSlash(decision.ExceptionsFile))); err == nil {
			popts.Exceptions = xs
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	engine, err := render.New(opts)
	if err != nil {
		return err
	}
	var plan *render.Plan
	if dryRun {
		plan, err = engine.PlanWith(ctx, bp, params, &popts)
	} else {
		// One pass: the files are rendered once, straight into the
		// directory's staging area.
		plan, err = engine.RenderWith(ctx, bp, params, dir, &render.ApplyOptions{Force: force}, &popts)
	}
	var refused *decision.EnforcedError
	if errors.As(err, &refused) {
		for _, f := range refused.Findings {
			fmt.Fprintln(e.stderr, f.String())
		}
		fmt.Fprintf(e.stderr, "gp: render refused: %s; nothing written\n", english.Count(len(refused.Enforced()), "enforced rule failure"))
		return &exitError{code: exitInvalid}
	}
	if dryRun {
		if err != nil {
			return err
		}
		changes, err := engine.Diff(ctx, plan, project)
		if err != nil {
			return err
		}
		if project == nil {
			// With --force into a directory goldenpath did not render, a
			// planned file that is there already is overwritten.
			for i, c := range changes {
				if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(c.Path))); err == nil {
					changes[i].Change = render.Changed
				}
			}
		}
		if asJSON {
			out, err := dryRunJSON(plan, changes)
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, out)
		}
		sizes := map[string]int64{}
		for _, f := range plan.Manifest.Files {
			sizes[f.Path] = f.Size
		}
		fmt.Fprintf(e.stdout, "plan: %s %s into %s (dry run, nothing written)\n", bp.Name, bp.Version, dir)
		for _, c := range changes {
			fmt.Fprintf(e.stdout, "  %-9s  %-7s  %7d  %s\n", c.Change, c.Level, sizes[c.Path], c.Path)
		}
		printFindings(e, plan)
		return nil
	}
	var edited *render.EditedError
	switch {
	case errors.As(err, &edited):
		for _, p := range edited.Paths {
			fmt.Fprintf(e.stderr, "%s: edited since the last render\n", p)
		}
		return fmt.Errorf("%s: %s would be overwritten: merge them with gp upgrade, or overwrite them with --force (a copy is kept)", dir, english.Count(len(edited.Paths), "edited file"))
	case errors.Is(err, render.ErrNotProject):
		return fmt.Errorf("%s is not empty and was not rendered by goldenpath: use --force to render into it", dir)
	case err != nil:
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, plan)
	}
	l := plan.Levels()
	fmt.Fprintf(e.stdout, "rendered %s %s into %s: %s (%d managed, %d shared, %d seeded)\n",
		bp.Name, bp.Version, dir, english.Count(len(plan.Manifest.Files), "file"), l[blueprint.Managed], l[blueprint.Shared], l[blueprint.Seeded])
	printFindings(e, plan)
	return nil
}

// printFindings prints the evaluation of the decisions in force, when the
// render evaluated any.
func printFindings(e *env, plan *render.Plan) {
	if rep := plan.Evaluation(); rep != nil {
		printReport(e, "decisions", rep)
	}
}
