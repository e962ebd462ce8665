package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/propose"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

var proposeCmd = &command{
	name:    "propose",
	summary: "turn a blueprint's desire paths into its next version, verified against every project",
	usage:   "propose BLUEPRINT[@VERSION] -o DIR [--store FILE|URL] [--catalog SOURCE]... [--only HUNK_ID,...] [--min-projects N] [--bump major|minor|patch] [--date YYYY-MM-DD] [--json]",
	help: `
Propose reads the signal store (--store, $GP_STORE, or ./signals.jsonl),
finds the desire paths of the blueprint — the same edit of one of its
files in at least --min-projects projects (default 3) by their latest
scan — and maps each onto the template: the projects' parameter values
in the edited lines become the template's expressions ({{.name}}), and
the place of the edit is found by rendering the template with each
project's recorded parameters, read from the project's manifest in the
directory the scan was given (run propose where gp scan ran).

Every change is verified before anything is written: the new template,
rendered with each project's parameters, reproduces the lines each
project that made the edit has, exactly, and changes every other
project's render by the proposed lines only. A desire path that cannot be
mapped or verified is reported with the reason; one whose edit fails a
decision's rule that passes on the clean render (the scans were made
with --decisions) is reported as needing a decision change, with the
rule. Neither is written.

The next version goes to DIR/NAME-VERSION/ (written in a temporary
directory, loaded back, then renamed): blueprint.cue with the version
bumped — minor when lines are only added, patch when lines change,
--bump overrides — and released set to today (or --date), the template
with the changes, and CHANGES.md with an entry per applied desire path:
its projects, their count and the signal IDs. BLUEPRINT names the
blueprint in the catalog (--catalog, repeatable; default $GP_CATALOG,
or ./blueprints); @VERSION picks the version the projects were rendered
from (default: the one most of its projects are on, by their latest
scan). --only takes hunk IDs (gp report --json
lists them as hunkID). Exit 1 when no desire path could be applied.`,
	example: `
gp propose go-service --store signals.jsonl --catalog testdata/blueprints -o proposals
gp propose go-service@2.0.0 -o proposals --only 973c098d557c477d --json`,
	setup: func(fs *flag.FlagSet) runFunc {
		var sf sourceFlags
		sf.define(fs)
		var st storeFlag
		st.define(fs, "read")
		var cats stringsFlag
		fs.Var(&cats, "catalog", "a catalog `SOURCE`; repeatable (default $GP_CATALOG, or ./blueprints)")
		out := fs.String("o", "", "write the next version into `DIR`/NAME-VERSION")
		only := fs.String("only", "", "propose only the desire paths with these `HUNK_IDS`, comma-separated")
		minProjects := fs.Int("min-projects", 0, "how many projects make a desire path (default 3)")
		bump := fs.String("bump", "", "the part of the version to bump: major, minor or patch (default: minor for additions, patch for changed lines)")
		date := fs.String("date", "", "the release date, `YYYY-MM-DD` (default today)")
		asJSON := fs.Bool("json", false, "print the proposal as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) != 1 {
				return usageErrorf("propose takes one BLUEPRINT")
			}
			if *out == "" {
				return usageErrorf("-o DIR is required")
			}
			if *minProjects < 0 {
				return usageErrorf("--min-projects %d: want a positive number", *minProjects)
			}
			opts := &propose.Options{MinProjects: *minProjects, Bump: propose.Bump(*bump)}
			switch opts.Bump {
			case "", propose.BumpMajor, propose.BumpMinor, propose.BumpPatch:
			default:
				return usageErrorf("--bump %q: want major, minor or patch", *bump)
			}
			if *date != "" {
				t, err := time.Parse(time.DateOnly, *date)
				if err != nil {
					return usageErrorf("--date %q: want YYYY-MM-DD", *date)
				}
				opts.Now = func() time.Time { return t }
			}
			for id := range strings.SplitSeq(*only, ",") {
				if id = strings.TrimSpace(id); id != "" {
					opts.Only = append(opts.Only, id)
				}
			}
			name, version, _ := strings.Cut(args[0], "@")
			c, sources, err := loadCatalog(ctx, &sf, cats)
			if err != nil {
				return err
			}
			store, err := st.open(ctx, "signals.jsonl", true)
			if err != nil {
				return err
			}
			defer store.Close()
			var entry blueprint.CatalogEntry
			ok := false
			if version != "" {
				entry, ok = c.Entry(name, version)
			} else {
				// The version most of the blueprint's projects are on.
				rep, err := report.AggregateStore(ctx, store, feedback.Filter{Blueprint: name}, &report.AggregateOptions{MinProjects: *minProjects})
				if err != nil {
					return err
				}
				entry, ok = propose.BaseVersion(rep, c, name)
			}
			if !ok {
				return fmt.Errorf("the catalog (%s) has no blueprint %s", strings.Join(sources, ", "), args[0])
			}
			bp, err := c.Load(ctx, entry.Name, entry.Version)
			if err != nil {
				return err
			}
			pr, err := propose.Propose(ctx, store, bp, opts)
			if err != nil {
				return err
			}
			if _, exists := c.Entry(pr.Blueprint, pr.Version); exists && len(pr.Applied()) > 0 {
				return fmt.Errorf("the catalog has %s %s already: propose from the newest version, or give --bump", pr.Blueprint, pr.Version)
			}
			written := ""
			if len(pr.Applied()) > 0 {
				if written, err = pr.Write(ctx, *out); err != nil {
					return err
				}
			}
			if *asJSON {
				err = writeJSON(e.stdout, proposeResult{Proposal: pr, Dir: written})
			} else {
				err = pr.Text(e.stdout)
			}
			if err != nil {
				return err
			}
			if written == "" {
				if len(pr.Changes) == 0 {
					fmt.Fprintf(e.stderr, "gp: no desire path of %s %s in the store (at least %s with the same edit)\n", bp.Name, bp.Version, english.Count(cmp.Or(*minProjects, report.DefaultMinProjects), "project"))
				} else {
					fmt.Fprintf(e.stderr, "gp: no desire path of %s %s could be applied: nothing written\n", bp.Name, bp.Version)
				}
				return &exitError{code: exitInvalid}
			}
			fmt.Fprintf(e.stderr, "wrote %s %s to %s\n", pr.Blueprint, pr.Version, written)
			return nil
		}
	},
}

// proposeResult is gp propose --json: the proposal and where it was
// written ("" when nothing was).
type proposeResult struct {
	*propose.Proposal
	Dir string `json:"dir"`
}
