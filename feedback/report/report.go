package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/internal/english"
)

// Report is what Aggregate makes of a stream of signals. Its JSON form
// (Report.JSON, or encoding/json) is stable: fields are added, never
// renamed or removed; docs/feedback.md documents every field. Lists are
// sorted, so the same signals and options give the same report.
type Report struct {
	// Generated is the time of the report: AggregateOptions.Now.
	Generated time.Time `json:"generated"`
	// Since and Until are the bounds of the Filter AggregateStore was
	// given; zero when none.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// Settings are the options the report was made with, defaults filled.
	Settings Settings `json:"settings"`
	// Signals is how many signals were read, and Sources how many of each
	// source.
	Signals int                     `json:"signals"`
	Sources map[feedback.Source]int `json:"sources"`
	// First and Last are the times of the earliest and latest signal.
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
	// Projects is how many projects were scanned.
	Projects int `json:"projects"`
	// Skipped is how many lines of the store could not be read, and
	// SkipErrors the first ten errors.
	Skipped    int      `json:"skipped,omitempty"`
	SkipErrors []string `json:"skipErrors,omitempty"`
	// Revisit lists the decisions (and blueprints) with evidence that they
	// should be revisited, the highest score first.
	Revisit []Revisit `json:"revisit"`
	// Decisions reports every decision checked, and every accepted or
	// proposed decision of the registry, by ID.
	Decisions []DecisionReport `json:"decisions"`
	// DesirePaths are the downstream edits made in at least MinProjects
	// projects, the most widespread first.
	DesirePaths []DesirePath `json:"desirePaths"`
	// Absorptions follow the desire paths whose projects upgraded since
	// they made the edit: whether a newer version absorbed it.
	Absorptions []Absorption `json:"absorptions,omitempty"`
	// Blueprints reports every blueprint seen, by name.
	Blueprints []BlueprintReport `json:"blueprints"`
	// Metrics summarises the measured values, by blueprint, name and unit.
	Metrics []MetricSummary `json:"metrics,omitempty"`
}

// Settings are the options a report was made with.
type Settings struct {
	Window        string             `json:"window"`        // AggregateOptions.Window, a Go duration such as "168h0m0s"
	Windows       int                `json:"windows"`       // AggregateOptions.Windows
	ScanGap       string             `json:"scanGap"`       // AggregateOptions.ScanGap, a Go duration
	MinProjects   int                `json:"minProjects"`   // AggregateOptions.MinProjects
	MinConflicts  int                `json:"minConflicts"`  // AggregateOptions.MinConflicts
	ExemptionRate float64            `json:"exemptionRate"` // AggregateOptions.ExemptionRate
	LowRating     float64            `json:"lowRating"`     // AggregateOptions.LowRating
	MinRatings    int                `json:"minRatings"`    // AggregateOptions.MinRatings
	ProposedDays  float64            `json:"proposedDays"`  // AggregateOptions.ProposedFor, in days
	Reasons       map[Reason]float64 `json:"reasons"`       // the weight of each reason reported
	MaxProjects   int                `json:"maxProjects"`   // AggregateOptions.MaxProjects
	MaxSignals    int                `json:"maxSignals"`    // AggregateOptions.MaxSignals
	UnneededScans int                `json:"unneededScans"` // AggregateOptions.UnneededScans
	// Registry is the source of the registry, with its revision after "@"
	// when it has one; empty when there was none.
	Registry string `json:"registry,omitempty"`
}

// Counts counts checks by outcome. A check is one rule of one decision for
// one project in one scan; its outcome is its worst result (fail, then
// warn, error, exempt, pass), so a rule failing in three files is one
// failing check.
type Counts struct {
	Total  int `json:"total"`  // checks
	Pass   int `json:"pass"`   // checks that pass
	Fail   int `json:"fail"`   // checks that fail, in enforce or audit mode
	Warn   int `json:"warn"`   // checks that fail in warn mode
	Exempt int `json:"exempt"` // checks that fail, covered by an active exception
	Error  int `json:"error"`  // checks that could not be made
	// Baseline counts the checks among Fail, Warn and Exempt whose rule
	// fails on the clean render of the project's version at its
	// parameters (the rule signals' Labels["baseline"]): the blueprint's
	// failures, not the team's.
	Baseline int `json:"baseline,omitempty"`
}

// ModeCounts counts checks apart by the mode of their rule, so that an
// audit rule failing everywhere does not hide how enforced rules fare.
type ModeCounts struct {
	Enforce Counts `json:"enforce"` // checks of rules in enforce mode
	Warn    Counts `json:"warn"`    // checks of rules in warn mode
	Audit   Counts `json:"audit"`   // checks of rules in audit mode
}

// of returns the counts of mode m; nil for a mode it does not know.
func (mc *ModeCounts) of(m decision.Mode) *Counts {
	switch m {
	case decision.Enforce:
		return &mc.Enforce
	case decision.Warn:
		return &mc.Warn
	case decision.Audit:
		return &mc.Audit
	}
	return nil
}

func (c *Counts) add(ri int) {
	if ri < 0 {
		return
	}
	c.Total++
	switch ri {
	case iPass:
		c.Pass++
	case iFail:
		c.Fail++
	case iWarn:
		c.Warn++
	case iExempt:
		c.Exempt++
	case iError:
		c.Error++
	}
}

// Rates returns the share of each outcome among c.Total; all zero when
// there is no check. An exempt check is never a pass.
func (c Counts) Rates() Rates {
	if c.Total == 0 {
		return Rates{}
	}
	t := float64(c.Total)
	return Rates{Pass: float64(c.Pass) / t, Fail: float64(c.Fail) / t, Warn: float64(c.Warn) / t,
		Exempt: float64(c.Exempt) / t, Error: float64(c.Error) / t}
}

// Rates are shares of checks, between 0 and 1.
type Rates struct {
	Pass   float64 `json:"pass"`   // Counts.Pass / Counts.Total
	Fail   float64 `json:"fail"`   // Counts.Fail / Counts.Total
	Warn   float64 `json:"warn"`   // Counts.Warn / Counts.Total
	Exempt float64 `json:"exempt"` // Counts.Exempt / Counts.Total
	Error  float64 `json:"error"`  // Counts.Error / Counts.Total
}

// DecisionReport is what the signals say about one decision.
type DecisionReport struct {
	// ID is the decision's ID; Title, Status, File and RevisitBy come from
	// the registry, when it has the decision.
	ID        string          `json:"id"`
	Title     string          `json:"title,omitempty"`
	Status    decision.Status `json:"status,omitempty"`
	File      string          `json:"file,omitempty"`
	RevisitBy string          `json:"revisitBy,omitempty"` // YYYY-MM-DD
	// Subjects is how many projects have a current check of the decision.
	Subjects int `json:"subjects"`
	// Checks counts the current checks of all its rules, Rates their
	// shares.
	Checks Counts `json:"checks"`
	Rates  Rates  `json:"rates"`
	// Modes counts the same checks by the mode of their rule at the time
	// of the check (signals without a mode are in Checks only).
	Modes ModeCounts `json:"modes"`
	// Rules reports each rule checked, by name.
	Rules []RuleReport `json:"rules"`
	// Exceptions are the projects' current exceptions to the decision.
	Exceptions Exceptions `json:"exceptions"`
	// Trend counts every check (current or not) by window, oldest first;
	// windows without checks are left out.
	Trend []TrendPoint `json:"trend"`
	// Rollouts follow the rules whose schedule turns them enforced (from
	// the registry).
	Rollouts []Rollout `json:"rollouts,omitempty"`
	// Ratings summarises the ratings of the decision, if any.
	Ratings *RatingSummary `json:"ratings,omitempty"`
}

// RuleReport is what the current checks of one rule say.
type RuleReport struct {
	// Name is the rule's name in its decision.
	Name string `json:"name"`
	// Mode and Severity are those of the latest signal about the rule.
	Mode     decision.Mode     `json:"mode,omitempty"`
	Severity decision.Severity `json:"severity,omitempty"`
	// Subjects is how many projects have a current check of the rule:
	// Checks.Total, one check per project.
	Subjects int `json:"subjects"`
	// Checks counts the current checks of the rule, Rates their shares.
	Checks Counts `json:"checks"`
	Rates  Rates  `json:"rates"`
}

// Exceptions are the exceptions (waivers) projects hold to a decision, as
// their latest scans report them.
type Exceptions struct {
	// Active and Expired count them on the day of the report.
	Active  int `json:"active"`
	Expired int `json:"expired"`
	// Unneeded counts the active ones whose rule passed in each of the
	// project's last UnneededScans scans.
	Unneeded int `json:"unneeded,omitempty"`
	// List holds the first MaxSignals exceptions, the earliest expiry
	// first.
	List []ExceptionEntry `json:"list"`
}

// ExceptionEntry is one exception of one project.
type ExceptionEntry struct {
	Project       string `json:"project"`               // the project holding it
	Rule          string `json:"rule,omitempty"`        // the rule it covers, "*" for all
	Justification string `json:"justification"`         // why the project cannot follow the rule
	Expires       string `json:"expires,omitempty"`     // YYYY-MM-DD, the last day it applies
	Active        bool   `json:"active"`                // whether it applies on the day of the report
	Unneeded      bool   `json:"unneeded,omitempty"`    // active, and its rule passed in each of the project's last UnneededScans scans
	RequestedBy   string `json:"requestedBy,omitempty"` // who asked for it
	ApprovedBy    string `json:"approvedBy,omitempty"`  // who granted it
	Signal        string `json:"signal"`                // the exception signal's ID
}

// TrendPoint counts the checks made in one window.
type TrendPoint struct {
	Start    time.Time `json:"start"`    // the first instant of the window
	Checks   Counts    `json:"checks"`   // the checks made in the window
	PassRate float64   `json:"passRate"` // Checks' share of passes
}

// Rollout is the progress of a rule whose schedule turns it enforced: how
// many projects already pass.
type Rollout struct {
	// Rule is the rule's name, and Schedule its mode changes.
	Rule     string          `json:"rule"`
	Schedule []decision.Step `json:"schedule"`
	// Mode is the rule's mode on the day of the report.
	Mode decision.Mode `json:"mode"`
	// EnforceFrom is the first day of the first enforce step, YYYY-MM-DD;
	// DaysLeft the days from the report until then, 0 once enforced.
	EnforceFrom string `json:"enforceFrom"`
	DaysLeft    int    `json:"daysLeft"`
	// Subjects is how many projects have a current check of the rule;
	// Passing how many of them pass and Exempt how many are exempt (not
	// passing, but not refused either).
	Subjects int `json:"subjects"`
	Passing  int `json:"passing"`
	Exempt   int `json:"exempt"`
	// PassRate is the share of those checks that pass (Counts.Rates).
	PassRate float64 `json:"passRate"`
	// NotPassing lists the first MaxProjects projects that fail, warn or
	// err: those an enforced rule will refuse.
	NotPassing []string `json:"notPassing"`
}

// RatingSummary summarises ratings: the latest of each person (Labels["by"]),
// and every rating without a name.
type RatingSummary struct {
	// Count is how many ratings there are; Mean, Min and Max their
	// scores' mean, least and greatest.
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	// Low is how many are under AggregateOptions.LowRating.
	Low int `json:"low"`
}

// DesirePath is one downstream edit, the same after normalisation
// (Labels["hunk.key"]), in one file of one blueprint in several projects:
// a candidate to move upstream.
type DesirePath struct {
	// Blueprint and File are where the edit is: the blueprint's name and
	// the file's template path in it.
	Blueprint string `json:"blueprint"`
	File      string `json:"file"`
	// Level is the file's level: "shared", or "managed" when the edit is
	// also drift.
	Level string `json:"level,omitempty"`
	// HunkID is Labels["hunk.id"], and Key the normalised hunk.
	HunkID string `json:"hunkID"`
	Key    string `json:"key"`
	// Count is how many projects made the edit; Projects lists the first
	// MaxProjects of them, sorted.
	Count    int      `json:"count"`
	Projects []string `json:"projects"`
	// Example is the edit in the first of the projects.
	Example Example `json:"example"`
	// Signals lists the first MaxSignals drift signals, by project.
	Signals []string `json:"signals"`
}

// Example is one signal's evidence, shown as an example of many.
type Example struct {
	Project string `json:"project"`        // the project
	Path    string `json:"path,omitempty"` // the file in the project, when not the template's path
	Hunk    string `json:"hunk,omitempty"` // the edit or the conflict, as a diff
	Signal  string `json:"signal"`         // the signal's ID
	// From and To are the versions of an upgrade.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// BlueprintReport is what the signals say about one blueprint.
type BlueprintReport struct {
	// Name is the blueprint's name.
	Name string `json:"name"`
	// Projects is how many projects were rendered from it, by their latest
	// scan.
	Projects int `json:"projects"`
	// Versions is how many projects are on each version, the newest first.
	Versions []VersionCount `json:"versions"`
	// Lag summarises the projects' latest lag signals, if any.
	Lag *LagSummary `json:"lag,omitempty"`
	// Conflicts are the files whose upgrades conflicted, the most projects
	// first.
	Conflicts []FileConflicts `json:"conflicts"`
	// ManagedEdits are the managed files edited downstream, by the current
	// drift, the most projects first.
	ManagedEdits []FileEdits `json:"managedEdits"`
	// Ratings summarises the ratings of the blueprint, if any.
	Ratings *RatingSummary `json:"ratings,omitempty"`
}

// VersionCount is how many projects are on one version.
type VersionCount struct {
	Version  string `json:"version"`  // a blueprint version
	Projects int    `json:"projects"` // how many projects are on it
}

// LagSummary is how far behind the newest version a blueprint's projects are.
type LagSummary struct {
	// Latest is the newest version the lag signals name.
	Latest string `json:"latest,omitempty"`
	// Projects is how many projects have a lag signal; Behind how many
	// are behind.
	Projects int `json:"projects"`
	Behind   int `json:"behind"`
	// MeanVersions and MaxVersions are over Projects, in released
	// versions; MeanDays and MaxDays over the DaysKnown projects whose
	// signal has Labels["days"].
	MeanVersions float64 `json:"meanVersions"`
	MaxVersions  float64 `json:"maxVersions"`
	DaysKnown    int     `json:"daysKnown"`
	MeanDays     float64 `json:"meanDays"`
	MaxDays      float64 `json:"maxDays"`
	// BehindProjects lists the first MaxProjects projects behind, the
	// furthest first.
	BehindProjects []ProjectLag `json:"behindProjects"`
}

// ProjectLag is how far one project is behind.
type ProjectLag struct {
	Project  string  `json:"project"`           // the project
	Version  string  `json:"version,omitempty"` // the version it is on
	Versions float64 `json:"versions"`          // how many released versions are newer
	Days     float64 `json:"days,omitempty"`    // how many days behind, when known
	Signal   string  `json:"signal"`            // the lag signal's ID
}

// FileConflicts are the upgrade conflicts of one blueprint file, over every
// upgrade signal (not only the latest).
type FileConflicts struct {
	// File is the blueprint file's template path.
	File string `json:"file"`
	// Count is how many projects had a conflict; Projects lists the first
	// MaxProjects.
	Count    int      `json:"count"`
	Projects []string `json:"projects"`
	// Conflicts and Merged count the upgrade signals that failed and
	// passed.
	Conflicts int `json:"conflicts"`
	Merged    int `json:"merged"`
	// Example is the first conflict of the first project, by name.
	Example *Example `json:"example,omitempty"`
	// Signals lists the latest MaxSignals conflicts.
	Signals []string `json:"signals"`
}

// FileEdits are the current edits of one managed file.
type FileEdits struct {
	File     string   `json:"file"`     // the blueprint file's template path
	Count    int      `json:"count"`    // how many projects edited it
	Projects []string `json:"projects"` // the first MaxProjects of them
	Signals  []string `json:"signals"`  // the first MaxSignals drift signals, by project
}

// MetricSummary summarises one measured value.
type MetricSummary struct {
	Blueprint string  `json:"blueprint,omitempty"` // the subjects' blueprint
	Name      string  `json:"name"`                // Labels["name"]
	Unit      string  `json:"unit,omitempty"`      // the values' unit
	Count     int     `json:"count"`               // how many values
	Mean      float64 `json:"mean"`                // their mean
	Min       float64 `json:"min"`                 // the least
	Max       float64 `json:"max"`                 // the greatest
}

// Revisit is the evidence that one decision, or one blueprint, should be
// revisited.
type Revisit struct {
	// Decision is the decision's ID; empty when the evidence is about a
	// blueprint no decision of the registry governs, named by Blueprint.
	Decision  string `json:"decision,omitempty"`
	Blueprint string `json:"blueprint,omitempty"`
	// Exception, when set, says the evidence is about the exceptions to a
	// rule, "DECISION/RULE" (ReasonUnneededException), not about the
	// decision: Decision and Blueprint are then empty.
	Exception string `json:"exception,omitempty"`
	// Title and Status are the decision's, from the registry.
	Title  string          `json:"title,omitempty"`
	Status decision.Status `json:"status,omitempty"`
	// Score ranks the list: the sum of the weights of Reasons.
	Score float64 `json:"score"`
	// Reasons are the reasons, the heaviest first.
	Reasons []RevisitReason `json:"reasons"`
}

// RevisitReason is one reason to revisit, with the signals behind it.
type RevisitReason struct {
	// Reason is which reason this is.
	Reason Reason `json:"reason"`
	// Summary says it in a sentence.
	Summary string `json:"summary"`
	// Value is the measure compared with Threshold: a rate, a number of
	// projects, a mean rating, days.
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	// Blueprint, File and Rule say where, when it applies.
	Blueprint string `json:"blueprint,omitempty"`
	File      string `json:"file,omitempty"`
	Rule      string `json:"rule,omitempty"`
	// Version, Part and Decision say, for ReasonBaselineFailure, which
	// version of Blueprint (and which included part of it) fails Rule of
	// which decision on a clean render.
	Version  string `json:"version,omitempty"`
	Part     string `json:"part,omitempty"`
	Decision string `json:"decision,omitempty"`
	// HunkID names the desire path of ReasonDesirePathAgainstRule.
	HunkID string `json:"hunkID,omitempty"`
	// Date is the date of a registry reason (revisit-by, decided), as
	// YYYY-MM-DD.
	Date string `json:"date,omitempty"`
	// Count is how many projects (or ratings) the reason rests on;
	// Projects lists the first MaxProjects.
	Count    int      `json:"count,omitempty"`
	Projects []string `json:"projects,omitempty"`
	// Signals lists the first MaxSignals signals behind the reason, and
	// SignalCount says how many there are. Registry reasons have none.
	Signals     []string `json:"signals"`
	SignalCount int      `json:"signalCount"`
}

// JSON writes the report as indented JSON, with a final newline.
func (r *Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("feedback: report: %w", err)
	}
	return nil
}

// Markdown writes the report for people: a summary, the revisit list with
// its reasons and the signals behind them, the decisions (checks,
// rollouts, trends, exceptions), the desire paths with an example hunk
// each, and the blueprints (versions, lag, upgrade conflicts, managed files
// edited). opts may be nil.
func (r *Report) Markdown(w io.Writer, opts *MarkdownOptions) error {
	m := &markdown{r: r}
	if opts != nil {
		m.o = *opts
	}
	m.summary()
	m.revisit()
	m.decisions()
	m.desirePaths()
	m.absorptions()
	m.blueprints()
	m.metrics()
	_, err := io.WriteString(w, m.b.String())
	return err
}

// MarkdownOptions configures Report.Markdown. The zero value, and a nil
// *MarkdownOptions, give the defaults.
type MarkdownOptions struct {
	// SignalURL, if set, links signal IDs: "{id}" in it is replaced by the
	// ID, as in "https://gp.example.com/signals/{id}". Default: IDs are not
	// links.
	SignalURL string
}

type markdown struct {
	r *Report
	o MarkdownOptions
	b strings.Builder
}

func (m *markdown) f(format string, args ...any) { fmt.Fprintf(&m.b, format, args...) }

func (m *markdown) summary() {
	r := m.r
	m.f("# Feedback report\n\n")
	m.f("Generated %s from %s", r.Generated.Format("2006-01-02 15:04 MST"), english.Count(r.Signals, "signal"))
	if !r.First.IsZero() {
		m.f(" made from %s to %s", dayString(r.First), dayString(r.Last))
	}
	m.f(" about %s", english.Count(r.Projects, "project"))
	if !r.Since.IsZero() || !r.Until.IsZero() {
		m.f(" (selected")
		if !r.Since.IsZero() {
			m.f(" since %s", dayString(r.Since))
		}
		if !r.Until.IsZero() {
			m.f(" until %s", dayString(r.Until))
		}
		m.f(")")
	}
	m.f(".\n\n")
	var names []string
	for _, v := range r.Revisit {
		names = append(names, fmt.Sprintf("%s (%g)", subjectOf(v), v.Score))
	}
	m.f("- **%d** to revisit", len(r.Revisit))
	if len(names) > 0 {
		m.f(": %s", strings.Join(names, ", "))
	}
	m.f("\n")
	m.f("- %s, %s, %s\n", bold(len(r.Decisions), "decision", "decisions"), bold(len(r.DesirePaths), "desire path", "desire paths"), bold(len(r.Blueprints), "blueprint", "blueprints"))
	if r.Skipped > 0 {
		m.f("- %s of the store skipped: %s\n", bold(r.Skipped, "line", "lines"), cell(strings.Join(r.SkipErrors, "; ")))
	}
	days := fmt.Sprintf("%g days", r.Settings.ProposedDays)
	if r.Settings.ProposedDays == 1 {
		days = "1 day"
	}
	m.f("- thresholds: patterns in %s, exemption rate above %s, mean rating under %g (of %s), proposed for more than %s, upgrade conflicts in %s",
		english.Count(r.Settings.MinProjects, "project"), pct(r.Settings.ExemptionRate), r.Settings.LowRating,
		english.Count(r.Settings.MinRatings, "rating"), days, english.Count(r.Settings.MinConflicts, "project"))
	if r.Settings.UnneededScans > 0 {
		m.f(", exceptions unneeded after %s", english.Count(r.Settings.UnneededScans, "passing scan"))
	}
	m.f("\n")
	if r.Settings.Registry != "" {
		m.f("- decisions from %s\n", r.Settings.Registry)
	}
	m.f("\n")
}

// markdownExamples is how many signal IDs of one reason the Markdown
// shows; the JSON form keeps every ID the report holds.
const markdownExamples = 5

// bold writes n in bold and the singular or the plural noun.
func bold(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("**%d** %s", n, one)
	}
	return fmt.Sprintf("**%d** %s", n, many)
}

func subjectOf(v Revisit) string {
	switch {
	case v.Decision != "":
		return v.Decision
	case v.Exception != "":
		return "exceptions to " + v.Exception
	}
	return "blueprint " + v.Blueprint
}

func (m *markdown) signals(ids []string, total int) string {
	if len(ids) == 0 {
		return "none"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		if u := m.o.SignalURL; u != "" {
			parts[i] = "[`" + id + "`](" + strings.ReplaceAll(u, "{id}", id) + ")"
		} else {
			parts[i] = "`" + id + "`"
		}
	}
	s := strings.Join(parts, ", ")
	if total > len(ids) {
		s += fmt.Sprintf(" (and %d more)", total-len(ids))
	}
	return s
}

func projectList(ps []string, total int) string {
	s := strings.Join(ps, ", ")
	if total > len(ps) {
		s += fmt.Sprintf(" (and %d more)", total-len(ps))
	}
	return s
}

func (m *markdown) revisit() {
	m.f("## Revisit\n\n")
	if len(m.r.Revisit) == 0 {
		m.f("Nothing to revisit.\n\n")
		return
	}
	for i, v := range m.r.Revisit {
		m.f("### %d. %s", i+1, subjectOf(v))
		if v.Title != "" {
			m.f(": %s", v.Title)
		}
		if v.Status != "" {
			m.f(" (%s)", v.Status)
		}
		m.f(" — score %g\n\n", v.Score)
		for _, rr := range v.Reasons {
			m.f("- **%s**: %s.\n", rr.Reason, rr.Summary)
			if len(rr.Projects) > 0 {
				m.f("  Projects: %s.\n", projectList(rr.Projects, rr.Count))
			}
			if rr.SignalCount > 0 {
				// Counts and a few examples: the JSON form lists them all.
				shown := rr.Signals[:min(len(rr.Signals), markdownExamples)]
				if rr.SignalCount == len(shown) {
					m.f("  Signals: %s.\n", m.signals(shown, len(shown)))
				} else {
					m.f("  %s, for example %s.\n", english.Count(rr.SignalCount, "signal"), m.signals(shown, len(shown)))
				}
			}
		}
		m.f("\n")
	}
}

func (m *markdown) decisions() {
	r := m.r
	m.f("## Decisions\n\n")
	if len(r.Decisions) == 0 {
		m.f("No decision was checked.\n\n")
		return
	}
	// Failures of enforced and of audit rules apart (warn rules' are
	// warnings), and how many of the failures are the blueprint's: the
	// rule fails on the clean render too.
	m.f("Failures are counted apart by the mode of their rule; \"on a clean render\" counts the checks not passing that fail on the blueprint's clean render too: the blueprint's, not the team's.\n\n")
	m.f("| decision | status | projects | checks | pass | fail (enforce) | fail (audit) | warn | exempt | error | on a clean render | pass rate | exempt rate | exceptions |\n")
	m.f("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, d := range r.Decisions {
		name := d.ID
		if d.Title != "" {
			name += ": " + d.Title
		}
		exc := fmt.Sprintf("%d active, %d expired", d.Exceptions.Active, d.Exceptions.Expired)
		if d.Exceptions.Unneeded > 0 {
			exc += fmt.Sprintf(", %d unneeded", d.Exceptions.Unneeded)
		}
		m.f("| %s | %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s | %s |\n",
			cell(name), d.Status, d.Subjects, d.Checks.Total, d.Checks.Pass, d.Checks.Fail-d.Modes.Audit.Fail, d.Modes.Audit.Fail,
			d.Checks.Warn, d.Checks.Exempt, d.Checks.Error, d.Checks.Baseline, rateCell(d.Checks, d.Rates.Pass),
			rateCell(d.Checks, d.Rates.Exempt), exc)
	}
	m.f("\n")

	// The rules behind the failures: which rule, in which mode, and how
	// many of its failures a clean render has too.
	var rules []string
	for _, d := range r.Decisions {
		for _, ru := range d.Rules {
			c := ru.Checks
			if c.Total == c.Pass {
				continue
			}
			rules = append(rules, fmt.Sprintf("| %s/%s | %s | %d | %d | %d | %d | %d | %d | %d |\n", d.ID, cell(ru.Name),
				cmp.Or(string(ru.Mode), "?"), c.Total, c.Pass, c.Fail, c.Warn, c.Exempt, c.Error, c.Baseline))
		}
	}
	if len(rules) > 0 {
		m.f("### Rules not passing everywhere\n\n")
		m.f("| rule | mode | projects | pass | fail | warn | exempt | error | on a clean render |\n")
		m.f("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		m.f("%s\n", strings.Join(rules, ""))
	}

	var rolls []string
	for _, d := range r.Decisions {
		for _, ro := range d.Rollouts {
			left := "enforced"
			if ro.DaysLeft > 0 {
				left = english.Count(ro.DaysLeft, "day") + " left"
			}
			rolls = append(rolls, fmt.Sprintf("| %s/%s | %s | %s (%s) | %d | %d | %s | %d | %s |\n",
				d.ID, cell(ro.Rule), ro.Mode, ro.EnforceFrom, left, ro.Subjects, ro.Passing,
				rateCell(Counts{Total: ro.Subjects}, ro.PassRate), ro.Exempt,
				cell(projectList(ro.NotPassing, ro.Subjects-ro.Passing-ro.Exempt))))
		}
	}
	if len(rolls) > 0 {
		m.f("### Rollouts\n\n")
		m.f("| rule | mode now | enforced from | projects | passing | pass rate | exempt | not passing |\n")
		m.f("| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n")
		m.f("%s\n", strings.Join(rolls, ""))
	}

	var windows []time.Time
	for _, d := range r.Decisions {
		for _, p := range d.Trend {
			if !slices.ContainsFunc(windows, p.Start.Equal) {
				windows = append(windows, p.Start)
			}
		}
	}
	slices.SortFunc(windows, time.Time.Compare)
	if len(windows) > 0 {
		m.f("### Trend\n\nPass rate of the checks made in each window (starting on the date shown).\n\n")
		m.f("| decision |")
		for _, w := range windows {
			m.f(" %s |", dayString(w))
		}
		m.f("\n| --- |%s\n", strings.Repeat(" ---: |", len(windows)))
		for _, d := range r.Decisions {
			if len(d.Trend) == 0 {
				continue
			}
			m.f("| %s |", d.ID)
			for _, w := range windows {
				i := slices.IndexFunc(d.Trend, func(p TrendPoint) bool { return p.Start.Equal(w) })
				if i < 0 {
					m.f(" – |")
				} else {
					m.f(" %s |", rateCell(d.Trend[i].Checks, d.Trend[i].PassRate))
				}
			}
			m.f("\n")
		}
		m.f("\n")
	}

	var exc []string
	for _, d := range r.Decisions {
		for _, e := range d.Exceptions.List {
			status := "expired"
			switch {
			case e.Unneeded:
				status = "active, unneeded"
			case e.Active:
				status = "active"
			}
			exc = append(exc, fmt.Sprintf("| %s/%s | %s | %s | %s | %s | %s | %s |\n", d.ID, cell(e.Rule),
				cell(e.Project), e.Expires, status, cell(e.Justification), cell(e.ApprovedBy), m.signals([]string{e.Signal}, 1)))
		}
	}
	if len(exc) > 0 {
		m.f("### Exceptions\n\n")
		m.f("| rule | project | expires | status | justification | approved by | signal |\n")
		m.f("| --- | --- | --- | --- | --- | --- | --- |\n")
		m.f("%s\n", strings.Join(exc, ""))
	}
}

func (m *markdown) desirePaths() {
	m.f("## Desire paths\n\n")
	if len(m.r.DesirePaths) == 0 {
		m.f("No edit was made in %s or more.\n\n", english.Count(m.r.Settings.MinProjects, "project"))
		return
	}
	for _, dp := range m.r.DesirePaths {
		m.f("### %s: `%s` — %s", dp.Blueprint, cmp.Or(dp.Example.Path, dp.File), english.Count(dp.Count, "project"))
		if dp.Level != "" {
			m.f(" (%s)", dp.Level)
		}
		m.f("\n\nHunk `%s`, made in %s.\n", dp.HunkID, projectList(dp.Projects, dp.Count))
		m.f("Example from %s", dp.Example.Project)
		if dp.Example.Path != "" && dp.Example.Path != dp.File {
			m.f(" (template `%s`)", dp.File)
		}
		m.f(", signal %s:\n\n", m.signals([]string{dp.Example.Signal}, 1))
		m.fence("diff", cmp.Or(dp.Example.Hunk, dp.Key))
	}
}

// fence writes text in a fenced code block, with a fence longer than any
// run of backticks in it.
func (m *markdown) fence(info, text string) {
	n, run := 3, 0
	for _, c := range text {
		if c == '`' {
			run++
			n = max(n, run+1)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", n)
	m.f("%s%s\n%s\n%s\n\n", f, info, strings.TrimRight(text, "\n"), f)
}

func (m *markdown) blueprints() {
	r := m.r
	m.f("## Blueprints\n\n")
	if len(r.Blueprints) == 0 {
		m.f("No blueprint was seen.\n\n")
		return
	}
	m.f("| blueprint | projects | versions | latest | behind | mean lag | max lag | mean days behind | rating |\n")
	m.f("| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, b := range r.Blueprints {
		var vs []string
		for _, v := range b.Versions {
			vs = append(vs, fmt.Sprintf("%s: %d", cmp.Or(v.Version, "?"), v.Projects))
		}
		latest, behind, mean, maxv, days := "", "", "", "", ""
		if l := b.Lag; l != nil {
			latest = l.Latest
			behind = fmt.Sprintf("%d of %d", l.Behind, l.Projects)
			mean = strconv.FormatFloat(l.MeanVersions, 'f', 1, 64)
			maxv = strconv.FormatFloat(l.MaxVersions, 'f', -1, 64)
			if l.DaysKnown > 0 {
				days = strconv.FormatFloat(l.MeanDays, 'f', 0, 64)
			}
		}
		rating := ""
		if b.Ratings != nil {
			rating = fmt.Sprintf("%.1f (%d)", b.Ratings.Mean, b.Ratings.Count)
		}
		m.f("| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", cell(b.Name), b.Projects, cell(strings.Join(vs, ", ")),
			latest, behind, mean, maxv, days, rating)
	}
	m.f("\n")

	var conflicts, managed []string
	for _, b := range r.Blueprints {
		for _, c := range b.Conflicts {
			conflicts = append(conflicts, fmt.Sprintf("| %s | `%s` | %d | %d | %d | %s |\n", cell(b.Name), cell(c.File),
				c.Count, c.Conflicts, c.Merged, cell(projectList(c.Projects, c.Count))))
		}
		for _, e := range b.ManagedEdits {
			managed = append(managed, fmt.Sprintf("| %s | `%s` | %d | %s |\n", cell(b.Name), cell(e.File),
				e.Count, cell(projectList(e.Projects, e.Count))))
		}
	}
	if len(conflicts) > 0 {
		m.f("### Upgrade conflicts\n\n| blueprint | file | projects | conflicts | merged | in |\n| --- | --- | ---: | ---: | ---: | --- |\n%s\n",
			strings.Join(conflicts, ""))
		for _, b := range r.Blueprints {
			for _, c := range b.Conflicts {
				if c.Example != nil && c.Example.Hunk != "" && c.Count >= r.Settings.MinConflicts {
					m.f("Conflict in %s `%s`, example from %s", b.Name, c.File, c.Example.Project)
					if c.Example.From != "" || c.Example.To != "" {
						m.f(" (%s to %s)", c.Example.From, c.Example.To)
					}
					m.f(", signal %s:\n\n", m.signals([]string{c.Example.Signal}, 1))
					m.fence("diff", c.Example.Hunk)
				}
			}
		}
	}
	if len(managed) > 0 {
		m.f("### Managed files edited\n\n| blueprint | file | projects | in |\n| --- | --- | ---: | --- |\n%s\n", strings.Join(managed, ""))
	}
}

func (m *markdown) metrics() {
	if len(m.r.Metrics) == 0 {
		return
	}
	m.f("## Metrics\n\n| blueprint | metric | unit | count | mean | min | max |\n| --- | --- | --- | ---: | ---: | ---: | ---: |\n")
	for _, x := range m.r.Metrics {
		m.f("| %s | %s | %s | %d | %s | %s | %s |\n", cell(x.Blueprint), cell(x.Name), cell(x.Unit), x.Count,
			num(x.Mean), num(x.Min), num(x.Max))
	}
	m.f("\n")
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

func dayString(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// rateCell formats a share as a percentage; a dash when there is no check.
func rateCell(c Counts, v float64) string {
	if c.Total == 0 {
		return "–"
	}
	return pct(v)
}

func pct(v float64) string {
	return strconv.FormatFloat(math.Round(1000*v)/10, 'f', -1, 64) + "%"
}

// cell makes text fit in a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", " ")
}
