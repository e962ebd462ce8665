package report

import (
	"cmp"
	"context"
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
	"github.com/goldenpath-dev/goldenpath/feedback"
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
	// ReasonBaselineFailure: a rule fails on the clean render of a
	// blueprint version at the parameters of one or more projects: the
	// blueprint's fault, never counted against the teams. It is a reason
	// against the blueprint.
	ReasonBaselineFailure Reason = "baseline-failure"
	// ReasonUnneededException: an active exception covers a rule that
	// passed in each of the project's last UnneededScans scans. It is a
	// reason against the exceptions, not the decision.
	ReasonUnneededException Reason = "unneeded-exception"
	// ReasonRevisitByPassed: the decision's revisit-by date has passed.
	ReasonRevisitByPassed Reason = "revisit-by-passed"
	// ReasonProposedTooLong: the decision has been proposed for longer than
	// ProposedFor.
	ReasonProposedTooLong Reason = "proposed-too-long"
)

// Reasons returns every reason, in the order of the constants.
func Reasons() []Reason {
	return []Reason{ReasonExemptionRate, ReasonDesirePathAgainstRule, ReasonManagedEdits,
		ReasonUpgradeConflicts, ReasonLowRating, ReasonBaselineFailure, ReasonUnneededException,
		ReasonRevisitByPassed, ReasonProposedTooLong}
}

// DefaultReasonWeights returns the weight of each reason in the score that
// ranks revisit evidence when AggregateOptions.Reasons is nil: evidence from
// what teams do downstream weighs more than dates in a file.
func DefaultReasonWeights() map[Reason]float64 {
	return map[Reason]float64{
		ReasonDesirePathAgainstRule: 3,
		ReasonManagedEdits:          3,
		ReasonBaselineFailure:       3,
		ReasonExemptionRate:         2,
		ReasonUpgradeConflicts:      2,
		ReasonLowRating:             2,
		ReasonRevisitByPassed:       1,
		ReasonUnneededException:     1,
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
	DefaultUnneededScans = 3
)

// maxFindings bounds the non-passing signals kept for one check (one rule
// of one decision in one scan of one project); the check's outcome and
// counts do not depend on it.
const maxFindings = 32

// AggregateOptions configures Aggregate. The zero value, and a nil pointer,
// give the defaults; a zero field means its default.
type AggregateOptions struct {
	// Now is the clock that gives the time of the report: it decides which
	// exceptions are still active, which revisit-by dates have passed, the
	// trend's windows and the state of rollouts. Nil means time.Now; it is
	// read once per report. It does not select
	// signals: filter them (Filter.Until) for a report as of a past date.
	Now func() time.Time
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
	// ScanGap separates scans of projects that record no scan signal: a
	// run of signals of one project (from rule, exception, drift and lag),
	// each less than ScanGap after the one before, is one scan, and only a
	// project's latest scan counts for the current state. Once a project's
	// scan signal is seen, its scans are split exactly instead: scan.Project
	// stamps a project's signals with the scan's time. Default
	// DefaultScanGap.
	ScanGap time.Duration
	// UnneededScans is how many of a project's latest scans a rule must
	// pass in for an active exception to it to be reported as unneeded
	// (ReasonUnneededException). Scans are told apart by time, as
	// ScanGap says. Default DefaultUnneededScans.
	UnneededScans int
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
	// Strict makes any error of the stream end the aggregation. By default
	// an error matching feedback.ErrBadRecord (a stored record that does
	// not decode) is counted in Report.Skipped and the aggregation goes on.
	Strict bool
}

// settings are the options with their defaults, and the time of the
// report.
type settings struct {
	AggregateOptions
	now time.Time
}

// settings returns the options with their defaults, or an error for a
// setting out of range.
func (o *AggregateOptions) settings() (settings, error) {
	var s settings
	if o != nil {
		s.AggregateOptions = *o
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
	check(s.UnneededScans >= 0, "UnneededScans %d is negative", s.UnneededScans)
	for r, w := range s.Reasons {
		check(slices.Contains(Reasons(), r), "Reasons: unknown reason %q", r)
		check(!math.IsNaN(w) && !math.IsInf(w, 0), "Reasons: weight of %s is not finite", r)
	}
	if len(bad) > 0 {
		return s, fmt.Errorf("feedback: aggregate options: %s", strings.Join(bad, "; "))
	}
	if s.Now == nil {
		s.now = time.Now()
	} else {
		s.now = s.Now()
	}
	s.now = s.now.UTC()
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
	s.UnneededScans = cmp.Or(s.UnneededScans, DefaultUnneededScans)
	if s.Reasons == nil {
		s.Reasons = DefaultReasonWeights()
	}
	return s, nil
}

// AggregateStore aggregates the signals of st that f selects; see
// [Aggregate].
func AggregateStore(ctx context.Context, st feedback.Store, f feedback.Filter, opts *AggregateOptions) (*Report, error) {
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
// An error of the stream ends the aggregation, except one matching
// feedback.ErrBadRecord, which is counted in Report.Skipped unless opts.Strict is set; so does the
// cancellation of ctx.
func Aggregate(ctx context.Context, signals iter.Seq2[feedback.Signal, error], opts *AggregateOptions) (*Report, error) {
	o, err := opts.settings()
	if err != nil {
		return nil, err
	}
	a := newAggregator(o)
	n := 0
	for s, err := range signals {
		if err != nil {
			if !o.Strict && errors.Is(err, feedback.ErrBadRecord) {
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

// resultIndex indexes results in outcome order: the worst first.
const (
	iFail = iota
	iWarn
	iError
	iExempt
	iPass
	nResults
)

func resultIndex(r feedback.Result) int {
	switch r {
	case feedback.ResultFail:
		return iFail
	case feedback.ResultWarn:
		return iWarn
	case feedback.ResultError:
		return iError
	case feedback.ResultExempt:
		return iExempt
	case feedback.ResultPass:
		return iPass
	}
	return -1
}

// burst is the span of the signals of one group in one scan, in
// microseconds since the Unix epoch.
type burst struct{ start, end int64 }

// Where a signal falls relative to a burst.
const (
	inBurst = iota
	olderScan
	newerScan
)

func (b *burst) place(t, gap int64) int {
	switch {
	case t > b.end+gap:
		return newerScan
	case t < b.start-gap:
		return olderScan
	}
	b.start, b.end = min(b.start, t), max(b.end, t)
	return inBurst
}

// noBurst is the burst before any signal.
var noBurst = burst{math.MaxInt64, math.MinInt64}

// follow makes b the latest burst: it extends b with t, or starts a new
// burst at t when t is more than gap after b.
func (b *burst) follow(t, gap int64) {
	switch {
	case b.end == math.MinInt64 || t > b.end+gap:
		b.start, b.end = t, t
	case t >= b.start-gap:
		b.start, b.end = min(b.start, t), max(b.end, t)
	}
}

// within reports whether the burst reaches into scan: whether it belongs
// to that scan rather than an older one.
func (b *burst) within(scan burst) bool { return b.end >= scan.start }

type ruleKey struct{ project, decision, rule string }

type findingRef struct {
	id, path, part string
	result         feedback.Result
	baseline       int8 // baselineFail, baselinePass or baselineUnknown: Labels["baseline"]
}

// The baseline of a rule signal: the rule's outcome on a clean render of
// the project's version at its parameters (Labels["baseline"]).
const (
	baselineUnknown int8 = iota
	baselineFail
	baselinePass
)

func baselineOf(s *feedback.Signal) int8 {
	switch s.Labels["baseline"] {
	case "fail":
		return baselineFail
	case "pass":
		return baselinePass
	}
	return baselineUnknown
}

// modeIndex is a rule's mode in little memory: 0 when unknown.
func modeIndex(m decision.Mode) int8 {
	switch m {
	case decision.Enforce:
		return 1
	case decision.Warn:
		return 2
	case decision.Audit:
		return 3
	}
	return 0
}

var modes = [...]decision.Mode{"", decision.Enforce, decision.Warn, decision.Audit}

// ruleState is the latest check of one rule for one project, and the one
// before it, so that the trend counts each of two scans as one check even
// when their signals come mixed.
type ruleState struct {
	burst
	counts   [nResults]int32
	findings []findingRef // not passing, or passing where the clean render fails; at most maxFindings
	prev     burst
	prevOut  int  // the outcome of the previous check; -1 when none
	mode     int8 // modeIndex of the mode of the latest check
	// firstSeen is the time of the earliest signal of the rule, and
	// notPassed that of the latest that did not pass (math.MinInt64 when
	// none): whether it passed in the project's last scans, for unneeded
	// exceptions, whatever the order of the signals.
	firstSeen, notPassed int64
}

func (r *ruleState) outcome() int {
	for i, n := range r.counts {
		if n > 0 {
			return i
		}
	}
	return -1
}

type exceptionEntry struct {
	id, justification, expires, status, requestedBy, approvedBy string
	result                                                      feedback.Result
}

type exceptionState struct {
	burst
	list []exceptionEntry
}

type driftKey struct{ project, file, key string }

type driftState struct {
	burst
	blueprint, level, id, path, hunk, hunkID string
	follow                                   // what absorption follows (absorb.go)
}

type lagEntry struct {
	t           int64
	value       float64
	latest, id  string
	days        float64
	daysKnown   bool
	version     string
	blueprintNm string
}

type projectState struct {
	blueprint, version, owner string
	subjectT                  int64 // time of the signal blueprint and version come from
	versionSince              int64 // the first signal on its current version (absorb.go)
	ruleScan                  burst // the latest scan with rule or exception signals
	scan                      burst // the latest scan: its scan signal, or its rule, exception, drift or lag signals
	lag                       *lagEntry
	// recent holds the last UnneededScans scans with rule or exception
	// signals, the oldest first.
	recent []burst
	// exact is set once a scan signal of the project is seen: scans that
	// record one stamp every signal of a project with the scan's time, so
	// from then on a scan is the signals of one time, however close the
	// next scan follows, and ScanGap no longer applies.
	exact bool
}

// addRecent records that a scan was seen at t in recent, the last n
// bursts, oldest first: t joins the burst it is within gap of, or starts
// a new one; the oldest beyond n are dropped. It returns the burst's
// index, or -1 when t is older than every burst kept and there are n.
func addRecent(recent []burst, t, gap int64, n int) ([]burst, int) {
	for i := range recent {
		if recent[i].place(t, gap) == inBurst {
			return recent, i
		}
	}
	i, _ := slices.BinarySearchFunc(recent, t, func(b burst, t int64) int { return cmp.Compare(b.start, t) })
	if i == 0 && len(recent) >= n {
		return recent, -1
	}
	recent = slices.Insert(recent, i, burst{t, t})
	if len(recent) > n {
		// Moved down rather than resliced, so that the array is reused.
		recent = append(recent[:0], recent[len(recent)-n:]...)
		i -= 1
	}
	return recent, i
}

type fileKey struct{ blueprint, file string }

type upgradeAgg struct {
	conflicts, merged int
	projects          map[string]struct{}
	paths             map[string]struct{} // the files' paths in projects, when not the template's
	ids               latestIDs
	example           *Example
}

type ratingEntry struct {
	t     int64
	value float64
	id    string
}

type ratingKey struct{ decision, blueprint string }

type ratingAgg struct {
	byRater   map[string]ratingEntry
	anonymous []ratingEntry // ratings without a "by" label: value and ID of the low ones only
	anonCount int
	anonLow   int
	anonSum   float64
	anonMin   float64
	anonMax   float64
}

type metricKey struct{ blueprint, name, unit string }

type metricAgg struct {
	count         int
	sum, min, max float64
}

type ruleMeta struct {
	t        int64
	mode     decision.Mode
	severity decision.Severity
}

type aggregator struct {
	o          settings
	gap        int64
	g          int64 // the gap of the signal being added: gap, or 0 for a project whose scans are exact
	window     int64
	firstB     int64 // the first trend window, in microseconds
	lastB      int64 // the last trend window (Now's)
	signals    int
	bySource   map[feedback.Source]int
	first      int64
	last       int64
	skipped    int
	skipErrors []string

	projects  map[string]*projectState
	rules     map[ruleKey]*ruleState
	meta      map[[2]string]*ruleMeta
	excs      map[ruleKey]*exceptionState
	drift     map[driftKey]*driftState
	upgrades  map[fileKey]*upgradeAgg
	ratings   map[ratingKey]*ratingAgg
	metrics   map[metricKey]*metricAgg
	trend     map[string]map[int64]*Counts
	observed  map[string]map[string]struct{} // blueprint → decisions its projects are checked against
	absorb    absorbState                    // what absorption follows (absorb.go)
	strs      map[string]string              // interned strings
	lowRating float64
}

func newAggregator(o settings) *aggregator {
	a := &aggregator{
		o:        o,
		gap:      o.ScanGap.Microseconds(),
		window:   o.Window.Microseconds(),
		bySource: map[feedback.Source]int{},
		first:    math.MaxInt64,
		last:     math.MinInt64,
		projects: map[string]*projectState{},
		rules:    map[ruleKey]*ruleState{},
		meta:     map[[2]string]*ruleMeta{},
		excs:     map[ruleKey]*exceptionState{},
		drift:    map[driftKey]*driftState{},
		upgrades: map[fileKey]*upgradeAgg{},
		ratings:  map[ratingKey]*ratingAgg{},
		metrics:  map[metricKey]*metricAgg{},
		trend:    map[string]map[int64]*Counts{},
		observed: map[string]map[string]struct{}{},
		strs:     map[string]string{},
	}
	a.window = max(a.window, 1)
	nowB := o.now.Truncate(o.Window)
	a.lastB = nowB.UnixMicro()
	a.firstB = nowB.Add(-time.Duration(o.Windows-1) * o.Window).UnixMicro()
	return a
}

func (a *aggregator) skip(err error) {
	a.skipped++
	if len(a.skipErrors) < 10 {
		a.skipErrors = append(a.skipErrors, err.Error())
	}
}

func (a *aggregator) project(name string) *projectState {
	p := a.projects[name]
	if p == nil {
		p = &projectState{subjectT: math.MinInt64, ruleScan: noBurst, scan: noBurst}
		a.projects[a.intern(name)] = p
	}
	return p
}

// intern returns s, or a string equal to s that the aggregator already
// holds: the keys of its groups share their memory.
func (a *aggregator) intern(s string) string {
	if v, ok := a.strs[s]; ok {
		return v
	}
	a.strs[s] = s
	return s
}

func (a *aggregator) add(s *feedback.Signal) {
	a.signals++
	a.bySource[s.Source]++
	t := s.Time.UnixMicro()
	a.first, a.last = min(a.first, t), max(a.last, t)

	project := s.Subject.Project
	switch s.Source {
	case feedback.SourceRule, feedback.SourceException, feedback.SourceDrift, feedback.SourceLag, feedback.SourceScan:
		if project == "" {
			if s.Source == feedback.SourceRule {
				a.addTrend(s.Decision, t, resultIndex(s.Result))
			}
			return
		}
		p := a.project(project)
		a.g = a.gap
		if p.exact {
			a.g = 0
		}
		p.scan.follow(t, a.g)
		if s.Source == feedback.SourceRule || s.Source == feedback.SourceException {
			p.ruleScan.follow(t, a.g)
			p.recent, _ = addRecent(p.recent, t, a.g, a.o.UnneededScans)
		}
		if s.Source == feedback.SourceScan {
			p.exact = true
		}
		a.noteVersion(p, s, t)
		if s.Subject.Blueprint != "" && t >= p.subjectT {
			p.subjectT = t
			if p.blueprint != s.Subject.Blueprint || p.version != s.Subject.Version || p.owner != s.Subject.Owner {
				p.blueprint, p.version = a.intern(s.Subject.Blueprint), a.intern(s.Subject.Version)
				p.owner = a.intern(s.Subject.Owner)
			}
		}
		switch s.Source {
		case feedback.SourceRule:
			a.addRule(s, t)
		case feedback.SourceException:
			a.addException(s, t)
		case feedback.SourceDrift:
			a.addDrift(s, t)
		case feedback.SourceLag:
			a.addLag(p, s, t)
		}
	case feedback.SourceUpgrade:
		a.addUpgrade(s)
		a.noteUpgrade(s, t)
	case feedback.SourceRating:
		a.addRating(s, t)
	case feedback.SourceMetric:
		a.addMetric(s)
	}
}

func (a *aggregator) addRule(s *feedback.Signal, t int64) {
	ri := resultIndex(s.Result)
	if s.Decision == "" || ri < 0 {
		return
	}
	if bp := s.Subject.Blueprint; bp != "" {
		ds := a.observed[bp]
		if ds == nil {
			ds = map[string]struct{}{}
			a.observed[a.intern(bp)] = ds
		}
		if _, ok := ds[s.Decision]; !ok {
			ds[a.intern(s.Decision)] = struct{}{}
		}
	}
	mk := [2]string{s.Decision, s.Rule}
	if m := a.meta[mk]; m == nil {
		a.meta[mk] = &ruleMeta{t: t, mode: s.Mode, severity: s.Severity}
	} else if t >= m.t {
		m.t, m.mode, m.severity = t, s.Mode, s.Severity
	}

	k := ruleKey{s.Subject.Project, s.Decision, s.Rule}
	st := a.rules[k]
	if st == nil {
		st = &ruleState{burst: burst{t, t}, prevOut: -1, firstSeen: t, notPassed: math.MinInt64}
		k = ruleKey{a.intern(k.project), a.intern(k.decision), a.intern(k.rule)}
		a.rules[k] = st
	}
	st.firstSeen = min(st.firstSeen, t)
	if ri != iPass {
		st.notPassed = max(st.notPassed, t)
	}
	switch {
	case st.counts == [nResults]int32{}:
	default:
		switch st.place(t, a.g) {
		case olderScan:
			a.addOlder(st, s.Decision, t, ri)
			return
		case newerScan:
			if st.prevOut >= 0 {
				a.addTrend(s.Decision, st.prev.end, st.prevOut)
			}
			*st = ruleState{burst: burst{t, t}, findings: st.findings[:0],
				prev: st.burst, prevOut: st.outcome(), firstSeen: st.firstSeen, notPassed: st.notPassed}
		}
	}
	st.counts[ri]++
	st.mode = modeIndex(s.Mode)
	base := baselineOf(s)
	if (ri != iPass || base == baselineFail) && len(st.findings) < maxFindings {
		path := s.Evidence.Path
		if path == "" {
			path = s.File
		}
		st.findings = append(st.findings, findingRef{id: s.ID, path: a.intern(path), part: a.intern(s.Labels["part"]),
			result: s.Result, baseline: base})
	}
}

// addOlder counts, in the previous check of st, a result of a scan older
// than st's latest; a result older still is counted as a check on its own.
func (a *aggregator) addOlder(st *ruleState, dec string, t int64, ri int) {
	if st.prevOut < 0 {
		st.prev, st.prevOut = burst{t, t}, ri
		return
	}
	switch st.prev.place(t, a.g) {
	case inBurst:
		st.prevOut = min(st.prevOut, ri)
	case newerScan:
		a.addTrend(dec, st.prev.end, st.prevOut)
		st.prev, st.prevOut = burst{t, t}, ri
	case olderScan:
		a.addTrend(dec, t, ri)
	}
}

// addTrend counts a check with outcome ri, made at t, in its window.
func (a *aggregator) addTrend(dec string, t int64, ri int) {
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

func (a *aggregator) addException(s *feedback.Signal, t int64) {
	if s.Decision == "" {
		return
	}
	k := ruleKey{s.Subject.Project, s.Decision, s.Rule}
	st := a.excs[k]
	switch {
	case st == nil:
		st = &exceptionState{burst: burst{t, t}}
		k = ruleKey{a.intern(k.project), a.intern(k.decision), a.intern(k.rule)}
		a.excs[k] = st
	default:
		switch st.place(t, a.g) {
		case olderScan:
			return
		case newerScan:
			*st = exceptionState{burst: burst{t, t}}
		}
	}
	if len(st.list) >= maxFindings {
		return
	}
	st.list = append(st.list, exceptionEntry{
		id: s.ID, justification: s.Evidence.Message, result: s.Result,
		expires: s.Labels["expires"], status: s.Labels["status"],
		requestedBy: s.Labels["requestedBy"], approvedBy: s.Labels["approvedBy"],
	})
}

func (a *aggregator) addDrift(s *feedback.Signal, t int64) {
	if s.File == "" && s.Evidence.Path == "" {
		return
	}
	k := driftKey{s.Subject.Project, s.File, s.Labels["hunk.key"]}
	if k.file == "" {
		k.file = s.Evidence.Path
	}
	st := a.drift[k]
	switch {
	case st == nil:
		st = &driftState{burst: burst{t, t}}
		k = driftKey{a.intern(k.project), a.intern(k.file), a.intern(k.key)}
		a.drift[k] = st
		a.noteDrift(st, s, t)
	default:
		a.noteDrift(st, s, t)
		switch st.place(t, a.g) {
		case olderScan:
			return
		case newerScan:
			*st = driftState{burst: burst{t, t}, follow: st.follow}
		case inBurst:
			if st.id != "" && st.id <= s.ID {
				return // the same hunk twice in one file: keep one
			}
		}
	}
	st.blueprint, st.level = a.intern(s.Subject.Blueprint), a.intern(s.Labels["level"])
	st.id, st.path, st.hunk = s.ID, a.intern(s.Evidence.Path), s.Evidence.Hunk
	st.hunkID = s.Labels["hunk.id"]
}

func (a *aggregator) addLag(p *projectState, s *feedback.Signal, t int64) {
	if s.Value == nil || (p.lag != nil && t < p.lag.t) {
		return
	}
	l := &lagEntry{t: t, value: *s.Value, latest: s.Labels["latest"], id: s.ID,
		version: s.Subject.Version, blueprintNm: s.Subject.Blueprint}
	if d, ok := s.Labels["days"]; ok {
		if v, err := strconv.ParseFloat(d, 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			l.days, l.daysKnown = v, true
		}
	}
	p.lag = l
}

func (a *aggregator) addUpgrade(s *feedback.Signal) {
	if s.File == "" || (s.Result != feedback.ResultFail && s.Result != feedback.ResultPass) {
		return
	}
	k := fileKey{s.Subject.Blueprint, s.File}
	u := a.upgrades[k]
	if u == nil {
		u = &upgradeAgg{projects: map[string]struct{}{}, paths: map[string]struct{}{}}
		a.upgrades[k] = u
	}
	if s.Result == feedback.ResultPass {
		u.merged++
		return
	}
	u.conflicts++
	addPath(u.paths, s.Evidence.Path)
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

func (a *aggregator) addRating(s *feedback.Signal, t int64) {
	if s.Value == nil {
		return
	}
	var k ratingKey
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
		r = &ratingAgg{byRater: map[string]ratingEntry{}, anonMin: math.Inf(1), anonMax: math.Inf(-1)}
		a.ratings[k] = r
	}
	v := *s.Value
	if by := s.Labels["by"]; by != "" {
		if old, ok := r.byRater[by]; !ok || t > old.t || (t == old.t && s.ID > old.id) {
			r.byRater[by] = ratingEntry{t: t, value: v, id: s.ID}
		}
		return
	}
	r.anonCount++
	r.anonSum += v
	r.anonMin, r.anonMax = min(r.anonMin, v), max(r.anonMax, v)
	if v < a.o.LowRating {
		r.anonLow++
		// Keep the latest MaxSignals low ratings as evidence.
		r.anonymous = append(r.anonymous, ratingEntry{t: t, value: v, id: s.ID})
		if len(r.anonymous) > 2*a.o.MaxSignals {
			slices.SortFunc(r.anonymous, func(x, y ratingEntry) int { return strings.Compare(y.id, x.id) })
			r.anonymous = r.anonymous[:a.o.MaxSignals]
		}
	}
}

func (a *aggregator) addMetric(s *feedback.Signal) {
	name := s.Labels["name"]
	if s.Value == nil || name == "" {
		return
	}
	k := metricKey{s.Subject.Blueprint, name, s.Unit}
	m := a.metrics[k]
	v := *s.Value
	if m == nil {
		a.metrics[k] = &metricAgg{count: 1, sum: v, min: v, max: v}
		return
	}
	m.count++
	m.sum += v
	m.min, m.max = min(m.min, v), max(m.max, v)
}

// maxPaths bounds the paths in projects kept for one blueprint file, to
// match against the globs of rules: a templated path has one per project.
const maxPaths = 16

func addPath(paths map[string]struct{}, p string) {
	if p != "" && len(paths) < maxPaths {
		paths[p] = struct{}{}
	}
}

// latestIDs keeps the greatest (the latest) IDs added to it, at most a
// given number, and counts them all.
type latestIDs struct {
	ids []string
	n   int
}

func (l *latestIDs) add(id string, limit int) {
	l.n++
	l.ids = append(l.ids, id)
	if len(l.ids) > 2*limit {
		l.compact(limit)
	}
}

func (l *latestIDs) compact(limit int) {
	slices.Sort(l.ids)
	l.ids = slices.Compact(l.ids)
	if len(l.ids) > limit {
		l.ids = slices.Clone(l.ids[len(l.ids)-limit:])
	}
}

func (l *latestIDs) list(limit int) []string {
	l.compact(limit)
	return slices.Clone(l.ids)
}

// evidenceList gathers the signals behind one finding of the report, ordered
// by project then ID, to list the first MaxSignals.
type evidenceList []projectSignal

type projectSignal struct{ project, id string }

func (e *evidenceList) add(project, id string) {
	if id != "" {
		*e = append(*e, projectSignal{project, id})
	}
}

// ids returns the first limit signal IDs, by project then ID, and how many
// distinct ones there are.
func (e evidenceList) ids(limit int) ([]string, int) {
	slices.SortFunc(e, func(x, y projectSignal) int {
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

// projectSet is a set of projects with a sorted, bounded listing.
type projectSet map[string]struct{}

func (s projectSet) add(p string) { s[p] = struct{}{} }

func (s projectSet) list(limit int) []string {
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
func (a *aggregator) governing(bp string, paths ...string) []*decision.Decision {
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
