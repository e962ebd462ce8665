package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/internal/english"
)

// This file makes the Report from the groups the aggregator kept.

// decisionAgg gathers what the current state says about one decision.
type decisionAgg struct {
	checks         Counts
	modes          ModeCounts
	subjects       projectSet
	rules          map[string]*ruleAgg
	exemptProjects projectSet
	exemptEv       evidenceList
	exceptions     []ExceptionEntry
	active         int
	expired        int
	unneeded       int
}

type ruleAgg struct {
	checks     Counts
	notPassing projectSet
}

func (d *decisionAgg) rule(name string) *ruleAgg {
	r := d.rules[name]
	if r == nil {
		r = &ruleAgg{notPassing: projectSet{}}
		d.rules[name] = r
	}
	return r
}

// ruleHit is a rule signal on a file in a project whose outcome an edit
// changed: the rule fails there (and passes on the clean render, or the
// signal does not say), or it passes there and fails on the clean render
// (fixed).
type ruleHit struct {
	decision, rule, id string
	fixed              bool // the rule passes there and fails on the clean render
	known              bool // the rule fails there and the signal says the clean render passes
}

// baselineGroup is one rule of one decision failing on the clean render of
// one version of a blueprint (or of a part of it).
type baselineGroup struct{ blueprint, version, part, decision, rule string }

type baselineAgg struct {
	projects projectSet
	ev       evidenceList
}

type driftItem struct{ project, id, path, hunk, level, hunkID string }

type hunkKey struct{ blueprint, file, key string }

type managedAgg struct {
	projects projectSet
	ev       evidenceList
	paths    map[string]struct{}
}

// revisitSet gathers the revisit evidence, by decision or blueprint.
type revisitSet struct {
	o     *settings
	items map[[3]string]*Revisit
}

func (rv *revisitSet) add(dec, bp string, rr RevisitReason) {
	if dec != "" {
		bp = ""
	}
	rv.addTo([3]string{dec, bp, ""}, rr)
}

// addException adds a reason about the exceptions to one rule, named
// "DECISION/RULE".
func (rv *revisitSet) addException(exc string, rr RevisitReason) {
	rv.addTo([3]string{"", "", exc}, rr)
}

func (rv *revisitSet) addTo(k [3]string, rr RevisitReason) {
	w, ok := rv.o.Reasons[rr.Reason]
	if !ok {
		return
	}
	if rr.Signals == nil {
		rr.Signals = []string{}
	}
	it := rv.items[k]
	if it == nil {
		it = &Revisit{Decision: k[0], Blueprint: k[1], Exception: k[2]}
		rv.items[k] = it
	}
	it.Score += w
	it.Reasons = append(it.Reasons, rr)
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func formatDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// exceptionActive reports whether an exception is active on the day of
// now: by its expiry, else by the status it was recorded with.
func exceptionActive(e exceptionEntry, now time.Time) bool {
	if exp, err := time.Parse(time.DateOnly, e.expires); err == nil {
		return !startOfDay(now).After(exp)
	}
	if e.status != "" {
		return e.status == "active"
	}
	return e.result == feedback.ResultExempt
}

// builder makes the report from the aggregator's groups, step by step.
type builder struct {
	*aggregator
	r       *Report
	rv      *revisitSet
	decs    map[string]*decisionAgg
	bps     map[string]*BlueprintReport
	hits    map[[2]string][]ruleHit // (project, path) → findings whose outcome an edit changed there
	base    map[baselineGroup]*baselineAgg
	ratings map[ratingKey]*RatingSummary
	limitP  int
	limitS  int
}

func (b *builder) dec(id string) *decisionAgg {
	d := b.decs[id]
	if d == nil {
		d = &decisionAgg{subjects: projectSet{}, rules: map[string]*ruleAgg{}, exemptProjects: projectSet{}}
		b.decs[id] = d
	}
	return d
}

func (b *builder) bpr(name string) *BlueprintReport {
	r := b.bps[name]
	if r == nil {
		r = &BlueprintReport{Name: name, Versions: []VersionCount{}, Conflicts: []FileConflicts{}, ManagedEdits: []FileEdits{}}
		b.bps[name] = r
	}
	return r
}

func (a *aggregator) report() *Report {
	o := &a.o
	r := &Report{
		Generated: o.now,
		Settings: Settings{
			Window: o.Window.String(), Windows: o.Windows, ScanGap: o.ScanGap.String(),
			MinProjects: o.MinProjects, MinConflicts: o.MinConflicts, ExemptionRate: o.ExemptionRate,
			LowRating: o.LowRating, MinRatings: o.MinRatings, ProposedDays: o.ProposedFor.Hours() / 24,
			Reasons: maps.Clone(o.Reasons), MaxProjects: o.MaxProjects, MaxSignals: o.MaxSignals, UnneededScans: o.UnneededScans,
		},
		Signals: a.signals, Sources: a.bySource, Projects: len(a.projects),
		Skipped: a.skipped, SkipErrors: a.skipErrors,
		Revisit: []Revisit{}, Decisions: []DecisionReport{}, DesirePaths: []DesirePath{}, Blueprints: []BlueprintReport{},
	}
	if reg := o.Registry; reg != nil {
		r.Settings.Registry = reg.Source()
		if rev := reg.Revision(); rev != "" {
			r.Settings.Registry += "@" + rev
		}
	}
	if a.signals > 0 {
		r.First, r.Last = time.UnixMicro(a.first).UTC(), time.UnixMicro(a.last).UTC()
	}
	b := &builder{
		aggregator: a, r: r, rv: &revisitSet{o: o, items: map[[3]string]*Revisit{}},
		decs: map[string]*decisionAgg{}, bps: map[string]*BlueprintReport{}, hits: map[[2]string][]ruleHit{},
		base:    map[baselineGroup]*baselineAgg{},
		ratings: map[ratingKey]*RatingSummary{}, limitP: o.MaxProjects, limitS: o.MaxSignals,
	}
	b.checks()
	b.baselines()
	b.exceptions()
	b.drift()
	b.absorption()
	b.versions()
	b.conflicts()
	b.rate()
	b.decisions()
	b.finish()
	return r
}

// checks gathers the current check of every rule of every project, and
// counts the last checks in the trend.
func (b *builder) checks() {
	for k, st := range b.rules {
		out := st.outcome()
		b.addTrend(k.decision, st.end, out)
		if st.prevOut >= 0 {
			b.addTrend(k.decision, st.prev.end, st.prevOut)
		}
		if !st.within(b.projects[k.project].ruleScan) {
			continue
		}
		p := b.projects[k.project]
		d := b.dec(k.decision)
		d.checks.add(out)
		mc := d.modes.of(modes[st.mode])
		if mc != nil {
			mc.add(out)
		}
		d.subjects.add(k.project)
		ra := d.rule(k.rule)
		ra.checks.add(out)
		if out != iPass && out != iExempt {
			ra.notPassing.add(k.project)
		}
		baseline := false
		for _, f := range st.findings {
			if out == iExempt && f.result == feedback.ResultExempt {
				d.exemptProjects.add(k.project)
				d.exemptEv.add(k.project, f.id)
			}
			hk := [2]string{k.project, f.path}
			switch f.result {
			case feedback.ResultFail, feedback.ResultWarn, feedback.ResultExempt:
				if f.baseline == baselineFail {
					// The clean render fails too: the blueprint's failure,
					// never the team's.
					baseline = true
					g := baselineGroup{p.blueprint, p.version, f.part, k.decision, k.rule}
					ba := b.base[g]
					if ba == nil {
						ba = &baselineAgg{projects: projectSet{}}
						b.base[g] = ba
					}
					ba.projects.add(k.project)
					ba.ev.add(k.project, f.id)
					continue
				}
				b.hits[hk] = append(b.hits[hk], ruleHit{decision: k.decision, rule: k.rule, id: f.id, known: f.baseline == baselinePass})
			case feedback.ResultPass:
				if f.baseline == baselineFail {
					b.hits[hk] = append(b.hits[hk], ruleHit{decision: k.decision, rule: k.rule, id: f.id, fixed: true})
				}
			}
		}
		if baseline && (out == iFail || out == iWarn || out == iExempt) {
			d.checks.Baseline++
			ra.checks.Baseline++
			if mc != nil {
				mc.Baseline++
			}
		}
	}
}

// baselines reports each rule failing on the clean render of a blueprint
// version as a reason against the blueprint: one reason per version, part
// and rule, however few projects show it, since one clean render is proof.
func (b *builder) baselines() {
	for g, ba := range b.base {
		if g.blueprint == "" {
			continue
		}
		ids, n := ba.ev.ids(b.limitS)
		what := g.blueprint + " " + g.version
		if g.part != "" {
			what += " (part " + g.part + ")"
		}
		b.rv.add("", g.blueprint, RevisitReason{
			Reason: ReasonBaselineFailure,
			Summary: fmt.Sprintf("%s violates %s %s on a clean render, in %s", what, g.decision, g.rule,
				english.Count(len(ba.projects), "project")),
			Value: float64(len(ba.projects)), Threshold: 1,
			Blueprint: g.blueprint, Version: g.version, Part: g.part, Decision: g.decision, Rule: g.rule,
			Count: len(ba.projects), Projects: ba.projects.list(b.limitP), Signals: ids, SignalCount: n,
		})
	}
}

// exceptions gathers the exceptions of the latest scan of each project,
// and finds those no longer needed.
func (b *builder) exceptions() {
	// The rules of the projects' decisions that an exception covers
	// whole ("*").
	byDecision := map[[2]string][]*ruleState{}
	for k := range b.excs {
		if k.rule == "" || k.rule == "*" {
			byDecision[[2]string{k.project, k.decision}] = nil
		}
	}
	if len(byDecision) > 0 {
		for k, st := range b.rules {
			dk := [2]string{k.project, k.decision}
			if rs, ok := byDecision[dk]; ok {
				byDecision[dk] = append(rs, st)
			}
		}
	}
	type unneededAgg struct {
		projects projectSet
		ev       evidenceList
	}
	unneeded := map[[2]string]*unneededAgg{} // by decision and rule
	for k, st := range b.excs {
		p := b.projects[k.project]
		if !st.within(p.ruleScan) {
			continue
		}
		d := b.dec(k.decision)
		var rules []*ruleState
		if k.rule == "" || k.rule == "*" {
			rules = byDecision[[2]string{k.project, k.decision}]
		} else if rs := b.rules[k]; rs != nil {
			rules = []*ruleState{rs}
		}
		passing := b.passedRecently(p, rules)
		for _, e := range st.list {
			active := exceptionActive(e, b.o.now)
			needless := active && passing
			if needless {
				d.unneeded++
				uk := [2]string{k.decision, k.rule}
				u := unneeded[uk]
				if u == nil {
					u = &unneededAgg{projects: projectSet{}}
					unneeded[uk] = u
				}
				u.projects.add(k.project)
				u.ev.add(k.project, e.id)
			}
			if active {
				d.active++
				if d.exemptProjects != nil {
					if _, ok := d.exemptProjects[k.project]; ok {
						d.exemptEv.add(k.project, e.id)
					}
				}
			} else {
				d.expired++
			}
			d.exceptions = append(d.exceptions, ExceptionEntry{
				Project: k.project, Rule: k.rule, Justification: e.justification, Expires: e.expires,
				Active: active, Unneeded: needless, RequestedBy: e.requestedBy, ApprovedBy: e.approvedBy, Signal: e.id,
			})
		}
	}
	n := b.o.UnneededScans
	for uk, u := range unneeded {
		ids, count := u.ev.ids(b.limitS)
		rule := uk[0] + "/" + uk[1]
		verb, whose := "hold", "their"
		if len(u.projects) == 1 {
			verb, whose = "holds", "its"
		}
		b.rv.addException(rule, RevisitReason{
			Reason: ReasonUnneededException,
			Summary: fmt.Sprintf("%s %s an active exception to %s, which passed in each of %s last %s",
				english.Count(len(u.projects), "project"), verb, rule, whose, english.Count(n, "scan")),
			Value: float64(n), Threshold: float64(n), Rule: uk[1], Count: len(u.projects),
			Projects: u.projects.list(b.limitP), Signals: ids, SignalCount: count,
		})
	}
}

// passedRecently reports whether each of rules passed in each of the last
// UnneededScans scans of p that checked rules: checked in the latest, in
// the oldest of them or before, and not failing since. Fewer scans than
// that are not enough.
func (b *builder) passedRecently(p *projectState, rules []*ruleState) bool {
	n := b.o.UnneededScans
	if len(rules) == 0 || len(p.recent) < n {
		return false
	}
	oldest := p.recent[len(p.recent)-n]
	for _, st := range rules {
		if !st.within(p.ruleScan) || st.firstSeen > oldest.end || st.notPassed >= oldest.start {
			return false
		}
	}
	return true
}

// drift finds the desire paths and the managed files edited, in the latest
// scan of each project.
func (b *builder) drift() {
	groups := map[hunkKey][]driftItem{}
	managed := map[fileKey]*managedAgg{}
	for k, st := range b.aggregator.drift {
		p := b.projects[k.project]
		if !st.within(p.scan) {
			continue
		}
		bp := cmp.Or(st.blueprint, p.blueprint)
		if st.level == string(blueprint.Managed) {
			fk := fileKey{bp, k.file}
			m := managed[fk]
			if m == nil {
				m = &managedAgg{projects: projectSet{}, paths: map[string]struct{}{}}
				managed[fk] = m
			}
			m.projects.add(k.project)
			m.ev.add(k.project, st.id)
			addPath(m.paths, st.path)
		}
		if k.key != "" {
			hk := hunkKey{bp, k.file, k.key}
			groups[hk] = append(groups[hk], driftItem{k.project, st.id, st.path, st.hunk, st.level, st.hunkID})
		}
	}
	for hk, items := range groups {
		if len(items) < b.o.MinProjects {
			continue
		}
		slices.SortFunc(items, func(x, y driftItem) int { return strings.Compare(x.project, y.project) })
		dp := DesirePath{Blueprint: hk.blueprint, File: hk.file, Level: items[0].level, HunkID: cmp.Or(items[0].hunkID, hunkIDOf(hk.key)),
			Key: hk.key, Count: len(items), Projects: []string{}}
		var ev evidenceList
		for i, it := range items {
			if i < b.limitP {
				dp.Projects = append(dp.Projects, it.project)
			}
			if it.level == string(blueprint.Managed) {
				dp.Level = it.level
			}
			ev.add(it.project, it.id)
		}
		dp.Signals, _ = ev.ids(b.limitS)
		dp.Example = Example{Project: items[0].project, Path: items[0].path, Hunk: items[0].hunk, Signal: items[0].id}
		b.r.DesirePaths = append(b.r.DesirePaths, dp)

		b.against(hk, items, dp.HunkID)
	}
	slices.SortFunc(b.r.DesirePaths, func(x, y DesirePath) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.Blueprint, y.Blueprint),
			strings.Compare(x.File, y.File), strings.Compare(x.Key, y.Key))
	})
	b.managedEdits(managed)
}

// managedEdits reports the managed files edited; those edited in
// MinProjects projects are evidence against the decisions that govern the
// file and whose rules the edits change the outcome of, against the clean
// render, in MinProjects of those projects — else against the blueprint:
// an edit that leaves every rule as the clean render has it (a LABEL line
// in a Dockerfile whose rule pins its base images) asks something of the
// blueprint's file, not of the decision.
func (b *builder) managedEdits(managed map[fileKey]*managedAgg) {
	for fk, m := range managed {
		ids, n := m.ev.ids(b.limitS)
		br := b.bpr(fk.blueprint)
		br.ManagedEdits = append(br.ManagedEdits, FileEdits{File: fk.file, Count: len(m.projects),
			Projects: m.projects.list(b.limitP), Signals: ids})
		if len(m.projects) < b.o.MinProjects {
			continue
		}
		rr := RevisitReason{
			Reason:  ReasonManagedEdits,
			Summary: fmt.Sprintf("%s of %s edited the managed file %s", english.Count(len(m.projects), "project"), fk.blueprint, fk.file),
			Value:   float64(len(m.projects)), Threshold: float64(b.o.MinProjects),
			Blueprint: fk.blueprint, File: fk.file, Count: len(m.projects), Projects: m.projects.list(b.limitP),
			Signals: ids, SignalCount: n,
		}
		paths := pathList(fk.file, m.paths)
		var contested []string
		var left []string
		for _, d := range b.governing(fk.blueprint, paths...) {
			n := 0
			for p := range m.projects {
				if slices.ContainsFunc(paths, func(path string) bool {
					return slices.ContainsFunc(b.hits[[2]string{p, path}], func(h ruleHit) bool { return h.decision == d.ID })
				}) {
					n++
				}
			}
			if n >= b.o.MinProjects {
				contested = append(contested, d.ID)
			} else {
				left = append(left, d.ID)
			}
		}
		if len(contested) == 0 {
			if len(left) > 0 {
				rr.Summary += fmt.Sprintf("; the edits leave the rules of %s as a clean render has them", strings.Join(left, ", "))
			}
			b.rv.add("", fk.blueprint, rr)
			continue
		}
		for _, id := range contested {
			b.rv.add(id, "", rr)
		}
	}
}

// against reports a desire path as evidence against the decisions whose
// rules fail (or warn, or are exempt) in the edited file for at least
// MinProjects of the projects that made the edit: one reason per rule.
func (b *builder) against(hk hunkKey, items []driftItem, hunkID string) {
	type against struct {
		projects      projectSet
		fixed, broken projectSet // projects where the edit makes the rule pass, and fail, against the clean render
		known         bool       // every failing signal says the clean render passes
		ev            evidenceList
	}
	contra := map[[2]string]*against{} // by decision and rule
	for _, it := range items {
		paths := []string{hk.file}
		if it.path != "" && it.path != hk.file {
			paths = append(paths, it.path)
		}
		for _, path := range paths {
			for _, h := range b.hits[[2]string{it.project, path}] {
				k := [2]string{h.decision, h.rule}
				c := contra[k]
				if c == nil {
					c = &against{projects: projectSet{}, fixed: projectSet{}, broken: projectSet{}, known: true}
					contra[k] = c
				}
				c.projects.add(it.project)
				if h.fixed {
					c.fixed.add(it.project)
				} else {
					c.broken.add(it.project)
					c.known = c.known && h.known
				}
				c.ev.add(it.project, h.id)
				c.ev.add(it.project, it.id)
			}
		}
	}
	// The file as the projects have it, when they all have it at one path
	// (service/deploy/k8s/deployment.yaml in a composed project), else the
	// template's path.
	where := ""
	for _, it := range items {
		switch p := cmp.Or(it.path, hk.file); {
		case where == "":
			where = p
		case where != p:
			where = hk.file
		}
	}
	for k, c := range contra {
		if len(c.projects) < b.o.MinProjects {
			continue
		}
		id, rule := k[0], k[1]
		ids, n := c.ev.ids(b.limitS)
		who := fmt.Sprintf("%s of %s made the same edit to %s", english.Count(len(c.projects), "project"), hk.blueprint, where)
		var summary string
		switch {
		case len(c.fixed) == 0:
			summary = fmt.Sprintf("%s where they fail, warn or are exempt from %s/%s", who, id, rule)
			if c.known {
				summary += ", which a clean render passes"
			}
		case len(c.broken) == 0:
			summary = fmt.Sprintf("%s, which makes %s/%s pass there while a clean render fails it", who, id, rule)
		default:
			summary = fmt.Sprintf("%s, which changes the outcome of %s/%s against a clean render: %s now fail it, %s now pass it",
				who, id, rule, english.Count(len(c.broken), "project"), english.Count(len(c.fixed), "project"))
		}
		b.rv.add(id, "", RevisitReason{
			Reason:  ReasonDesirePathAgainstRule,
			Summary: summary,
			Value:   float64(len(c.projects)), Threshold: float64(b.o.MinProjects),
			Blueprint: hk.blueprint, File: hk.file, Rule: rule, HunkID: hunkID,
			Count: len(c.projects), Projects: c.projects.list(b.limitP), Signals: ids, SignalCount: n,
		})
	}
}

// versions reports each blueprint's versions and lag, by the latest scan
// of each project.
func (b *builder) versions() {
	versions := map[[2]string]int{}
	type lagged struct {
		ProjectLag
		known bool
	}
	lags := map[string][]lagged{}
	latest := map[string]string{}
	for name, p := range b.aggregator.projects {
		if p.blueprint == "" {
			continue
		}
		b.bpr(p.blueprint).Projects++
		versions[[2]string{p.blueprint, p.version}]++
		if l := p.lag; l != nil {
			bp := cmp.Or(l.blueprintNm, p.blueprint)
			lags[bp] = append(lags[bp], lagged{ProjectLag{Project: name, Version: cmp.Or(l.version, p.version),
				Versions: l.value, Days: l.days, Signal: l.id}, l.daysKnown})
			if l.latest != "" && blueprint.CompareVersions(l.latest, latest[bp]) > 0 {
				latest[bp] = l.latest
			}
		}
	}
	for k, n := range versions {
		br := b.bpr(k[0])
		br.Versions = append(br.Versions, VersionCount{Version: k[1], Projects: n})
	}
	for bp, ls := range lags {
		lag := &LagSummary{Latest: latest[bp], Projects: len(ls), BehindProjects: []ProjectLag{}}
		var sum, days float64
		for _, l := range ls {
			sum += l.Versions
			lag.MaxVersions = max(lag.MaxVersions, l.Versions)
			if l.known {
				lag.DaysKnown++
				days += l.Days
				lag.MaxDays = max(lag.MaxDays, l.Days)
			}
		}
		lag.MeanVersions = sum / float64(len(ls))
		if lag.DaysKnown > 0 {
			lag.MeanDays = days / float64(lag.DaysKnown)
		}
		slices.SortFunc(ls, func(x, y lagged) int {
			return cmp.Or(cmp.Compare(y.Versions, x.Versions), cmp.Compare(y.Days, x.Days), strings.Compare(x.Project, y.Project))
		})
		for _, l := range ls {
			if l.Versions > 0 {
				lag.Behind++
				if len(lag.BehindProjects) < b.limitP {
					lag.BehindProjects = append(lag.BehindProjects, l.ProjectLag)
				}
			}
		}
		b.bpr(bp).Lag = lag
	}
}

// conflicts reports the upgrade conflicts, over every upgrade signal.
func (b *builder) conflicts() {
	for fk, u := range b.upgrades {
		if u.conflicts == 0 {
			continue
		}
		ps := projectSet(u.projects)
		ids := u.ids.list(b.limitS)
		br := b.bpr(fk.blueprint)
		br.Conflicts = append(br.Conflicts, FileConflicts{File: fk.file, Count: len(ps), Projects: ps.list(b.limitP),
			Conflicts: u.conflicts, Merged: u.merged, Example: u.example, Signals: ids})
		if len(ps) < b.o.MinConflicts {
			continue
		}
		b.attribute(fk.blueprint, RevisitReason{
			Reason: ReasonUpgradeConflicts,
			Summary: fmt.Sprintf("upgrades of %s conflicted in %s in %s (%s, %d merged)",
				fk.blueprint, fk.file, english.Count(len(ps), "project"), english.Count(u.conflicts, "conflict"), u.merged),
			Value: float64(len(ps)), Threshold: float64(b.o.MinConflicts),
			Blueprint: fk.blueprint, File: fk.file, Count: len(ps), Projects: ps.list(b.limitP),
			Signals: ids, SignalCount: u.ids.n,
		}, pathList(fk.file, u.paths)...)
	}
}

// rate summarises the ratings of decisions and blueprints.
func (b *builder) rate() {
	for k, ra := range b.aggregator.ratings {
		s := &RatingSummary{Count: ra.anonCount, Min: ra.anonMin, Max: ra.anonMax}
		sum := ra.anonSum
		var ev evidenceList
		for _, x := range ra.anonymous {
			ev.add("", x.id)
		}
		for _, x := range ra.byRater {
			s.Count++
			sum += x.value
			s.Min, s.Max = min(s.Min, x.value), max(s.Max, x.value)
			if x.value < b.o.LowRating {
				s.Low++
				ev.add("", x.id)
			}
		}
		if s.Count == 0 {
			continue
		}
		s.Low += ra.anonLow
		s.Mean = sum / float64(s.Count)
		b.ratings[k] = s
		if s.Count < b.o.MinRatings || s.Mean >= b.o.LowRating {
			continue
		}
		ids, n := ev.ids(b.limitS)
		what := k.decision
		if what == "" {
			what = "blueprint " + k.blueprint
		}
		b.rv.add(k.decision, k.blueprint, RevisitReason{
			Reason:  ReasonLowRating,
			Summary: fmt.Sprintf("%s is rated %.2g out of 5 on average by %s (%d under %g)", what, s.Mean, english.Count(s.Count, "rating"), s.Low, b.o.LowRating),
			Value:   s.Mean, Threshold: b.o.LowRating, Blueprint: k.blueprint, Count: s.Count,
			Signals: ids, SignalCount: n,
		})
		if k.blueprint != "" {
			b.bpr(k.blueprint)
		}
	}
	for k, s := range b.ratings {
		if k.decision != "" {
			b.dec(k.decision)
		} else {
			b.bpr(k.blueprint).Ratings = s
		}
	}
}

// decisions reports each decision, with the reasons to revisit it that
// come from its checks and from the registry.
func (b *builder) decisions() {
	o := b.o
	for id := range b.trend { // decisions checked only in older scans
		b.dec(id)
	}
	// The registry: every accepted or proposed decision, their dates.
	reg := o.Registry
	if reg != nil {
		for _, d := range reg.List(decision.Filter{Status: []decision.Status{decision.Accepted, decision.Proposed}}) {
			b.dec(d.ID)
		}
	}

	// Decisions.
	for id, d := range b.decs {
		dr := DecisionReport{ID: id, Subjects: len(d.subjects), Checks: d.checks, Rates: d.checks.Rates(), Modes: d.modes,
			Rules: []RuleReport{}, Trend: []TrendPoint{}, Ratings: b.ratings[ratingKey{decision: id}],
			Exceptions: Exceptions{Active: d.active, Expired: d.expired, Unneeded: d.unneeded, List: []ExceptionEntry{}}}
		var rd *decision.Decision
		if reg != nil {
			if x, ok := reg.Get(id); ok {
				rd = x
				dr.Title, dr.Status, dr.File, dr.RevisitBy = x.Title, x.Status, x.File, formatDay(x.RevisitBy)
			}
		}
		for name, ra := range d.rules {
			rr := RuleReport{Name: name, Subjects: ra.checks.Total, Checks: ra.checks, Rates: ra.checks.Rates()}
			if m := b.meta[[2]string{id, name}]; m != nil {
				rr.Mode, rr.Severity = m.mode, m.severity
			}
			dr.Rules = append(dr.Rules, rr)
		}
		slices.SortFunc(dr.Rules, func(x, y RuleReport) int { return strings.Compare(x.Name, y.Name) })
		slices.SortFunc(d.exceptions, func(x, y ExceptionEntry) int {
			return cmp.Or(strings.Compare(x.Expires, y.Expires), strings.Compare(x.Project, y.Project),
				strings.Compare(x.Rule, y.Rule), strings.Compare(x.Signal, y.Signal))
		})
		dr.Exceptions.List = append(dr.Exceptions.List, d.exceptions[:min(len(d.exceptions), b.limitS)]...)
		for w, c := range b.trend[id] {
			dr.Trend = append(dr.Trend, TrendPoint{Start: time.UnixMicro(w).UTC(), Checks: *c, PassRate: c.Rates().Pass})
		}
		slices.SortFunc(dr.Trend, func(x, y TrendPoint) int { return x.Start.Compare(y.Start) })
		if rd != nil {
			dr.Rollouts = b.rollouts(rd, d)
		}
		b.r.Decisions = append(b.r.Decisions, dr)

		if dr.Checks.Total > 0 && dr.Rates.Exempt > o.ExemptionRate {
			ids, n := d.exemptEv.ids(b.limitS)
			b.rv.add(id, "", RevisitReason{
				Reason: ReasonExemptionRate,
				Summary: fmt.Sprintf("%s of %s of %s are exempt (%s), above %s",
					pct(dr.Rates.Exempt), english.Count(dr.Checks.Total, "check"), id, english.Count(len(d.exemptProjects), "project"), pct(o.ExemptionRate)),
				Value: dr.Rates.Exempt, Threshold: o.ExemptionRate,
				Count: len(d.exemptProjects), Projects: d.exemptProjects.list(b.limitP), Signals: ids, SignalCount: n,
			})
		}
		if rd == nil {
			continue
		}
		today := startOfDay(o.now)
		if !rd.RevisitBy.IsZero() && (rd.Status == decision.Accepted || rd.Status == decision.Proposed) &&
			today.After(startOfDay(rd.RevisitBy)) {
			overdue := today.Sub(startOfDay(rd.RevisitBy)).Hours() / 24
			b.rv.add(id, "", RevisitReason{
				Reason:  ReasonRevisitByPassed,
				Summary: fmt.Sprintf("%s was to be revisited by %s, %s ago", id, formatDay(rd.RevisitBy), english.Count(int(overdue), "day")),
				Value:   overdue, Threshold: 0, Date: formatDay(rd.RevisitBy), Signals: []string{},
			})
		}
		if rd.Status == decision.Proposed && !rd.Decided.IsZero() && o.now.Sub(rd.Decided) > o.ProposedFor {
			days := today.Sub(startOfDay(rd.Decided)).Hours() / 24
			b.rv.add(id, "", RevisitReason{
				Reason: ReasonProposedTooLong,
				Summary: fmt.Sprintf("%s has been proposed since %s, %s, longer than %.0f days",
					id, formatDay(rd.Decided), english.Count(int(days), "day"), o.ProposedFor.Hours()/24),
				Value: days, Threshold: o.ProposedFor.Hours() / 24, Date: formatDay(rd.Decided), Signals: []string{},
			})
		}
	}
	slices.SortFunc(b.r.Decisions, func(x, y DecisionReport) int { return strings.Compare(x.ID, y.ID) })
}

// finish sorts the blueprints and metrics, and ranks the revisit evidence.
func (b *builder) finish() {
	o, r := b.o, b.r
	for _, bp := range b.bps {
		slices.SortFunc(bp.Versions, func(x, y VersionCount) int {
			return cmp.Or(-blueprint.CompareVersions(x.Version, y.Version), strings.Compare(x.Version, y.Version))
		})
		slices.SortFunc(bp.Conflicts, func(x, y FileConflicts) int {
			return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.File, y.File))
		})
		slices.SortFunc(bp.ManagedEdits, func(x, y FileEdits) int {
			return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.File, y.File))
		})
		r.Blueprints = append(r.Blueprints, *bp)
	}
	slices.SortFunc(r.Blueprints, func(x, y BlueprintReport) int { return strings.Compare(x.Name, y.Name) })

	for k, m := range b.metrics {
		r.Metrics = append(r.Metrics, MetricSummary{Blueprint: k.blueprint, Name: k.name, Unit: k.unit,
			Count: m.count, Mean: m.sum / float64(m.count), Min: m.min, Max: m.max})
	}
	slices.SortFunc(r.Metrics, func(x, y MetricSummary) int {
		return cmp.Or(strings.Compare(x.Blueprint, y.Blueprint), strings.Compare(x.Name, y.Name), strings.Compare(x.Unit, y.Unit))
	})

	// Revisit evidence, ranked.
	for _, it := range b.rv.items {
		if it.Decision != "" && o.Registry != nil {
			if d, ok := o.Registry.Get(it.Decision); ok {
				it.Title, it.Status = d.Title, d.Status
			}
		}
		slices.SortStableFunc(it.Reasons, func(x, y RevisitReason) int {
			return cmp.Or(cmp.Compare(o.Reasons[y.Reason], o.Reasons[x.Reason]),
				cmp.Compare(slices.Index(Reasons(), x.Reason), slices.Index(Reasons(), y.Reason)),
				cmp.Compare(y.Count, x.Count), strings.Compare(x.Blueprint, y.Blueprint),
				strings.Compare(x.File, y.File), strings.Compare(x.HunkID, y.HunkID), strings.Compare(x.Rule, y.Rule),
				strings.Compare(x.Decision, y.Decision), -blueprint.CompareVersions(x.Version, y.Version),
				strings.Compare(x.Version, y.Version), strings.Compare(x.Part, y.Part))
		})
		r.Revisit = append(r.Revisit, *it)
	}
	slices.SortFunc(r.Revisit, func(x, y Revisit) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(len(y.Reasons), len(x.Reasons)),
			cmp.Compare(btoi(x.Decision == ""), btoi(y.Decision == "")),   // decisions before blueprints
			cmp.Compare(btoi(x.Exception != ""), btoi(y.Exception != "")), // blueprints before exceptions
			strings.Compare(x.Decision, y.Decision), strings.Compare(x.Blueprint, y.Blueprint), strings.Compare(x.Exception, y.Exception))
	})
}

// attribute adds a reason about a blueprint file to the decisions that
// govern the file, or to the blueprint when none does.
func (b *builder) attribute(bp string, rr RevisitReason, paths ...string) {
	ds := b.governing(bp, paths...)
	if len(ds) == 0 {
		b.rv.add("", bp, rr)
		return
	}
	for _, d := range ds {
		b.rv.add(d.ID, "", rr)
	}
}

// rollouts reports the rules of d whose schedule turns them enforced.
func (a *aggregator) rollouts(d *decision.Decision, agg *decisionAgg) []Rollout {
	var out []Rollout
	for _, rl := range d.Rules {
		i := slices.IndexFunc(rl.Schedule, func(s decision.Step) bool { return s.Mode == decision.Enforce })
		if i < 0 {
			continue
		}
		from := rl.Schedule[i].From
		ro := Rollout{Rule: rl.Name, Schedule: rl.Schedule, Mode: rl.ModeAt(a.o.now), EnforceFrom: formatDay(from),
			NotPassing: []string{}}
		if today := startOfDay(a.o.now); today.Before(from) {
			ro.DaysLeft = int(from.Sub(today).Hours() / 24)
		}
		if ra := agg.rules[rl.Name]; ra != nil {
			ro.Subjects, ro.Passing, ro.Exempt = ra.checks.Total, ra.checks.Pass, ra.checks.Exempt
			ro.PassRate = ra.checks.Rates().Pass
			ro.NotPassing = ra.notPassing.list(a.o.MaxProjects)
		}
		out = append(out, ro)
	}
	return out
}

// hunkIDOf returns the ID of a normalised hunk, as Labels["hunk.id"] holds
// it: the first 16 hex digits of its SHA-256.
func hunkIDOf(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pathList returns file, then the paths, sorted.
func pathList(file string, paths map[string]struct{}) []string {
	out := make([]string, 0, len(paths)+1)
	for p := range paths {
		out = append(out, p)
	}
	slices.Sort(out)
	return append([]string{file}, out...)
}
