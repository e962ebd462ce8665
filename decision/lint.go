package decision

import (
	"context"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/internal/bound"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// LintOptions configures Lint. The zero value, and a nil *LintOptions,
// lint the decisions alone, today.
type LintOptions struct {
	// Blueprints are checked for their use of the decisions: citations of
	// unknown or retired decisions, and parameter schemas that can never
	// satisfy an enforced rule in force for them. Included blueprints are
	// checked too.
	Blueprints []*blueprint.Blueprint
	// Now returns the day revisit-by dates and rule schedules are compared
	// with; it is called once per Lint. Nil means time.Now.
	Now func() time.Time
	// EvalTimeout bounds the CUE evaluation of each blueprint's static
	// check. Default 10 s.
	EvalTimeout time.Duration
}

// Lint checks the registry and, with opts.Blueprints, the blueprints' use
// of it, and returns every problem sorted by position: duplicate IDs,
// dangling and one-sided links, statuses the links contradict, dates out of
// order, blueprints citing unknown or retired decisions, and blueprints
// whose parameter schema can never satisfy an enforced parameters rule.
// Problems with Warning set do not make the folder wrong, unless the
// registry was loaded with Options.Strict. The problems of loading (the
// registry's Problems) come first in each file's order: Lint reports
// everything.
func (r *Registry) Lint(ctx context.Context, opts *LintOptions) []Problem {
	if opts == nil {
		opts = &LintOptions{}
	}
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	now := clock()
	probs := slices.Clone(r.problems)
	for _, d := range r.all {
		if r.byID[d.ID] != d {
			continue
		}
		probs = append(probs, r.lintLinks(d)...)
		probs = append(probs, r.lintStatus(d)...)
		if !d.RevisitBy.IsZero() {
			p := d.fieldPos("revisit-by")
			switch {
			case !d.Decided.IsZero() && d.RevisitBy.Before(d.Decided):
				probs = append(probs, problemf(p, d.ID, Dates, "revisit-by %s is before the decision date %s", formatDate(d.RevisitBy), formatDate(d.Decided)))
			case d.Status == Accepted && d.RevisitBy.Before(now):
				probs = append(probs, warningf(p, d.ID, Dates, "revisit-by %s has passed", formatDate(d.RevisitBy)))
			}
		}
	}
	for _, bp := range opts.Blueprints {
		probs = append(probs, r.lintBlueprint(ctx, bp, now, opts.EvalTimeout, map[string]bool{})...)
	}
	if r.strict {
		for i := range probs {
			if !probs[i].Note {
				probs[i].Warning = false
			}
		}
	}
	sortProblems(probs)
	return slices.CompactFunc(probs, func(a, b Problem) bool { return a == b })
}

// fieldPos returns where a metadata field is written, or the decision's
// position.
func (d *Decision) fieldPos(field string) Position {
	if p, ok := d.fields[field]; ok && p.IsValid() {
		return p
	}
	return d.Pos
}

func (r *Registry) lintLinks(d *Decision) []Problem {
	var probs []Problem
	for _, l := range d.Links {
		if l.Inferred {
			continue
		}
		t, ok := r.byID[l.Target]
		if !ok {
			probs = append(probs, problemf(l.Pos, d.ID, Dangling, "%s %s: no such decision", l.Kind, l.Ref))
			continue
		}
		if t == d {
			probs = append(probs, problemf(l.Pos, d.ID, Dangling, "%s itself", l.Kind))
			continue
		}
		inv := l.Kind.inverse()
		if !slices.ContainsFunc(t.Links, func(x Link) bool { return !x.Inferred && x.Kind == inv && x.Target == d.ID }) {
			probs = append(probs, warningf(l.Pos, d.ID, OneSided, "%s %s, but %s does not say %s %s (taken as if it did)",
				l.Kind, t.ID, t.ID, strings.ReplaceAll(string(inv), "-", " "), d.ID))
		}
	}
	return probs
}

func (r *Registry) lintStatus(d *Decision) []Problem {
	var probs []Problem
	sp := d.fieldPos("status")
	successors := d.Linked(SupersededBy)
	if d.Status == Superseded && len(successors) == 0 {
		probs = append(probs, problemf(sp, d.ID, Transition, "superseded, but no decision supersedes it: name the successor"))
	}
	for _, id := range successors {
		s, ok := r.byID[id]
		if !ok {
			continue
		}
		switch s.Status {
		case Accepted:
			if d.Status == Accepted || d.Status == Proposed {
				probs = append(probs, problemf(sp, d.ID, Transition, "%s, but the accepted %s supersedes it: its status must be superseded", d.Status, s.ID))
			}
		case Proposed, Superseded, Unknown:
		default:
			probs = append(probs, problemf(s.fieldPos("status"), s.ID, Transition, "%s supersedes %s: a successor must be accepted or proposed", s.Status, d.ID))
		}
	}
	return probs
}

// schemaName is the name positions in bp's blueprint.cue use.
func schemaName(bp *blueprint.Blueprint) string {
	if bp.Revision == "" && !strings.Contains(bp.Source, "::") && !strings.Contains(bp.Source, "://") {
		return filepath.Join(bp.Source, blueprint.SchemaFile)
	}
	return bp.Source + "/" + blueprint.SchemaFile
}

func (r *Registry) lintBlueprint(ctx context.Context, bp *blueprint.Blueprint, now time.Time, timeout time.Duration, seen map[string]bool) []Problem {
	if seen[bp.Digest] {
		return nil
	}
	seen[bp.Digest] = true
	name := schemaName(bp)
	decls := declarations(name, bp.Schema())
	var probs []Problem
	for i, id := range bp.Decisions {
		p := decls.cites[i]
		if !p.IsValid() {
			p = Position{Filename: name}
		}
		d, ok := r.byID[id]
		if !ok {
			probs = append(probs, problemf(p, id, Citation, "blueprint %s cites %s, which does not exist", bp.Name, id))
			continue
		}
		switch d.Status {
		case Accepted:
		case Superseded:
			msg := "superseded"
			if c, ok := r.Current(id); ok {
				msg += " by " + c.ID
			}
			probs = append(probs, problemf(p, id, Citation, "blueprint %s cites %s, which is %s", bp.Name, id, msg))
		case Proposed:
			probs = append(probs, warningf(p, id, Citation, "blueprint %s cites %s, which is only proposed", bp.Name, id))
		default:
			probs = append(probs, problemf(p, id, Citation, "blueprint %s cites %s, which is %s", bp.Name, id, d.Status))
		}
	}
	var rules []*Rule
	for _, d := range r.InForce(bp) {
		for _, rule := range d.Rules {
			if rule.Kind == Params && rule.EverEnforced(now) {
				rules = append(rules, rule)
			}
		}
	}
	if len(rules) > 0 {
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		var static []Problem
		err := bounded(ctx, timeout, func() error {
			static = staticCheck(bp, name, decls, rules, now)
			return nil
		})
		if err != nil {
			static = append(static, problemf(Position{Filename: name}, "", Unsatisfiable, "blueprint %s: static check of its rules: %v", bp.Name, err))
		}
		probs = append(probs, static...)
	}
	for _, inc := range bp.Includes() {
		probs = append(probs, r.lintBlueprint(ctx, inc.Blueprint, now, timeout, seen)...)
	}
	return probs
}

// staticCheck unifies bp's parameter schema with each enforced parameters
// rule and reports the rules no parameter values can ever satisfy.
func staticCheck(bp *blueprint.Blueprint, name string, decls *decl, rules []*Rule, now time.Time) []Problem {
	ev := newEvaluator()
	schema := ev.ctx.CompileBytes(bp.Schema(), cue.Filename(name))
	params := schema.LookupPath(cue.ParsePath("parameters"))
	if !params.Exists() {
		return nil
	}
	var probs []Problem
	for _, rule := range rules {
		c, err := ev.constraint(rule, "params")
		if err != nil {
			continue
		}
		u := params.Unify(c)
		errs := cueerrors.Errors(u.Validate())
		if len(errs) == 0 {
			continue
		}
		field, msg := "", ""
		for _, e := range errs {
			f, a := e.Msg()
			m := fmt.Sprintf(f, a...)
			if strings.Contains(m, "errors in empty disjunction") && len(errs) > 1 {
				continue
			}
			field, msg = strings.Join(trimPath(e.Path(), "parameters"), "."), m
			break
		}
		p := decls.param(field)
		if !p.IsValid() {
			p = Position{Filename: name}
		}
		when := "enforced"
		if rule.ModeAt(now) != Enforce {
			when = "to be enforced"
		}
		probs = append(probs, problemf(p, rule.Decision, Unsatisfiable, "blueprint %s can never satisfy rule %s (%s, %s): %s: %s",
			bp.Name, rule.Name, when, rule.Pos, field, msg))
	}
	return probs
}

func trimPath(p []string, prefix string) []string {
	if len(p) > 0 && p[0] == prefix {
		return p[1:]
	}
	return p
}

// decl holds positions in a blueprint.cue: of each cited decision, and of
// each parameter's declaration.
type decl struct {
	cites  []Position
	params map[string]Position
}

func (d *decl) param(field string) Position {
	for f := field; f != ""; {
		if p, ok := d.params[f]; ok {
			return p
		}
		i := strings.LastIndexByte(f, '.')
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return Position{}
}

// declarations finds positions in a blueprint.cue's source.
func declarations(name string, src []byte) *decl {
	d := &decl{params: map[string]Position{}}
	f, err := parser.ParseFile(name, src)
	if err != nil {
		return d
	}
	for _, e := range f.Decls {
		field, ok := e.(*ast.Field)
		if !ok {
			continue
		}
		switch label(field.Label) {
		case "decisions":
			if l, ok := field.Value.(*ast.ListLit); ok {
				for _, el := range l.Elts {
					d.cites = append(d.cites, toPos(el.Pos()))
				}
			}
		case "parameters":
			if s, ok := field.Value.(*ast.StructLit); ok {
				walkFields(s, "", d.params)
			}
		}
	}
	return d
}

func walkFields(s *ast.StructLit, prefix string, out map[string]Position) {
	for _, e := range s.Elts {
		switch n := e.(type) {
		case *ast.Field:
			name := prefix + label(n.Label)
			if _, ok := out[name]; !ok {
				out[name] = toPos(n.Pos())
			}
			if sub, ok := n.Value.(*ast.StructLit); ok {
				walkFields(sub, name+".", out)
			}
		case *ast.Comprehension:
			if sub, ok := n.Value.(*ast.StructLit); ok {
				walkFields(sub, prefix, out)
			}
		}
	}
}

func label(l ast.Label) string {
	switch n := l.(type) {
	case *ast.Ident:
		return n.Name
	case *ast.BasicLit:
		if s, err := strconv.Unquote(n.Value); err == nil {
			return s
		}
		return n.Value
	}
	return ""
}

// bounded runs f with a deadline: see bound.Run.
func bounded(ctx context.Context, d time.Duration, f func() error) error {
	return bound.Run(ctx, d, ErrEvalTimeout, f)
}
