package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goldenpath-dev/goldenpath/render"
)

var fleetCmd = &command{
	name:    "fleet",
	summary: "render, upgrade or check many projects",
	usage:   "fleet render|upgrade|check --targets FILE [--shard I/N] [--concurrency N] [--journal FILE] [--decisions SOURCE] [--fail-fast] [--json]",
	help: `
Fleet runs one operation over every project of a targets file: a YAML or
JSON list, or JSON Lines, of {id, dir, source, values}. Relative dirs and
local sources are relative to the targets file.

  render   renders each target's source with its values into its dir;
  upgrade  upgrades each target's project to its source, merging downstream
           edits (see gp help upgrade); values are set over the migrated
           parameters;
  check    compares each project with a fresh render of the blueprint and
           parameters its manifest records, and reports drift (edits to
           seeded files are the team's, not drift), and with --decisions
           the decisions in force as gp decisions check does (violation:
           an enforced rule fails). It writes nothing.

With --decisions (or $GP_DECISIONS), renders and upgrades are held to the
decisions in force too, with each project's exceptions.

Targets run --concurrency at a time (default: the number of CPUs); a
failed target does not stop the others unless --fail-fast. --shard I/N runs
only the targets whose id hashes to shard I of N, the same on every
machine, so a CI matrix or an indexed batch job can split a fleet.
--journal FILE records each finished target; running again with the same
journal skips them, so an interrupted run resumes where it stopped.

A progress bar is drawn on standard error when it is a terminal. Then one
line per target that needs attention and a summary table are printed, or,
with --json, every result and the summary as JSON.

Exit 0 when every target is ok, 3 when upgrades left conflicts, 1 when a
target failed or (check) drifted or violates an enforced rule.`,
	example: `
gp fleet render --targets fleet.yaml --concurrency 8
gp fleet upgrade --targets fleet.yaml --shard 2/8 --journal shard2.journal
gp fleet check --targets fleet.yaml --json`,
	setup: func(fs *flag.FlagSet) runFunc {
		var sf sourceFlags
		sf.define(fs)
		var df decisionFlags
		df.defineForRender(fs)
		targets := fs.String("targets", "", "the targets `FILE`")
		shard := fs.String("shard", "", "run only shard `I/N` of the targets")
		conc := fs.Int("concurrency", 0, "run `N` targets at once (default: the number of CPUs)")
		journal := fs.String("journal", "", "record finished targets in `FILE` and skip those it records")
		failFast := fs.Bool("fail-fast", false, "stop at the first failed target")
		asJSON := fs.Bool("json", false, "print the results and summary as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) != 1 {
				return usageErrorf("fleet needs one operation: render, upgrade or check")
			}
			op := render.FleetOp(args[0])
			switch op {
			case render.FleetRender, render.FleetUpgrade, render.FleetCheck:
			default:
				return usageErrorf("unknown fleet operation %q (want render, upgrade or check)", args[0])
			}
			if *targets == "" {
				return usageErrorf("--targets FILE is required")
			}
			opts := &render.FleetOptions{Op: op, Concurrency: *conc, Journal: *journal, FailFast: *failFast}
			if *shard != "" {
				i, n, ok := parseShard(*shard)
				if !ok {
					return usageErrorf("--shard %q: want I/N with 1 <= I <= N", *shard)
				}
				opts.Shard, opts.Shards = i, n
			}
			eopts, err := df.engineOptions(ctx, &sf)
			if err != nil {
				return err
			}
			return runFleet(ctx, e, &sf, eopts, *targets, opts, *asJSON)
		}
	},
}

func parseShard(s string) (int, int, bool) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	return i, n, ok && err1 == nil && err2 == nil && n >= 1 && i >= 1 && i <= n
}

type fleetOutput struct {
	Results []render.FleetResult `json:"results"`
	Summary *render.FleetSummary `json:"summary"`
}

func runFleet(ctx context.Context, e *env, sf *sourceFlags, eopts *render.Options, file string, opts *render.FleetOptions, asJSON bool) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	targets, err := render.ReadTargets(f, filepath.Dir(file))
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if opts.Load, err = sf.loadOptions(); err != nil {
		return err
	}
	engine, err := render.New(eopts)
	if err != nil {
		return err
	}
	var results []render.FleetResult
	opts.Result = func(r render.FleetResult) { results = append(results, r) }
	if bar := newProgressBar(e.stderr); bar != nil {
		opts.Progress = bar.update
		defer bar.done()
	}
	sum, err := engine.Fleet(ctx, targets, opts)
	if err != nil && sum == nil {
		return err
	}
	sort.Slice(results, func(i, j int) bool { return results[i].ID < results[j].ID })
	if asJSON {
		if results == nil {
			results = []render.FleetResult{}
		}
		if werr := writeJSON(e.stdout, fleetOutput{Results: results, Summary: sum}); werr != nil {
			return werr
		}
	} else {
		printFleet(e.stdout, opts.Op, results, sum)
	}
	switch {
	case err != nil:
		return err
	case sum.Statuses[render.FleetFailed] > 0 || sum.Statuses[render.FleetDrift] > 0 || sum.Statuses[render.FleetViolation] > 0:
		return &exitError{code: exitInvalid}
	case sum.Statuses[render.FleetConflict] > 0:
		return &exitError{code: exitConflicts}
	}
	return nil
}

// printFleet prints the targets that need attention, then a summary table.
func printFleet(w io.Writer, op render.FleetOp, results []render.FleetResult, sum *render.FleetSummary) {
	for _, r := range results {
		switch r.Status {
		case render.FleetFailed:
			fmt.Fprintf(w, "failed    %s: %s\n", r.ID, r.Error)
		case render.FleetViolation:
			fmt.Fprintf(w, "violation %s (%d enforced finding(s))\n", r.ID, r.Enforced)
		case render.FleetConflict, render.FleetDrift:
			if r.Error != "" {
				// Conflicts of an earlier upgrade, unresolved: not upgraded.
				fmt.Fprintf(w, "%-9s %s: %s\n", r.Status, r.ID, r.Error)
				continue
			}
			fmt.Fprintf(w, "%-9s %s (%s)\n", r.Status, r.ID, changeCounts(r.Changes))
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "fleet %s: %d targets, %d files, %s\n", op, sum.Total, sum.Files, sum.Duration.Round(time.Millisecond))
	fmt.Fprintln(tw, "STATUS\tTARGETS")
	for _, s := range []render.FleetStatus{render.FleetOK, render.FleetConflict, render.FleetDrift, render.FleetViolation, render.FleetFailed, render.FleetSkipped} {
		if n := sum.Statuses[s]; n > 0 {
			fmt.Fprintf(tw, "%s\t%d\n", s, n)
		}
	}
	tw.Flush()
}

func changeCounts(m map[render.Change]int) string {
	var parts []string
	for c, n := range m {
		if c != render.Unchanged {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// progressBar draws "[=====     ] done/total" on a terminal.
type progressBar struct {
	w    io.Writer
	last time.Time
}

// newProgressBar returns a bar when w is a terminal, nil otherwise.
func newProgressBar(w io.Writer) *progressBar {
	if f, ok := w.(*os.File); !ok || !isTerminal(f.Fd()) {
		return nil
	}
	return &progressBar{w: w}
}

func (b *progressBar) update(p render.FleetProgress) {
	if p.Done < p.Total && time.Since(b.last) < 100*time.Millisecond {
		return
	}
	b.last = time.Now()
	const width = 30
	filled := 0
	if p.Total > 0 {
		filled = width * p.Done / p.Total
	}
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), p.Done, p.Total)
	if p.Failed > 0 {
		fmt.Fprintf(b.w, " (%d failed)", p.Failed)
	}
}

func (b *progressBar) done() { fmt.Fprintln(b.w) }
