package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/internal/english"
)

// ContextOptions configures Report.DraftContext. The zero value, and a nil
// pointer, give the defaults.
type ContextOptions struct {
	// Ratings are rating signals of the decision; the latest of each
	// person (Labels["by"]) and every unnamed one that carries a comment
	// (Evidence.Message) is quoted with its signal ID. Gather them with a
	// Filter on the decision and feedback.SourceRating.
	Ratings []feedback.Signal
	// SignalURL links signal IDs as MarkdownOptions.SignalURL does.
	SignalURL string
}

// NotToRevisitError is returned by DraftContext for a decision the report
// does not list to revisit.
type NotToRevisitError struct {
	// ID is the decision's ID.
	ID string
}

// Error says that the decision is not in the report's revisit list.
func (e *NotToRevisitError) Error() string {
	return fmt.Sprintf("%s is not in the report's revisit list: there is no evidence to draft from", e.ID)
}

// DraftContext writes the Context section of a decision record drafted to
// amend or supersede decision id: the evidence the report holds against it
// — each reason with its counts and every signal ID the report kept, the
// checks and the exemption rate, the active exceptions with their
// justifications, the desire paths against its rules with one example
// hunk each, and its ratings with their comments. It is Markdown, without
// the section's heading. A decision not in r.Revisit is an
// *NotToRevisitError.
func (r *Report) DraftContext(id string, opts *ContextOptions) (string, error) {
	var o ContextOptions
	if opts != nil {
		o = *opts
	}
	i := slices.IndexFunc(r.Revisit, func(v Revisit) bool { return v.Decision == id })
	if i < 0 {
		return "", &NotToRevisitError{ID: id}
	}
	rv := r.Revisit[i]
	m := &markdown{r: r, o: MarkdownOptions{SignalURL: o.SignalURL}}
	link := func(id string) string { return m.signals([]string{id}, 1) }
	m.f("The feedback report of %s, over %s, gives %s to revisit %s (score %s):\n\n",
		dayString(r.Generated), english.Count(r.Projects, "scanned project"), english.Count(len(rv.Reasons), "reason"),
		id, num(rv.Score))
	for _, rr := range rv.Reasons {
		m.f("- **%s**: %s", rr.Reason, strings.TrimRight(rr.Summary, "."))
		m.f(".")
		if len(rr.Projects) > 0 {
			m.f(" Projects: %s.", projectList(rr.Projects, rr.Count))
		}
		if len(rr.Signals) > 0 {
			m.f(" Signals: %s.", m.signals(rr.Signals, rr.SignalCount))
		}
		m.f("\n")
	}
	if j := slices.IndexFunc(r.Decisions, func(d DecisionReport) bool { return d.ID == id }); j >= 0 {
		d := r.Decisions[j]
		c := d.Checks
		if c.Total > 0 {
			m.f("\nIts checks now, one per rule and project in %s: %d pass, %d fail, %d warn, %d exempt, %d in error — %s passing, %s exempt.\n",
				english.Count(d.Subjects, "project"), c.Pass, c.Fail, c.Warn, c.Exempt, c.Error, pct(d.Rates.Pass), pct(d.Rates.Exempt))
		}
		if d.Exceptions.Active > 0 {
			m.f("\nActive exceptions (%d):\n\n", d.Exceptions.Active)
			for _, e := range d.Exceptions.List {
				if !e.Active {
					continue
				}
				m.f("- %s, rule %s, until %s: %q (signal %s)\n", e.Project, cmp.Or(e.Rule, "*"), cmp.Or(e.Expires, "no end"),
					e.Justification, link(e.Signal))
			}
		}
	}
	for _, rr := range rv.Reasons {
		if rr.Reason != ReasonDesirePathAgainstRule {
			continue
		}
		k := slices.IndexFunc(r.DesirePaths, func(dp DesirePath) bool { return dp.HunkID == rr.HunkID && dp.Blueprint == rr.Blueprint })
		if k < 0 {
			continue
		}
		dp := r.DesirePaths[k]
		m.f("\nThe desire path %s against rule %s: %s of %s made the same edit to %s (signals %s). In %s (signal %s):\n\n",
			"`"+dp.HunkID+"`", rr.Rule, english.Count(dp.Count, "project"), dp.Blueprint, cmp.Or(dp.Example.Path, dp.File),
			m.signals(dp.Signals, len(dp.Signals)), dp.Example.Project, link(dp.Example.Signal))
		m.fence("diff", dp.Example.Hunk)
	}
	if j := slices.IndexFunc(r.Decisions, func(d DecisionReport) bool { return d.ID == id }); j >= 0 && r.Decisions[j].Ratings != nil {
		rs := r.Decisions[j].Ratings
		m.f("\nRatings: %s, %s out of 5 on average (%s to %s), %d under %s.\n", english.Count(rs.Count, "rating"),
			num(rs.Mean), num(rs.Min), num(rs.Max), rs.Low, num(r.Settings.LowRating))
	}
	if quotes := comments(o.Ratings, id); len(quotes) > 0 {
		m.f("\nWhat people said:\n\n")
		for _, s := range quotes {
			who := cmp.Or(s.Labels["by"], "someone")
			score := ""
			if s.Value != nil {
				score = fmt.Sprintf(" (%s/5)", num(*s.Value))
			}
			m.f("- %s%s: %q (signal %s)\n", who, score, strings.TrimSpace(s.Evidence.Message), link(s.ID))
		}
	}
	return strings.TrimRight(m.b.String(), "\n") + "\n", nil
}

// comments returns the ratings of decision id with a comment: the latest
// of each person and every unnamed one, by person then ID.
func comments(ratings []feedback.Signal, id string) []feedback.Signal {
	latest := map[string]feedback.Signal{}
	var out []feedback.Signal
	for _, s := range ratings {
		if s.Source != feedback.SourceRating || s.Decision != id {
			continue
		}
		by := s.Labels["by"]
		if by == "" {
			if strings.TrimSpace(s.Evidence.Message) != "" {
				out = append(out, s)
			}
			continue
		}
		if p, ok := latest[by]; !ok || s.Time.After(p.Time) || (s.Time.Equal(p.Time) && s.ID > p.ID) {
			latest[by] = s
		}
	}
	for _, s := range latest {
		if strings.TrimSpace(s.Evidence.Message) != "" {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(x, y feedback.Signal) int {
		return cmp.Or(strings.Compare(x.Labels["by"], y.Labels["by"]), strings.Compare(x.ID, y.ID))
	})
	return out
}
