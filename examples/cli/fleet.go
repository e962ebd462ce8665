package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

var fleetCmd = &command{
	name:    "fleet",
	summary: "render, upgrade or check many projects",
	usage:   "fleet render|upgrade|check --targets FILE [--shard I/N | --shards N] [--store FILE|URL] [--concurrency N] [--journal FILE] [--decisions SOURCE] [--fail-fast] [--json]",
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
machine, so a CI matrix or an indexed batch job can split a fleet: the N
shards cover every target exactly once. In a Kubernetes Indexed Job, give
the job's completions with --shards N (or $GP_SHARDS) and the shard is
read from $JOB_COMPLETION_INDEX (0 to N-1, so shard index+1 of N).

With --store FILE|URL (or $GP_STORE), upgrade and check append one signal
per target to the signal store, a JSON Lines file or a postgres:// URL that
every shard can share: an upgrade signal (pass, or fail with the number of
conflicting files) or a drift signal (pass or fail). An upgrade also
records its outcome per file, as gp upgrade --store does: merged (pass),
conflict (fail), overwritten and kept-removed (warn). Its ID is derived from
the target, the operation, the version and the outcome (and the day, for
check), so a shard that runs again records nothing twice.
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
		shards := fs.Int("shards", 0, "with $JOB_COMPLETION_INDEX, split the targets in `N` shards (default $GP_SHARDS)")
		var st storeFlag
		st.define(fs, "record a signal per target (upgrade, check) in")
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
			i, n, err := shardOf(*shard, *shards, os.Getenv)
			if err != nil {
				return err
			}
			opts.Shard, opts.Shards = i, n
			eopts, err := df.engineOptions(ctx, &sf)
			if err != nil {
				return err
			}
			var rec *fleetRecorder
			if op == render.FleetRender && st.path != "" {
				return usageErrorf("--store records upgrades and checks, not renders")
			}
			if op != render.FleetRender && st.name("") != "" { // renders leave $GP_STORE alone
				store, err := st.open(ctx, "", false)
				if err != nil {
					return err
				}
				defer store.Close()
				rec = &fleetRecorder{store: store, op: op, now: time.Now}
			}
			if err := runFleet(ctx, e, &sf, eopts, *targets, opts, *asJSON, rec); err != nil {
				return err
			}
			return rec.err()
		}
	},
}

// shardOf returns the shard to run, 1-based, and the number of shards (0
// for all): --shard I/N, or $JOB_COMPLETION_INDEX (0-based, as Kubernetes
// Indexed Jobs set it) of --shards N or $GP_SHARDS.
func shardOf(shard string, shards int, getenv func(string) string) (int, int, error) {
	if shard != "" {
		i, n, ok := parseShard(shard)
		if !ok {
			return 0, 0, usageErrorf("--shard %q: want I/N with 1 <= I <= N", shard)
		}
		return i, n, nil
	}
	if shards == 0 && getenv("GP_SHARDS") != "" {
		var err error
		if shards, err = strconv.Atoi(getenv("GP_SHARDS")); err != nil || shards < 1 {
			return 0, 0, usageErrorf("$GP_SHARDS %q: want a number of shards, 1 or more", getenv("GP_SHARDS"))
		}
	}
	if shards < 0 {
		return 0, 0, usageErrorf("--shards %d: want 1 or more", shards)
	}
	index := getenv("JOB_COMPLETION_INDEX")
	switch {
	case index == "" && shards == 0:
		return 0, 0, nil
	case index == "":
		return 0, 0, usageErrorf("--shards %d needs $JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job); elsewhere, give --shard I/N", shards)
	case shards == 0:
		return 0, 0, usageErrorf("$JOB_COMPLETION_INDEX is %s: give the job's completions with --shards N or $GP_SHARDS", index)
	}
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 || i >= shards {
		return 0, 0, usageErrorf("$JOB_COMPLETION_INDEX %q: want 0 to %d for %s", index, shards-1, english.Count(shards, "shard"))
	}
	return i + 1, shards, nil
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

func runFleet(ctx context.Context, e *env, sf *sourceFlags, eopts *render.Options, file string, opts *render.FleetOptions, asJSON bool, rec *fleetRecorder) error {
	f, err := os.Open(file)
	if err != nil {
		return wrapRead("targets file", file, "it does not exist", err)
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
	opts.Result = func(r render.FleetResult) {
		rec.record(ctx, r)
		r.Upgrade = nil // recorded: memory stays flat in the number of targets
		results = append(results, r)
	}
	if bar := newProgressBar(e.stderr); bar != nil {
		opts.Progress = bar.update
		defer bar.done()
	}
	sum, err := engine.Fleet(ctx, targets, opts)
	if err != nil && sum == nil {
		return err
	}
	if ferr := rec.flush(ctx); ferr != nil && err == nil {
		err = ferr
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
			fmt.Fprintf(w, "violation %s (%s)\n", r.ID, english.Count(r.Enforced, "enforced finding"))
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
	fmt.Fprintf(tw, "fleet %s: %s, %s, %s\n", op, english.Count(sum.Total, "target"), english.Count(sum.Files, "file"), sum.Duration.Round(time.Millisecond))
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

// fleetRecorder appends a signal per finished target to a store, in
// batches.
type fleetRecorder struct {
	store   feedback.Store
	op      render.FleetOp
	now     func() time.Time
	pending []feedback.Signal
	failed  error
}

// record queues the signal of r, and appends the queue when it is full.
// A nil recorder records nothing.
func (f *fleetRecorder) record(ctx context.Context, r render.FleetResult) {
	if f == nil || r.Status == render.FleetSkipped {
		return
	}
	now := f.now().UTC()
	f.pending = append(f.pending, fleetSignal(f.op, r, now))
	if r.Upgrade != nil {
		f.pending = append(f.pending, fleetUpgradeSignals(r, now)...)
	}
	if len(f.pending) >= 100 {
		f.flush(ctx)
	}
}

// flush appends the queued signals and returns the first error of any
// append.
func (f *fleetRecorder) flush(ctx context.Context) error {
	if f == nil {
		return nil
	}
	if len(f.pending) > 0 && f.failed == nil {
		if err := f.store.Append(ctx, f.pending...); err != nil {
			f.failed = fmt.Errorf("recording the fleet's signals: %w", err)
		}
	}
	f.pending = f.pending[:0]
	return f.failed
}

func (f *fleetRecorder) err() error {
	if f == nil {
		return nil
	}
	return f.failed
}

// fleetUpgradeSignals returns the outcome of r's upgrade per file, as gp
// upgrade --store records it (scan.Upgrade). Each ID is a digest of the
// target, the versions, the file and its outcome: a shard run again
// records nothing twice.
func fleetUpgradeSignals(r render.FleetResult, now time.Time) []feedback.Signal {
	res := r.Upgrade
	rec := &feedback.Recorder{Now: func() time.Time { return now }}
	sigs := scan.Upgrade(rec, feedback.Subject{Project: r.ID, Dir: r.Dir, Blueprint: res.From.Name}, res)
	for i := range sigs {
		s := &sigs[i]
		key := strings.Join([]string{"gp fleet upgrade", r.ID, res.From.Version, res.To.Version, s.File, s.Evidence.Path, s.Labels["change"]}, "\x00")
		sum := sha256.Sum256([]byte(key))
		s.ID = hex.EncodeToString(sum[:16])
		s.Labels["fleet"] = string(render.FleetUpgrade)
	}
	return sigs
}

// fleetSignal returns the signal recording r. Its ID is a digest of the
// operation, the target, the version and the outcome (and the day, for a
// check): a shard run again records the same signal, stored once.
func fleetSignal(op render.FleetOp, r render.FleetResult, now time.Time) feedback.Signal {
	s := feedback.Signal{
		Time:    now,
		Subject: feedback.Subject{Project: r.ID, Dir: r.Dir, Version: r.Version},
		Labels:  map[string]string{"fleet": string(op), "status": string(r.Status)},
	}
	if m, err := render.ReadManifest(r.Dir); err == nil {
		s.Subject.Blueprint = m.Blueprint.Name
	}
	conflicts := float64(r.Changes[render.Conflicted])
	switch op {
	case render.FleetUpgrade:
		s.Source = feedback.SourceUpgrade
		s.Value, s.Unit = &conflicts, "conflicts"
		s.Evidence.Message = fmt.Sprintf("fleet upgrade to %s: %s", r.Version, r.Status)
	default:
		s.Source = feedback.SourceDrift
		s.Evidence.Message = fmt.Sprintf("fleet check at %s: %s", r.Version, r.Status)
	}
	switch r.Status {
	case render.FleetOK:
		s.Result = feedback.ResultPass
	case render.FleetFailed:
		s.Result = feedback.ResultError
		s.Evidence.Message += ": " + r.Error
	default:
		s.Result = feedback.ResultFail
	}
	key := strings.Join([]string{"gp fleet", string(op), r.ID, r.Version, string(r.Status)}, "\x00")
	if op == render.FleetCheck {
		key += "\x00" + now.Format(time.DateOnly)
	}
	sum := sha256.Sum256([]byte(key))
	s.ID = hex.EncodeToString(sum[:16])
	return s
}
