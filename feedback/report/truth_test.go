package report_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// withBaseline sets the baseline label of a rule signal the fleet made.
func (f *aggFleet) withBaseline(s feedback.Signal, baseline string) {
	i := slices.IndexFunc(f.sigs, func(x feedback.Signal) bool { return x.ID == s.ID })
	f.sigs[i].Labels["baseline"] = baseline
}

func reasonsOf(r *report.Report) []string {
	var out []string
	for _, v := range r.Revisit {
		for _, rr := range v.Reasons {
			out = append(out, strings.TrimSpace(v.Decision+v.Blueprint+v.Exception+" "+string(rr.Reason)+" "+rr.Rule))
		}
	}
	return out
}

// TestAggregateBaseline: a rule that fails on the clean render is the
// blueprint's failure — its own reason, against the blueprint, counted in
// the checks apart — and an edit of the failing file is a desire path
// against the rule only where it changes the rule's outcome.
func TestAggregateBaseline(t *testing.T) {
	f := newAggFleet()
	f.scan(aggNow.Add(-time.Hour))
	for i := range 8 {
		p := aggProject(i)
		f.versions[p] = "2.0.0"
		switch {
		case i < 4:
			// Fails on the clean render, and the team edited the file
			// anyway: the blueprint's failure, not the edit's.
			f.withBaseline(f.rule(p, "ADR-1", "pinned", decision.Audit, feedback.ResultFail, "Dockerfile"), "fail")
			f.drift(p, "Dockerfile", "managed", "+# build cache\n", "@@ -1 +1,2 @@\n+# build cache\n")
		default:
			// The team fixed it: the rule passes, the clean render fails.
			s := f.rule(p, "ADR-1", "pinned", decision.Audit, feedback.ResultPass, "")
			f.withBaseline(s, "fail")
			i := slices.IndexFunc(f.sigs, func(x feedback.Signal) bool { return x.ID == s.ID })
			f.sigs[i].Evidence.Path = "Dockerfile"
			f.drift(p, "Dockerfile", "managed", "-FROM golang\n+FROM golang@sha256:1\n", "@@ -1 +1 @@\n-FROM golang\n+FROM golang@sha256:1\n")
		}
		f.withBaseline(f.rule(p, "ADR-1", "limits", decision.Enforce, feedback.ResultPass, ""), "pass")
	}
	r := aggRun(t, f, &report.AggregateOptions{Now: func() time.Time { return aggNow }})
	assert.ElementsMatch(t, []string{
		"svc baseline-failure pinned",
		"svc managed-edits", // eight projects edited the managed Dockerfile, in two ways
		"ADR-1 desire-path-against-rule pinned",
	}, reasonsOf(r))
	for _, v := range r.Revisit {
		for _, rr := range v.Reasons {
			switch rr.Reason {
			case report.ReasonBaselineFailure:
				assert.Equal(t, "svc 2.0.0 violates ADR-1 pinned on a clean render, in 4 projects", rr.Summary)
				assert.Equal(t, []string{"p00", "p01", "p02", "p03"}, rr.Projects)
				assert.Equal(t, "2.0.0", rr.Version)
				assert.Equal(t, "ADR-1", rr.Decision)
				assert.Equal(t, 4, rr.SignalCount)
			case report.ReasonDesirePathAgainstRule:
				assert.Equal(t, []string{"p04", "p05", "p06", "p07"}, rr.Projects, "only the edit that changes the outcome")
				assert.Contains(t, rr.Summary, "which makes ADR-1/pinned pass there while a clean render fails it")
			}
		}
	}
	d := aggDecision(t, r, "ADR-1")
	assert.Equal(t, 4, d.Checks.Baseline)
	assert.Equal(t, report.Counts{Total: 8, Pass: 4, Fail: 4, Baseline: 4}, d.Modes.Audit)
	assert.Equal(t, report.Counts{Total: 8, Pass: 8}, d.Modes.Enforce)
	var md strings.Builder
	require.NoError(t, r.Markdown(&md, nil))
	assert.Contains(t, md.String(), "| ADR-1 |  | 8 | 16 | 12 | 0 | 4 | 0 | 0 | 0 | 4 | 75% | 0% | 0 active, 0 expired |")
	assert.Contains(t, md.String(), "### 1. blueprint svc")
}

// TestAggregateUnneededExceptions: an active exception to a rule that
// passed in each of the project's last UnneededScans scans is unneeded, a
// reason against the exceptions; fewer scans, a failure among them, or an
// expired exception are not; the order of the signals does not matter.
func TestAggregateUnneededExceptions(t *testing.T) {
	f := newAggFleet()
	scans := []time.Time{aggNow.Add(-72 * time.Hour), aggNow.Add(-48 * time.Hour), aggNow.Add(-24 * time.Hour), aggNow.Add(-time.Hour)}
	for si, at := range scans {
		f.scan(at)
		for i := range 5 {
			p := aggProject(i)
			if i == 1 && si < 2 {
				continue // p01 was scanned twice only
			}
			res := feedback.ResultPass
			if i == 2 && si == 2 {
				res = feedback.ResultFail // p02 failed in one of its last three
			}
			f.rule(p, "ADR-1", "team-set", decision.Warn, res, "")
			f.rule(p, "ADR-1", "owner", decision.Warn, feedback.ResultPass, "")
			switch i {
			case 3:
				f.exception(p, "ADR-1", "team-set", "2026-01-01", false, "expired")
			case 4:
				f.exception(p, "ADR-1", "*", "2027-01-01", true, "every rule")
			default:
				f.exception(p, "ADR-1", "team-set", "2027-01-01", true, "handed over")
			}
		}
	}
	for _, order := range []string{"in order", "reversed"} {
		g := &aggFleet{sigs: slices.Clone(f.sigs)}
		if order == "reversed" {
			slices.Reverse(g.sigs)
		}
		r := aggRun(t, g, &report.AggregateOptions{Now: func() time.Time { return aggNow }})
		assert.ElementsMatch(t, []string{
			"ADR-1/team-set unneeded-exception team-set", "ADR-1/* unneeded-exception *",
		}, reasonsOf(r), order)
		for _, v := range r.Revisit {
			require.Len(t, v.Reasons, 1)
			rr := v.Reasons[0]
			switch v.Exception {
			case "ADR-1/team-set":
				assert.Equal(t, []string{"p00"}, rr.Projects, order)
				assert.Equal(t, "1 project holds an active exception to ADR-1/team-set, which passed in each of its last 3 scans", rr.Summary)
			case "ADR-1/*":
				assert.Equal(t, []string{"p04"}, rr.Projects, order)
			}
			assert.Empty(t, v.Decision, "a reason against the exception, not the decision")
		}
		d := aggDecision(t, r, "ADR-1")
		assert.Equal(t, 2, d.Exceptions.Unneeded, order)
		for _, e := range d.Exceptions.List {
			assert.Equal(t, e.Project == "p00" || e.Project == "p04", e.Unneeded, "%s %s", order, e.Project)
		}
	}

	// Four scans are needed: none is unneeded yet.
	r := aggRun(t, f, &report.AggregateOptions{Now: func() time.Time { return aggNow }, UnneededScans: 5})
	assert.Empty(t, reasonsOf(r))
}
