package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// draftFlags are the flags of gp decisions propose.
type draftFlags struct {
	store         storeFlag
	supersede     bool
	title         string
	minProjects   int
	exemptionRate float64
}

func (p *draftFlags) define(fs *flag.FlagSet) {
	p.store.define(fs, "propose: read")
	fs.BoolVar(&p.supersede, "supersede", false, "propose: the draft supersedes the decision instead of amending it")
	fs.StringVar(&p.title, "title", "", "propose: the draft's `TITLE` (default \"Revisit: \" and the decision's title)")
	fs.IntVar(&p.minProjects, "min-projects", 0, "propose: how many projects make a pattern in the report (default 3)")
	fs.Float64Var(&p.exemptionRate, "exemption-rate", 0, "propose: the report's exemption rate threshold `R`, as gp report's (default 0.2)")
}

func (p *draftFlags) set() bool {
	return p.store.path != "" || p.supersede || p.title != "" || p.minProjects != 0 || p.exemptionRate != 0
}

// draftResult is gp decisions propose --json.
type draftResult struct {
	Written *decision.Written `json:"written"`
	// Context is the Context section written from the evidence.
	Context string `json:"context"`
	// Lint is what lint says of the folder afterwards.
	Lint lintResult `json:"lint"`
}

// decisionsDraft drafts a record amending (or superseding) decision id
// from the evidence of the report over the store.
func decisionsDraft(ctx context.Context, e *env, reg *decision.Registry, dir, id string, pf *draftFlags, now time.Time, asJSON bool) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageErrorf("propose writes into a local folder of decisions: --decisions %s is not a directory", dir)
	}
	target, ok := reg.Get(id)
	if !ok {
		return fmt.Errorf("decisions propose: %s: no such decision in %s", id, dir)
	}
	st, err := pf.store.open(ctx, "signals.jsonl", true)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := report.AggregateStore(ctx, st, feedback.Filter{},
		&report.AggregateOptions{Now: func() time.Time { return now }, Registry: reg, MinProjects: pf.minProjects, ExemptionRate: pf.exemptionRate})
	if err != nil {
		return err
	}
	var ratings []feedback.Signal
	for s, err := range st.Query(ctx, feedback.Filter{Decision: target.ID, Source: feedback.SourceRating}) {
		if err != nil {
			if errors.Is(err, feedback.ErrBadRecord) {
				continue
			}
			return err
		}
		ratings = append(ratings, s)
	}
	text, err := rep.DraftContext(target.ID, &report.ContextOptions{Ratings: ratings})
	if err != nil {
		return fmt.Errorf("decisions propose: %w", err)
	}
	kind, verb := decision.Amends, "amend"
	if pf.supersede {
		kind, verb = decision.Supersedes, "supersede"
	}
	title := pf.title
	if title == "" {
		title = "Revisit: " + target.Title
	}
	w, err := decision.WriteDraft(ctx, dir, decision.Draft{
		Target: target.ID, Kind: kind, Title: title, Date: now, Context: text,
		Decision: fmt.Sprintf("Proposed: %s %s (%s) in the light of the evidence above. The deciders write here what changes.",
			verb, target.ID, target.Title),
	}, nil)
	if err != nil {
		return err
	}
	after, err := decision.LoadDir(ctx, dir, nil)
	if after == nil {
		return err
	}
	probs := after.Lint(ctx, &decision.LintOptions{Now: func() time.Time { return now }})
	res := draftResult{Written: w, Context: text, Lint: lintOf(after, probs)}
	if asJSON {
		if err := writeJSON(e.stdout, res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "wrote %s: %s, proposed, to %s %s (%s links back)\n", w.File, w.ID, verb, w.Target, w.TargetFile)
		for _, p := range probs {
			fmt.Fprintln(e.stdout, p.String())
		}
		fmt.Fprintf(e.stdout, "lint: %s: %s, %s, %s\n", english.Count(res.Lint.Decisions, "decision"), english.Count(res.Lint.Errors, "error"), english.Count(res.Lint.Warnings, "warning"), english.Count(res.Lint.Notes, "note"))
	}
	if res.Lint.Errors > 0 {
		fmt.Fprintf(e.stderr, "gp: %s in the decisions after the draft\n", english.Count(res.Lint.Errors, "problem"))
		return &exitError{code: exitInvalid}
	}
	return nil
}
