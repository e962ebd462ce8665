package decision

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/token"

	globs "github.com/goldenpath-dev/goldenpath/internal/glob"
)

// Mode is what a failing rule does.
type Mode string

// The modes of a rule.
const (
	// Audit failures are recorded (in the plan, the manifest and reports)
	// and not shown as warnings.
	Audit Mode = "audit"
	// Warn failures are reported to the person rendering or checking.
	Warn Mode = "warn"
	// Enforce failures refuse the plan, and fail a check.
	Enforce Mode = "enforce"
)

// Modes returns the modes, weakest first, in a new slice.
func Modes() []Mode { return []Mode{Audit, Warn, Enforce} }

// Valid reports whether m is one of [Modes].
func (m Mode) Valid() bool { return slices.Contains(Modes(), m) }

// Severity is how much a failure of a rule matters, for reports; the Mode
// decides what a failure does.
type Severity string

// The severities, least first.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities returns the severities, least first, in a new slice.
func Severities() []Severity { return []Severity{Low, Medium, High, Critical} }

// Valid reports whether s is one of [Severities].
func (s Severity) Valid() bool { return slices.Contains(Severities(), s) }

// Kind is what a rule checks.
type Kind string

// The kinds of rule. Params rules check a blueprint's resolved parameters;
// the others check the rendered tree.
const (
	// Params rules unify a CUE value with the resolved parameters; the
	// result must be concrete and free of conflicts.
	Params Kind = "params"
	// Exists rules need at least one file matching a glob.
	Exists Kind = "exists"
	// Absent rules need no file matching a glob.
	Absent Kind = "absent"
	// Matches rules need every file matching a glob to match a regular
	// expression.
	Matches Kind = "matches"
	// NotMatches rules need no file matching a glob to match a regular
	// expression.
	NotMatches Kind = "notMatches"
	// Unify rules need every YAML or JSON document in the files matching a
	// glob (and, with where, unifying with a selector) to unify with a CUE
	// value into a concrete value.
	Unify Kind = "unify"
)

// Step is a scheduled change of a rule's mode.
type Step struct {
	// From is the first day of the new mode.
	From time.Time
	// Mode is the mode from then on.
	Mode Mode
}

// MarshalJSON writes the step with its date as YYYY-MM-DD.
func (s Step) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		From string `json:"from"`
		Mode Mode   `json:"mode"`
	}{formatDate(s.From), s.Mode})
}

// UnmarshalJSON reads the form MarshalJSON writes, so that reports holding
// steps decode back.
func (s *Step) UnmarshalJSON(b []byte) error {
	var raw struct {
		From string `json:"from"`
		Mode Mode   `json:"mode"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	from, err := time.Parse(time.DateOnly, raw.From)
	if err != nil {
		return fmt.Errorf("step: from: %w", err)
	}
	s.From, s.Mode = from, raw.Mode
	return nil
}

// Rule is one rule of a decision: a regular top-level field of a cue block.
// Rules are immutable and safe for concurrent use.
type Rule struct {
	// Decision is the ID of the decision the rule belongs to.
	Decision string `json:"decision"`
	// Name is the rule's field name, unique within its decision.
	Name string `json:"name"`
	// Message says what the rule requires, for findings; empty when the
	// rule gives none.
	Message string `json:"message,omitempty"`
	// Severity is the rule's severity; default medium.
	Severity Severity `json:"severity"`
	// Mode is the mode before any scheduled step; default warn.
	Mode Mode `json:"mode"`
	// Schedule lists the mode changes, earliest first.
	Schedule []Step `json:"schedule,omitempty"`
	// Kind is what the rule checks.
	Kind Kind `json:"kind"`
	// Glob selects the files of tree rules, relative to the root of the
	// blueprint's part of the project ("**" spans directories).
	Glob string `json:"files,omitempty"`
	// Pattern is the regular expression of Matches and NotMatches rules.
	Pattern string `json:"pattern,omitempty"`
	// Constraint is the CUE of Params and Unify rules, formatted.
	Constraint string `json:"constraint,omitempty"`
	// Where is the CUE selector of Unify rules, formatted; empty when every
	// document is checked.
	Where string `json:"where,omitempty"`
	// Pos is where the rule is declared in the decision file.
	Pos Position `json:"pos"`

	re    *regexp.Regexp
	block int    // index of the cue block in the decision
	src   string // the block, padded so that its lines are the file's
	file  string
}

// ModeAt returns the rule's mode on the day of t: the mode of the latest
// schedule step that has begun, or Mode.
func (r *Rule) ModeAt(t time.Time) Mode {
	m := r.Mode
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for _, s := range r.Schedule {
		if !day.Before(s.From) {
			m = s.Mode
		}
	}
	return m
}

// EverEnforced reports whether the rule is enforced at t or will be by its
// schedule.
func (r *Rule) EverEnforced(t time.Time) bool {
	if r.ModeAt(t) == Enforce {
		return true
	}
	for _, s := range r.Schedule {
		if s.From.After(t) && s.Mode == Enforce {
			return true
		}
	}
	return false
}

// Tree reports whether the rule checks the rendered tree rather than the
// parameters.
func (r *Rule) Tree() bool { return r.Kind != Params }

// String returns "ID/name".
func (r *Rule) String() string { return r.Decision + "/" + r.Name }

// ruleKeys are the fields a rule may have.
var ruleKeys = []string{"message", "severity", "mode", "schedule", "params", "exists", "absent", "files", "matches", "notMatches", "unify", "where"}

// parseRules compiles the cue blocks of d and reads their rules.
func parseRules(ctx *cue.Context, d *Decision, blocks []block) []Problem {
	var probs []Problem
	bi := -1
	for _, b := range blocks {
		if b.info != "cue" {
			continue
		}
		bi++
		src := strings.Repeat("\n", b.line-1) + b.text
		v := ctx.CompileString(src, cue.Filename(d.File))
		if err := v.Err(); err != nil {
			probs = append(probs, cueProblems(d, err, Syntax, "rule block")...)
			continue
		}
		it, err := v.Fields()
		if err != nil {
			probs = append(probs, problemf(Position{Filename: d.File, Line: b.line, Column: 1}, d.ID, Syntax, "a cue rule block must be a struct of rules"))
			continue
		}
		for it.Next() {
			name := it.Selector().Unquoted()
			r, p := readRule(d, name, it.Value())
			probs = append(probs, p...)
			if r == nil {
				continue
			}
			if d.Rule(name) != nil {
				probs = append(probs, problemf(r.Pos, d.ID, Field, "rule %q is declared twice", name))
				continue
			}
			r.block, r.src, r.file = bi, src, d.File
			d.Rules = append(d.Rules, r)
		}
	}
	return probs
}

func readRule(d *Decision, name string, v cue.Value) (*Rule, []Problem) {
	r := &Rule{Decision: d.ID, Name: name, Severity: Medium, Mode: Warn, Pos: posOr(v, d.Pos)}
	var probs []Problem
	bad := func(at cue.Value, format string, args ...any) {
		probs = append(probs, problemf(posOr(at, r.Pos), d.ID, Field, "rule %s: "+format, append([]any{name}, args...)...))
	}
	if v.IncompleteKind() != cue.StructKind {
		bad(v, "want a struct with a check (params, exists, absent or files)")
		return nil, probs
	}
	// The regular fields, read once: each lookup of a value costs an
	// evaluation context, and a rule asks for a dozen fields.
	present := map[string]bool{}
	it, _ := v.Fields(cue.Optional(true))
	for it.Next() {
		k := it.Selector().Unquoted()
		if !slices.Contains(ruleKeys, k) {
			bad(it.Value(), "unknown field %q (want one of %s)", k, strings.Join(ruleKeys, ", "))
		}
		if !it.IsOptional() {
			present[k] = true
		}
	}
	str := func(key string) (string, cue.Value, bool) {
		if !present[key] {
			return "", cue.Value{}, false
		}
		f := v.LookupPath(cue.MakePath(cue.Str(key)))
		if !f.Exists() {
			return "", f, false
		}
		s, err := f.String()
		if err != nil {
			bad(f, "%s: want a concrete string", key)
			return "", f, false
		}
		return s, f, true
	}
	if s, _, ok := str("message"); ok {
		r.Message = strings.TrimSpace(s)
	}
	if s, f, ok := str("severity"); ok {
		if r.Severity = Severity(s); !r.Severity.Valid() {
			bad(f, "unknown severity %q (want low, medium, high or critical)", s)
		}
	}
	if s, f, ok := str("mode"); ok {
		if r.Mode = Mode(s); !r.Mode.Valid() {
			bad(f, "unknown mode %q (want audit, warn or enforce)", s)
		}
	}
	if present["schedule"] {
		sch := v.LookupPath(cue.MakePath(cue.Str("schedule")))
		sit, err := sch.Fields()
		if err != nil {
			bad(sch, "schedule: want a struct of dates and modes, such as {\"2026-07-01\": \"enforce\"}")
		}
		for err == nil && sit.Next() {
			day, derr := parseISODate(sit.Selector().Unquoted())
			m, merr := sit.Value().String()
			switch {
			case derr != nil:
				bad(sit.Value(), "schedule: %q is not a date (want YYYY-MM-DD)", sit.Selector().Unquoted())
			case merr != nil || !Mode(m).Valid():
				bad(sit.Value(), "schedule %s: want audit, warn or enforce", sit.Selector().Unquoted())
			default:
				r.Schedule = append(r.Schedule, Step{From: day, Mode: Mode(m)})
			}
		}
		slices.SortFunc(r.Schedule, func(a, b Step) int { return a.From.Compare(b.From) })
	}

	has := func(k string) bool { return present[k] }
	var targets []string
	for _, k := range []string{"params", "exists", "absent", "files"} {
		if has(k) {
			targets = append(targets, k)
		}
	}
	if len(targets) != 1 {
		bad(v, "want exactly one of params, exists, absent and files, found %d", len(targets))
		return nil, probs
	}
	constraint := func(key string) (string, bool) {
		f := v.LookupPath(cue.MakePath(cue.Str(key)))
		// A constraint may be incomplete on its own ("if tier == ...")
		// until it meets the data; only real conflicts are errors.
		if err := f.Validate(); err != nil || (f.Err() != nil && !cue.IsIncomplete(f.Err())) {
			if err == nil {
				err = f.Err()
			}
			probs = append(probs, cueProblems(d, err, Field, "rule "+name+": "+key)...)
			return "", false
		}
		return formatValue(f), true
	}
	glob := func(key string) bool {
		s, f, ok := str(key)
		if !ok {
			return false
		}
		if err := globs.Check(s); err != nil {
			bad(f, "%s: %v", key, err)
			return false
		}
		r.Glob = s
		return true
	}
	switch targets[0] {
	case "params":
		r.Kind = Params
		r.Constraint, _ = constraint("params")
		for _, k := range []string{"matches", "notMatches", "unify", "where"} {
			if has(k) {
				bad(v, "%s goes with files, not with params", k)
			}
		}
	case "exists", "absent":
		r.Kind = Kind(targets[0])
		glob(targets[0])
		for _, k := range []string{"matches", "notMatches", "unify", "where"} {
			if has(k) {
				bad(v, "%s goes with files, not with %s", k, targets[0])
			}
		}
	case "files":
		glob("files")
		var checks []string
		for _, k := range []string{"matches", "notMatches", "unify"} {
			if has(k) {
				checks = append(checks, k)
			}
		}
		if len(checks) != 1 {
			bad(v, "files needs exactly one of matches, notMatches and unify, found %d", len(checks))
			return nil, probs
		}
		r.Kind = Kind(checks[0])
		switch r.Kind {
		case Matches, NotMatches:
			if s, f, ok := str(string(r.Kind)); ok {
				re, err := regexp.Compile(s)
				if err != nil {
					bad(f, "%s: %v", r.Kind, err)
				}
				r.Pattern, r.re = s, re
			}
		case Unify:
			r.Constraint, _ = constraint("unify")
			if has("where") {
				r.Where, _ = constraint("where")
			}
		}
		if r.Kind != Unify && has("where") {
			bad(v, "where goes with unify")
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return r, nil
}

// formatValue formats the CUE of v as written, for display.
func formatValue(v cue.Value) string {
	n := v.Source()
	if n == nil {
		n = v.Syntax(cue.Raw())
	}
	if f, ok := n.(*ast.Field); ok {
		n = f.Value
	}
	if s, ok := n.(*ast.StructLit); ok && !s.Lbrace.IsValid() && len(s.Elts) == 1 {
		n = s.Elts[0] // written without braces: "unify: spec: replicas: >=2"
	}
	b, err := format.Node(n, format.Simplify())
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(string(b))
}

func toPos(p token.Pos) Position {
	if !p.IsValid() {
		return Position{}
	}
	return Position{Filename: p.Filename(), Line: p.Line(), Column: p.Column()}
}

// posOr returns v's position, or def when v has none.
func posOr(v cue.Value, def Position) Position {
	if p := toPos(v.Pos()); p.IsValid() {
		return p
	}
	return def
}
