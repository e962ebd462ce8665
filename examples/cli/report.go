package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

var reportCmd = &command{
	name:    "report",
	summary: "aggregate the signal store into a report: which decision to revisit and why",
	usage:   "report [--store FILE|URL] [--since WHEN] [--until WHEN] [--decisions SOURCE] [--date YYYY-MM-DD] [--min-projects N] [--exemption-rate R] [--scan-gap DURATION] [--json | --format md|json]",
	help: `
Report streams the signals of the store (--store, $GP_STORE, or
./signals.jsonl) into a report: the decisions to revisit, ranked, each
reason with the signals behind it (exemption rate, desire paths against a
rule, edits of managed files, upgrade conflicts, low ratings, revisit-by
passed, proposed for too long); per decision its checks, exceptions,
trend and roll-out; the desire paths — the same downstream edit in several
projects — with an example; per blueprint its versions, lag and conflicts.

--since and --until take a date (YYYY-MM-DD) or a duration back from now
(30d, 12h). --min-projects and --exemption-rate set the thresholds of
patterns and of exemptions. --decisions (or $GP_DECISIONS) adds the decisions' titles,
statuses and dates, and the files they govern. The report is Markdown, or
JSON with --json (or --format json; docs/feedback.md documents both).

A project's current state is its latest scan: its signals less than
--scan-gap apart (default 1m) are one scan. gp scan stamps all of one
project's signals with one time, so scans of the same projects made in
quick succession are told apart with a smaller gap (--scan-gap 1s).`,
	example: `
gp report --store signals.jsonl --since 90d
gp report --json --decisions testdata/decisions > report.json`,
	setup: func(fs *flag.FlagSet) runFunc {
		var sf sourceFlags
		sf.define(fs)
		var df decisionFlags
		df.defineForRender(fs)
		var st storeFlag
		st.define(fs, "read")
		since := fs.String("since", "", "only signals made since `WHEN`: YYYY-MM-DD or a duration back (30d, 12h)")
		until := fs.String("until", "", "only signals made before `WHEN`")
		minProjects := fs.Int("min-projects", 0, "how many projects make a pattern (default 3)")
		exemptionRate := fs.Float64("exemption-rate", 0, "the share `R` of a decision's checks that may be exempt before it is to revisit, in (0, 1] (default 0.2)")
		format := fs.String("format", "md", "the report's `FORMAT`: md or json (--json is json)")
		asJSON := fs.Bool("json", false, "print the report as JSON")
		scanGap := fs.Duration("scan-gap", 0, "signals of one project less than `DURATION` apart are one scan (default 1m)")
		return func(ctx context.Context, e *env, args []string) error {
			if err := exactArgs(args); err != nil {
				return err
			}
			if *asJSON {
				*format = "json"
			}
			if *format != "md" && *format != "json" {
				return usageErrorf("--format %q: want md or json", *format)
			}
			now, err := df.now()
			if err != nil {
				return err
			}
			var f feedback.Filter
			if f.Since, err = parseWhen(*since, now); err != nil {
				return usageErrorf("--since: %v", err)
			}
			if f.Until, err = parseWhen(*until, now); err != nil {
				return usageErrorf("--until: %v", err)
			}
			if *scanGap < 0 {
				return usageErrorf("--scan-gap %v: want a positive duration", *scanGap)
			}
			opts := &report.AggregateOptions{Now: func() time.Time { return now }, MinProjects: *minProjects, ExemptionRate: *exemptionRate, ScanGap: *scanGap}
			if df.source != "" || os.Getenv("GP_DECISIONS") != "" {
				eo, err := df.engineOptions(ctx, &sf)
				if err != nil {
					return err
				}
				opts.Registry = eo.Decisions
			}
			store, err := st.open(ctx, "signals.jsonl", true)
			if err != nil {
				return err
			}
			defer store.Close()
			rep, err := report.AggregateStore(ctx, store, f, opts)
			if err != nil {
				return err
			}
			if *format == "json" {
				return rep.JSON(e.stdout)
			}
			return rep.Markdown(e.stdout, nil)
		}
	},
}

// parseWhen reads a date (YYYY-MM-DD) or a duration back from now: 30d,
// 12h, 90m. "" is the zero time.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("%q: want YYYY-MM-DD or a duration such as 30d or 12h", s)
	}
	return now.Add(-d), nil
}
