package blueprint

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/token"
)

// Lint reports what in blueprint.cue loads but is likely a mistake, one
// FieldError per finding, sorted by position. Load accepts every finding:
// Lint is for authors (gp validate prints its warnings, and
// blueprinttest.Matrix fails on them).
//
// Lint checks parameter defaults written beside their constraints, as in
// "metricsPort: int & !=httpPort | *9090". The default is a disjunct of its
// own there, so the constraints never apply to it:
//   - a default that breaks the constraints beside it, with every other
//     parameter at its default, is reported;
//   - a default beside constraints that refer to other parameters is
//     reported even when it satisfies them at the defaults, since another
//     value of those parameters makes it break them unchecked (httpPort=9090
//     above). Writing the default inside the constraints,
//     "int & !=httpPort & (*9090 | int)", makes a conflicting default an
//     error on the field.
//
// Lint is safe for concurrent use.
func (b *Blueprint) Lint(ctx context.Context) ([]FieldError, error) {
	f, err := b.parse()
	if err != nil {
		return nil, err
	}
	params := structOf(f.Decls, "parameters")
	if params == nil {
		return nil, nil
	}
	names := map[string]bool{}
	for _, d := range params.Elts {
		if fld, ok := d.(*ast.Field); ok {
			if n, _, err := ast.LabelName(fld.Label); err == nil {
				names[n] = true
			}
		}
	}
	var cands []lintCandidate
	collectCandidates(params, "", &cands)
	var out []FieldError
	err = bounded(ctx, b.opts.evalTimeout(), func() error {
		for _, c := range cands {
			if fe, ok := b.lintCandidate(c, names); ok {
				out = append(out, fe)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lint %s: %w", b.Name, err)
	}
	sortFieldErrors(out)
	return out, nil
}

// lintCandidate is a parameter whose value is a disjunction of defaults and
// non-concrete constraints.
type lintCandidate struct {
	path        string
	field       *ast.Field
	value       ast.Expr
	defaults    []ast.Expr // the operands of the * markers
	constraints []ast.Expr
}

// structOf returns the struct literal of the field name among decls.
func structOf(decls []ast.Decl, name string) *ast.StructLit {
	for _, d := range decls {
		fld, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if n, _, err := ast.LabelName(fld.Label); err == nil && n == name {
			s, _ := fld.Value.(*ast.StructLit)
			return s
		}
	}
	return nil
}

func collectCandidates(s *ast.StructLit, prefix string, out *[]lintCandidate) {
	for _, d := range s.Elts {
		fld, ok := d.(*ast.Field)
		if !ok {
			continue // fields inside if/for comprehensions are conditional
		}
		name, _, err := ast.LabelName(fld.Label)
		if err != nil {
			continue
		}
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		if sub, ok := fld.Value.(*ast.StructLit); ok {
			collectCandidates(sub, p, out)
			continue
		}
		c := lintCandidate{path: p, field: fld, value: fld.Value}
		for _, x := range disjuncts(fld.Value) {
			if u, ok := x.(*ast.UnaryExpr); ok && u.Op == token.MUL {
				c.defaults = append(c.defaults, u.X)
			} else if !isConcreteLiteral(x) {
				c.constraints = append(c.constraints, x)
			}
		}
		if len(c.defaults) == 1 && len(c.constraints) > 0 {
			*out = append(*out, c)
		}
	}
}

// disjuncts flattens a | b | c, looking through parentheses.
func disjuncts(x ast.Expr) []ast.Expr {
	switch x := x.(type) {
	case *ast.ParenExpr:
		return disjuncts(x.X)
	case *ast.BinaryExpr:
		if x.Op == token.OR {
			return append(disjuncts(x.X), disjuncts(x.Y)...)
		}
	}
	return []ast.Expr{x}
}

// isConcreteLiteral reports whether x is a literal choice of an enum:
// "dev", 3, -1, true, null.
func isConcreteLiteral(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		return x.Name == "true" || x.Name == "false" || x.Name == "null"
	case *ast.UnaryExpr:
		return x.Op == token.SUB && isConcreteLiteral(x.X)
	case *ast.ParenExpr:
		return isConcreteLiteral(x.X)
	}
	return false
}

// predeclared are the identifiers of CUE's own types.
var predeclared = []string{"_", "bool", "bytes", "float", "int", "null", "number", "string", "true", "false",
	"int8", "int16", "int32", "int64", "int128", "uint", "uint8", "uint16", "uint32", "uint64", "uint128", "rune", "len", "close", "and", "or", "div", "mod", "quo", "rem"}

// references returns the parameters the expression x names, but self.
func references(x ast.Expr, names map[string]bool, self string) []string {
	var out []string
	ast.Walk(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			ast.Walk(n.X, func(m ast.Node) bool {
				if id, ok := m.(*ast.Ident); ok && names[id.Name] && id.Name != self && !slices.Contains(out, id.Name) {
					out = append(out, id.Name)
				}
				return true
			}, nil)
			return false
		case *ast.Field:
			return false // a struct literal's labels are not references
		case *ast.Ident:
			if names[n.Name] && n.Name != self && !slices.Contains(predeclared, n.Name) && !slices.Contains(out, n.Name) {
				out = append(out, n.Name)
			}
		}
		return true
	}, nil)
	slices.Sort(out)
	return out
}

// source returns the text of x in blueprint.cue.
func (b *Blueprint) source(x ast.Node) string {
	from, to := x.Pos().Offset(), x.End().Offset()
	if from < 0 || to > len(b.schemaSrc) || from >= to {
		return ""
	}
	return string(b.schemaSrc[from:to])
}

func (b *Blueprint) lintCandidate(c lintCandidate, names map[string]bool) (FieldError, bool) {
	def := b.source(c.defaults[0])
	cons := make([]string, 0, len(c.constraints))
	for _, x := range c.constraints {
		cons = append(cons, b.source(x))
	}
	if def == "" || slices.Contains(cons, "") {
		return FieldError{}, false
	}
	constraint := strings.Join(cons, " | ")
	fe := FieldError{Path: c.path, Schema: []Position{toPosition(c.field.Pos())}}
	self := c.path
	if i := strings.LastIndexByte(self, '.'); i >= 0 {
		self = self[i+1:]
	}

	// The default checked against the constraints, everything else at its
	// default: blueprint.cue with the field's value replaced.
	from, to := c.value.Pos().Offset(), c.value.End().Offset()
	src := string(b.schemaSrc[:from]) + "(" + constraint + ") & (" + def + ")" + string(b.schemaSrc[to:])
	v := cuecontext.New().CompileString(src, cue.Filename(b.schemaName))
	if fv := v.LookupPath(cue.ParsePath("parameters." + c.path)); fv.Exists() {
		if err := fv.Validate(); err != nil {
			fe.Message = fmt.Sprintf("the default %s breaks the constraints beside it (%s), which never apply to it: every project that keeps the default gets a value the field refuses", def, constraint)
			return fe, true
		}
	}

	var deps []string
	for _, x := range c.constraints {
		for _, r := range references(x, names, self) {
			if !slices.Contains(deps, r) {
				deps = append(deps, r)
			}
		}
	}
	if len(deps) == 0 {
		return FieldError{}, false
	}
	fe.Message = fmt.Sprintf("the default %s sits beside the constraints (%s), which depend on %s: the default is never checked against them, so a value of %s can make it break them; write %s & (*%s | _)",
		def, constraint, strings.Join(deps, ", "), strings.Join(deps, " or "), constraint, def)
	return fe, true
}
