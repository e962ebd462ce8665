package feedback

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
)

// Reason is why a decision, or a blueprint, should be revisited.
type Reason string

// The reasons of revisit evidence; docs/feedback.md says how each is
// computed.
const (
	// ReasonExemptionRate: more of a decision's current checks are exempt
	// than AggregateOptions.ExemptionRate.
	ReasonExemptionRate Reason = "exemption-rate"
	// ReasonDesirePathAgainstRule: a desire path is in a file where at least
	// MinProjects of the same projects fail (or warn, or are exempt from) a
	// rule of the decision.
	ReasonDesirePathAgainstRule Reason = "desire-path-against-rule"
	// ReasonManagedEdits: a managed file was edited downstream in at least
	// MinProjects projects.
	ReasonManagedEdits Reason = "managed-edits"
	// ReasonUpgradeConflicts: upgrades conflicted in one file in at least
	// MinConflicts projects.
	ReasonUpgradeConflicts Reason = "upgrade-conflicts"
	// ReasonLowRating: people rate the decision (or blueprint) below
	// LowRating on average, over at least MinRatings ratings.
	ReasonLowRating Reason = "low-rating"
	// ReasonRevisitByPassed: the decision's revisit-by date has passed.
	ReasonRevisitByPassed Reason = "revisit-by-passed"
	// ReasonProposedTooLong: the decision has been proposed for longer than
	// ProposedFor.
	ReasonProposedTooLong Reason = "proposed-too-long"
)

// Reasons returns every reason, in the order of the constants.
func Reasons() []Reason {
	return []Reason{ReasonExemptionRate, ReasonDesirePathAgainstRule, ReasonManagedEdits,
		ReasonUpgradeConflicts, ReasonLowRating, ReasonRevisitByPassed, ReasonProposedTooLong}
}

// DefaultReasonWeights returns the weight of each reason in the score that
// ranks revisit evidence when AggregateOptions.Reasons is nil: evidence from
// what teams do downstream weighs more than dates in a file.
func DefaultReasonWeights() map[Reason]float64 {
	return map[Reason]float64{
		ReasonDesirePathAgainstRule: 3,
		ReasonManagedEdits:          3,
		ReasonExemptionRate:         2,
		ReasonUpgradeConflicts:      2,
		ReasonLowRating:             2,
		ReasonRevisitByPassed:       1,
		ReasonProposedTooLong:       1,
	}
}

// The defaults of AggregateOptions.
const (
	DefaultWindow        = 7 * 24 * time.Hour
	DefaultWindows       = 12
	DefaultMinProjects   = 3
	DefaultExemptionRate = 0.2
	DefaultLowRating     = 3
	DefaultMinRatings    = 3
	DefaultProposedFor   = 90 * 24 * time.Hour
	DefaultScanGap       = time.Minute
	DefaultMaxProjects   = 20
	DefaultMaxSignals    = 50
)

// agMaxFindings bounds the non-passing signals kept for one check (one rule
// of one decision in one scan of one project); the check's outcome and
// counts do not depend on it.
const agMaxFindings = 32

// AggregateOptions configures Aggregate. The zero value, and a nil pointer,
// give the defaults; a zero field means its default.
type AggregateOptions struct {
	// Now is the time of the report: it decides which exceptions are still
	// active, which revisit-by dates have passed, the trend's windows and
	// the state of rollouts. Default time.Now(). It does not select
	// signals: filter them (Filter.Until) for a report as of a past date.
	Now time.Time
	// Registry, if set, gives the decisions' titles, statuses and dates
	// (revisit-by, proposed for too long), the rules' schedules (rollouts)
	// and the files each decision governs (its tree rules' globs), to which
	// managed edits and upgrade conflicts are attributed.
	Registry *decision.Registry
	// Window is the width of one trend window, aligned on multiples of it
	// since 0001-01-01 UTC (a Monday: weekly windows start on Mondays).
	// Default DefaultWindow, a week.
	Window time.Duration
	// Windows is how many windows the trends cover, the last one holding
	// Now. Default DefaultWindows.
	Windows int
	// MinProjects is how many projects make a pattern: a desire path, a
	// managed file edited, a desire path against a rule. Default
	// DefaultMinProjects.
	MinProjects int
	// MinConflicts is how many projects with upgrade conflicts in one file
	// make ReasonUpgradeConflicts. Default MinProjects.
	MinConflicts int
	// ExemptionRate is the share of a decision's checks that may be exempt
	// before ReasonExemptionRate fires, in (0, 1]. Default
	// DefaultExemptionRate.
	ExemptionRate float64
	// LowRating is the mean rating under which ReasonLowRating fires.
	// Default DefaultLowRating.
	LowRating float64
	// MinRatings is how many ratings ReasonLowRating needs. Default
	// DefaultMinRatings.
	MinRatings int
	// ProposedFor is how long a decision may stay proposed, counted from
	// its date, before ReasonProposedTooLong fires. Default
	// DefaultProposedFor.
	ProposedFor time.Duration
	// ScanGap separates scans: the signals of one project (from rule,
	// exception, drift and lag) less than ScanGap apart belong to one scan,
	// and only a project's latest scan counts for the current state.
	// Default DefaultScanGap.
	ScanGap time.Duration
	// Reasons weighs each reason in the score that ranks revisit evidence;
	// a reason missing from a non-nil map is not reported. Nil means
	// DefaultReasonWeights.
	Reasons map[Reason]float64
	// MaxProjects bounds every list of projects in the report. Default
	// DefaultMaxProjects.
	MaxProjects int
	// MaxSignals bounds every list of signal IDs in the report. Default
	// DefaultMaxSignals.
	MaxSignals int
	// SignalURL, if set, links signal IDs in the Markdown report: "{id}" in
	// it is replaced by the ID, as in "https://gp.example.com/signals/{id}".
	SignalURL string
	// Strict makes any error of the stream end the aggregation. By default
	// a *LineError (a line of a store's file that does not decode) is
	// counted in Report.Skipped and the aggregation goes on.
	Strict bool
}

// settings returns the options with their defaults, or an error for a
// setting out of range.
func (o *AggregateOptions) settings() (AggregateOptions, error) {
	var s AggregateOptions
	if o != nil {
		s = *o
	}
	var bad []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	check(s.Window >= 0, "Window %v is negative", s.Window)
	check(s.Windows >= 0, "Windows %d is negative", s.Windows)
	check(s.MinProjects >= 0, "MinProjects %d is negative", s.MinProjects)
	check(s.MinConflicts >= 0, "MinConflicts %d is negative", s.MinConflicts)
	check(s.ExemptionRate >= 0 && s.ExemptionRate <= 1, "ExemptionRate %v is not between 0 and 1", s.ExemptionRate)
	check(!math.IsNaN(s.LowRating) && s.LowRating >= 0, "LowRating %v is negative", s.LowRating)
	check(s.MinRatings >= 0, "MinRatings %d is negative", s.MinRatings)
	check(s.ProposedFor >= 0, "ProposedFor %v is negative", s.ProposedFor)
	check(s.ScanGap >= 0, "ScanGap %v is negative", s.ScanGap)
	check(s.MaxProjects >= 0, "MaxProjects %d is negative", s.MaxProjects)
	check(s.MaxSignals >= 0, "MaxSignals %d is negative", s.MaxSignals)
	for r, w := range s.Reasons {
		check(slices.Contains(Reasons(), r), "Reasons: unknown reason %q", r)
		check(!math.IsNaN(w) && !math.IsInf(w, 0), "Reasons: weight of %s is not finite", r)
	}
	if len(bad) > 0 {
		return s, fmt.Errorf("feedback: aggregate options: %s", strings.Join(bad, "; "))
	}
	if s.Now.IsZero() {
		s.Now = time.Now()
	}
	s.Now = s.Now.UTC()
	s.Window = cmp.Or(s.Window, DefaultWindow)
	s.Windows = cmp.Or(s.Windows, DefaultWindows)
	s.MinProjects = cmp.Or(s.MinProjects, DefaultMinProjects)
	s.MinConflicts = cmp.Or(s.MinConflicts, s.MinProjects)
	s.ExemptionRate = cmp.Or(s.ExemptionRate, DefaultExemptionRate)
	s.LowRating = cmp.Or(s.LowRating, DefaultLowRating)
	s.MinRatings = cmp.Or(s.MinRatings, DefaultMinRatings)
	s.ProposedFor = cmp.Or(s.ProposedFor, DefaultProposedFor)
	s.ScanGap = cmp.Or(s.ScanGap, DefaultScanGap)
	s.MaxProjects = cmp.Or(s.MaxProjects, DefaultMaxProjects)
	s.MaxSignals = cmp.Or(s.MaxSignals, DefaultMaxSignals)
	if s.Reasons == nil {
		s.Reasons = DefaultReasonWeights()
	}
	return s, nil
}

// AggregateStore aggregates the signals of st that f selects; see
// [Aggregate].
func AggregateStore(ctx context.Context, st Store, f Filter, opts *AggregateOptions) (*Report, error) {
	r, err := Aggregate(ctx, st.Query(ctx, f), opts)
	if r != nil {
		r.Since, r.Until = f.Since.UTC(), f.Until.UTC()
	}
	return r, err
}

// Aggregate reads signals in one streaming pass and returns the report:
// per decision, its checks, exceptions, trend and rollouts; per blueprint,
// its versions, lag, upgrade conflicts and managed files edited; the desire
// paths; and the revisit evidence, ranked. opts may be nil.
//
// Signals may come in any order. A project's current state is its latest
// scan (see AggregateOptions.ScanGap): the latest results of its checks,
// its latest drift and exceptions, its latest lag, version and blueprint;
// trends and upgrade conflicts count every signal. Memory is bounded by the
// number of groups (projects, decisions and rules, blueprint files,
// distinct hunks, trend windows, raters), never by the number of signals.
// docs/feedback.md documents the conventions of the signals it relies on.
//
// An error of the stream ends the aggregation, except a *LineError, which
// is counted in Report.Skipped unless opts.Strict is set; so does the
// cancellation of ctx.
func Aggregate(ctx context.Context, signals iter.Seq2[Signal, error], opts *AggregateOptions) (*Report, error) {
	o, err := opts.settings()
	if err != nil {
		return nil, err
	}
	a := agNewAggregator(o)
	n := 0
	for s, err := range signals {
		if err != nil {
			var le *LineError
			if !o.Strict && errors.As(err, &le) {
				a.skip(err)
				continue
			}
			return nil, fmt.Errorf("feedback: aggregate: %w", err)
		}
		if n++; n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		a.add(&s)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return a.report(), nil
}

// agResultIndex indexes results in outcome order: the worst first.
const (
	agIFail = iota
	agIWarn
	agIError
	agIExempt
	agIPass
	agNResults
)

func agResultIndex(r Result) int {
	switch r {
	case ResultFail:
		return agIFail
	case ResultWarn:
		return agIWarn
	case ResultError:
		return agIError
	case ResultExempt:
		return agIExempt
	case ResultPass:
		return agIPass
	}
	return -1
}

// agBurst is the span of the signals of one group in one scan, in
// microseconds since the Unix epoch.
type agBurst struct{ start, end int64 }

// Where a signal falls relative to a burst.
const (
	agInBurst = iota
	agOlderScan
	agNewerScan
)

func (b *agBurst) place(t, gap int64) int {
	switch {
	case t > b.end+gap:
		return agNewerScan
	case t < b.start-gap:
		return agOlderScan
	}
	b.start, b.end = min(b.start, t), max(b.end, t)
	return agInBurst
}

// current reports whether the burst belongs to the latest scan, which
// ended at last.
func (b *agBurst) current(last, gap int64) bool { return b.end >= last-gap }

type agRuleKey struct{ project, decision, rule string }

type agFinding struct {
	id, path string
	result   Result
}

// agRuleState is the latest check of one rule for one project, and the one
// before it, so that the trend counts each of two scans as one check even
// when their signals come mixed.
type agRuleState struct {
	agBurst
	counts   [agNResults]int
	findings []agFinding // not passing, at most agMaxFindings
	prev     agBurst
	prevOut  int // the outcome of the previous check; -1 when none
}

func (r *agRuleState) outcome() int {
	for i, n := range r.counts {
		if n > 0 {
			return i
		}
	}
	return -1
}

type agExceptionEntry struct {
	id, justification, expires, status, requestedBy, approvedBy string
	result                                                      Result
}

type agExceptionState struct {
	agBurst
	list []agExceptionEntry
}

type agDriftKey struct{ project, file, key string }

type agDriftState struct {
	agBurst
	blueprint, level, id, path, hunk, hunkID string
}

type agLagEntry struct {
	t           int64
	value       float64
	latest, id  string
	days        float64
	daysKnown   bool
	version     string
	blueprintNm string
}

type agProjectState struct {
	blueprint, version, owner string
	subjectT                  int64 // time of the signal blueprint and version come from
	lastRule                  int64 // latest rule or exception signal
	lastScan                  int64 // latest rule, exception, drift or lag signal
	lag                       *agLagEntry
}

type agFileKey struct{ blueprint, file string }

type agUpgradeAgg struct {
	conflicts, merged int
	projects          map[string]struct{}
	ids               agLatestIDs
	example           *Example
}

type agRating struct {
	t     int64
	value float64
	id    string
}

type agRatingKey struct{ decision, blueprint string }

type agRatingAgg struct {
	byRater   map[string]agRating
	anonymous []agRating // ratings without a "by" label: value and ID of the low ones only
	anonCount int
	anonLow   int
	anonSum   float64
	anonMin   float64
	anonMax   float64
}

type agMetricKey struct{ blueprint, name, unit string }

type agMetricAgg struct {
	count         int
	sum, min, max float64
}

type agRuleMeta struct {
	t        int64
	mode     decision.Mode
	severity decision.Severity
}

type agAggregator struct {
	o          AggregateOptions
	gap        int64
	window     int64
	firstB     int64 // the first trend window, in microseconds
	lastB      int64 // the last trend window (Now's)
	signals    int
	bySource   map[Source]int
	first      int64
	last       int64
	skipped    int
	skipErrors []string

	projects  map[string]*agProjectState
	rules     map[agRuleKey]*agRuleState
	meta      map[[2]string]*agRuleMeta
	excs      map[agRuleKey]*agExceptionState
	drift     map[agDriftKey]*agDriftState
	upgrades  map[agFileKey]*agUpgradeAgg
	ratings   map[agRatingKey]*agRatingAgg
	metrics   map[agMetricKey]*agMetricAgg
	trend     map[string]map[int64]*Counts
	observed  map[string]map[string]struct{} // blueprint → decisions its projects are checked against
	lowRating float64
}

func agNewAggregator(o AggregateOptions) *agAggregator {
	a := &agAggregator{
		o:        o,
		gap:      o.ScanGap.Microseconds(),
		window:   o.Window.Microseconds(),
		bySource: map[Source]int{},
		first:    math.MaxInt64,
		last:     math.MinInt64,
		projects: map[string]*agProjectState{},
		rules:    map[agRuleKey]*agRuleState{},
		meta:     map[[2]string]*agRuleMeta{},
		excs:     map[agRuleKey]*agExceptionState{},
		drift:    map[agDriftKey]*agDriftState{},
		upgrades: map[agFileKey]*agUpgradeAgg{},
		ratings:  map[agRatingKey]*agRatingAgg{},
		metrics:  map[agMetricKey]*agMetricAgg{},
		trend:    map[string]map[int64]*Counts{},
		observed: map[string]map[string]struct{}{},
	}
	a.window = max(a.window, 1)
	nowB := o.Now.Truncate(o.Window)
	a.lastB = nowB.UnixMicro()
	a.firstB = nowB.Add(-time.Duration(o.Windows-1) * o.Window).UnixMicro()
	return a
}

func (a *agAggregator) skip(err error) {
	a.skipped++
	if len(a.skipErrors) < 10 {
		a.skipErrors = append(a.skipErrors, err.Error())
	}
}

func (a *agAggregator) project(name string) *agProjectState {
	p := a.projects[name]
	if p == nil {
		p = &agProjectState{subjectT: math.MinInt64, lastRule: math.MinInt64, lastScan: math.MinInt64}
		a.projects[name] = p
	}
	return p
}

func (a *agAggregator) add(s *Signal) {
	a.signals++
	a.bySource[s.Source]++
	t := s.Time.UnixMicro()
	a.first, a.last = min(a.first, t), max(a.last, t)

	project := s.Subject.Project
	switch s.Source {
	case SourceRule, SourceException, SourceDrift, SourceLag:
		if project == "" {
			if s.Source == SourceRule {
				a.addTrend(s.Decision, t, agResultIndex(s.Result))
			}
			return
		}
		p := a.project(project)
		p.lastScan = max(p.lastScan, t)
		if s.Source == SourceRule || s.Source == SourceException {
			p.lastRule = max(p.lastRule, t)
		}
		if s.Subject.Blueprint != "" && t >= p.subjectT {
			p.subjectT = t
			p.blueprint = s.Subject.Blueprint
			p.version = s.Subject.Version
			p.owner = s.Subject.Owner
		}
		switch s.Source {
		case SourceRule:
			a.addRule(s, t)
		case SourceException:
			a.addException(s, t)
		case SourceDrift:
			a.addDrift(s, t)
		case SourceLag:
			a.addLag(p, s, t)
		}
	case SourceUpgrade:
		a.addUpgrade(s)
	case SourceRating:
		a.addRating(s, t)
	case SourceMetric:
		a.addMetric(s)
	}
}

func (a *agAggregator) addRule(s *Signal, t int64) {
	ri := agResultIndex(s.Result)
	if s.Decision == "" || ri < 0 {
		return
	}
	if bp := s.Subject.Blueprint; bp != "" {
		ds := a.observed[bp]
		if ds == nil {
			ds = map[string]struct{}{}
			a.observed[bp] = ds
		}
		if _, ok := ds[s.Decision]; !ok {
			ds[s.Decision] = struct{}{}
		}
	}
	mk := [2]string{s.Decision, s.Rule}
	if m := a.meta[mk]; m == nil {
		a.meta[mk] = &agRuleMeta{t: t, mode: s.Mode, severity: s.Severity}
	} else if t >= m.t {
		m.t, m.mode, m.severity = t, s.Mode, s.Severity
	}

	k := agRuleKey{s.Subject.Project, s.Decision, s.Rule}
	st := a.rules[k]
	switch {
	case st == nil:
		st = &agRuleState{agBurst: agBurst{t, t}, prevOut: -1}
		a.rules[k] = st
	default:
		switch st.place(t, a.gap) {
		case agOlderScan:
			a.addOlder(st, s.Decision, t, ri)
			return
		case agNewerScan:
			if st.prevOut >= 0 {
				a.addTrend(s.Decision, st.prev.end, st.prevOut)
			}
			*st = agRuleState{agBurst: agBurst{t, t}, findings: st.findings[:0],
				prev: st.agBurst, prevOut: st.outcome()}
		}
	}
	st.counts[ri]++
	if ri != agIPass && len(st.findings) < agMaxFindings {
		path := s.Evidence.Path
		if path == "" {
			path = s.File
		}
		st.findings = append(st.findings, agFinding{id: s.ID, path: path, result: s.Result})
	}
}

// addOlder counts, in the previous check of st, a result of a scan older
// than st's latest; a result older still is counted as a check on its own.
func (a *agAggregator) addOlder(st *agRuleState, dec string, t int64, ri int) {
	if st.prevOut < 0 {
		st.prev, st.prevOut = agBurst{t, t}, ri
		return
	}
	switch st.prev.place(t, a.gap) {
	case agInBurst:
		st.prevOut = min(st.prevOut, ri)
	case agNewerScan:
		a.addTrend(dec, st.prev.end, st.prevOut)
		st.prev, st.prevOut = agBurst{t, t}, ri
	case agOlderScan:
		a.addTrend(dec, t, ri)
	}
}

// addTrend counts a check with outcome ri, made at t, in its window.
func (a *agAggregator) addTrend(dec string, t int64, ri int) {
	if ri < 0 || dec == "" || t > a.lastB+a.window-1 {
		return
	}
	b := time.UnixMicro(t).Truncate(a.o.Window).UnixMicro()
	if b < a.firstB || b > a.lastB {
		return
	}
	w := a.trend[dec]
	if w == nil {
		w = map[int64]*Counts{}
		a.trend[dec] = w
	}
	c := w[b]
	if c == nil {
		c = &Counts{}
		w[b] = c
	}
	c.add(ri)
}

func (a *agAggregator) addException(s *Signal, t int64) {
	if s.Decision == "" {
		return
	}
	k := agRuleKey{s.Subject.Project, s.Decision, s.Rule}
	st := a.excs[k]
	switch {
	case st == nil:
		st = &agExceptionState{agBurst: agBurst{t, t}}
		a.excs[k] = st
	default:
		switch st.place(t, a.gap) {
		case agOlderScan:
			return
		case agNewerScan:
			*st = agExceptionState{agBurst: agBurst{t, t}}
		}
	}
	if len(st.list) >= agMaxFindings {
		return
	}
	st.list = append(st.list, agExceptionEntry{
		id: s.ID, justification: s.Evidence.Message, result: s.Result,
		expires: s.Labels["expires"], status: s.Labels["status"],
		requestedBy: s.Labels["requestedBy"], approvedBy: s.Labels["approvedBy"],
	})
}

func (a *agAggregator) addDrift(s *Signal, t int64) {
	if s.File == "" && s.Evidence.Path == "" {
		return
	}
	k := agDriftKey{s.Subject.Project, s.File, s.Labels["hunk.key"]}
	if k.file == "" {
		k.file = s.Evidence.Path
	}
	st := a.drift[k]
	switch {
	case st == nil:
		st = &agDriftState{agBurst: agBurst{t, t}}
		a.drift[k] = st
	default:
		switch st.place(t, a.gap) {
		case agOlderScan:
			return
		case agNewerScan:
			*st = agDriftState{agBurst: agBurst{t, t}}
		case agInBurst:
			if st.id != "" && st.id <= s.ID {
				return // the same hunk twice in one file: keep one
			}
		}
	}
	st.blueprint, st.level, st.id, st.path, st.hunk = s.Subject.Blueprint, s.Labels["level"], s.ID, s.Evidence.Path, s.Evidence.Hunk
	st.hunkID = s.Labels["hunk.id"]
}

func (a *agAggregator) addLag(p *agProjectState, s *Signal, t int64) {
	if s.Value == nil || (p.lag != nil && t < p.lag.t) {
		return
	}
	l := &agLagEntry{t: t, value: *s.Value, latest: s.Labels["latest"], id: s.ID,
		version: s.Subject.Version, blueprintNm: s.Subject.Blueprint}
	if d, ok := s.Labels["days"]; ok {
		if v, err := strconv.ParseFloat(d, 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			l.days, l.daysKnown = v, true
		}
	}
	p.lag = l
}

func (a *agAggregator) addUpgrade(s *Signal) {
	if s.File == "" || (s.Result != ResultFail && s.Result != ResultPass) {
		return
	}
	k := agFileKey{s.Subject.Blueprint, s.File}
	u := a.upgrades[k]
	if u == nil {
		u = &agUpgradeAgg{projects: map[string]struct{}{}}
		a.upgrades[k] = u
	}
	if s.Result == ResultPass {
		u.merged++
		return
	}
	u.conflicts++
	if _, ok := u.projects[s.Subject.Project]; !ok {
		u.projects[s.Subject.Project] = struct{}{}
	}
	u.ids.add(s.ID, a.o.MaxSignals)
	ex := &Example{Project: s.Subject.Project, Path: s.Evidence.Path, Hunk: s.Evidence.Hunk, Signal: s.ID,
		From: s.Labels["from"], To: s.Labels["to"]}
	if u.example == nil || ex.Project < u.example.Project ||
		(ex.Project == u.example.Project && ex.Signal > u.example.Signal) {
		u.example = ex
	}
}

func (a *agAggregator) addRating(s *Signal, t int64) {
	if s.Value == nil {
		return
	}
	var k agRatingKey
	switch {
	case s.Decision != "":
		k.decision = s.Decision
	case s.Subject.Blueprint != "":
		k.blueprint = s.Subject.Blueprint
	default:
		return
	}
	r := a.ratings[k]
	if r == nil {
		r = &agRatingAgg{byRater: map[string]agRating{}, anonMin: math.Inf(1), anonMax: math.Inf(-1)}
		a.ratings[k] = r
	}
	v := *s.Value
	if by := s.Labels["by"]; by != "" {
		if old, ok := r.byRater[by]; !ok || t > old.t || (t == old.t && s.ID > old.id) {
			r.byRater[by] = agRating{t: t, value: v, id: s.ID}
		}
		return
	}
	r.anonCount++
	r.anonSum += v
	r.anonMin, r.anonMax = min(r.anonMin, v), max(r.anonMax, v)
	if v < a.o.LowRating {
		r.anonLow++
		// Keep the latest MaxSignals low ratings as evidence.
		r.anonymous = append(r.anonymous, agRating{t: t, value: v, id: s.ID})
		if len(r.anonymous) > 2*a.o.MaxSignals {
			slices.SortFunc(r.anonymous, func(x, y agRating) int { return strings.Compare(y.id, x.id) })
			r.anonymous = r.anonymous[:a.o.MaxSignals]
		}
	}
}

func (a *agAggregator) addMetric(s *Signal) {
	name := s.Labels["name"]
	if s.Value == nil || name == "" {
		return
	}
	k := agMetricKey{s.Subject.Blueprint, name, s.Unit}
	m := a.metrics[k]
	v := *s.Value
	if m == nil {
		a.metrics[k] = &agMetricAgg{count: 1, sum: v, min: v, max: v}
		return
	}
	m.count++
	m.sum += v
	m.min, m.max = min(m.min, v), max(m.max, v)
}

// agLatestIDs keeps the greatest (the latest) IDs added to it, at most a
// given number, and counts them all.
type agLatestIDs struct {
	ids []string
	n   int
}

func (l *agLatestIDs) add(id string, limit int) {
	l.n++
	l.ids = append(l.ids, id)
	if len(l.ids) > 2*limit {
		l.compact(limit)
	}
}

func (l *agLatestIDs) compact(limit int) {
	slices.Sort(l.ids)
	l.ids = slices.Compact(l.ids)
	if len(l.ids) > limit {
		l.ids = slices.Clone(l.ids[len(l.ids)-limit:])
	}
}

func (l *agLatestIDs) list(limit int) []string {
	l.compact(limit)
	return slices.Clone(l.ids)
}

// agEvidence gathers the signals behind one finding of the report, ordered
// by project then ID, to list the first MaxSignals.
type agEvidence []agProjectSignal

type agProjectSignal struct{ project, id string }

func (e *agEvidence) add(project, id string) {
	if id != "" {
		*e = append(*e, agProjectSignal{project, id})
	}
}

// ids returns the first limit signal IDs, by project then ID, and how many
// distinct ones there are.
func (e agEvidence) ids(limit int) ([]string, int) {
	slices.SortFunc(e, func(x, y agProjectSignal) int {
		return cmp.Or(strings.Compare(x.project, y.project), strings.Compare(x.id, y.id))
	})
	seen := map[string]bool{}
	var out []string
	for _, p := range e {
		if seen[p.id] {
			continue
		}
		seen[p.id] = true
		if len(out) < limit {
			out = append(out, p.id)
		}
	}
	return out, len(seen)
}

// agProjectSet is a set of projects with a sorted, bounded listing.
type agProjectSet map[string]struct{}

func (s agProjectSet) add(p string) { s[p] = struct{}{} }

func (s agProjectSet) list(limit int) []string {
	out := make([]string, 0, len(s))
	for p := range s {
		out = append(out, p)
	}
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// governing returns the decisions of the registry, in force for the
// blueprint, that have a tree rule whose glob matches one of the paths.
func (a *agAggregator) governing(bp string, paths ...string) []*decision.Decision {
	reg := a.o.Registry
	if reg == nil || bp == "" {
		return nil
	}
	var cited []string
	for d := range a.observed[bp] {
		cited = append(cited, d)
	}
	slices.Sort(cited)
	var out []*decision.Decision
	for _, d := range reg.InForceFor(bp, nil, cited) {
		if slices.ContainsFunc(d.Rules, func(r *decision.Rule) bool {
			return r.Tree() && r.Glob != "" && slices.ContainsFunc(paths, func(p string) bool {
				return p != "" && blueprint.MatchGlob(r.Glob, p)
			})
		}) {
			out = append(out, d)
		}
	}
	return out
}

// agDecisionAgg gathers what the current state says about one decision.
type agDecisionAgg struct {
	checks         Counts
	subjects       agProjectSet
	rules          map[string]*agRuleAgg
	exemptProjects agProjectSet
	exemptEv       agEvidence
	exceptions     []ExceptionEntry
	active         int
	expired        int
}

type agRuleAgg struct {
	checks     Counts
	subjects   agProjectSet
	notPassing agProjectSet
}

func (d *agDecisionAgg) rule(name string) *agRuleAgg {
	r := d.rules[name]
	if r == nil {
		r = &agRuleAgg{subjects: agProjectSet{}, notPassing: agProjectSet{}}
		d.rules[name] = r
	}
	return r
}

type agRuleHit struct{ decision, rule, id string }

type agDriftItem struct{ project, id, path, hunk, level, hunkID string }

type agHunkKey struct{ blueprint, file, key string }

type agManagedAgg struct {
	projects agProjectSet
	ev       agEvidence
	paths    map[string]struct{}
}

// agRevisits gathers the revisit evidence, by decision or blueprint.
type agRevisits struct {
	o     *AggregateOptions
	items map[[2]string]*Revisit
}

func (rv *agRevisits) add(dec, bp string, rr RevisitReason) {
	w, ok := rv.o.Reasons[rr.Reason]
	if !ok {
		return
	}
	if rr.Signals == nil {
		rr.Signals = []string{}
	}
	k := [2]string{dec, bp}
	if dec != "" {
		k[1] = ""
	}
	it := rv.items[k]
	if it == nil {
		it = &Revisit{Decision: k[0], Blueprint: k[1]}
		rv.items[k] = it
	}
	it.Score += w
	it.Reasons = append(it.Reasons, rr)
}

func agDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func agFormatDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// agExceptionActive reports whether an exception is active on the day of
// now: by its expiry, else by the status it was recorded with.
func agExceptionActive(e agExceptionEntry, now time.Time) bool {
	if exp, err := time.Parse(time.DateOnly, e.expires); err == nil {
		return !agDay(now).After(exp)
	}
	if e.status != "" {
		return e.status == "active"
	}
	return e.result == ResultExempt
}

func (a *agAggregator) report() *Report {
	o := &a.o
	limitP, limitS := o.MaxProjects, o.MaxSignals
	r := &Report{
		Generated: o.Now,
		Settings: Settings{
			Window: o.Window.String(), Windows: o.Windows, ScanGap: o.ScanGap.String(),
			MinProjects: o.MinProjects, MinConflicts: o.MinConflicts, ExemptionRate: o.ExemptionRate,
			LowRating: o.LowRating, MinRatings: o.MinRatings, ProposedDays: o.ProposedFor.Hours() / 24,
			Reasons: o.Reasons, MaxProjects: limitP, MaxSignals: limitS, SignalURL: o.SignalURL,
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
	rv := &agRevisits{o: o, items: map[[2]string]*Revisit{}}

	decs := map[string]*agDecisionAgg{}
	dec := func(id string) *agDecisionAgg {
		d := decs[id]
		if d == nil {
			d = &agDecisionAgg{subjects: agProjectSet{}, rules: map[string]*agRuleAgg{}, exemptProjects: agProjectSet{}}
			decs[id] = d
		}
		return d
	}

	// Checks: the current state of every rule of every project, and the
	// last bursts into the trend.
	hits := map[[2]string][]agRuleHit{} // (project, path) → not passing findings
	for k, st := range a.rules {
		out := st.outcome()
		a.addTrend(k.decision, st.end, out)
		if st.prevOut >= 0 {
			a.addTrend(k.decision, st.prev.end, st.prevOut)
		}
		if !st.current(a.projects[k.project].lastRule, a.gap) {
			continue
		}
		d := dec(k.decision)
		d.checks.add(out)
		d.subjects.add(k.project)
		ra := d.rule(k.rule)
		ra.checks.add(out)
		ra.subjects.add(k.project)
		if out != agIPass && out != agIExempt {
			ra.notPassing.add(k.project)
		}
		for _, f := range st.findings {
			if out == agIExempt && f.result == ResultExempt {
				d.exemptProjects.add(k.project)
				d.exemptEv.add(k.project, f.id)
			}
			if f.result == ResultFail || f.result == ResultWarn || f.result == ResultExempt {
				hk := [2]string{k.project, f.path}
				hits[hk] = append(hits[hk], agRuleHit{k.decision, k.rule, f.id})
			}
		}
	}

	// Exceptions, by the latest scan of each project.
	for k, st := range a.excs {
		if !st.current(a.projects[k.project].lastRule, a.gap) {
			continue
		}
		d := dec(k.decision)
		for _, e := range st.list {
			active := agExceptionActive(e, o.Now)
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
				Active: active, RequestedBy: e.requestedBy, ApprovedBy: e.approvedBy, Signal: e.id,
			})
		}
	}
	for id := range a.trend {
		dec(id)
	}

	// Drift, by the latest scan of each project: desire paths and managed
	// files edited.
	groups := map[agHunkKey][]agDriftItem{}
	managed := map[agFileKey]*agManagedAgg{}
	for k, st := range a.drift {
		p := a.projects[k.project]
		if !st.current(p.lastScan, a.gap) {
			continue
		}
		bp := cmp.Or(st.blueprint, p.blueprint)
		if st.level == string(blueprint.Managed) {
			fk := agFileKey{bp, k.file}
			m := managed[fk]
			if m == nil {
				m = &agManagedAgg{projects: agProjectSet{}, paths: map[string]struct{}{}}
				managed[fk] = m
			}
			m.projects.add(k.project)
			m.ev.add(k.project, st.id)
			if st.path != "" {
				m.paths[st.path] = struct{}{}
			}
		}
		if k.key != "" {
			hk := agHunkKey{bp, k.file, k.key}
			groups[hk] = append(groups[hk], agDriftItem{k.project, st.id, st.path, st.hunk, st.level, st.hunkID})
		}
	}
	for hk, items := range groups {
		if len(items) < o.MinProjects {
			continue
		}
		slices.SortFunc(items, func(x, y agDriftItem) int { return strings.Compare(x.project, y.project) })
		dp := DesirePath{Blueprint: hk.blueprint, File: hk.file, Level: items[0].level, HunkID: cmp.Or(items[0].hunkID, agHunkIDOf(hk.key)),
			Key: hk.key, Count: len(items), Projects: []string{}}
		var ev agEvidence
		for i, it := range items {
			if i < limitP {
				dp.Projects = append(dp.Projects, it.project)
			}
			if it.level == string(blueprint.Managed) {
				dp.Level = it.level
			}
			ev.add(it.project, it.id)
		}
		dp.Signals, _ = ev.ids(limitS)
		dp.Example = Example{Project: items[0].project, Path: items[0].path, Hunk: items[0].hunk, Signal: items[0].id}
		r.DesirePaths = append(r.DesirePaths, dp)

		// The same projects failing a rule in the same file.
		type against struct {
			projects agProjectSet
			rules    map[string]struct{}
			ev       agEvidence
		}
		contra := map[string]*against{}
		for _, it := range items {
			paths := []string{hk.file}
			if it.path != "" && it.path != hk.file {
				paths = append(paths, it.path)
			}
			for _, path := range paths {
				for _, h := range hits[[2]string{it.project, path}] {
					c := contra[h.decision]
					if c == nil {
						c = &against{projects: agProjectSet{}, rules: map[string]struct{}{}}
						contra[h.decision] = c
					}
					c.projects.add(it.project)
					c.rules[h.rule] = struct{}{}
					c.ev.add(it.project, h.id)
					c.ev.add(it.project, it.id)
				}
			}
		}
		for id, c := range contra {
			if len(c.projects) < o.MinProjects {
				continue
			}
			rules := make([]string, 0, len(c.rules))
			for rl := range c.rules {
				rules = append(rules, rl)
			}
			slices.Sort(rules)
			ids, n := c.ev.ids(limitS)
			rv.add(id, "", RevisitReason{
				Reason: ReasonDesirePathAgainstRule,
				Summary: fmt.Sprintf("%d projects of %s made the same edit to %s where they fail, warn or are exempt from %s",
					len(c.projects), hk.blueprint, hk.file, strings.Join(agPrefixed(id, rules), ", ")),
				Value: float64(len(c.projects)), Threshold: float64(o.MinProjects),
				Blueprint: hk.blueprint, File: hk.file, Rule: strings.Join(rules, ","), HunkID: dp.HunkID,
				Count: len(c.projects), Projects: c.projects.list(limitP), Signals: ids, SignalCount: n,
			})
		}
	}
	slices.SortFunc(r.DesirePaths, func(x, y DesirePath) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.Blueprint, y.Blueprint),
			strings.Compare(x.File, y.File), strings.Compare(x.Key, y.Key))
	})

	// Blueprints: versions and lag from each project's latest scan.
	bps := map[string]*BlueprintReport{}
	bpr := func(name string) *BlueprintReport {
		b := bps[name]
		if b == nil {
			b = &BlueprintReport{Name: name, Versions: []VersionCount{}, Conflicts: []FileConflicts{}, ManagedEdits: []FileEdits{}}
			bps[name] = b
		}
		return b
	}
	versions := map[[2]string]int{}
	type lagged struct {
		ProjectLag
		known bool
	}
	lags := map[string][]lagged{}
	latest := map[string]string{}
	for name, p := range a.projects {
		if p.blueprint == "" {
			continue
		}
		bpr(p.blueprint).Projects++
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
		b := bpr(k[0])
		b.Versions = append(b.Versions, VersionCount{Version: k[1], Projects: n})
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
				if len(lag.BehindProjects) < limitP {
					lag.BehindProjects = append(lag.BehindProjects, l.ProjectLag)
				}
			}
		}
		bpr(bp).Lag = lag
	}

	// Managed files edited in MinProjects projects: evidence against the
	// decisions that govern the file, else against the blueprint.
	for fk, m := range managed {
		ids, n := m.ev.ids(limitS)
		b := bpr(fk.blueprint)
		b.ManagedEdits = append(b.ManagedEdits, FileEdits{File: fk.file, Count: len(m.projects),
			Projects: m.projects.list(limitP), Signals: ids})
		if len(m.projects) < o.MinProjects {
			continue
		}
		paths := []string{fk.file}
		for p := range m.paths {
			paths = append(paths, p)
		}
		slices.Sort(paths[1:])
		rr := RevisitReason{
			Reason:  ReasonManagedEdits,
			Summary: fmt.Sprintf("%d projects of %s edited the managed file %s", len(m.projects), fk.blueprint, fk.file),
			Value:   float64(len(m.projects)), Threshold: float64(o.MinProjects),
			Blueprint: fk.blueprint, File: fk.file, Count: len(m.projects), Projects: m.projects.list(limitP),
			Signals: ids, SignalCount: n,
		}
		a.attribute(rv, fk.blueprint, rr, paths...)
	}

	// Upgrade conflicts, over every upgrade signal.
	for fk, u := range a.upgrades {
		if u.conflicts == 0 {
			continue
		}
		ps := agProjectSet(u.projects)
		ids := u.ids.list(limitS)
		b := bpr(fk.blueprint)
		b.Conflicts = append(b.Conflicts, FileConflicts{File: fk.file, Count: len(ps), Projects: ps.list(limitP),
			Conflicts: u.conflicts, Merged: u.merged, Example: u.example, Signals: ids})
		if len(ps) < o.MinConflicts {
			continue
		}
		a.attribute(rv, fk.blueprint, RevisitReason{
			Reason: ReasonUpgradeConflicts,
			Summary: fmt.Sprintf("upgrades of %s conflicted in %s in %d projects (%d conflicts, %d merged)",
				fk.blueprint, fk.file, len(ps), u.conflicts, u.merged),
			Value: float64(len(ps)), Threshold: float64(o.MinConflicts),
			Blueprint: fk.blueprint, File: fk.file, Count: len(ps), Projects: ps.list(limitP),
			Signals: ids, SignalCount: u.ids.n,
		}, fk.file)
	}

	// Ratings.
	ratings := map[agRatingKey]*RatingSummary{}
	for k, ra := range a.ratings {
		s := &RatingSummary{Count: ra.anonCount, Min: ra.anonMin, Max: ra.anonMax}
		sum := ra.anonSum
		var ev agEvidence
		for _, x := range ra.anonymous {
			ev.add("", x.id)
		}
		for _, x := range ra.byRater {
			s.Count++
			sum += x.value
			s.Min, s.Max = min(s.Min, x.value), max(s.Max, x.value)
			if x.value < o.LowRating {
				s.Low++
				ev.add("", x.id)
			}
		}
		if s.Count == 0 {
			continue
		}
		s.Low += ra.anonLow
		s.Mean = sum / float64(s.Count)
		ratings[k] = s
		if s.Count < o.MinRatings || s.Mean >= o.LowRating {
			continue
		}
		ids, n := ev.ids(limitS)
		what := k.decision
		if what == "" {
			what = "blueprint " + k.blueprint
		}
		rv.add(k.decision, k.blueprint, RevisitReason{
			Reason:  ReasonLowRating,
			Summary: fmt.Sprintf("%s is rated %.2g out of 5 on average by %d ratings (%d under %g)", what, s.Mean, s.Count, s.Low, o.LowRating),
			Value:   s.Mean, Threshold: o.LowRating, Blueprint: k.blueprint, Count: s.Count,
			Signals: ids, SignalCount: n,
		})
		if k.blueprint != "" {
			bpr(k.blueprint)
		}
	}
	for k, s := range ratings {
		if k.decision != "" {
			dec(k.decision)
		} else {
			bpr(k.blueprint).Ratings = s
		}
	}

	// The registry: every accepted or proposed decision, their dates.
	reg := o.Registry
	if reg != nil {
		for _, d := range reg.List(decision.Filter{Status: []decision.Status{decision.Accepted, decision.Proposed}}) {
			dec(d.ID)
		}
	}

	// Decisions.
	for id, d := range decs {
		dr := DecisionReport{ID: id, Subjects: len(d.subjects), Checks: d.checks, Rates: d.checks.Rates(),
			Rules: []RuleReport{}, Trend: []TrendPoint{}, Ratings: ratings[agRatingKey{decision: id}],
			Exceptions: Exceptions{Active: d.active, Expired: d.expired, List: []ExceptionEntry{}}}
		var reg_ *decision.Decision
		if reg != nil {
			if x, ok := reg.Get(id); ok {
				reg_ = x
				dr.Title, dr.Status, dr.File, dr.RevisitBy = x.Title, x.Status, x.File, agFormatDay(x.RevisitBy)
			}
		}
		for name, ra := range d.rules {
			rr := RuleReport{Name: name, Subjects: len(ra.subjects), Checks: ra.checks, Rates: ra.checks.Rates()}
			if m := a.meta[[2]string{id, name}]; m != nil {
				rr.Mode, rr.Severity = m.mode, m.severity
			}
			dr.Rules = append(dr.Rules, rr)
		}
		slices.SortFunc(dr.Rules, func(x, y RuleReport) int { return strings.Compare(x.Name, y.Name) })
		slices.SortFunc(d.exceptions, func(x, y ExceptionEntry) int {
			return cmp.Or(strings.Compare(x.Expires, y.Expires), strings.Compare(x.Project, y.Project),
				strings.Compare(x.Rule, y.Rule), strings.Compare(x.Signal, y.Signal))
		})
		dr.Exceptions.List = append(dr.Exceptions.List, d.exceptions[:min(len(d.exceptions), limitS)]...)
		for b, c := range a.trend[id] {
			dr.Trend = append(dr.Trend, TrendPoint{Start: time.UnixMicro(b).UTC(), Checks: *c, PassRate: c.Rates().Pass})
		}
		slices.SortFunc(dr.Trend, func(x, y TrendPoint) int { return x.Start.Compare(y.Start) })
		if reg_ != nil {
			dr.Rollouts = a.rollouts(reg_, d)
		}
		r.Decisions = append(r.Decisions, dr)

		if dr.Checks.Total > 0 && dr.Rates.Exempt > o.ExemptionRate {
			ids, n := d.exemptEv.ids(limitS)
			rv.add(id, "", RevisitReason{
				Reason: ReasonExemptionRate,
				Summary: fmt.Sprintf("%s of %d checks of %s are exempt (%d projects), above %s",
					repPct(dr.Rates.Exempt), dr.Checks.Total, id, len(d.exemptProjects), repPct(o.ExemptionRate)),
				Value: dr.Rates.Exempt, Threshold: o.ExemptionRate,
				Count: len(d.exemptProjects), Projects: d.exemptProjects.list(limitP), Signals: ids, SignalCount: n,
			})
		}
		if reg_ == nil {
			continue
		}
		today := agDay(o.Now)
		if !reg_.RevisitBy.IsZero() && (reg_.Status == decision.Accepted || reg_.Status == decision.Proposed) &&
			today.After(agDay(reg_.RevisitBy)) {
			overdue := today.Sub(agDay(reg_.RevisitBy)).Hours() / 24
			rv.add(id, "", RevisitReason{
				Reason:  ReasonRevisitByPassed,
				Summary: fmt.Sprintf("%s was to be revisited by %s, %.0f days ago", id, agFormatDay(reg_.RevisitBy), overdue),
				Value:   overdue, Threshold: 0, Date: agFormatDay(reg_.RevisitBy), Signals: []string{},
			})
		}
		if reg_.Status == decision.Proposed && !reg_.Decided.IsZero() && o.Now.Sub(reg_.Decided) > o.ProposedFor {
			days := today.Sub(agDay(reg_.Decided)).Hours() / 24
			rv.add(id, "", RevisitReason{
				Reason: ReasonProposedTooLong,
				Summary: fmt.Sprintf("%s has been proposed since %s, %.0f days, longer than %.0f days",
					id, agFormatDay(reg_.Decided), days, o.ProposedFor.Hours()/24),
				Value: days, Threshold: o.ProposedFor.Hours() / 24, Date: agFormatDay(reg_.Decided), Signals: []string{},
			})
		}
	}
	slices.SortFunc(r.Decisions, func(x, y DecisionReport) int { return strings.Compare(x.ID, y.ID) })

	for _, b := range bps {
		slices.SortFunc(b.Versions, func(x, y VersionCount) int {
			return cmp.Or(-blueprint.CompareVersions(x.Version, y.Version), strings.Compare(x.Version, y.Version))
		})
		slices.SortFunc(b.Conflicts, func(x, y FileConflicts) int {
			return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.File, y.File))
		})
		slices.SortFunc(b.ManagedEdits, func(x, y FileEdits) int {
			return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.File, y.File))
		})
		r.Blueprints = append(r.Blueprints, *b)
	}
	slices.SortFunc(r.Blueprints, func(x, y BlueprintReport) int { return strings.Compare(x.Name, y.Name) })

	for k, m := range a.metrics {
		r.Metrics = append(r.Metrics, MetricSummary{Blueprint: k.blueprint, Name: k.name, Unit: k.unit,
			Count: m.count, Mean: m.sum / float64(m.count), Min: m.min, Max: m.max})
	}
	slices.SortFunc(r.Metrics, func(x, y MetricSummary) int {
		return cmp.Or(strings.Compare(x.Blueprint, y.Blueprint), strings.Compare(x.Name, y.Name), strings.Compare(x.Unit, y.Unit))
	})

	// Revisit evidence, ranked.
	for _, it := range rv.items {
		if it.Decision != "" && reg != nil {
			if d, ok := reg.Get(it.Decision); ok {
				it.Title, it.Status = d.Title, d.Status
			}
		}
		slices.SortStableFunc(it.Reasons, func(x, y RevisitReason) int {
			return cmp.Or(cmp.Compare(o.Reasons[y.Reason], o.Reasons[x.Reason]),
				cmp.Compare(slices.Index(Reasons(), x.Reason), slices.Index(Reasons(), y.Reason)),
				cmp.Compare(y.Count, x.Count), strings.Compare(x.Blueprint, y.Blueprint),
				strings.Compare(x.File, y.File), strings.Compare(x.HunkID, y.HunkID))
		})
		r.Revisit = append(r.Revisit, *it)
	}
	slices.SortFunc(r.Revisit, func(x, y Revisit) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(len(y.Reasons), len(x.Reasons)),
			cmp.Compare(agBool(x.Decision == ""), agBool(y.Decision == "")), // decisions before blueprints
			strings.Compare(x.Decision, y.Decision), strings.Compare(x.Blueprint, y.Blueprint))
	})
	return r
}

// attribute adds a reason about a blueprint file to the decisions that
// govern the file, or to the blueprint when none does.
func (a *agAggregator) attribute(rv *agRevisits, bp string, rr RevisitReason, paths ...string) {
	ds := a.governing(bp, paths...)
	if len(ds) == 0 {
		rv.add("", bp, rr)
		return
	}
	for _, d := range ds {
		rv.add(d.ID, "", rr)
	}
}

// rollouts reports the rules of d whose schedule turns them enforced.
func (a *agAggregator) rollouts(d *decision.Decision, agg *agDecisionAgg) []Rollout {
	var out []Rollout
	for _, rl := range d.Rules {
		i := slices.IndexFunc(rl.Schedule, func(s decision.Step) bool { return s.Mode == decision.Enforce })
		if i < 0 {
			continue
		}
		from := rl.Schedule[i].From
		ro := Rollout{Rule: rl.Name, Schedule: rl.Schedule, Mode: rl.ModeAt(a.o.Now), EnforceFrom: agFormatDay(from),
			NotPassing: []string{}}
		if today := agDay(a.o.Now); today.Before(from) {
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

func agPrefixed(id string, rules []string) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = id + "/" + r
	}
	return out
}

// agHunkIDOf returns the ID of a normalised hunk, as Labels["hunk.id"] holds
// it: the first 16 hex digits of its SHA-256.
func agHunkIDOf(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

func agBool(b bool) int {
	if b {
		return 1
	}
	return 0
}
