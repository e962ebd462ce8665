package scan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
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
	"github.com/goldenpath-dev/goldenpath/internal/english"
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
//     one pass signal, or one signal per failing file (up to ten) — fail
//     (warn for rules in warn mode), exempt or error — with the offending
//     file as the project has it and the line as evidence, and the part in
//     Labels["part"] in a composed project. A rule in force for several
//     parts is one rule. Labels["baseline"] is the rule's outcome on the
//     same file of a clean render of the recorded version at the project's
//     parameters ("fail" or "pass"): only the files the team changed are
//     evaluated again, with their rendered content. A file the team changed
//     so that the rule passes where the clean render fails gives a pass
//     signal naming it, with baseline "fail".
//   - exception: one per exception in the project's
//     .goldenpath/exceptions.yaml, exempt while active, fail once expired.
//   - lag: with opts.Catalog, the number of newer released versions.
//   - upgrade: one per conflict an upgrade left and that is not resolved
//     (render.Project.Conflicts), feedback.ResultWarn with
//     Labels["change"] "unresolved" and the file's part in Labels["part"]
//     in a composed project. A file that still holds conflict
//     markers gives no drift: the markers are the upgrade's, not an edit.
//   - scan: last, exactly one, clean project or not: the blueprint and
//     version in its subject, the number of the other signals in Value
//     (unit "signals") and their counts by source and result in Labels
//     ("drift", "rule", "exception", "lag", "fail", "warn", "exempt",
//     "error"), and the composed parts in Labels["parts"]. Reports count
//     scanned projects by it.
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
	if opts.Registry != nil {
		sc.base = newBaseline(m, opts.Registry)
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
		if err := sc.base.evaluate(ctx, m, now); err != nil {
			return nil, fmt.Errorf("scan %s: the clean render's rules: %w", dir, err)
		}
		sc.rules(rep, sc.base)
	}
	for _, x := range p.Exceptions() {
		sc.exception(x, now)
	}
	if opts.Catalog != nil {
		sc.lag(opts.Catalog, now)
	}
	sc.scanSignal()
	return sc.out, nil
}

// scanSignal records the scan itself, last: one per project and scan,
// clean or not, with the counts of the signals it made, so that a report
// counts every scanned project.
func (sc *scanner) scanSignal() {
	s := sc.signal(feedback.SourceScan)
	counts := map[string]int{}
	for _, o := range sc.out {
		counts[string(o.Source)]++
		if o.Result != "" && o.Result != feedback.ResultPass {
			counts[string(o.Result)]++
		}
	}
	n := float64(len(sc.out))
	s.Value, s.Unit = &n, "signals"
	s.Labels = map[string]string{}
	for _, k := range []string{"drift", "rule", "exception", "lag", "fail", "warn", "exempt", "error"} {
		s.Labels[k] = strconv.Itoa(counts[k])
	}
	var parts []string
	for _, f := range sc.m.Files {
		if f.Part != "" && !slices.Contains(parts, f.Part) {
			parts = append(parts, f.Part)
		}
	}
	if len(parts) > 0 {
		slices.Sort(parts)
		s.Labels["parts"] = strings.Join(parts, ",")
	}
	s.Evidence.Message = fmt.Sprintf("scanned %s (%s %s): %s (%d drift, %d rule, %d exception), %d failing",
		sc.subject.Project, sc.m.Blueprint.Name, sc.m.Blueprint.Version, english.Count(counts["drift"]+counts["rule"]+counts["exception"], "signal"), counts["drift"], counts["rule"], counts["exception"], counts["fail"])
	sc.out = append(sc.out, s)
}

type scanner struct {
	at      time.Time // every signal of one scan has this time
	p       *render.Project
	m       *render.Manifest
	rec     *feedback.Recorder
	params  map[string]any
	subject feedback.Subject
	marked  map[string]bool // files holding an upgrade's conflict markers
	base    *baseline       // the rules on the clean render; nil without a registry
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
	values := paramValues(sc.params)
	normalisers := map[string]*normaliser{} // by part and template
	for d, err := range e.Drift(ctx, bp, sc.p) {
		if err != nil {
			return err
		}
		f := d.File
		sc.base.note(d)
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
		nk := f.Part + "\x00" + f.Template
		n, ok := normalisers[nk]
		if !ok {
			n = newNormaliser(values, templateText(bp, f), strings.HasSuffix(f.Template, ".tmpl"))
			normalisers[nk] = n
		}
		for _, h := range diff.Hunks(d.Want, d.Got, opts.Context) {
			s := sc.driftSignal(f, "changed")
			s.Evidence.Hunk = h.String()
			s.Evidence.Line = h.NewStart
			key := hunkKey(h, n)
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
	s.Labels = map[string]string{"change": "unresolved", "upgrade": c.Upgrade}
	if f, ok := sc.m.File(c.Path); ok {
		if f.Template != "" {
			s.File = f.Template
			if f.Template != c.Path {
				s.Evidence.Path = c.Path
			}
		}
		if f.Part != "" {
			s.Labels["part"] = f.Part
		}
	}
	s.Result = feedback.ResultWarn
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

// templateText returns the template text of f in bp, or in the included
// blueprint f's part names; nil when it cannot be read.
func templateText(bp *blueprint.Blueprint, f render.File) []byte {
	b := bp
	if f.Part != "" {
		b = nil
		var find func(x *blueprint.Blueprint, part string)
		find = func(x *blueprint.Blueprint, part string) {
			for _, inc := range x.Includes() {
				if b != nil || inc.Blueprint == nil {
					continue
				}
				if inc.Name == part {
					b = inc.Blueprint
					return
				}
				if rest, ok := strings.CutPrefix(part, inc.Name+"/"); ok {
					find(inc.Blueprint, rest)
				}
			}
		}
		find(bp, f.Part)
		if b == nil {
			return nil
		}
	}
	data, err := fs.ReadFile(b.Template(), f.Template)
	if err != nil {
		return nil
	}
	return data
}

// rules turns a decisions report into signals: for each rule, one pass
// signal, or one signal per finding. A rule in force for several parts of
// a composed project is one check: its findings, each naming its part and
// its file as the project has it, are given once. base, when not nil,
// gives each signal its baseline.
func (sc *scanner) rules(rep *decision.Evaluation, base *baseline) {
	type key struct{ decision, rule string }
	type check struct {
		decision.Check
		findings []partFinding
	}
	var order []key
	checks := map[key]*check{}
	for _, c := range rep.Checks {
		k := key{c.Decision, c.Rule}
		switch ch := checks[k]; {
		case ch == nil:
			checks[k] = &check{Check: c}
			order = append(order, k)
		case resultRank(c.Result) < resultRank(ch.Result):
			ch.Result = c.Result
		}
	}
	dir := sc.p.Dir()
	seen := map[fileResult]int{} // index in its check's findings
	for _, f := range rep.Findings {
		ch := checks[key{f.Decision, f.Rule}]
		if ch == nil {
			continue
		}
		part := ""
		if name, ok := strings.CutPrefix(f.Subject, dir+": "); ok {
			part = name
		}
		// One signal per rule, file and result: a file that fails a rule in
		// two places (the CPU and the memory limit), or that two parts see,
		// is one failing file.
		id := fileResult{f.Decision, f.Rule, part, f.File, f.Result}
		if i, ok := seen[id]; ok {
			ch.findings[i].more++
			continue
		}
		seen[id] = len(ch.findings)
		ch.findings = append(ch.findings, partFinding{part: part, f: f})
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
	for _, k := range order {
		c := checks[k]
		res, ok := result(c.Result, c.Mode)
		if !ok {
			continue
		}
		newSignal := func(res feedback.Result) feedback.Signal {
			s := sc.signal(feedback.SourceRule)
			s.Decision, s.Rule, s.Mode, s.Severity, s.Result = c.Decision, c.Rule, c.Mode, c.Severity, res
			return s
		}
		// The files of the clean render where the rule fails and that the
		// team changed so that it passes: evidence of an edit too.
		have := map[[2]string]bool{} // files with a finding: failing, exempt or in error
		for _, pf := range c.findings {
			have[[2]string{pf.part, pf.f.File}] = true
		}
		fixed := base.fixed(c.Decision, c.Rule, have)
		if len(c.findings) == 0 && len(fixed) == 0 {
			s := newSignal(res)
			if r := base.rule(c.Decision, c.Rule); r != nil && r.Tree() && len(base.failed) == 0 {
				s.Labels = map[string]string{"baseline": baselinePass}
			}
			sc.out = append(sc.out, s)
			continue
		}
		// One signal per finding, so that every offending file is evidence
		// (a desire path in it can be matched to the rule); at most
		// maxRuleFindings of them, the count in each.
		n := 0
		for _, pf := range c.findings[:min(len(c.findings), maxRuleFindings)] {
			f := pf.f
			fres, ok := result(f.Result, c.Mode)
			if !ok {
				fres = res
			}
			s := newSignal(fres)
			s.Evidence.Message = f.Message
			if pf.more > 0 {
				s.Evidence.Message += fmt.Sprintf(" (and %d more in this file)", pf.more)
			}
			s.Evidence.Path = projectPath(sc.partDir(pf.part), f.File)
			s.Evidence.Line = f.Pos.Line
			s.Labels = map[string]string{"findings": strconv.Itoa(len(c.findings))}
			if pf.part != "" {
				s.Labels["part"] = pf.part
			}
			if b := base.of(pf.part, f); b != "" {
				s.Labels["baseline"] = b
			}
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
			n++
		}
		for _, fx := range fixed[:min(len(fixed), maxRuleFindings-n)] {
			s := newSignal(feedback.ResultPass)
			s.Evidence.Path = projectPath(sc.partDir(fx[0]), fx[1])
			s.Evidence.Message = fmt.Sprintf("passes in the project; fails on a clean render of %s %s", sc.m.Blueprint.Name, sc.m.Blueprint.Version)
			s.Labels = map[string]string{"baseline": baselineFail}
			if fx[0] != "" {
				s.Labels["part"] = fx[0]
			}
			sc.out = append(sc.out, s)
		}
	}
}

// partFinding is a finding, the part of the project it was made in, and
// how many more findings of the rule there are in the same file.
type partFinding struct {
	part string
	f    decision.Finding
	more int
}

type fileResult struct {
	decision, rule, part, file string
	result                     decision.Result
}

// partDir returns the directory of the include part in the project; ""
// for the blueprint's own files.
func (sc *scanner) partDir(part string) string {
	if part == "" {
		return ""
	}
	for _, inc := range sc.m.Includes {
		if inc.Name == part {
			return inc.Dir
		}
	}
	return ""
}

// resultRank orders a check's results as decision.Check does: fail, then
// error, exempt, pass, skip.
func resultRank(r decision.Result) int {
	switch r {
	case decision.Fail:
		return 0
	case decision.Error:
		return 1
	case decision.Exempt:
		return 2
	case decision.Pass:
		return 3
	}
	return 4
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
	s.Evidence.Message = fmt.Sprintf("%s %s is %s behind %s", sc.m.Blueprint.Name, sc.m.Blueprint.Version, english.Count(behind, "version"), latest)
	if !since.IsZero() && now.After(since) {
		days := int(now.Sub(since).Hours() / 24)
		s.Labels["days"] = strconv.Itoa(days)
		s.Evidence.Message += fmt.Sprintf(", released %s ago", english.Count(days, "day"))
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
// In a composed project, Labels["part"] is the file's part.
// They show which blueprint files teams and upgrades collide in. Unchanged,
// updated, added and removed files give none. A dry run's result gives
// signals too: record only the results of upgrades that wrote.
func Upgrade(rec *feedback.Recorder, subject feedback.Subject, res *render.UpgradeResult) []feedback.Signal {
	templates, parts := map[string]string{}, map[string]string{}
	if res.Manifest != nil {
		for _, f := range res.Manifest.Files {
			templates[f.Path] = f.Template
			parts[f.Path] = f.Part
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
		if part := parts[f.Path]; part != "" {
			s.Labels["part"] = part
		}
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
