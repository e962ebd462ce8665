package report_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// aggNow is the day of the reports of these tests: a Tuesday.
var aggNow = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)

// aggFleet builds signals by hand, as scan.Project, scan.Upgrade and
// feedback.Rate make them (the conventions of docs/feedback.md), with a Recorder
// whose clock and IDs are injected: IDs are "s0001", "s0002"… in the order
// made, and the clock advances a millisecond per signal from the time
// given to scan.
type aggFleet struct {
	now      time.Time
	n        int
	rec      *feedback.Recorder
	sigs     []feedback.Signal
	versions map[string]string // project → blueprint version
}

func newAggFleet() *aggFleet {
	f := &aggFleet{versions: map[string]string{}}
	f.rec = &feedback.Recorder{
		Now:   func() time.Time { f.now = f.now.Add(time.Millisecond); return f.now },
		NewID: func() string { f.n++; return fmt.Sprintf("s%04d", f.n) },
	}
	return f
}

// scan starts the scans (or upgrades, or ratings) made at t.
func (f *aggFleet) scan(t time.Time) { f.now = t }

func (f *aggFleet) subject(p string) feedback.Subject {
	return feedback.Subject{Project: p, Dir: "/srv/fleet/" + p, Owner: "team-" + p, Blueprint: "svc", Version: f.versions[p]}
}

func (f *aggFleet) add(s feedback.Signal) feedback.Signal {
	f.sigs = append(f.sigs, s)
	return s
}

func (f *aggFleet) rule(p, dec, rule string, mode decision.Mode, res feedback.Result, path string) feedback.Signal {
	s := f.rec.New(feedback.SourceRule, f.subject(p))
	s.Decision, s.Rule, s.Mode, s.Severity, s.Result = dec, rule, mode, decision.Medium, res
	s.Labels = map[string]string{"rulePos": "decisions/" + dec + ".md:12:1"}
	if res != feedback.ResultPass {
		s.Evidence = feedback.Evidence{Message: rule + " is not followed", Path: path, Line: 3}
	}
	return f.add(s)
}

func (f *aggFleet) exception(p, dec, rule, expires string, active bool, why string) feedback.Signal {
	s := f.rec.New(feedback.SourceException, f.subject(p))
	s.Decision, s.Rule = dec, rule
	status := "active"
	s.Result = feedback.ResultExempt
	if !active {
		s.Result, status = feedback.ResultFail, "expired"
	}
	s.Evidence.Message = why
	s.Labels = map[string]string{"status": status, "expires": expires, "requestedBy": "dev-" + p, "approvedBy": "cto"}
	return f.add(s)
}

// drift records a drift signal: with a key, one hunk of a file; without,
// the file as a whole.
func (f *aggFleet) drift(p, file, level, key, hunk string) feedback.Signal {
	s := f.rec.New(feedback.SourceDrift, f.subject(p))
	s.File = file
	s.Evidence = feedback.Evidence{Path: file, Hunk: hunk, Line: 1}
	s.Labels = map[string]string{"level": level, "change": "changed"}
	if key != "" {
		s.Labels["hunk.key"] = key
		sum := sha256.Sum256([]byte(key))
		s.Labels["hunk.id"] = hex.EncodeToString(sum[:])[:16]
	}
	if level == "managed" {
		s.Result = feedback.ResultFail
	}
	return f.add(s)
}

func (f *aggFleet) lag(p string, versions float64, latest, days string) feedback.Signal {
	s := f.rec.New(feedback.SourceLag, f.subject(p))
	s.Value, s.Unit = &versions, "versions"
	s.Labels = map[string]string{"latest": latest}
	if days != "" {
		s.Labels["days"] = days
	}
	return f.add(s)
}

func (f *aggFleet) upgrade(p, file string, conflict bool) feedback.Signal {
	s := f.rec.New(feedback.SourceUpgrade, f.subject(p))
	s.File, s.Result = file, feedback.ResultPass
	if path := strings.TrimSuffix(file, ".tmpl"); path != file {
		s.Evidence.Path = path // as scan.Upgrade: the template's path is not the project's
	}
	s.Labels = map[string]string{"from": "1.1.0", "to": "1.2.0", "level": "shared"}
	if conflict {
		s.Result = feedback.ResultFail
		s.Evidence.Hunk = "@@ -1,2 +1,2 @@\n-FROM golang:1.24\n+FROM golang:1.26\n"
	}
	return f.add(s)
}

func (f *aggFleet) rating(dec, bp, by string, v float64) feedback.Signal {
	s := f.rec.New(feedback.SourceRating, feedback.Subject{Blueprint: bp})
	s.Decision, s.Value, s.Unit = dec, &v, "score"
	s.Evidence.Message = "rated " + by
	s.Labels = map[string]string{"by": by}
	return f.add(s)
}

func (f *aggFleet) seq() func(func(feedback.Signal, error) bool) {
	return func(yield func(feedback.Signal, error) bool) {
		for _, s := range f.sigs {
			if !yield(s, nil) {
				return
			}
		}
	}
}

func aggIDs(ss ...feedback.Signal) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

// aggRegistry is the decisions of the scenario.
func aggRegistry(t testing.TB) *decision.Registry {
	t.Helper()
	file := func(id, front, rules string) *decision.Decision {
		src := "---\nid: " + id + "\ntitle: Decision " + id + "\n" + front + "---\n# Decision " + id + "\n"
		if rules != "" {
			src += "\n```cue\n" + rules + "\n```\n"
		}
		d, err := decision.Parse("decisions/"+id+".md", []byte(src))
		require.NoError(t, err, id)
		return d
	}
	svc := "scope: {blueprints: [svc]}\n"
	return decision.New(
		file("ADR-0100", "status: accepted\ndate: 2026-01-10\n"+svc, `tls: {mode: "warn", files: "deploy/**", matches: "tls:"}`),
		file("ADR-0200", "status: accepted\ndate: 2026-01-10\n"+svc,
			`port: {mode: "warn", schedule: "2026-12-01": "enforce", files: "config/app.yaml", unify: port: 8080}`),
		file("ADR-0300", "status: accepted\ndate: 2026-01-10\n"+svc, `ci: {mode: "enforce", files: ".github/workflows/*.yml", matches: "go test"}`),
		file("ADR-0400", "status: accepted\ndate: 2026-01-10\n"+svc, `dockerfile: {mode: "audit", exists: "Dockerfile"}`),
		file("ADR-0500", "status: accepted\ndate: 2025-01-10\nrevisit-by: 2026-10-01\n", ""),
		file("ADR-0600", "status: proposed\ndate: 2026-06-01\n", ""),
		file("ADR-0700", "status: proposed\ndate: 2026-10-01\n", ""),
		file("ADR-0800", "status: accepted\ndate: 2026-01-10\nrevisit-by: 2027-01-01\n", ""),
		file("ADR-0900", "status: rejected\ndate: 2025-01-10\nrevisit-by: 2025-06-01\n", ""),
	)
}

// aggWant holds the signals each reason must list.
type aggWant struct {
	exempt, lowRating, against, managedCI, managedMake, conflicts []string
	expired                                                       feedback.Signal
}

func aggProject(i int) string { return fmt.Sprintf("p%02d", i) }

// aggScenario is a fleet of ten projects of the blueprint svc, scanned
// twice, two weeks apart; ratings and upgrades in between. Each reason is
// injected once, and near misses beside each: an edit in two projects, an
// old scan's exemptions and drift, two conflicts, two ratings.
func aggScenario() (*aggFleet, aggWant) {
	f := newAggFleet()
	var w aggWant
	week1 := time.Date(2026, 10, 27, 9, 0, 0, 0, time.UTC)
	week3 := time.Date(2026, 11, 9, 9, 0, 0, 0, time.UTC)

	// The first scan: everything on 1.0.0, five projects exempt from
	// ADR-0100, an edit of docs/old.md in three projects.
	for i := 1; i <= 10; i++ {
		p := aggProject(i)
		f.versions[p] = "1.0.0"
		f.scan(week1.Add(time.Duration(i) * 10 * time.Second))
		res := feedback.ResultPass
		if i <= 5 {
			res = feedback.ResultExempt
			f.exception(p, "ADR-0100", "tls", "2027-01-31", true, "legacy load balancer")
		}
		f.rule(p, "ADR-0100", "tls", decision.Warn, res, "deploy/ingress.yaml")
		f.rule(p, "ADR-0200", "port", decision.Warn, feedback.ResultPass, "")
		if i <= 3 {
			f.drift(p, "docs/old.md", "shared", "+old edit", "@@ -1 +1,2 @@\n+old edit\n")
		}
		f.lag(p, 2, "1.2.0", "")
	}

	// Upgrades and ratings in between.
	f.scan(time.Date(2026, 11, 5, 15, 0, 0, 0, time.UTC))
	for i := 1; i <= 3; i++ {
		w.conflicts = append(w.conflicts, f.upgrade(aggProject(i), "Dockerfile.tmpl", true).ID)
	}
	f.upgrade(aggProject(4), "Dockerfile.tmpl", false)
	f.upgrade(aggProject(1), "README.md", true)
	f.upgrade(aggProject(2), "README.md", true)
	f.rating("ADR-0100", "", "alice", 5) // replaced by her later rating
	w.lowRating = aggIDs(f.rating("ADR-0100", "", "alice", 1), f.rating("ADR-0100", "", "bob", 2))
	f.rating("ADR-0100", "", "carol", 3)
	f.rating("ADR-0200", "", "alice", 1) // two ratings are too few
	f.rating("ADR-0200", "", "bob", 1)
	f.rating("", "svc", "alice", 4)
	f.rating("", "svc", "bob", 5)
	f.rating("", "svc", "carol", 4)

	// The latest scan.
	for i := 1; i <= 10; i++ {
		p := aggProject(i)
		switch {
		case i <= 5:
			f.versions[p] = "1.2.0"
		case i <= 8:
			f.versions[p] = "1.1.0"
		default:
			f.versions[p] = "1.0.0"
		}
		f.scan(week3.Add(time.Duration(i) * 10 * time.Second))
		// ADR-0100: three exempt, one whose exception expired, six pass.
		switch {
		case i <= 3:
			x := f.exception(p, "ADR-0100", "tls", "2027-01-31", true, "legacy load balancer")
			r := f.rule(p, "ADR-0100", "tls", decision.Warn, feedback.ResultExempt, "deploy/ingress.yaml")
			w.exempt = append(w.exempt, x.ID, r.ID)
		case i == 4:
			w.expired = f.exception(p, "ADR-0100", "tls", "2026-10-31", false, "until the migration")
			f.rule(p, "ADR-0100", "tls", decision.Warn, feedback.ResultFail, "deploy/ingress.yaml")
		default:
			f.rule(p, "ADR-0100", "tls", decision.Warn, feedback.ResultPass, "")
		}
		// ADR-0200: three warn and one exempt in config/app.yaml, where
		// the same four projects set another port: a desire path
		// against the rule.
		switch {
		case i <= 3:
			r := f.rule(p, "ADR-0200", "port", decision.Warn, feedback.ResultWarn, "config/app.yaml")
			d := f.drift(p, "config/app.yaml", "shared", "-port: 8080 +port: 9090", "@@ -1 +1 @@\n-port: 8080\n+port: 9090\n")
			w.against = append(w.against, r.ID, d.ID)
		case i == 4:
			f.exception(p, "ADR-0200", "port", "2027-03-31", true, "the port is fixed by the vendor")
			r := f.rule(p, "ADR-0200", "port", decision.Warn, feedback.ResultExempt, "config/app.yaml")
			d := f.drift(p, "config/app.yaml", "shared", "-port: 8080 +port: 9090", "@@ -1 +1 @@\n-port: 8080\n+port: 9090\n")
			w.against = append(w.against, r.ID, d.ID)
		default:
			f.rule(p, "ADR-0200", "port", decision.Warn, feedback.ResultPass, "")
		}
		f.rule(p, "ADR-0300", "ci", decision.Enforce, feedback.ResultPass, "")
		f.rule(p, "ADR-0400", "dockerfile", decision.Audit, feedback.ResultPass, "")
		// The managed CI workflow edited in three projects (a file and a
		// hunk signal each), the managed Makefile in three others.
		if i >= 5 && i <= 7 {
			a := f.drift(p, ".github/workflows/ci.yml", "managed", "", "")
			b := f.drift(p, ".github/workflows/ci.yml", "managed", "+ - run: make lint", "@@ -4 +4,2 @@\n+  - run: make lint\n")
			w.managedCI = append(w.managedCI, a.ID, b.ID)
		}
		if i >= 8 {
			w.managedMake = append(w.managedMake, f.drift(p, "Makefile", "managed", "", "").ID)
		}
		// A shared README edited the same way in four projects, and
		// another way in two.
		if i >= 5 && i <= 8 {
			f.drift(p, "README.md", "shared", "+[![build](badge.svg)]", "@@ -1 +1,2 @@\n # svc\n+[![build](badge.svg)]\n")
		}
		if i <= 2 {
			f.drift(p, "README.md", "shared", "+## Team notes", "@@ -9 +9,2 @@\n+## Team notes\n")
		}
		switch {
		case i <= 5:
			f.lag(p, 0, "1.2.0", "")
		case i <= 8:
			f.lag(p, 1, "1.2.0", "30")
		default:
			f.lag(p, 2, "1.2.0", "60")
		}
	}
	return f, w
}

func aggRun(t testing.TB, f *aggFleet, opts *report.AggregateOptions) *report.Report {
	t.Helper()
	r, err := report.Aggregate(context.Background(), f.seq(), opts)
	require.NoError(t, err)
	return r
}

func aggOpts(t testing.TB) *report.AggregateOptions {
	return &report.AggregateOptions{Now: func() time.Time { return aggNow }, Registry: aggRegistry(t)}
}

func aggDecision(t testing.TB, r *report.Report, id string) report.DecisionReport {
	t.Helper()
	i := slices.IndexFunc(r.Decisions, func(d report.DecisionReport) bool { return d.ID == id })
	require.GreaterOrEqual(t, i, 0, "decision %s not in the report", id)
	return r.Decisions[i]
}

func aggBlueprint(t testing.TB, r *report.Report, name string) report.BlueprintReport {
	t.Helper()
	i := slices.IndexFunc(r.Blueprints, func(b report.BlueprintReport) bool { return b.Name == name })
	require.GreaterOrEqual(t, i, 0, "blueprint %s not in the report", name)
	return r.Blueprints[i]
}

func aggSorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestAggregateRevisit checks that each injected reason is reported, with
// exactly the signals behind it, and that nothing else is.
func TestAggregateRevisit(t *testing.T) {
	f, w := aggScenario()
	r := aggRun(t, f, aggOpts(t))

	type item struct {
		subject string
		score   float64
		reasons []report.Reason
	}
	var got []item
	for _, v := range r.Revisit {
		it := item{subject: v.Decision, score: v.Score}
		if v.Decision == "" {
			it.subject = "blueprint " + v.Blueprint
		}
		for _, rr := range v.Reasons {
			it.reasons = append(it.reasons, rr.Reason)
		}
		got = append(got, it)
	}
	// The managed CI workflow's edits leave ADR-0300's rule passing, as on
	// a clean render: they ask something of the blueprint's file, not of
	// the decision governing it.
	assert.Equal(t, []item{
		{"blueprint svc", 6, []report.Reason{report.ReasonManagedEdits, report.ReasonManagedEdits}},
		{"ADR-0100", 4, []report.Reason{report.ReasonExemptionRate, report.ReasonLowRating}},
		{"ADR-0200", 3, []report.Reason{report.ReasonDesirePathAgainstRule}},
		{"ADR-0400", 2, []report.Reason{report.ReasonUpgradeConflicts}},
		{"ADR-0500", 1, []report.Reason{report.ReasonRevisitByPassed}},
		{"ADR-0600", 1, []report.Reason{report.ReasonProposedTooLong}},
	}, got)

	reason := func(i int) report.RevisitReason { return r.Revisit[i+1].Reasons[0] }
	exempt := reason(0)
	assert.InDelta(t, 0.3, exempt.Value, 1e-9)
	assert.Equal(t, 0.2, exempt.Threshold)
	assert.Equal(t, []string{"p01", "p02", "p03"}, exempt.Projects, "the latest scan only: p04 and p05 were exempt before")
	assert.Equal(t, aggSorted(w.exempt), aggSorted(exempt.Signals))
	assert.Equal(t, len(w.exempt), exempt.SignalCount)

	low := r.Revisit[1].Reasons[1]
	assert.InDelta(t, 2, low.Value, 1e-9, "alice's latest rating replaces her first")
	assert.Equal(t, 3, low.Count)
	assert.Equal(t, aggSorted(w.lowRating), aggSorted(low.Signals))

	against := reason(1)
	assert.Equal(t, "config/app.yaml", against.File)
	assert.Equal(t, "port", against.Rule)
	assert.Equal(t, []string{"p01", "p02", "p03", "p04"}, against.Projects)
	assert.Equal(t, aggSorted(w.against), aggSorted(against.Signals))
	assert.NotEmpty(t, against.HunkID)

	managed := map[string]report.RevisitReason{}
	for _, rr := range r.Revisit[0].Reasons {
		managed[rr.File] = rr
	}
	ci := managed[".github/workflows/ci.yml"]
	assert.Equal(t, "svc", ci.Blueprint)
	assert.Equal(t, []string{"p05", "p06", "p07"}, ci.Projects)
	assert.Equal(t, aggSorted(w.managedCI), aggSorted(ci.Signals))
	assert.Contains(t, ci.Summary, "the edits leave the rules of ADR-0300 as a clean render has them")

	mk := managed["Makefile"]
	assert.Equal(t, "svc", mk.Blueprint, "no decision governs the Makefile: the blueprint is to revisit")
	assert.Equal(t, []string{"p08", "p09", "p10"}, mk.Projects)
	assert.Equal(t, aggSorted(w.managedMake), aggSorted(mk.Signals))
	assert.NotContains(t, mk.Summary, "clean render")

	conflicts := reason(2)
	assert.Equal(t, "Dockerfile.tmpl", conflicts.File, "ADR-0400's glob matches the project's path, Dockerfile")
	assert.Equal(t, []string{"p01", "p02", "p03"}, conflicts.Projects)
	assert.Equal(t, aggSorted(w.conflicts), aggSorted(conflicts.Signals))

	revisitBy := reason(3)
	assert.Equal(t, "2026-10-01", revisitBy.Date)
	assert.Equal(t, 40.0, revisitBy.Value, "days overdue")
	assert.Empty(t, revisitBy.Signals)
	proposed := reason(4)
	assert.Equal(t, "2026-06-01", proposed.Date)
	assert.Equal(t, 162.0, proposed.Value)
	assert.Equal(t, 90.0, proposed.Threshold)

	for _, v := range r.Revisit {
		if v.Decision != "" {
			assert.Equal(t, "Decision "+v.Decision, v.Title)
			assert.NotEmpty(t, v.Status)
		}
	}
}

// TestAggregateDecisions checks the current checks (the latest scan of each
// project, exempt apart), exceptions, rollouts and trends.
func TestAggregateDecisions(t *testing.T) {
	f, w := aggScenario()
	r := aggRun(t, f, aggOpts(t))

	var got []string
	for _, d := range r.Decisions {
		got = append(got, d.ID)
	}
	assert.Equal(t, []string{"ADR-0100", "ADR-0200", "ADR-0300", "ADR-0400", "ADR-0500", "ADR-0600", "ADR-0700", "ADR-0800"}, got,
		"decisions checked, and the accepted or proposed ones of the registry")

	d := aggDecision(t, r, "ADR-0100")
	assert.Equal(t, 10, d.Subjects)
	assert.Equal(t, report.Counts{Total: 10, Pass: 6, Fail: 1, Exempt: 3}, d.Checks)
	assert.InDelta(t, 0.6, d.Rates.Pass, 1e-9, "exempt is not a pass")
	assert.InDelta(t, 0.3, d.Rates.Exempt, 1e-9)
	require.Len(t, d.Rules, 1)
	assert.Equal(t, decision.Warn, d.Rules[0].Mode)
	assert.Equal(t, 3, d.Exceptions.Active)
	assert.Equal(t, 1, d.Exceptions.Expired, "p05's exception is gone from its latest scan")
	require.Len(t, d.Exceptions.List, 4)
	first := d.Exceptions.List[0]
	assert.Equal(t, report.ExceptionEntry{Project: "p04", Rule: "tls", Justification: "until the migration",
		Expires: "2026-10-31", RequestedBy: "dev-p04", ApprovedBy: "cto", Signal: w.expired.ID}, first)
	assert.True(t, d.Exceptions.List[1].Active)
	assert.Equal(t, "legacy load balancer", d.Exceptions.List[1].Justification)

	// Trend: the first scan on Tuesday 27 October falls in the week of
	// Monday 26 October, the latest on Monday 9 November.
	require.Len(t, d.Trend, 2)
	assert.Equal(t, time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC), d.Trend[0].Start)
	assert.Equal(t, report.Counts{Total: 10, Pass: 5, Exempt: 5}, d.Trend[0].Checks)
	assert.InDelta(t, 0.5, d.Trend[0].PassRate, 1e-9)
	assert.Equal(t, time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), d.Trend[1].Start)
	assert.Equal(t, d.Checks, d.Trend[1].Checks)
	assert.Empty(t, d.Rollouts, "no schedule")

	d = aggDecision(t, r, "ADR-0200")
	assert.Equal(t, report.Counts{Total: 10, Pass: 6, Warn: 3, Exempt: 1}, d.Checks)
	require.Len(t, d.Rollouts, 1)
	ro := d.Rollouts[0]
	assert.Equal(t, "port", ro.Rule)
	assert.Equal(t, decision.Warn, ro.Mode)
	assert.Equal(t, "2026-12-01", ro.EnforceFrom)
	assert.Equal(t, 21, ro.DaysLeft)
	assert.Equal(t, 10, ro.Subjects)
	assert.Equal(t, 6, ro.Passing)
	assert.Equal(t, 1, ro.Exempt)
	assert.InDelta(t, 0.6, ro.PassRate, 1e-9)
	assert.Equal(t, []string{"p01", "p02", "p03"}, ro.NotPassing)
	require.NotNil(t, d.Ratings)
	assert.Equal(t, 2, d.Ratings.Count)

	d = aggDecision(t, r, "ADR-0300")
	assert.Equal(t, report.Counts{Total: 10, Pass: 10}, d.Checks)
	assert.Equal(t, 1.0, d.Rates.Pass)

	d = aggDecision(t, r, "ADR-0500")
	assert.Equal(t, "2026-10-01", d.RevisitBy)
	assert.Zero(t, d.Checks.Total)
	assert.Equal(t, decision.Accepted, d.Status)
}

// TestAggregateDesirePaths checks that an edit in MinProjects projects is a
// desire path, one in fewer is not, and an edit gone from the latest scan
// counts no more.
func TestAggregateDesirePaths(t *testing.T) {
	f, _ := aggScenario()
	r := aggRun(t, f, aggOpts(t))
	type dp struct {
		file, level string
		count       int
		projects    []string
	}
	var got []dp
	for _, d := range r.DesirePaths {
		got = append(got, dp{d.File, d.Level, d.Count, d.Projects})
		assert.Equal(t, "svc", d.Blueprint)
		assert.Len(t, d.HunkID, 16)
		assert.Equal(t, d.Projects[0], d.Example.Project)
		assert.Contains(t, d.Example.Hunk, "@@")
		assert.Len(t, d.Signals, d.Count)
	}
	assert.Equal(t, []dp{
		{"README.md", "shared", 4, []string{"p05", "p06", "p07", "p08"}},
		{"config/app.yaml", "shared", 4, []string{"p01", "p02", "p03", "p04"}},
		{".github/workflows/ci.yml", "managed", 3, []string{"p05", "p06", "p07"}},
	}, got, "README's team notes are in two projects only; docs/old.md is gone from the latest scan")

	// With MinProjects 2, the team notes are a desire path too, and the
	// other reasons need two projects only.
	opts := aggOpts(t)
	opts.MinProjects = 2
	r = aggRun(t, f, opts)
	var files []string
	for _, d := range r.DesirePaths {
		files = append(files, fmt.Sprintf("%s:%d", d.File, d.Count))
	}
	assert.Equal(t, []string{"README.md:4", "config/app.yaml:4", ".github/workflows/ci.yml:3", "README.md:2"}, files)
	conflicts := aggBlueprint(t, r, "svc").Conflicts
	require.Len(t, conflicts, 2)
	var reasons []string
	for _, v := range r.Revisit {
		for _, rr := range v.Reasons {
			if rr.Reason == report.ReasonUpgradeConflicts {
				reasons = append(reasons, v.Decision+v.Blueprint+":"+rr.File)
			}
		}
	}
	assert.Equal(t, []string{"ADR-0400:Dockerfile.tmpl", "svc:README.md"}, aggSorted(reasons))
}

// TestAggregateBlueprints checks versions, lag, conflicts, managed edits
// and ratings per blueprint.
func TestAggregateBlueprints(t *testing.T) {
	f, _ := aggScenario()
	r := aggRun(t, f, aggOpts(t))
	require.Len(t, r.Blueprints, 1)
	b := r.Blueprints[0]
	assert.Equal(t, "svc", b.Name)
	assert.Equal(t, 10, b.Projects)
	assert.Equal(t, []report.VersionCount{{"1.2.0", 5}, {"1.1.0", 3}, {"1.0.0", 2}}, b.Versions)

	require.NotNil(t, b.Lag)
	l := *b.Lag
	assert.Equal(t, "1.2.0", l.Latest)
	assert.Equal(t, 10, l.Projects)
	assert.Equal(t, 5, l.Behind)
	assert.InDelta(t, 0.7, l.MeanVersions, 1e-9, "the latest lag of each project, not the first scan's")
	assert.Equal(t, 2.0, l.MaxVersions)
	assert.Equal(t, 5, l.DaysKnown)
	assert.InDelta(t, 42, l.MeanDays, 1e-9)
	assert.Equal(t, 60.0, l.MaxDays)
	var behind []string
	for _, p := range l.BehindProjects {
		behind = append(behind, p.Project)
	}
	assert.Equal(t, []string{"p09", "p10", "p06", "p07", "p08"}, behind)

	require.Len(t, b.Conflicts, 2)
	c := b.Conflicts[0]
	assert.Equal(t, "Dockerfile.tmpl", c.File)
	assert.Equal(t, 3, c.Count)
	assert.Equal(t, 3, c.Conflicts)
	assert.Equal(t, 1, c.Merged)
	require.NotNil(t, c.Example)
	assert.Equal(t, "p01", c.Example.Project)
	assert.Equal(t, "1.1.0", c.Example.From)
	assert.Equal(t, "README.md", b.Conflicts[1].File)
	assert.Equal(t, 2, b.Conflicts[1].Count)

	var managed []string
	for _, e := range b.ManagedEdits {
		managed = append(managed, fmt.Sprintf("%s:%d", e.File, e.Count))
	}
	assert.Equal(t, []string{".github/workflows/ci.yml:3", "Makefile:3"}, managed)
	require.NotNil(t, b.Ratings)
	assert.Equal(t, report.RatingSummary{Count: 3, Mean: 13.0 / 3, Min: 4, Max: 5}, *b.Ratings)

	assert.Equal(t, 10, r.Projects)
	assert.Equal(t, len(f.sigs), r.Signals)
	assert.Equal(t, f.sigs[0].Time, r.First)
	assert.Equal(t, f.sigs[len(f.sigs)-1].Time, r.Last)
}

// TestAggregateWithoutRegistry: the reasons from signals alone; managed
// edits and conflicts go to the blueprint, since no decision is known to
// govern the files.
func TestAggregateWithoutRegistry(t *testing.T) {
	f, _ := aggScenario()
	r := aggRun(t, f, &report.AggregateOptions{Now: func() time.Time { return aggNow }})
	var got []string
	for _, v := range r.Revisit {
		for _, rr := range v.Reasons {
			got = append(got, fmt.Sprintf("%s%s %s %s", v.Decision, v.Blueprint, rr.Reason, rr.File))
		}
	}
	assert.Equal(t, []string{
		"svc managed-edits .github/workflows/ci.yml",
		"svc managed-edits Makefile",
		"svc upgrade-conflicts Dockerfile.tmpl",
		"ADR-0100 exemption-rate ",
		"ADR-0100 low-rating ",
		"ADR-0200 desire-path-against-rule config/app.yaml",
	}, got)
	assert.Empty(t, aggDecision(t, r, "ADR-0200").Rollouts)
	assert.Empty(t, aggDecision(t, r, "ADR-0100").Title)
}

// TestAggregateReasonWeights: a reason missing from Reasons is not
// reported, and weights rank the list.
func TestAggregateReasonWeights(t *testing.T) {
	f, _ := aggScenario()
	opts := aggOpts(t)
	opts.Reasons = map[report.Reason]float64{report.ReasonRevisitByPassed: 10, report.ReasonLowRating: 1}
	r := aggRun(t, f, opts)
	var got []string
	for _, v := range r.Revisit {
		got = append(got, fmt.Sprintf("%s %g", v.Decision, v.Score))
	}
	assert.Equal(t, []string{"ADR-0500 10", "ADR-0100 1"}, got)
}

// TestAggregateLatestScanWins: a project scanned twice counts by its latest
// scan whatever the order the signals come in; the trend counts both, and
// a scan less than ScanGap long is one scan.
func TestAggregateLatestScanWins(t *testing.T) {
	f := newAggFleet()
	f.versions["p01"] = "1.0.0"
	f.scan(aggNow.Add(-48 * time.Hour))
	old := []feedback.Signal{
		f.rule("p01", "ADR-0100", "tls", decision.Warn, feedback.ResultFail, "a.yaml"),
		f.rule("p01", "ADR-0100", "tls", decision.Warn, feedback.ResultFail, "b.yaml"),
		f.drift("p01", "README.md", "shared", "+x", "@@ -1 +1 @@\n+x\n"),
	}
	f.versions["p01"] = "1.1.0"
	f.scan(aggNow.Add(-time.Hour))
	latest := []feedback.Signal{
		f.rule("p01", "ADR-0100", "tls", decision.Warn, feedback.ResultPass, ""),
	}
	f.now = f.now.Add(30 * time.Second) // a slow scan: still one
	latest = append(latest, f.rule("p01", "ADR-0200", "port", decision.Warn, feedback.ResultWarn, "c.yaml"))
	for name, order := range map[string][]feedback.Signal{
		"in order":  append(slices.Clone(old), latest...),
		"reversed":  append(slices.Clone(latest), old...),
		"scrambled": {old[0], latest[1], old[2], latest[0], old[1]},
	} {
		t.Run(name, func(t *testing.T) {
			g := &aggFleet{sigs: order}
			r := aggRun(t, g, &report.AggregateOptions{Now: func() time.Time { return aggNow }, MinProjects: 1})
			d := aggDecision(t, r, "ADR-0100")
			assert.Equal(t, report.Counts{Total: 1, Pass: 1}, d.Checks)
			var total report.Counts
			for _, p := range d.Trend {
				total.Total += p.Checks.Total
				total.Pass += p.Checks.Pass
				total.Fail += p.Checks.Fail
			}
			assert.Equal(t, report.Counts{Total: 2, Pass: 1, Fail: 1}, total, "two findings of one scan are one failing check")
			assert.Equal(t, report.Counts{Total: 1, Warn: 1}, aggDecision(t, r, "ADR-0200").Checks)
			assert.Empty(t, r.DesirePaths, "the README edit is gone from the latest scan")
			assert.Equal(t, []report.VersionCount{{"1.1.0", 1}}, r.Blueprints[0].Versions)
		})
	}
}

// TestAggregateStore: a FileStore round trip gives the report of the
// signals in memory; a line that does not decode is skipped and counted,
// or ends a strict aggregation.
func TestAggregateStore(t *testing.T) {
	f, _ := aggScenario()
	path := filepath.Join(t.TempDir(), "signals.jsonl")
	st, err := feedback.OpenFileStore(path, nil)
	require.NoError(t, err)
	require.NoError(t, st.Append(t.Context(), f.sigs...))
	require.NoError(t, st.Close())

	st, err = feedback.OpenFileStore(path, &feedback.FileStoreOptions{ReadOnly: true})
	require.NoError(t, err)
	defer st.Close()
	fromFile, err := report.AggregateStore(t.Context(), st, feedback.Filter{}, aggOpts(t))
	require.NoError(t, err)
	inMemory := aggRun(t, f, aggOpts(t))
	assert.Equal(t, aggJSON(t, inMemory), aggJSON(t, fromFile))

	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	r, err := report.AggregateStore(t.Context(), st, feedback.Filter{Since: since}, aggOpts(t))
	require.NoError(t, err)
	assert.Equal(t, since, r.Since)
	assert.Len(t, aggDecision(t, r, "ADR-0100").Trend, 1)

	bad, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = bad.WriteString("{\"v\": 1, \"not\": \"a signal\"}\n")
	require.NoError(t, err)
	require.NoError(t, bad.Close())
	r, err = report.AggregateStore(t.Context(), st, feedback.Filter{}, aggOpts(t))
	require.NoError(t, err)
	assert.Equal(t, 1, r.Skipped)
	require.Len(t, r.SkipErrors, 1)
	assert.Contains(t, r.SkipErrors[0], fmt.Sprintf(":%d:", len(f.sigs)+1))
	assert.Equal(t, len(f.sigs), r.Signals)

	_, err = report.AggregateStore(t.Context(), st, feedback.Filter{}, &report.AggregateOptions{Strict: true})
	var le *feedback.LineError
	assert.ErrorAs(t, err, &le)
}

// TestAggregateMemoryStore: the in-memory store gives the same report.
func TestAggregateMemoryStore(t *testing.T) {
	f, _ := aggScenario()
	st := feedback.NewMemoryStore()
	require.NoError(t, st.Append(t.Context(), f.sigs...))
	r, err := report.AggregateStore(t.Context(), st, feedback.Filter{}, aggOpts(t))
	require.NoError(t, err)
	assert.Equal(t, aggJSON(t, aggRun(t, f, aggOpts(t))), aggJSON(t, r))
}

func aggJSON(t testing.TB, r *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, r.JSON(&b))
	return b.String()
}

func TestAggregateErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	seq := func(yield func(feedback.Signal, error) bool) {
		f, _ := aggScenario()
		if yield(f.sigs[0], nil) {
			yield(feedback.Signal{}, boom)
		}
	}
	_, err := report.Aggregate(t.Context(), seq, nil)
	assert.ErrorIs(t, err, boom)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	f, _ := aggScenario()
	_, err = report.Aggregate(ctx, f.seq(), nil)
	assert.ErrorIs(t, err, context.Canceled)

	for _, o := range []report.AggregateOptions{
		{Window: -time.Hour}, {ExemptionRate: 1.5}, {MinProjects: -1}, {ScanGap: -1},
		{Reasons: map[report.Reason]float64{"unknown": 1}},
	} {
		_, err := report.Aggregate(t.Context(), f.seq(), &o)
		assert.ErrorContains(t, err, "aggregate options", "%+v", o)
	}
}

// TestAggregateEmpty: no signal is an empty report that renders.
func TestAggregateEmpty(t *testing.T) {
	r, err := report.Aggregate(t.Context(), func(func(feedback.Signal, error) bool) {}, &report.AggregateOptions{Now: func() time.Time { return aggNow }})
	require.NoError(t, err)
	assert.Zero(t, r.Signals)
	assert.NotNil(t, r.Revisit)
	var b strings.Builder
	require.NoError(t, r.Markdown(&b, nil))
	assert.Contains(t, b.String(), "Nothing to revisit.")
	assert.Contains(t, aggJSON(t, r), `"revisit": []`)
}

// TestAggregateSlowScan: a scan whose signals are spread over more than
// ScanGap, each less than ScanGap after the one before, is still one scan:
// its first drift is as current as its last rule.
func TestAggregateSlowScan(t *testing.T) {
	f := newAggFleet()
	for i := 1; i <= 3; i++ {
		p := aggProject(i)
		f.versions[p] = "1.0.0"
		f.scan(aggNow.Add(-time.Duration(i) * time.Hour))
		f.drift(p, "README.md", "shared", "+x", "@@ -1 +1 @@\n+x\n")
		for _, rule := range []string{"a", "b", "c"} {
			f.now = f.now.Add(40 * time.Second)
			f.rule(p, "ADR-0100", rule, decision.Warn, feedback.ResultPass, "")
		}
	}
	r := aggRun(t, f, &report.AggregateOptions{Now: func() time.Time { return aggNow }})
	require.Len(t, r.DesirePaths, 1)
	assert.Equal(t, 3, r.DesirePaths[0].Count)
	assert.Equal(t, report.Counts{Total: 9, Pass: 9}, aggDecision(t, r, "ADR-0100").Checks)

	// With a gap of 30 s, each rule is a scan of its own: only the last
	// counts, and the drift before it is gone.
	r = aggRun(t, f, &report.AggregateOptions{Now: func() time.Time { return aggNow }, ScanGap: 30 * time.Second})
	assert.Empty(t, r.DesirePaths)
	assert.Equal(t, report.Counts{Total: 3, Pass: 3}, aggDecision(t, r, "ADR-0100").Checks)
}

// TestAggregateOrderIndependent: random fleets, scanned three times (one
// signal per check, as Scan makes them), give the same report whatever the
// order their signals come in.
func TestAggregateOrderIndependent(t *testing.T) {
	for seed := range uint64(20) {
		rnd := rand.New(rand.NewPCG(seed, 7))
		f := newAggFleet()
		results := feedback.Results()
		for scan := range 3 {
			for i := 1; i <= 8; i++ {
				p := aggProject(i)
				f.versions[p] = fmt.Sprintf("1.%d.0", rnd.IntN(3))
				f.scan(aggNow.Add(-time.Duration(3-scan)*72*time.Hour + time.Duration(i)*time.Minute))
				for _, d := range []string{"ADR-0100", "ADR-0200", "ADR-0300"} {
					res := results[rnd.IntN(len(results))]
					f.rule(p, d, "r", decision.Warn, res, []string{"a.yaml", "config/app.yaml"}[rnd.IntN(2)])
					if res == feedback.ResultExempt {
						f.exception(p, d, "r", "2027-01-01", true, "why")
					}
				}
				for range rnd.IntN(4) {
					k := rnd.IntN(3)
					level := []string{"shared", "managed"}[rnd.IntN(2)]
					f.drift(p, []string{"config/app.yaml", "Makefile"}[k%2], level, fmt.Sprintf("+edit %d", k), "@@ -1 +1 @@\n+edit\n")
				}
				f.lag(p, float64(rnd.IntN(3)), "1.2.0", "")
				if rnd.IntN(3) == 0 {
					f.upgrade(p, "Dockerfile.tmpl", rnd.IntN(2) == 0)
				}
				if rnd.IntN(2) == 0 {
					f.rating("ADR-0100", "", fmt.Sprintf("dev-%d", rnd.IntN(5)), float64(1+rnd.IntN(5)))
				}
			}
		}
		want := aggRun(t, f, aggOpts(t))
		shuffled := &aggFleet{sigs: slices.Clone(f.sigs)}
		rnd.Shuffle(len(shuffled.sigs), func(i, j int) { shuffled.sigs[i], shuffled.sigs[j] = shuffled.sigs[j], shuffled.sigs[i] })
		got := aggRun(t, shuffled, aggOpts(t))
		assert.Equal(t, want.Decisions, got.Decisions, "seed %d", seed)
		assert.Equal(t, want.DesirePaths, got.DesirePaths, "seed %d", seed)
		assert.Equal(t, want.Revisit, got.Revisit, "seed %d", seed)
		assert.Equal(t, want.Blueprints, got.Blueprints, "seed %d", seed)
	}
}

// TestAggregateSkipsBadRecordsOfAnyStore: any store's error matching
// feedback.ErrBadRecord is counted and stepped over; any other ends the
// aggregation.
func TestAggregateSkipsBadRecordsOfAnyStore(t *testing.T) {
	f, _ := aggScenario()
	seq := func(bad error) func(func(feedback.Signal, error) bool) {
		return func(yield func(feedback.Signal, error) bool) {
			for i, s := range f.sigs {
				if i == 3 && !yield(feedback.Signal{}, bad) {
					return
				}
				if !yield(s, nil) {
					return
				}
			}
		}
	}
	r, err := report.Aggregate(t.Context(), seq(fmt.Errorf("signals row 7: %w", feedback.ErrBadRecord)), aggOpts(t))
	require.NoError(t, err)
	assert.Equal(t, 1, r.Skipped)
	assert.Equal(t, []string{"signals row 7: feedback: stored record does not decode"}, r.SkipErrors)
	assert.Equal(t, len(f.sigs), r.Signals)

	_, err = report.Aggregate(t.Context(), seq(errors.New("connection reset")), aggOpts(t))
	assert.ErrorContains(t, err, "connection reset")
}
