package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/render"
)

var decisionsCmd = &command{
	name:    "decisions",
	summary: "list, show, lint and check architectural decisions",
	usage:   "decisions list|show ID|lint|check DIR|propose ID [--decisions SOURCE] [--json]",
	help: `
Decisions works with a folder of decision records: Markdown files in the
MADR or adr-tools layout, with or without YAML front matter, whose cue
blocks carry rules (see docs/decisions.md). The folder comes from
--decisions SOURCE (a directory, or any source a blueprint may come from),
else $GP_DECISIONS, else ./decisions.

Loading never refuses a record for what it says: statuses are read
through a table (approved is accepted, draft is proposed, ...), a record
without one is "unknown", templates and index files are skipped. Errors
(a rule that does not compile, a scope that cannot be read) are printed
on standard error, and in the JSON of list, show and lint; the command then
exits 1 after printing what did load.

"gp decisions list" prints every decision: ID, status, date, number of
rules and title; --status, --tag and --blueprint narrow the list (the
latter to the decisions in force for a blueprint).

"gp decisions show ID" prints one decision: its metadata, the status as the
record writes it, links, history of supersession, rules and sections. An
ID is found however it is cited: ADR-2, ADR 002 and adr-0002 are ADR-0002.

"gp decisions lint" checks the folder — what loading found, duplicate IDs,
dangling and one-sided links, statuses the links contradict, dates — and,
with --blueprint (repeatable), the blueprints' citations and whether their
parameter schemas can ever satisfy the enforced rules in force for them.
Problems are printed one per line as FILE:LINE:COL: ID: MESSAGE; warnings
and notes (files skipped as not records) say so. It exits 1 when there is
a problem that is not a warning; with --strict, warnings count too.

"gp decisions check DIR" evaluates the decisions in force for the project
rendered in DIR against its recorded parameters and the files on disk,
with the project's .goldenpath/exceptions.yaml. It prints a summary, every
finding (failures, exemptions, errors) and every expired exception, and
exits 1 when an enforced rule fails.

"gp decisions propose ID --store FILE" drafts a new decision record for a
decision the report (gp report over the same store and decisions) lists
to revisit: numbered after the folder's last record and written in the
folder's own style (adr-tools, MADR with front matter, MADR list items or
log4brains), status proposed, amending the decision (--supersede:
superseding it) with both records linked as the folder links them. Its
Context is the evidence: each reason with its counts and signal IDs, the
checks and exemption rate, the active exceptions, the desire paths against
the decision's rules with one example hunk, the ratings and their
comments. --title names the record (default "Revisit:" and the decision's
title); --min-projects and --exemption-rate are the report's thresholds,
as gp report takes them. The folder (--decisions) must be a local directory; it is linted
afterwards, and the command exits 1 if lint finds an error.

--date evaluates rule schedules, exceptions and revisit-by dates as on
another day. With --json, every subcommand prints JSON on standard output.`,
	example: `
gp decisions list --decisions ./decisions --status accepted
gp decisions show ADR-0012
gp decisions lint --blueprint ./blueprints/go-service
gp decisions check ./orders --json
gp decisions propose ADR-0012 --store signals.jsonl --decisions docs/adr`,
	setup: func(fs *flag.FlagSet) runFunc {
		var df decisionFlags
		df.define(fs)
		asJSON := fs.Bool("json", false, "print JSON on standard output")
		status := fs.String("status", "", "list: only decisions with this `STATUS`")
		tag := fs.String("tag", "", "list: only decisions with this `TAG`")
		var bps stringsFlag
		fs.Var(&bps, "blueprint", "list: the decisions in force for this blueprint `SOURCE`; lint: check this blueprint too (repeatable); check: name parameter positions in it")
		strict := fs.Bool("strict", false, "lint: warnings are errors too (an unknown status, a date that is not one, a one-sided link)")
		var pf draftFlags
		pf.define(fs)
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) == 0 {
				return usageErrorf("decisions needs a subcommand: list, show, lint or check")
			}
			sub, rest := args[0], args[1:]
			var err error
			switch sub {
			case "list", "lint":
				err = exactArgs(rest)
			case "show":
				err = exactArgs(rest, "ID")
			case "check":
				err = exactArgs(rest, "DIR")
			case "propose":
				err = exactArgs(rest, "ID")
			default:
				return usageErrorf("unknown decisions subcommand %q (want list, show, lint, check or propose)", sub)
			}
			if err != nil {
				return err
			}
			if sub != "propose" && pf.set() {
				return usageErrorf("--store, --supersede, --title, --min-projects and --exemption-rate go with propose")
			}
			if sub != "list" && (*status != "" || *tag != "") {
				return usageErrorf("--status and --tag go with list")
			}
			if sub != "lint" && *strict {
				return usageErrorf("--strict goes with lint")
			}
			now, err := df.now()
			if err != nil {
				return err
			}
			df.strict = *strict
			reg, err := df.load(ctx, "")
			// list, show and lint print what loaded, with the problems;
			// check judges a project and needs every rule.
			var loadErr *decision.LoadError
			if err != nil && (sub == "check" || sub == "propose" || reg == nil || !errors.As(err, &loadErr)) {
				if *asJSON && sub != "check" && sub != "propose" {
					// The folder could not be read at all: the JSON still
					// says why, as a problem of the folder.
					return unreadableJSON(e, sub, df.sourceName(), err)
				}
				return err
			}
			var blueprints []*blueprint.Blueprint
			for _, src := range bps {
				bp, err := df.src.load(ctx, src)
				if err != nil {
					return err
				}
				blueprints = append(blueprints, bp)
			}
			switch sub {
			case "list":
				return loadFailed(e, loadErr, *asJSON, decisionsList(e, reg, *status, *tag, blueprints, *asJSON))
			case "show":
				return loadFailed(e, loadErr, *asJSON, decisionsShow(e, reg, rest[0], *asJSON))
			case "lint":
				return decisionsLint(ctx, e, reg, blueprints, now, *asJSON)
			case "propose":
				return decisionsDraft(ctx, e, reg, df.sourceName(), rest[0], &pf, now, *asJSON)
			default:
				var bp *blueprint.Blueprint
				if len(blueprints) > 0 {
					bp = blueprints[0]
				}
				return decisionsCheck(ctx, e, reg, rest[0], bp, now, *asJSON)
			}
		}
	},
}

// decisionFlags are the flags of the commands that read decisions.
type decisionFlags struct {
	source string
	date   string
	strict bool
	src    sourceFlags
	loaded string // the source load read
}

// sourceName is the folder load read, or tried to.
func (d *decisionFlags) sourceName() string { return d.loaded }

// unreadableJSON prints the JSON of list, show or lint for a folder that
// could not be read, with the error as its one problem, and exits 1.
func unreadableJSON(e *env, sub, source string, err error) error {
	probs := []decision.Problem{{Pos: decision.Position{Filename: source}, Kind: decision.Layout, Message: err.Error()}}
	var out any
	switch sub {
	case "list":
		out = listResult{Decisions: []decisionEntry{}, Problems: probs}
	case "show":
		out = showResult{Problems: probs}
	default:
		out = lintResult{Errors: 1, Problems: probs}
	}
	if werr := writeJSON(e.stdout, out); werr != nil {
		return werr
	}
	fmt.Fprintf(e.stderr, "gp: %v\n", err)
	return &exitError{code: exitInvalid}
}

// loadFailed finishes list and show after a load with errors: the output
// was printed (in JSON with the problems); the errors go to standard error
// in text, and the exit status is 1.
func loadFailed(e *env, loadErr *decision.LoadError, asJSON bool, err error) error {
	if err != nil || loadErr == nil {
		return err
	}
	if !asJSON {
		for _, p := range loadErr.Problems {
			fmt.Fprintf(e.stderr, "gp: %s\n", p)
		}
	}
	fmt.Fprintf(e.stderr, "gp: %s in the decisions\n", english.Count(len(loadErr.Problems), "problem"))
	return &exitError{code: exitInvalid}
}

func (d *decisionFlags) define(fs *flag.FlagSet) {
	d.src.define(fs)
	fs.StringVar(&d.source, "decisions", "", "the decisions `SOURCE`: a directory or a source address (default $GP_DECISIONS, or ./decisions)")
	fs.StringVar(&d.date, "date", "", "evaluate schedules, exceptions and revisit-by dates as on `YYYY-MM-DD` (default today)")
}

// defineForRender defines --decisions and --date beside render's own
// source flags.
func (d *decisionFlags) defineForRender(fs *flag.FlagSet) {
	fs.StringVar(&d.source, "decisions", "", "evaluate the decisions in force from `SOURCE` (default $GP_DECISIONS; none when unset)")
	fs.StringVar(&d.date, "date", "", "evaluate rule schedules and exceptions as on `YYYY-MM-DD` (default today)")
}

// now returns the day of --date, or the current time.
func (d *decisionFlags) now() (time.Time, error) {
	if d.date == "" {
		return time.Now(), nil
	}
	t, err := time.Parse("2006-01-02", d.date)
	if err != nil {
		return time.Time{}, usageErrorf("--date %q: want YYYY-MM-DD", d.date)
	}
	return t, nil
}

// load loads the registry --decisions names, else $GP_DECISIONS, else def;
// def "" means ./decisions. Like decision.Load, it returns the registry
// with a *decision.LoadError when records have errors.
func (d *decisionFlags) load(ctx context.Context, def string) (*decision.Registry, error) {
	src := d.source
	if src == "" {
		src = os.Getenv("GP_DECISIONS")
	}
	if src == "" {
		src = def
	}
	if src == "" {
		src = "decisions"
	}
	d.loaded = src
	f, err := d.src.sources()
	if err != nil {
		return nil, err
	}
	return decision.Load(ctx, src, &decision.Options{Fetcher: f, Strict: d.strict})
}

// listResult is gp decisions list --json: the decisions, and the problems
// loading found (errors, warnings and notes).
type listResult struct {
	Decisions []decisionEntry    `json:"decisions"`
	Problems  []decision.Problem `json:"problems"`
}

// decisionEntry is one decision in gp decisions list --json.
type decisionEntry struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	Status     decision.Status `json:"status"`
	StatusText string          `json:"statusText,omitempty"`
	Decided    string          `json:"decided,omitempty"`
	Tags       []string        `json:"tags,omitempty"`
	Rules      []string        `json:"rules,omitempty"`
	File       string          `json:"file"`
}

func decisionsList(e *env, reg *decision.Registry, status, tag string, bps []*blueprint.Blueprint, asJSON bool) error {
	f := decision.Filter{Tag: tag}
	if status != "" {
		s := decision.Status(strings.ToLower(status))
		if w, ok := decision.StatusWords()[string(s)]; ok && !s.Valid() {
			s = w // --status draft lists the proposed decisions
		}
		if !s.Valid() {
			return usageErrorf("--status %q: want proposed, accepted, rejected, deprecated, superseded or unknown", status)
		}
		f.Status = []decision.Status{s}
	}
	if len(bps) > 1 {
		return usageErrorf("list takes one --blueprint")
	}
	if len(bps) == 1 {
		f.Blueprint = bps[0]
	}
	var list []decisionEntry
	for _, d := range reg.List(f) {
		entry := decisionEntry{ID: d.ID, Title: d.Title, Status: d.Status, StatusText: d.StatusText, Tags: d.Tags, File: d.File}
		if !d.Decided.IsZero() {
			entry.Decided = d.Decided.Format("2006-01-02")
		}
		for _, r := range d.Rules {
			entry.Rules = append(entry.Rules, r.Name)
		}
		list = append(list, entry)
	}
	if asJSON {
		if list == nil {
			list = []decisionEntry{}
		}
		return writeJSON(e.stdout, listResult{Decisions: list, Problems: nonNil(reg.Problems())})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tDATE\tRULES\tTITLE")
	for _, l := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", l.ID, l.Status, orDash(l.Decided), len(l.Rules), l.Title)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// showResult is gp decisions show --json: the decision, its history, and
// the problems loading found in its file.
type showResult struct {
	Decision *decision.Decision `json:"decision"`
	History  []string           `json:"history"`
	Problems []decision.Problem `json:"problems"`
}

func nonNil(probs []decision.Problem) []decision.Problem {
	if probs == nil {
		return []decision.Problem{}
	}
	return probs
}

func decisionsShow(e *env, reg *decision.Registry, id string, asJSON bool) error {
	d, ok := reg.Get(id)
	if !ok {
		return fmt.Errorf("no decision %s in %s", id, reg.Source())
	}
	var history []string
	for _, h := range reg.History(d.ID) {
		history = append(history, h.ID)
	}
	if asJSON {
		var probs []decision.Problem
		for _, p := range reg.Problems() {
			if p.Pos.Filename == d.File || p.Decision == d.ID {
				probs = append(probs, p)
			}
		}
		return writeJSON(e.stdout, showResult{Decision: d, History: history, Problems: nonNil(probs)})
	}
	w := e.stdout
	fmt.Fprintf(w, "%s: %s\n\n", d.ID, d.Title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	status := string(d.Status)
	// The wording, when it says more than the status word ("Superseded
	// by [...]" says what the links row says).
	if first, _, _ := strings.Cut(strings.ToLower(strings.TrimLeft(d.StatusText, "*_ ")), " "); d.StatusText != "" && strings.Trim(first, "*_.,;:") != status {
		status += fmt.Sprintf(" (written %q)", d.StatusText)
	}
	row("status", status)
	if !d.Decided.IsZero() {
		date := d.Decided.Format("2006-01-02")
		if d.DateNote != "" {
			date += " (" + d.DateNote + ")"
		}
		row("date", date)
	}
	if !d.RevisitBy.IsZero() {
		row("revisit-by", d.RevisitBy.Format("2006-01-02"))
	}
	row("owner", d.Owner)
	row("deciders", strings.Join(d.Deciders, ", "))
	row("tags", strings.Join(d.Tags, ", "))
	var scope []string
	if len(d.Scope.Blueprints) > 0 {
		scope = append(scope, "blueprints "+strings.Join(d.Scope.Blueprints, ", "))
	}
	if len(d.Scope.Tags) > 0 {
		scope = append(scope, "tags "+strings.Join(d.Scope.Tags, ", "))
	}
	row("scope", strings.Join(scope, "; "))
	for _, k := range []decision.LinkKind{decision.Supersedes, decision.SupersededBy, decision.Amends, decision.AmendedBy, decision.Relates} {
		row(string(k), strings.Join(d.Linked(k), ", "))
	}
	if len(history) > 1 {
		row("history", strings.Join(history, " -> "))
	}
	row("version", d.Version)
	row("format", string(d.Format))
	row("file", d.File)
	row("digest", d.Digest)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(d.Rules) > 0 {
		fmt.Fprintln(w, "\nrules:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, r := range d.Rules {
			mode := string(r.Mode)
			for _, s := range r.Schedule {
				mode += fmt.Sprintf(", %s from %s", s.Mode, s.From.Format("2006-01-02"))
			}
			target := string(r.Kind)
			switch r.Kind {
			case decision.Params:
				target += " " + oneLine(r.Constraint)
			case decision.Exists, decision.Absent:
				target += " " + r.Glob
			case decision.Matches, decision.NotMatches:
				target += " " + r.Glob + " /" + r.Pattern + "/"
			case decision.Unify:
				target += " " + r.Glob
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", r.Name, mode, r.Severity, target, r.Pos)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "\nsections:")
	for _, s := range d.Sections {
		if s.Level > 1 {
			fmt.Fprintf(w, "  %s%s\n", strings.Repeat("  ", s.Level-2), s.Title)
		}
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// lintResult is gp decisions lint --json.
type lintResult struct {
	Decisions int                `json:"decisions"`
	Errors    int                `json:"errors"`
	Warnings  int                `json:"warnings"`
	Notes     int                `json:"notes"`
	Problems  []decision.Problem `json:"problems"`
}

// lintOf counts the problems lint found in reg.
func lintOf(reg *decision.Registry, probs []decision.Problem) lintResult {
	res := lintResult{Decisions: reg.Len(), Problems: probs}
	if res.Problems == nil {
		res.Problems = []decision.Problem{}
	}
	for _, p := range probs {
		switch {
		case p.Note:
			res.Notes++
		case p.Warning:
			res.Warnings++
		default:
			res.Errors++
		}
	}
	return res
}

func decisionsLint(ctx context.Context, e *env, reg *decision.Registry, bps []*blueprint.Blueprint, now time.Time, asJSON bool) error {
	res := lintOf(reg, reg.Lint(ctx, &decision.LintOptions{Blueprints: bps, Now: func() time.Time { return now }}))
	if asJSON {
		if err := writeJSON(e.stdout, res); err != nil {
			return err
		}
	} else {
		for _, p := range res.Problems {
			fmt.Fprintln(e.stdout, p.String())
		}
		fmt.Fprintf(e.stdout, "%s, %s: %s, %s, %s\n", english.Count(res.Decisions, "decision"), english.Count(len(bps), "blueprint"), english.Count(res.Errors, "error"), english.Count(res.Warnings, "warning"), english.Count(res.Notes, "note"))
	}
	if res.Errors > 0 {
		fmt.Fprintf(e.stderr, "gp: %s in the decisions\n", english.Count(res.Errors, "problem"))
		return &exitError{code: exitInvalid}
	}
	return nil
}

func decisionsCheck(ctx context.Context, e *env, reg *decision.Registry, dir string, bp *blueprint.Blueprint, now time.Time, asJSON bool) error {
	p, done, err := readProject(dir)
	if err != nil {
		return err
	}
	defer done()
	rep, err := p.Evaluate(ctx, reg, &render.EvaluateOptions{Now: func() time.Time { return now }, Blueprint: bp})
	if err != nil {
		return err
	}
	if asJSON {
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		printReport(e, "check "+dir, rep)
	}
	if n := len(rep.Enforced()); n > 0 {
		fmt.Fprintf(e.stderr, "gp: %s: %s\n", dir, english.Count(n, "enforced rule failure"))
		return &exitError{code: exitInvalid}
	}
	return nil
}

// printReport prints a summary line, every finding and every expired
// exception.
func printReport(e *env, head string, rep *decision.Evaluation) {
	fmt.Fprintf(e.stdout, "%s: %s: %d pass, %d fail, %d exempt, %d error, %d skip\n", head, english.Count(len(rep.Checks), "check"),
		rep.Count(decision.Pass), rep.Count(decision.Fail), rep.Count(decision.Exempt), rep.Count(decision.Error), rep.Count(decision.Skip))
	for _, f := range rep.Findings {
		fmt.Fprintf(e.stdout, "  %s\n", f)
	}
	for _, x := range rep.Expired {
		fmt.Fprintf(e.stdout, "  %s: expired exception for %s/%s (expired %s, approved by %s): it no longer applies\n",
			x.Pos, x.Decision, x.Rule, x.Expires.Format("2006-01-02"), x.ApprovedBy)
	}
}

// engineOptions returns the render options of a command that takes
// --decisions beside its own source flags src: with decisions when
// --decisions or $GP_DECISIONS names them, evaluated as on --date.
func (d *decisionFlags) engineOptions(ctx context.Context, src *sourceFlags) (*render.Options, error) {
	opts := &render.Options{}
	if d.source == "" && os.Getenv("GP_DECISIONS") == "" {
		return opts, nil
	}
	now, err := d.now()
	if err != nil {
		return nil, err
	}
	d.src = *src
	if opts.Decisions, err = d.load(ctx, ""); err != nil {
		return nil, err
	}
	opts.Now = func() time.Time { return now }
	return opts, nil
}
