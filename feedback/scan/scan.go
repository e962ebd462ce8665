package scan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/internal/diff"
	"github.com/goldenpath-dev/goldenpath/internal/values"
	"github.com/goldenpath-dev/goldenpath/render"
)

// Options configures Project. The zero value, and a nil *Options, give
// the defaults: drift and exceptions only.
type Options struct {
	// Project identifies the project in signals. Default: the base name of
	// the project's directory.
	Project string
	// Owner is the team owning the project. Default: the value of the
	// project's "team" parameter, if it has one.
	Owner string
	// Blueprint is the blueprint version the project's manifest records.
	// Nil loads the recorded source with blueprint.Load and Load.
	Blueprint *blueprint.Blueprint
	// Load configures loading the recorded source.
	Load *blueprint.Options
	// Engine renders the recorded version for drift. Nil uses a default
	// Engine, which knows the built-in renderers only: a project rendered
	// with custom renderers (render.Options.Renderers, Suffixes) must be
	// scanned with an Engine configured the same way, or its drift fails to
	// render. Its decisions, if any, are not used: see Registry.
	Engine *render.Engine
	// Registry, when set, evaluates the decisions in force against the
	// project (render.Project.Evaluate): one rule signal per rule.
	Registry *decision.Registry
	// Catalog, when set, gives upgrade lag: how many released versions of
	// the project's blueprint are newer than the recorded one.
	Catalog *blueprint.Catalog
	// Recorder stamps the signals. Nil uses the defaults.
	Recorder *feedback.Recorder
	// Now is the clock rule schedules and exception expiry are compared
	// with. Nil means the Recorder's clock, or time.Now.
	Now func() time.Time
	// Context is the number of context lines of drift hunks. Default 0:
	// a hunk holds only the changed lines, so that the same edit in two
	// projects is the same hunk.
	Context int
}

// Project observes the project p and returns its signals:
//
//   - drift: for every file the manifest records that differs from a fresh
//     render of the recorded blueprint and parameters, one signal per hunk
//     (or one for a removed or binary file). Managed files' drift has
//     feedback.ResultFail; shared files' drift has no result — it is the evidence of
//     desire paths; seeded files are the team's and give none. Each hunk
//     carries its normalised form in Labels["hunk.key"] (changed lines only,
//     whitespace collapsed, the project's own parameter values replaced by
//     {{.path}}), so that the same edit made in many projects groups.
//   - rule: with opts.Registry, for every rule of the decisions in force,
//     one pass signal, or one signal per finding (up to ten) — fail (warn
//     for rules in warn mode), exempt or error — with the offending file
//     and line as evidence.
//   - exception: one per exception in the project's
//     .goldenpath/exceptions.yaml, exempt while active, fail once expired.
//   - lag: with opts.Catalog, the number of newer released versions.
//   - upgrade: one per conflict an upgrade left and that is not resolved
//     (render.Project.Conflicts), feedback.ResultWarn with
//     Labels["change"] "unresolved". A file that still holds conflict
//     markers gives no drift: the markers are the upgrade's, not an edit.
//
// docs/feedback.md lists the labels of each. Project writes nothing, and
// reads the project's manifest and exceptions from p, as opened: a project
// opened with render.OpenProjectFS while an interrupted apply was pending
// was refused then, so no signal is ever made from a mix of two versions.
func Project(ctx context.Context, p *render.Project, opts *Options) ([]feedback.Signal, error) {
	if opts == nil {
		opts = &Options{}
	}
	m, dir := p.Manifest(), p.Dir()
	clock := opts.Now
	if clock == nil && opts.Recorder != nil {
		clock = opts.Recorder.Now
	}
	if clock == nil {
		clock = time.Now
	}
	now := clock()
	params, err := values.DecodeJSON(m.Parameters)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", dir, err)
	}
	// One time for the whole scan: aggregation tells scans apart by time.
	at := time.Now()
	if opts.Recorder != nil && opts.Recorder.Now != nil {
		at = opts.Recorder.Now()
	}
	sc := &scanner{at: at, p: p, m: m, rec: opts.Recorder, params: params}
	sc.subject = feedback.Subject{Project: opts.Project, Dir: dir, Owner: opts.Owner, Blueprint: m.Blueprint.Name, Version: m.Blueprint.Version}
	if sc.subject.Project == "" {
		sc.subject.Project = filepath.Base(filepath.Clean(dir))
	}
	if sc.subject.Owner == "" {
		if team, ok := params["team"].(string); ok {
			sc.subject.Owner = team
		}
	}

	// Files still holding an upgrade's conflict markers give no drift:
	// the markers are the upgrade's, not the team's edit.
	pending, err := p.Conflicts()
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", dir, err)
	}
	for _, c := range pending {
		if c.Markers {
			if sc.marked == nil {
				sc.marked = map[string]bool{}
			}
			sc.marked[c.Path] = true
		}
	}

	bp := opts.Blueprint
	if bp == nil {
		if bp, err = blueprint.Load(ctx, m.Blueprint.Source, opts.Load); err != nil {
			return nil, fmt.Errorf("scan %s: loading the recorded blueprint %s: %w", dir, m.Blueprint.Source, err)
		}
	}
	if err := sc.drift(ctx, bp, opts); err != nil {
		return nil, fmt.Errorf("scan %s: drift: %w", dir, err)
	}
	for _, c := range pending {
		sc.unresolved(c)
	}
	if opts.Registry != nil {
		rep, err := p.Evaluate(ctx, opts.Registry, &render.EvaluateOptions{Now: func() time.Time { return now }, Blueprint: bp})
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", dir, err)
		}
		sc.rules(rep)
	}
	for _, x := range p.Exceptions() {
		sc.exception(x, now)
	}
	if opts.Catalog != nil {
		sc.lag(opts.Catalog, now)
	}
	return sc.out, nil
}

type scanner struct {
	at      time.Time // every signal of one scan has this time
	p       *render.Project
	m       *render.Manifest
	rec     *feedback.Recorder
	params  map[string]any
	subject feedback.Subject
	marked  map[string]bool // files holding an upgrade's conflict markers
	out     []feedback.Signal
}

func (sc *scanner) signal(src feedback.Source) feedback.Signal {
	return sc.rec.Stamp(feedback.Signal{Source: src, Subject: sc.subject, Time: sc.at})
}

// drift compares every recorded file with a fresh render (Engine.Drift).
func (sc *scanner) drift(ctx context.Context, bp *blueprint.Blueprint, opts *Options) error {
	e := opts.Engine
	if e == nil {
		var err error
		if e, err = render.New(nil); err != nil {
			return err
		}
	}
	replacer := paramReplacer(sc.params)
	for d, err := range e.Drift(ctx, bp, sc.p) {
		if err != nil {
			return err
		}
		f := d.File
		switch {
		case f.Level == blueprint.Seeded || d.Change == render.Unchanged || sc.marked[f.Path]:
			continue
		case d.Change == render.Added:
			s := sc.driftSignal(f, "removed")
			s.Evidence.Message = fmt.Sprintf("%s %s was deleted in the project", f.Level, f.Path)
			sc.out = append(sc.out, s)
			continue
		case d.Got != nil && bytes.Equal(d.Got, d.Want):
			continue // only the mode changed: no edit to learn from
		case d.Got == nil:
			// Another kind of file in its place.
			s := sc.driftSignal(f, "changed")
			s.Evidence.Message = fmt.Sprintf("%s file %s: %s", f.Level, f.Path, d.Note)
			sc.out = append(sc.out, s)
			continue
		case d.Binary:
			s := sc.driftSignal(f, "changed")
			s.Evidence.Message = fmt.Sprintf("binary %s file %s differs from the blueprint", f.Level, f.Path)
			sc.out = append(sc.out, s)
			continue
		}
		for _, h := range diff.Hunks(d.Want, d.Got, opts.Context) {
			s := sc.driftSignal(f, "changed")
			s.Evidence.Hunk = h.String()
			s.Evidence.Line = h.NewStart
			key := hunkKey(h, replacer)
			sum := sha256.Sum256([]byte(key))
			s.Labels["hunk.key"] = key
			s.Labels["hunk.id"] = hex.EncodeToString(sum[:8])
			s.Evidence.Message = fmt.Sprintf("%s file %s edited in the project at line %d", f.Level, f.Path, h.NewStart)
			sc.out = append(sc.out, s)
		}
	}
	return nil
}

// unresolved records that a file is in a conflict an upgrade left and that
// is not resolved: an upgrade signal, warn, labelled change=unresolved.
func (sc *scanner) unresolved(c render.FileConflict) {
	s := sc.signal(feedback.SourceUpgrade)
	s.File = c.Path
	if f, ok := sc.m.File(c.Path); ok && f.Template != "" {
		s.File = f.Template
		if f.Template != c.Path {
			s.Evidence.Path = c.Path
		}
	}
	s.Result = feedback.ResultWarn
	s.Labels = map[string]string{"change": "unresolved", "upgrade": c.Upgrade}
	if len(c.Keys) > 0 {
		s.Labels["key"] = c.Keys[0]
	}
	if c.Markers && len(c.Lines) > 0 {
		s.Evidence.Line = c.Lines[0]
	}
	s.Evidence.Message = fmt.Sprintf("%s is in an unresolved conflict since the upgrade to %s: %s", c.Path, c.Upgrade, c.Where())
	sc.out = append(sc.out, s)
}

func (sc *scanner) driftSignal(f render.File, change string) feedback.Signal {
	s := sc.signal(feedback.SourceDrift)
	s.File = f.Template
	if f.Path != f.Template {
		s.Evidence.Path = f.Path
	}
	s.Labels = map[string]string{"level": string(f.Level), "change": change}
	if f.Part != "" {
		s.Labels["part"] = f.Part
	}
	if f.Level == blueprint.Managed {
		s.Result = feedback.ResultFail
	}
	return s
}

// hunkKey is the normalised form of a hunk: its changed lines, whitespace
// collapsed, the project's own parameter values replaced by placeholders.
func hunkKey(h diff.Hunk, r *strings.Replacer) string {
	var b strings.Builder
	for _, l := range h.Lines {
		if l.Kind == diff.Context {
			continue
		}
		text := strings.Join(strings.Fields(l.Text), " ")
		if r != nil {
			text = r.Replace(text)
		}
		b.WriteByte(byte(l.Kind))
		b.WriteString(text)
		b.WriteByte('\n')
	}
	return b.String()
}

// paramReplacer replaces the project's string parameter values of three
// characters or more by {{.path}}, longest first.
func paramReplacer(params map[string]any) *strings.Replacer {
	type pair struct{ value, path string }
	var pairs []pair
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, x)
			}
		case string:
			if len(v) >= 3 {
				pairs = append(pairs, pair{v, prefix})
			}
		}
	}
	walk("", params)
	if len(pairs) == 0 {
		return nil
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if d := len(b.value) - len(a.value); d != 0 {
			return d
		}
		return strings.Compare(a.path, b.path)
	})
	var args []string
	for _, p := range pairs {
		args = append(args, p.value, "{{."+p.path+"}}")
	}
	return strings.NewReplacer(args...)
}

// rules turns a decisions report into one signal per rule.
func (sc *scanner) rules(rep *decision.Report) {
	findings := map[[2]string][]decision.Finding{}
	for _, f := range rep.Findings {
		k := [2]string{f.Decision, f.Rule}
		findings[k] = append(findings[k], f)
	}
	result := func(r decision.Result, mode decision.Mode) (feedback.Result, bool) {
		switch r {
		case decision.Pass:
			return feedback.ResultPass, true
		case decision.Fail:
			if mode == decision.Warn {
				return feedback.ResultWarn, true
			}
			return feedback.ResultFail, true
		case decision.Exempt:
			return feedback.ResultExempt, true
		case decision.Error:
			return feedback.ResultError, true
		}
		return "", false // skipped: the rule does not apply
	}
	for _, c := range rep.Checks {
		res, ok := result(c.Result, c.Mode)
		if !ok {
			continue
		}
		fs := findings[[2]string{c.Decision, c.Rule}]
		if len(fs) == 0 {
			s := sc.signal(feedback.SourceRule)
			s.Decision, s.Rule, s.Mode, s.Severity, s.Result = c.Decision, c.Rule, c.Mode, c.Severity, res
			sc.out = append(sc.out, s)
			continue
		}
		// One signal per finding, so that every offending file is evidence
		// (a desire path in it can be matched to the rule); at most
		// maxRuleFindings of them, the count in each.
		for _, f := range fs[:min(len(fs), maxRuleFindings)] {
			fres, ok := result(f.Result, c.Mode)
			if !ok {
				fres = res
			}
			s := sc.signal(feedback.SourceRule)
			s.Decision, s.Rule, s.Mode, s.Severity, s.Result = c.Decision, c.Rule, c.Mode, c.Severity, fres
			s.Evidence.Message = f.Message
			s.Evidence.Path = f.File
			s.Evidence.Line = f.Pos.Line
			s.Labels = map[string]string{"findings": strconv.Itoa(len(fs))}
			if f.Field != "" {
				s.Labels["field"] = f.Field
			}
			if f.RulePos.Filename != "" {
				s.Labels["rulePos"] = fmt.Sprintf("%s:%d", path.Base(filepath.ToSlash(f.RulePos.Filename)), f.RulePos.Line)
			}
			if f.Exception != nil {
				s.Labels["exception.expires"] = f.Exception.Expires.Format(time.DateOnly)
			}
			sc.out = append(sc.out, s)
		}
	}
}

// maxRuleFindings bounds the rule signals of one rule in one scan.
const maxRuleFindings = 10

// exception records one exception, active or expired.
func (sc *scanner) exception(x decision.Exception, now time.Time) {
	s := sc.signal(feedback.SourceException)
	s.Decision, s.Rule = x.Decision, x.Rule
	s.Evidence.Message = x.Justification
	s.Labels = map[string]string{
		"expires":     x.Expires.Format(time.DateOnly),
		"requestedBy": x.RequestedBy,
		"approvedBy":  x.ApprovedBy,
	}
	if x.Active(now) {
		s.Result, s.Labels["status"] = feedback.ResultExempt, "active"
	} else {
		s.Result, s.Labels["status"] = feedback.ResultFail, "expired"
	}
	sc.out = append(sc.out, s)
}

// lag counts the released versions newer than the recorded one.
func (sc *scanner) lag(c *blueprint.Catalog, now time.Time) {
	versions := c.Versions(sc.m.Blueprint.Name)
	if len(versions) == 0 {
		return
	}
	behind := 0
	latest := sc.m.Blueprint.Version
	var since time.Time // the release of the first newer version, when known
	for _, v := range versions {
		if blueprint.CompareVersions(v.Version, sc.m.Blueprint.Version) > 0 {
			behind++
			if t, err := time.Parse(time.DateOnly, v.Released); err == nil && (since.IsZero() || t.Before(since)) {
				since = t
			}
		}
		if blueprint.CompareVersions(v.Version, latest) > 0 {
			latest = v.Version
		}
	}
	s := sc.signal(feedback.SourceLag)
	n := float64(behind)
	s.Value, s.Unit = &n, "versions"
	s.Labels = map[string]string{"latest": latest}
	s.Evidence.Message = fmt.Sprintf("%s %s is %d version(s) behind %s", sc.m.Blueprint.Name, sc.m.Blueprint.Version, behind, latest)
	if !since.IsZero() && now.After(since) {
		days := int(now.Sub(since).Hours() / 24)
		s.Labels["days"] = strconv.Itoa(days)
		s.Evidence.Message += fmt.Sprintf(", released %d day(s) ago", days)
	}
	sc.out = append(sc.out, s)
}

// Upgrade turns an upgrade's result into signals about subject, one per
// file whose outcome says something about the blueprint, with the outcome
// in Labels["change"]:
//
//   - conflict: feedback.ResultFail, the first conflict as a hunk;
//   - merged: feedback.ResultPass, merged cleanly;
//   - overwritten: feedback.ResultWarn, a managed file edited in the project
//     and replaced (the edit is kept under .goldenpath/overwritten/);
//   - kept-removed: feedback.ResultWarn, a file the project deleted that
//     stays deleted.
//
// They show which blueprint files teams and upgrades collide in. Unchanged,
// updated, added and removed files give none. A dry run's result gives
// signals too: record only the results of upgrades that wrote.
func Upgrade(rec *feedback.Recorder, subject feedback.Subject, res *render.UpgradeResult) []feedback.Signal {
	templates := map[string]string{}
	if res.Manifest != nil {
		for _, f := range res.Manifest.Files {
			templates[f.Path] = f.Template
		}
	}
	if subject.Blueprint == "" {
		subject.Blueprint = res.To.Name
	}
	if subject.Version == "" {
		subject.Version = res.From.Version
	}
	var out []feedback.Signal
	for _, f := range res.Files {
		switch f.Change {
		case render.Conflicted, render.Merged, render.Overwritten, render.KeptRemoved:
		default:
			continue
		}
		s := rec.New(feedback.SourceUpgrade, subject)
		s.File = templates[f.Path]
		if s.File == "" {
			s.File = f.Path
		} else if s.File != f.Path {
			s.Evidence.Path = f.Path
		}
		s.Labels = map[string]string{"from": res.From.Version, "to": res.To.Version, "level": string(f.Level), "change": string(f.Change)}
		switch f.Change {
		case render.Merged:
			s.Result = feedback.ResultPass
			s.Evidence.Message = fmt.Sprintf("%s merged cleanly from %s to %s", f.Path, res.From.Version, res.To.Version)
		case render.Overwritten:
			s.Result = feedback.ResultWarn
			s.Evidence.Message = fmt.Sprintf("managed file %s was edited in the project and replaced by %s %s", f.Path, res.To.Name, res.To.Version)
			if f.Saved != "" {
				s.Evidence.Message += "; the edit is kept in " + f.Saved
			}
		case render.KeptRemoved:
			s.Result = feedback.ResultWarn
			s.Evidence.Message = fmt.Sprintf("%s was deleted in the project and stays deleted in %s %s", f.Path, res.To.Name, res.To.Version)
		default:
			s.Result = feedback.ResultFail
			s.Evidence.Message = fmt.Sprintf("%s conflicts between the project and %s %s", f.Path, res.To.Name, res.To.Version)
			if f.Note != "" {
				s.Evidence.Message += ": " + f.Note
			}
			if len(f.Conflicts) > 0 {
				c := f.Conflicts[0]
				s.Evidence.Line = c.Line
				s.Evidence.Hunk = conflictHunk(c)
				if c.Key != "" {
					s.Labels["key"] = c.Key
				}
			}
		}
		out = append(out, s)
	}
	return out
}

// conflictHunk shows a conflict as the project's lines against upstream's.
func conflictHunk(c render.Conflict) string {
	var b strings.Builder
	for _, l := range diff.SplitLines([]byte(c.Project)) {
		b.WriteString("-" + strings.TrimSuffix(string(l), "\n") + "\n")
	}
	for _, l := range diff.SplitLines([]byte(c.Upstream)) {
		b.WriteString("+" + strings.TrimSuffix(string(l), "\n") + "\n")
	}
	return b.String()
}
