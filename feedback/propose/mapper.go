package propose

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/internal/diff"
	"github.com/goldenpath-dev/goldenpath/internal/english"
	"github.com/goldenpath-dev/goldenpath/internal/token"
	"github.com/goldenpath-dev/goldenpath/render"
)

// project is one project on the blueprint's version, with the data its
// templates render with.
type project struct {
	name     string
	manifest *render.Manifest
	data     map[string]any
	old      map[string][]string // by template file: the clean render
}

// mapper maps desire paths onto a blueprint's templates and verifies them.
type mapper struct {
	ctx        context.Context
	bp         *blueprint.Blueprint
	o          *Options
	projects   map[string]*project
	names      []string          // of projects, sorted
	other      map[string]bool   // projects on another version
	unreadable map[string]string // project: why its parameters could not be read
	tmpl       render.Preparer
	prepared   map[string]render.Prepared // by source, for the sources rendered for every project
}

func newMapper(ctx context.Context, bp *blueprint.Blueprint, o *Options) *mapper {
	return &mapper{
		ctx: ctx, bp: bp, o: o,
		projects: map[string]*project{}, other: map[string]bool{}, unreadable: map[string]string{},
		tmpl:     render.Template().(render.Preparer),
		prepared: map[string]render.Prepared{},
	}
}

// load reads the recorded parameters of every project the signals name on
// the blueprint's version: the manifests are read and the parameters
// resolved concurrently, two per core.
func (m *mapper) load(ev *evidence) {
	names := slices.Sorted(maps.Keys(ev.subjects))
	loaded := make([]*project, len(names))
	errs := make([]error, len(names))
	var g errgroup.Group
	g.SetLimit(2 * runtime.GOMAXPROCS(0))
	for i, name := range names {
		s := ev.subjects[name]
		if s.Version != m.bp.Version {
			m.other[name] = true
			continue
		}
		g.Go(func() error {
			loaded[i], errs[i] = m.open(s)
			return nil
		})
	}
	g.Wait()
	for i, name := range names {
		switch {
		case m.other[name]:
		case errs[i] != nil:
			m.unreadable[name] = errs[i].Error()
		default:
			loaded[i].name = name
			m.projects[name] = loaded[i]
			m.names = append(m.names, name)
		}
	}
}

// rendered returns how many projects are rendered to verify.
func (m *mapper) rendered() int { return len(m.projects) }

func (m *mapper) open(s feedback.Subject) (*project, error) {
	man, err := m.o.Manifest(m.ctx, s)
	if err != nil {
		return nil, err
	}
	if man.Blueprint.Name != m.bp.Name || man.Blueprint.Version != m.bp.Version {
		return nil, fmt.Errorf("its manifest records %s %s now", man.Blueprint.Name, man.Blueprint.Version)
	}
	if man.Blueprint.Digest != m.bp.Digest {
		return nil, fmt.Errorf("its manifest records %s %s with digest %s, the catalog's has %s", man.Blueprint.Name, man.Blueprint.Version, man.Blueprint.Digest, m.bp.Digest)
	}
	params, err := m.bp.Resolve(m.ctx, blueprint.ValuesData(s.Project+"/"+render.ManifestPath, man.Parameters))
	if err != nil {
		return nil, fmt.Errorf("its recorded parameters: %w", err)
	}
	return &project{manifest: man, data: params.Data(), old: map[string][]string{}}, nil
}

// source is one template file being changed.
type source struct {
	file  string
	copy  bool     // rendered by the copy renderer: no expressions
	lines []string // the template's lines, each with its "\n" but maybe the last
}

func (t *source) text() string { return strings.Join(t.lines, "") }

// with returns t's lines with [a, b) replaced by repl.
func (t *source) with(a, b int, repl ...string) string {
	var sb strings.Builder
	for _, l := range t.lines[:a] {
		sb.WriteString(l)
	}
	for _, l := range repl {
		sb.WriteString(l)
	}
	for _, l := range t.lines[b:] {
		sb.WriteString(l)
	}
	return sb.String()
}

// render renders src as t's renderer does, with data; cache keeps the
// parsed template for the next project.
func (m *mapper) render(t *source, src string, data map[string]any, cache bool) ([]string, error) {
	if t.copy {
		return splitLines(src), nil
	}
	p, ok := m.prepared[src]
	if !ok {
		var err error
		if p, err = m.tmpl.Prepare(t.file, []byte(src)); err != nil {
			return nil, err
		}
		if cache {
			m.prepared[src] = p
		}
	}
	var b bytes.Buffer
	if err := p.Execute(m.ctx, &b, data); err != nil {
		return nil, err
	}
	return splitLines(b.String()), nil
}

// oldLines returns the clean render of t for p.
func (m *mapper) oldLines(t *source, p *project) ([]string, error) {
	if l, ok := p.old[t.file]; ok {
		return l, nil
	}
	l, err := m.render(t, t.text(), p.data, true)
	if err != nil {
		return nil, fmt.Errorf("rendering %s for %s: %w", t.file, p.name, err)
	}
	p.old[t.file] = l
	return l, nil
}

// splitLines splits s after each "\n".
func splitLines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

// marker is the line that stands for the changed lines in a template while
// their place is found; a template that renders it is refused.
const marker = "\u27e6goldenpath proposal\u27e7\n"

// affected is one project that made the edit, and its edit.
type affected struct {
	p      *project
	h      *hunk
	signal string
}

// candidate is one way to apply an edit: the template's lines [a, b)
// replaced by text.
type candidate struct {
	a, b int
	text []string
}

// outcome is what a candidate does to one project's render: the old lines
// [at, at+n) become r; applies is false where the template's lines are not
// rendered at all.
type outcome struct {
	applies bool
	at, n   int
	r       []string
}

// plan is a verified change of one file.
type plan struct {
	change   *Edit
	src      *source
	cand     candidate
	outcomes map[string]outcome // by project
}

// propose maps and verifies every selected desire path and records the
// changes in pr.
func (m *mapper) propose(rep *report.Report, ev *evidence, pr *Proposal) {
	for _, id := range ev.unknown {
		pr.Changes = append(pr.Changes, Edit{HunkID: id, Status: Refused, Projects: []string{}, Signals: []string{},
			Reason: fmt.Sprintf("no desire path of %s has this hunk ID: at least %s must carry the edit in their latest scan", m.bp.Name, english.Count(m.o.MinProjects, "project"))})
	}
	byFile := map[string][]*plan{}
	changes := make([]*Edit, len(ev.paths))
	for i, dp := range ev.paths {
		c := &Edit{HunkID: dp.HunkID, Key: dp.Key, File: dp.File, Path: dp.Example.Path, Level: dp.Level,
			Count: dp.Count, Projects: dp.Projects, Example: dp.Example.Hunk}
		for _, p := range dp.Projects {
			if s, ok := ev.drift[pathKey{dp.File, dp.HunkID}][p]; ok {
				c.Signals = append(c.Signals, s.ID)
			}
		}
		changes[i] = c
		if d, r, ok := againstRule(rep, dp); ok {
			c.Status, c.Decision, c.Rule = NeedsDecision, d, r
			c.Reason = fmt.Sprintf("the edit fails %s rule %s, which passes on the clean render: the decision must change before the blueprint", d, r)
			continue
		}
		pl, err := m.mapPath(dp, ev, c)
		if err != nil {
			c.Status, c.Reason = Refused, err.Error()
			continue
		}
		byFile[dp.File] = append(byFile[dp.File], pl)
	}
	pr.files = map[string][]byte{}
	for _, file := range slices.Sorted(maps.Keys(byFile)) {
		m.combine(byFile[file], pr)
	}
	for _, c := range changes {
		if c.Projects == nil {
			c.Projects = []string{}
		}
		if c.Signals == nil {
			c.Signals = []string{}
		}
		pr.Changes = append(pr.Changes, *c)
	}
}

// againstRule returns the decision and rule a desire path fails, from the
// report's revisit evidence.
func againstRule(rep *report.Report, dp report.DesirePath) (dec, rule string, ok bool) {
	for _, rv := range rep.Revisit {
		for _, r := range rv.Reasons {
			if r.Reason == report.ReasonDesirePathAgainstRule && r.HunkID == dp.HunkID && (r.File == "" || r.File == dp.File) {
				return rv.Decision, r.Rule, true
			}
		}
	}
	return "", "", false
}

// mapPath maps one desire path onto its template file and verifies it
// against every project on the version.
func (m *mapper) mapPath(dp report.DesirePath, ev *evidence, c *Edit) (*plan, error) {
	var aff []*affected
	for _, name := range dp.Projects {
		s, ok := ev.drift[pathKey{dp.File, dp.HunkID}][name]
		switch {
		case !ok:
			continue
		case m.other[name]:
			c.Verification.OtherVersions++
			continue
		case m.unreadable[name] != "":
			c.Verification.Unreadable = append(c.Verification.Unreadable, name+": "+m.unreadable[name])
			continue
		case m.projects[name] == nil:
			c.Verification.Unreadable = append(c.Verification.Unreadable, name+": no signal records its version")
			continue
		case s.Labels["part"] != "":
			return nil, fmt.Errorf("the file is in the included blueprint %q: propose the change to that blueprint", s.Labels["part"])
		}
		h, err := parseHunk(s.Evidence.Hunk)
		if err != nil {
			return nil, fmt.Errorf("the edit of %s (signal %s) does not read: %w", name, s.ID, err)
		}
		aff = append(aff, &affected{p: m.projects[name], h: h, signal: s.ID})
	}
	if len(aff) < m.o.MinProjects {
		why := ""
		if len(c.Verification.Unreadable) > 0 {
			why = " — " + c.Verification.Unreadable[0]
		}
		return nil, fmt.Errorf("only %d of the %s that made the edit can be rendered on %s %s (%d on other versions, %d unreadable%s): %d needed",
			len(aff), english.Count(dp.Count, "project"), m.bp.Name, m.bp.Version, c.Verification.OtherVersions, len(c.Verification.Unreadable), why, m.o.MinProjects)
	}
	ex := aff[0]
	c.Kind = Addition
	if len(ex.h.del) > 0 {
		c.Kind = Modification
	}
	f, ok := fileOf(ex.p.manifest, dp.File)
	if !ok {
		return nil, fmt.Errorf("the manifest of %s records no file rendered from %s", ex.p.name, dp.File)
	}
	src, err := templateSource(m.bp, dp.File)
	if err != nil {
		return nil, fmt.Errorf("%s %s has no template %s: %w", m.bp.Name, m.bp.Version, dp.File, err)
	}
	t := &source{file: dp.File, lines: splitLines(string(src))}
	switch f.Renderer {
	case render.TemplateRenderer:
	case render.CopyRenderer:
		t.copy = true
	default:
		return nil, fmt.Errorf("%s is rendered by the %q renderer: only template and copy files can be proposed", dp.File, f.Renderer)
	}
	if len(t.lines) == 0 {
		t.lines = nil
	}
	if bytes.Contains(src, []byte(strings.TrimSuffix(marker, "\n"))) {
		return nil, fmt.Errorf("%s holds the line goldenpath marks places with", dp.File)
	}

	bounds, err := m.boundaries(t, ex.p)
	if err != nil {
		return nil, err
	}
	pos, n := ex.h.pos(), len(ex.h.del)
	var starts, ends []int
	for k, at := range bounds {
		if at == pos {
			starts = append(starts, k)
		}
		if at == pos+n {
			ends = append(ends, k)
		}
	}
	var cands []candidate
	texts := m.texts(t, aff)
	for _, a := range starts {
		for _, b := range ends {
			if b < a || n > 0 && b == a || n == 0 && b != a {
				continue
			}
			for _, text := range texts {
				cands = append(cands, candidate{a: a, b: b, text: text})
			}
		}
	}
	slices.SortStableFunc(cands, func(x, y candidate) int { return (x.b - x.a) - (y.b - y.a) })
	if len(cands) == 0 {
		return nil, fmt.Errorf("no place in %s renders where %s's edit is (line %d of %s): the edit is inside lines one template action writes", dp.File, ex.p.name, pos+1, cmp.Or(dp.Example.Path, dp.File))
	}
	cands = cands[:min(len(cands), maxCandidates)]
	var firstErr error
	for _, cand := range cands {
		outs, err := m.verify(t, cand, aff)
		if err == nil {
			c.Verification.Affected = len(aff)
			for _, name := range m.names {
				if _, ok := outs[name]; ok && !slices.ContainsFunc(aff, func(x *affected) bool { return x.p.name == name }) {
					c.Verification.Unaffected++
					if !outs[name].applies {
						c.Verification.NotApplicable++
					}
				}
			}
			return &plan{change: c, src: t, cand: cand, outcomes: outs}, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// maxCandidates bounds the ways of applying one edit that are tried.
const maxCandidates = 16

// fileOf returns the manifest's entry for the blueprint's own template
// file.
func fileOf(man *render.Manifest, tmpl string) (render.File, bool) {
	for _, f := range man.Files {
		if f.Template == tmpl && f.Part == "" {
			return f, true
		}
	}
	return render.File{}, false
}

// boundaries renders t for p with the marker between two of its lines, at
// every boundary k in turn, and returns, for each boundary that renders the
// marker as one line of its own and nothing else changed, the index of
// that line in p's render.
func (m *mapper) boundaries(t *source, p *project) (map[int]int, error) {
	old, err := m.oldLines(t, p)
	if err != nil {
		return nil, err
	}
	out := map[int]int{}
	for k := 0; k <= len(t.lines); k++ {
		if k > 0 && !strings.HasSuffix(t.lines[k-1], "\n") {
			continue
		}
		got, err := m.render(t, t.with(k, k, marker), p.data, false)
		if err != nil {
			continue // inside an action
		}
		i := slices.Index(got, marker)
		if i < 0 || slices.Index(got[i+1:], marker) >= 0 {
			continue
		}
		if slices.Equal(got[:i], old[:min(i, len(old))]) && slices.Equal(got[i+1:], old[min(i, len(old)):]) {
			out[k] = i
		}
	}
	return out, nil
}

// verify checks cand against every project: the affected ones must render
// exactly their edit, in its place; the others must render as before apart
// from the proposed lines. It returns each project's outcome.
func (m *mapper) verify(t *source, cand candidate, aff []*affected) (map[string]outcome, error) {
	byName := map[string]*affected{}
	for _, a := range aff {
		byName[a.p.name] = a
	}
	// The projects that made the edit first: a way that does not
	// reproduce it fails before the fleet is rendered.
	order := make([]string, 0, len(m.names))
	for _, a := range aff {
		order = append(order, a.p.name)
	}
	for _, name := range m.names {
		if byName[name] == nil {
			order = append(order, name)
		}
	}
	outs := map[string]outcome{}
	for _, name := range order {
		if err := m.ctx.Err(); err != nil {
			return nil, err
		}
		p := m.projects[name]
		o, err := m.outcome(t, cand, p)
		if err != nil {
			return nil, err
		}
		if a, ok := byName[name]; ok {
			old, _ := m.oldLines(t, p)
			switch {
			case !o.applies:
				return nil, fmt.Errorf("in %s the proposed lines are not rendered (a branch its parameters do not take)", name)
			case o.at != a.h.pos() || !slices.Equal(old[o.at:o.at+o.n], a.h.del):
				return nil, fmt.Errorf("in %s the proposed lines replace lines %d-%d, the project edited lines %d-%d", name, o.at+1, o.at+o.n, a.h.pos()+1, a.h.pos()+len(a.h.del))
			case !linesAt(old, o.at-len(a.h.before), a.h.before) || !linesAt(old, o.at+o.n, a.h.after):
				return nil, fmt.Errorf("in %s the lines around the edit are not those the scan recorded: the project's render changed since", name)
			case !slices.Equal(o.r, a.h.ins) && t.copy:
				return nil, fmt.Errorf("%s is copied as it is, not a template: the edit differs between projects (in %s it is %s where %s has %s), and a copied file cannot hold a parameter",
					t.file, name, quoteLines(a.h.ins), aff[0].p.name, quoteLines(o.r))
			case !slices.Equal(o.r, a.h.ins):
				return nil, fmt.Errorf("no template of the edit reproduces it in every project: in %s the proposed lines render %s where the project has %s — the edit differs between projects in a way no parameter explains",
					name, quoteLines(o.r), quoteLines(a.h.ins))
			}
		}
		outs[name] = o
	}
	return outs, nil
}

// outcome renders the old template, the template with the marker in place
// of [a, b), and the new one for p, and checks that the new render is the
// old one with the marked lines replaced by the proposed ones.
func (m *mapper) outcome(t *source, cand candidate, p *project) (outcome, error) {
	old, err := m.oldLines(t, p)
	if err != nil {
		return outcome{}, err
	}
	mk, err := m.render(t, t.with(cand.a, cand.b, marker), p.data, true)
	if err != nil {
		return outcome{}, fmt.Errorf("rendering %s with the place marked for %s: %w", t.file, p.name, err)
	}
	nw, err := m.render(t, t.with(cand.a, cand.b, cand.text...), p.data, true)
	if err != nil {
		return outcome{}, fmt.Errorf("the proposed %s does not render for %s: %w", t.file, p.name, err)
	}
	i := slices.Index(mk, marker)
	if i < 0 {
		if !slices.Equal(old, mk) || !slices.Equal(old, nw) {
			return outcome{}, fmt.Errorf("in %s the proposal changes lines besides the proposed ones", p.name)
		}
		return outcome{}, nil
	}
	if slices.Index(mk[i+1:], marker) >= 0 {
		return outcome{}, fmt.Errorf("in %s the proposed lines are rendered more than once (inside a range)", p.name)
	}
	pre, suf := mk[:i], mk[i+1:]
	if len(old) < len(pre)+len(suf) || !slices.Equal(old[:len(pre)], pre) || !slices.Equal(old[len(old)-len(suf):], suf) ||
		len(nw) < len(pre)+len(suf) || !slices.Equal(nw[:len(pre)], pre) || !slices.Equal(nw[len(nw)-len(suf):], suf) {
		return outcome{}, fmt.Errorf("in %s the proposal changes lines besides the proposed ones", p.name)
	}
	return outcome{applies: true, at: i, n: len(old) - len(pre) - len(suf), r: nw[i : len(nw)-len(suf)]}, nil
}

// linesAt reports whether lines stand in text from index at.
func linesAt(text []string, at int, lines []string) bool {
	return at >= 0 && at+len(lines) <= len(text) && slices.Equal(text[at:at+len(lines)], lines)
}

func quoteLines(ls []string) string {
	q := make([]string, len(ls))
	for i, l := range ls {
		q[i] = strconv.Quote(strings.TrimSuffix(l, "\n"))
	}
	return strings.Join(q, ", ")
}

// combine applies the verified plans of one file together: each keeps
// the outcomes it was verified with, or it is refused.
func (m *mapper) combine(plans []*plan, pr *Proposal) {
	slices.SortStableFunc(plans, func(x, y *plan) int { return y.change.Count - x.change.Count })
	t := plans[0].src
	var kept []*plan
	for _, pl := range plans {
		try := append(slices.Clone(kept), pl)
		if other := overlapping(try); other != nil {
			pl.change.Status, pl.change.Reason = Refused, fmt.Sprintf("it changes the same template lines as desire path %s, applied", other.change.HunkID)
			continue
		}
		if err := m.verifyTogether(t, try); err != nil {
			pl.change.Status, pl.change.Reason = Refused, fmt.Sprintf("with desire path %s applied too: %v", kept[0].change.HunkID, err)
			continue
		}
		kept = try
	}
	for _, pl := range kept {
		pl.change.Status = Applied
		pl.change.Diff = diff.Unified("a/template/"+t.file, "b/template/"+t.file, []byte(t.text()), []byte(t.with(pl.cand.a, pl.cand.b, pl.cand.text...)), 3)
	}
	pr.files[t.file] = []byte(together(t, kept))
}

// overlapping returns a plan of ps that changes the lines the last one
// does, or nil.
func overlapping(ps []*plan) *plan {
	last := ps[len(ps)-1]
	for _, p := range ps[:len(ps)-1] {
		if last.cand.a < p.cand.b && p.cand.a < last.cand.b || last.cand.a == p.cand.a && (last.cand.a != last.cand.b || p.cand.a != p.cand.b) {
			return p
		}
	}
	return nil
}

// together returns t with every plan of ps applied.
func together(t *source, ps []*plan) string {
	ps = slices.Clone(ps)
	slices.SortStableFunc(ps, func(x, y *plan) int { return x.cand.a - y.cand.a })
	var sb strings.Builder
	at := 0
	for _, p := range ps {
		for _, l := range t.lines[at:p.cand.a] {
			sb.WriteString(l)
		}
		for _, l := range p.cand.text {
			sb.WriteString(l)
		}
		at = p.cand.b
	}
	for _, l := range t.lines[at:] {
		sb.WriteString(l)
	}
	return sb.String()
}

// verifyTogether checks that t with every plan of ps renders, for every
// project, its old render with each plan's outcome applied.
func (m *mapper) verifyTogether(t *source, ps []*plan) error {
	if len(ps) < 2 {
		return nil
	}
	src := together(t, ps)
	for _, name := range m.names {
		p := m.projects[name]
		old, err := m.oldLines(t, p)
		if err != nil {
			return err
		}
		var outs []outcome
		for _, pl := range ps {
			if o := pl.outcomes[name]; o.applies {
				outs = append(outs, o)
			}
		}
		slices.SortStableFunc(outs, func(x, y outcome) int { return x.at - y.at })
		var want []string
		at := 0
		for _, o := range outs {
			want = append(want, old[at:o.at]...)
			want = append(want, o.r...)
			at = o.at + o.n
		}
		want = append(want, old[at:]...)
		got, err := m.render(t, src, p.data, true)
		if err != nil {
			return fmt.Errorf("%s does not render for %s: %w", t.file, name, err)
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("in %s the two changes render otherwise than each alone", name)
		}
	}
	return nil
}

// value is one parameter or derived value that edited text may hold, and
// the template expression that renders it.
type value struct {
	text, expr string
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// values returns data's string values of minValue characters or more and
// its integers of as many digits, longest first, then by expression.
func values(data map[string]any) []value {
	var out []value
	var walk func(path []string, v any)
	walk = func(path []string, v any) {
		var text string
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(append(slices.Clone(path), k), x)
			}
			return
		case string:
			text = v
		case int64:
			text = strconv.FormatInt(v, 10)
		case int:
			text = strconv.Itoa(v)
		default:
			return
		}
		if len(text) < minValue || strings.ContainsAny(text, "\n") {
			return
		}
		out = append(out, value{text: text, expr: expr(path)})
	}
	walk(nil, data)
	slices.SortFunc(out, func(a, b value) int {
		if d := len(b.text) - len(a.text); d != 0 {
			return d
		}
		return strings.Compare(a.expr, b.expr)
	})
	return out
}

// minValue is the shortest value read as a parameter in edited text.
const minValue = 3

// expr returns the template expression for a path of the data.
func expr(path []string) string {
	for _, s := range path {
		if !identRe.MatchString(s) {
			q := make([]string, len(path))
			for i, s := range path {
				q[i] = strconv.Quote(s)
			}
			return "{{index . " + strings.Join(q, " ") + "}}"
		}
	}
	return "{{." + strings.Join(path, ".") + "}}"
}

// texts returns the ways to write the example's added lines as template
// text, the most literal first: the values that differ between the
// affected projects as expressions, then every value as an expression,
// then the values that differ wherever no letter or digit joins them (a
// name inside a path: github.com/acme/orders/internal).
func (m *mapper) texts(t *source, aff []*affected) [][]string {
	ins := aff[0].h.ins
	if t.copy {
		return [][]string{slices.Clone(ins)}
	}
	vals := values(aff[0].p.data)
	varying := map[string]bool{}
	for _, v := range vals {
		for _, a := range aff[1:] {
			other := false
			for _, w := range values(a.p.data) {
				if w.expr == v.expr {
					other = w.text != v.text
					break
				}
			}
			if other {
				varying[v.expr] = true
				break
			}
		}
	}
	var out [][]string
	for _, how := range []struct{ all, loose bool }{{false, false}, {true, false}, {false, true}} {
		var use []value
		for _, v := range vals {
			if how.all || varying[v.expr] {
				use = append(use, v)
			}
		}
		text := make([]string, len(ins))
		for i, l := range ins {
			text[i] = templated(l, use, how.loose)
		}
		if !slices.ContainsFunc(out, func(x []string) bool { return slices.Equal(x, text) }) {
			out = append(out, text)
		}
	}
	return out
}

// templated writes line as template text: each whole-token occurrence of
// a value becomes its expression (the longest value first), and the rest
// is literal, braces that would open an action escaped. loose takes a value joined to a word by '.',
// '/' or '@' for a token too.
func templated(line string, vals []value, loose bool) string {
	type span struct {
		start, end int
		expr       string
	}
	var spans []span
	for _, v := range vals {
		idx := token.Indexes(line, v.text)
		if loose {
			idx = token.LooseIndexes(line, v.text)
		}
		for _, i := range idx {
			if !slices.ContainsFunc(spans, func(s span) bool { return i < s.end && i+len(v.text) > s.start }) {
				spans = append(spans, span{i, i + len(v.text), v.expr})
			}
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var sb strings.Builder
	at := 0
	for _, s := range spans {
		literal(&sb, line[at:s.start], true)
		sb.WriteString(s.expr)
		at = s.end
	}
	literal(&sb, line[at:], false)
	return sb.String()
}

// literal writes s as template text that renders s: a run of two or more
// '{', or one that an expression follows (beforeExpr), would start an
// action, so it is written as a string constant ({{"{{"}}).
func literal(sb *strings.Builder, s string, beforeExpr bool) {
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			sb.WriteString(s)
			return
		}
		sb.WriteString(s[:i])
		n := len(s[i:]) - len(strings.TrimLeft(s[i:], "{"))
		if n >= 2 || i+n == len(s) && beforeExpr {
			sb.WriteString(`{{"` + s[i:i+n] + `"}}`)
		} else {
			sb.WriteString(s[i : i+n])
		}
		s = s[i+n:]
	}
}
