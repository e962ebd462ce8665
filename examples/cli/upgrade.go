package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/examples/internal/signalstore"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

var upgradeCmd = &command{
	name:    "upgrade",
	summary: "upgrade a rendered project to a new blueprint version, merging downstream edits",
	usage:   "upgrade DIR [--to SOURCE] [--from SOURCE | --without-base] [--catalog SOURCE]... [-f FILE]... [--set KEY=VALUE]... [--decisions SOURCE] [--dry-run] [--withhold] [--diff3] [--store FILE|URL] [--json] | upgrade DIR --resolved FILE...",
	help: `
Upgrade merges three versions of every file of the project in DIR: the
blueprint version its manifest records, rendered with the recorded
parameters (loaded from the recorded source, or --from); the new version
(--to), rendered with the same parameters after the new version's
migrations and with -f and --set applied; and the files on disk.

Managed files are replaced (an edit is kept under .goldenpath/overwritten/);
shared files are merged, line by line or by YAML/JSON structure; seeded
files are never touched. One line per file says what happened: unchanged,
updated, merged, conflict, added, removed, kept-removed or overwritten.
Conflicts are written into the file with <<<<<<< markers, or, with
--withhold, left out of it and written under .goldenpath/conflicts/; in a
YAML or JSON file the markers surround the entries of the conflicting keys,
and each conflict is listed with its line and key.

The manifest remembers the files left in conflict. Until they are
resolved, gp upgrade, gp render and gp scan exit 3 listing them, and
upgrade and render write nothing. A conflict is resolved when its markers
are gone from the file and its copy under .goldenpath/conflicts/ is
removed; --resolved FILE... says so (it refuses a file that still has
markers, and removes the copy), and is the only way to resolve a file
removed upstream and edited in the project that you keep.

When the recorded version is gone (a local directory changed in place, a
deleted tag), --without-base upgrades by the manifest's hashes alone:
files the project did not change are upgraded as usual, and files changed
on both sides become conflicts holding both versions whole.

Without --to, the newest version in the catalog of the recorded source:
the tags of its git repository, or the blueprints beside its directory;
--catalog (or $GP_CATALOG) names other catalogs to look in.

With --decisions (or $GP_DECISIONS), the new version is held to the
decisions in force, with the project's exceptions
(.goldenpath/exceptions.yaml): an enforced failure refuses the upgrade and
writes nothing; other findings are printed.

With --store FILE|URL (or $GP_STORE), the upgrade's outcome is appended
to the signal store, one upgrade signal per file that merged (pass),
conflicted (fail, also when the upgrade exits 3), was overwritten (a
managed file's edit, warn) or stays deleted (warn); gp report counts the
conflicts per blueprint file. The project is named by DIR's base name.

With --dry-run every result and its diff is printed and nothing is
written or recorded. With --json the result is printed as JSON.

Exit 0 when the upgrade left no conflict, 3 when conflicts remain (the
project was upgraded; resolve them) or conflicts of an earlier upgrade are
unresolved (nothing was written), 1 on errors (nothing was written).`,
	example: `
gp upgrade ./orders --to ./blueprints/go-service-v2 --dry-run
gp upgrade ./orders --set metricsPort=9100
gp upgrade ./orders --resolved deploy/k8s/deployment.yaml`,
	setup: func(fs *flag.FlagSet) runFunc {
		var in inputFlags
		in.define(fs)
		var df decisionFlags
		df.defineForRender(fs)
		to := fs.String("to", "", "upgrade to the blueprint at `SOURCE` (default: the newest in the recorded source's catalog)")
		from := fs.String("from", "", "the recorded blueprint version is at `SOURCE` (default: the recorded source)")
		var cats stringsFlag
		fs.Var(&cats, "catalog", "look for the newest version in `SOURCE` too; repeatable (default $GP_CATALOG)")
		dryRun := fs.Bool("dry-run", false, "print every result with its diff and write nothing")
		withhold := fs.Bool("withhold", false, "leave conflicted files as they are; write the merges with markers under .goldenpath/conflicts/")
		diff3 := fs.Bool("diff3", false, "show the recorded version in conflict markers too (|||||||)")
		withoutBase := fs.Bool("without-base", false, "upgrade without the recorded version (gone, or changed in place): the manifest's hashes say what the project changed, and files changed on both sides are conflicts")
		asJSON := fs.Bool("json", false, "print the result as JSON")
		var st storeFlag
		st.define(fs, "record the outcome of every file in")
		resolved := fs.Bool("resolved", false, "mark the files FILE... given after DIR as resolved, and write nothing else")
		return func(ctx context.Context, e *env, args []string) error {
			if *resolved {
				if len(args) < 2 {
					return usageErrorf("--resolved needs DIR and at least one FILE")
				}
				if *to != "" || *from != "" || *dryRun || *withhold || *diff3 || *withoutBase || *asJSON || st.path != "" || len(cats) > 0 || !in.empty() {
					return usageErrorf("--resolved FILE... takes no other flag: it only marks files resolved")
				}
				return resolveConflicts(e, args[0], args[1:])
			}
			if err := exactArgs(args, "DIR"); err != nil {
				return err
			}
			inputs, err := in.inputs(e.stdin)
			if err != nil {
				return err
			}
			eopts, err := df.engineOptions(ctx, &in.src)
			if err != nil {
				return err
			}
			return upgradeProject(ctx, e, &in.src, args[0], upgradeArgs{
				to: *to, from: *from, catalogs: cats.orEnv("GP_CATALOG"), inputs: inputs, engine: eopts,
				opts:  render.UpgradeOptions{DryRun: *dryRun, WithholdConflicts: *withhold, Diff3: *diff3, WithoutBase: *withoutBase},
				store: &st,
			}, *asJSON)
		}
	},
}

type upgradeArgs struct {
	to, from string
	catalogs []string
	inputs   []blueprint.Input
	opts     render.UpgradeOptions
	engine   *render.Options
	// store, when it names a store, records the outcome (not of a dry run).
	store *storeFlag
}

func upgradeProject(ctx context.Context, e *env, sf *sourceFlags, dir string, a upgradeArgs, asJSON bool) error {
	// An upgrade that writes completes an interrupted apply first; a dry
	// run writes nothing, so it refuses a project with one pending.
	var p *render.Project
	if err := checkProjectDir(dir); err != nil {
		return err
	}
	var err error
	if a.opts.DryRun {
		var done func()
		if p, done, err = readProject(dir); err == nil {
			defer done()
		}
	} else {
		p, err = render.OpenProject(dir)
	}
	if errors.Is(err, render.ErrNotProject) || errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no %s: not a project goldenpath rendered", dir, render.ManifestPath)
	}
	if err != nil {
		return err
	}
	m := p.Manifest()
	lopts, err := sf.loadOptions()
	if err != nil {
		return err
	}
	var to *blueprint.Blueprint
	if a.to != "" {
		to, err = blueprint.Load(ctx, a.to, lopts)
	} else {
		to, err = newestVersion(ctx, lopts.Fetcher.(*blueprint.Sources), lopts, m.Blueprint, a.catalogs)
	}
	if err != nil {
		return err
	}
	if to.Name != m.Blueprint.Name && a.to == "" {
		return fmt.Errorf("%s: the catalog's newest %s is named %s", dir, m.Blueprint.Name, to.Name)
	}
	opts := a.opts
	opts.Inputs = a.inputs
	opts.Load = lopts
	if a.from != "" && opts.WithoutBase {
		return usageErrorf("--from and --without-base: give one")
	}
	if a.from != "" {
		if opts.Base, err = blueprint.Load(ctx, a.from, lopts); err != nil {
			return err
		}
	}
	engine, err := render.New(a.engine)
	if err != nil {
		return err
	}
	// The store is opened before the upgrade writes: one that cannot be
	// opened stops it.
	var store signalstore.Store
	if a.store != nil && a.store.name("") != "" && !opts.DryRun {
		if store, err = a.store.open(ctx, "", false); err != nil {
			return err
		}
		defer store.Close()
	}
	res, err := engine.Upgrade(ctx, p, to, &opts)
	var ce *render.ConflictsError
	if errors.As(err, &ce) {
		printConflicts(e.stderr, dir, "since an upgrade (nothing was written)", ce.Files)
		return &exitError{code: exitConflicts}
	}
	if err != nil {
		var pe *render.ParamsError
		var ve *blueprint.ValidationError
		if errors.As(err, &pe) && errors.As(pe.Err, &ve) {
			printFieldErrors(e.stderr, ve)
			fmt.Fprintf(e.stderr, "gp: %s: the recorded parameters, migrated, do not fit %s %s; nothing was written\n", dir, to.Name, to.Version)
			if len(pe.Missing) > 0 {
				fmt.Fprintf(e.stderr, "gp: give the new required parameters: --set %s\n", strings.Join(pe.Missing, " --set "))
			}
			return &exitError{code: exitInvalid}
		}
		return err
	}
	if asJSON {
		if err := writeJSON(e.stdout, res); err != nil {
			return err
		}
	} else {
		printUpgrade(e.stdout, res)
	}
	if store != nil {
		subject := feedback.Subject{Project: filepath.Base(filepath.Clean(dir)), Dir: dir, Blueprint: m.Blueprint.Name}
		sigs := scan.Upgrade(nil, subject, res)
		if err := store.Append(ctx, sigs...); err != nil {
			return fmt.Errorf("%s: upgraded, but recording its outcome in %s: %w", dir, a.store.display(""), err)
		}
		fmt.Fprintf(e.stderr, "appended %s to %s\n", english.Count(len(sigs), "signal"), a.store.display(""))
	}
	if n := res.Conflicts(); n > 0 {
		printConflicts(e.stderr, dir, "", res.Manifest.Conflicts)
		return &exitError{code: exitConflicts}
	}
	return nil
}

// printConflicts lists the files in conflict and where each conflict is,
// and how to go on.
func printConflicts(w io.Writer, dir, since string, files []render.FileConflict) {
	if since != "" {
		since = " " + since
	}
	fmt.Fprintf(w, "%s: %s in conflict%s:\n", dir, english.Count(len(files), "file"), since)
	for _, f := range files {
		fmt.Fprintf(w, "  %s: %s\n", f.Path, f.Where())
	}
	fmt.Fprintf(w, "resolve them (edit out the markers, remove the copies under %s/), then: gp upgrade %s --resolved FILE...\n", render.ConflictsDir, dir)
}

// checkConflicts reports the unresolved conflicts of the project in dir, if
// it is one, and returns an exit 3 error when there are any. A directory
// whose manifest cannot be read is left to the command to report.
func checkConflicts(e *env, dir, since string) error {
	p, done, err := readProject(dir)
	if err != nil {
		return nil
	}
	defer done()
	return reportConflicts(e, p, dir, since)
}

// reportConflicts reports the unresolved conflicts of p, the project in
// dir, and returns an exit 3 error when there are any.
func reportConflicts(e *env, p *render.Project, dir, since string) error {
	pending, err := p.Conflicts()
	if err != nil || len(pending) == 0 {
		return nil
	}
	printConflicts(e.stderr, dir, since, pending)
	return &exitError{code: exitConflicts}
}

// resolveConflicts is upgrade --resolved: files are relative to dir, or
// paths inside it.
func resolveConflicts(e *env, dir string, files []string) error {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var paths []string
	for _, f := range files {
		// A path inside DIR, as a shell completes it, or one relative to
		// DIR, as gp prints it.
		if abs, err := filepath.Abs(f); err == nil && strings.HasPrefix(abs, absDir+string(filepath.Separator)) {
			if _, err := os.Lstat(abs); err == nil || strings.HasPrefix(filepath.Clean(f), filepath.Clean(dir)+string(filepath.Separator)) || filepath.IsAbs(f) {
				f, _ = filepath.Rel(absDir, abs)
			}
		}
		paths = append(paths, filepath.ToSlash(filepath.Clean(f)))
	}
	p, err := render.OpenProject(dir)
	if err != nil {
		return err
	}
	if err := p.Resolve(paths...); err != nil {
		return err
	}
	for _, path := range paths {
		fmt.Fprintf(e.stdout, "resolved %s\n", path)
	}
	return reportConflicts(e, p, dir, "still")
}

// newestVersion finds the newest version of the recorded blueprint: in the
// catalogs given, or else in the recorded source's own catalog — the tags
// of its git repository, or the directory holding its directory.
func newestVersion(ctx context.Context, f *blueprint.Sources, lopts *blueprint.Options, rec render.BlueprintRef, catalogs []string) (*blueprint.Blueprint, error) {
	if len(catalogs) == 0 {
		src := rec.Source
		switch {
		case strings.HasPrefix(src, "git::"):
			base, _, _ := strings.Cut(src, "?")
			tags, err := f.Tags(ctx, src)
			if err != nil {
				return nil, fmt.Errorf("listing the versions of %s: %w", base, err)
			}
			best, bestVersion := "", ""
			for _, t := range tags {
				v := strings.TrimPrefix(t, "v")
				if blueprint.IsVersion(v) && (best == "" || blueprint.CompareVersions(v, bestVersion) > 0) {
					best, bestVersion = t, v
				}
			}
			if best == "" {
				return nil, fmt.Errorf("%s has no version tags: give --to", base)
			}
			return blueprint.Load(ctx, base+"?ref="+best, lopts)
		case !strings.Contains(src, "::") && !strings.Contains(src, "://"):
			// A local directory, recorded as it was given.
			catalogs = []string{filepath.Dir(src)}
		default:
			return nil, fmt.Errorf("no catalog for the recorded source %s: give --to or --catalog", src)
		}
	}
	c, err := blueprint.LoadCatalog(ctx, catalogs, lopts)
	if err != nil {
		return nil, err
	}
	entry, ok := c.Latest(rec.Name)
	if !ok {
		return nil, fmt.Errorf("no blueprint %s in %s: give --to", rec.Name, strings.Join(catalogs, " "))
	}
	return c.Load(ctx, rec.Name, entry.Version)
}

// printUpgrade prints one line per file, then the diffs, then a summary.
func printUpgrade(w io.Writer, r *render.UpgradeResult) {
	verb := "upgraded"
	if r.DryRun {
		verb = "would upgrade (dry run, nothing written)"
	}
	fmt.Fprintf(w, "%s %s from %s %s to %s %s\n", verb, r.Dir, r.From.Name, r.From.Version, r.To.Name, r.To.Version)
	for _, m := range r.Migrations {
		fmt.Fprintf(w, "  parameters: %s\n", m)
	}
	for _, f := range r.Files {
		level := string(f.Level)
		if f.PreviousLevel != "" {
			level = string(f.PreviousLevel) + "->" + level
		}
		line := fmt.Sprintf("  %-12s %-15s %s", f.Change, level, f.Path)
		if f.Note != "" {
			line += " (" + f.Note + ")"
		}
		if f.Saved != "" && !strings.Contains(f.Note, f.Saved) {
			line += " [kept in " + f.Saved + "]"
		}
		fmt.Fprintln(w, line)
		for _, c := range f.Conflicts {
			switch {
			case c.Line > 0:
				at := f.Path
				if !f.Markers && f.Saved != "" {
					at = f.Saved // withheld: the markers are in the copy
				}
				line := fmt.Sprintf("      conflict at %s:%d", at, c.Line)
				if c.Key != "" {
					line += " (key " + c.Key + ")"
				}
				fmt.Fprintln(w, line)
			case c.Key != "":
				fmt.Fprintf(w, "      conflict at key %s\n", c.Key)
			}
		}
	}
	for _, f := range r.Files {
		if f.Diff != "" {
			fmt.Fprint(w, f.Diff)
		}
	}
	counts := r.Count()
	var parts []string
	for _, c := range []render.Change{render.Unchanged, render.Updated, render.Merged, render.Conflicted, render.Added, render.Removed, render.KeptRemoved, render.Overwritten} {
		if counts[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[c], c))
		}
	}
	fmt.Fprintf(w, "%s: %s\n", english.Count(len(r.Files), "file"), strings.Join(parts, ", "))
	if r.Decisions != nil {
		for _, f := range r.Decisions.Findings {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
}
