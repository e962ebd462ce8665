package blueprint

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/token"
)

// authorMsg is an @error("...") attribute: the lines of the field it is
// attached to, and its message. Fields inside a comprehension (a
// cross-field rule such as `if tier == "prod" {replicas: >=3}`) are
// collected too, with or without a message, so that a rule which rules a
// default out can be named.
type authorMsg struct {
	file     string
	from, to int
	msg      string
	// path is the field's label path in the file ("parameters.replicas").
	path string
	// rule is the field's value as written (">=3"), set for fields inside
	// a comprehension.
	rule string
}

// collectAuthorMsgs finds every field carrying an @error attribute in f,
// and every field inside a comprehension.
func collectAuthorMsgs(f *ast.File) []authorMsg {
	var out []authorMsg
	var labels []string
	conds := 0
	ast.Walk(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Comprehension:
			conds++
		case *ast.Field:
			name, _, _ := ast.LabelName(n.Label)
			labels = append(labels, name)
			path := strings.Join(labels, ".")
			found := false
			for _, a := range n.Attrs {
				key, body := a.Split()
				if key != "error" {
					continue
				}
				msg := strings.TrimSpace(body)
				if s, err := strconv.Unquote(msg); err == nil {
					msg = s
				}
				found = true
				out = append(out, authorMsg{
					file: n.Pos().Filename(),
					from: n.Pos().Line(),
					to:   n.End().Line(),
					msg:  msg,
					path: path,
					rule: ruleText(n, conds),
				})
			}
			if !found && conds > 0 {
				if rule := ruleText(n, conds); rule != "" {
					out = append(out, authorMsg{file: n.Pos().Filename(), from: n.Pos().Line(), to: n.End().Line(), path: path, rule: rule})
				}
			}
		}
		return true
	}, func(n ast.Node) {
		switch n.(type) {
		case *ast.Comprehension:
			conds--
		case *ast.Field:
			labels = labels[:len(labels)-1]
		}
	})
	return out
}

// ruleText prints the value of a field inside a comprehension when it is a
// constraint rather than a struct.
func ruleText(f *ast.Field, conds int) string {
	if conds == 0 {
		return ""
	}
	if _, ok := f.Value.(*ast.StructLit); ok {
		return ""
	}
	b, err := format.Node(f.Value)
	if err != nil {
		return ""
	}
	return string(b)
}

// shaper turns raw CUE errors into FieldErrors a person can act on.
type shaper struct {
	// schemaFile is the display name of blueprint.cue.
	schemaFile string
	// hidden are files whose positions are never shown (the meta-schema).
	hidden string
	// strip is the path prefix removed from every error path ("parameters").
	strip string
	msgs  []authorMsg
	// enums maps a parameter path to its literal choices, when it has some.
	enums map[string][]string
	// decl maps a parameter path to the position of its declaration.
	decl map[string]Position
	// kinds and params describe the parameters when the errors are about
	// an input: the kind each path wants and each parameter's doc comment.
	kinds  map[string]cue.Kind
	params []Parameter
	// value is the parameters' value the errors are of, when known: the
	// conjuncts of a field tell which rules apply to it.
	value cue.Value
}

// conjunctPositions returns the positions of the conjuncts of the value at
// path in s.value (the rules that apply to it), or nil.
func (s *shaper) conjunctPositions(path string) []Position {
	if !s.value.Exists() {
		return nil
	}
	v := s.value.LookupPath(cue.ParsePath(path))
	if !v.Exists() {
		return nil
	}
	var out []Position
	var walk func(v cue.Value, depth int)
	walk = func(v cue.Value, depth int) {
		if p := toPosition(v.Pos()); p.Filename == s.schemaFile || p.Filename == s.hidden {
			out = append(out, p)
		}
		op, args := v.Expr()
		if op == cue.NoOp || depth > 8 {
			return
		}
		for _, a := range args {
			walk(a, depth+1)
		}
	}
	walk(v, 0)
	return out
}

type rawErr struct {
	msg    string
	format string
	args   []any
	input  *Position
	schema []Position
}

func toPosition(p token.Pos) Position {
	return Position{Filename: p.Filename(), Line: p.Line(), Column: p.Column()}
}

// shape groups errs by field and writes one FieldError per field.
func (s *shaper) shape(err error) []FieldError {
	groups := map[string][]rawErr{}
	var order []string
	onlyInterp := true
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		if strings.Contains(format, "errors in empty disjunction") {
			continue
		}
		path := s.path(e.Path())
		r := rawErr{msg: fmt.Sprintf(format, args...), format: format, args: args}
		for _, p := range cueerrors.Positions(e) {
			pos := toPosition(p)
			switch pos.Filename {
			case s.hidden:
				r.schema = append(r.schema, pos) // kept for @error lookup, dropped below
			case s.schemaFile:
				r.schema = append(r.schema, pos)
			default:
				if r.input == nil && pos.IsValid() {
					pp := pos
					r.input = &pp
				}
			}
		}
		if !strings.HasPrefix(r.msg, "invalid interpolation") {
			onlyInterp = false
		}
		if _, ok := groups[path]; !ok {
			order = append(order, path)
		}
		groups[path] = append(groups[path], r)
	}
	var out []FieldError
	for _, path := range order {
		rs := groups[path]
		if !onlyInterp {
			rs = slices.DeleteFunc(rs, func(r rawErr) bool { return strings.HasPrefix(r.msg, "invalid interpolation") })
		}
		if len(rs) == 0 {
			continue
		}
		out = append(out, s.field(path, rs))
	}
	sortFieldErrors(out)
	return out
}

func (s *shaper) path(p []string) string {
	if len(p) > 0 && (strings.HasPrefix(p[0], "#") || s.strip != "" && p[0] == s.strip) {
		p = p[1:]
	}
	return strings.Join(p, ".")
}

// collapseConflicts turns the conflicts of one value with every disjunct of
// a disjunction into one line: must be one of A, B (got X).
func collapseConflicts(rs []rawErr) (string, bool) {
	if len(rs) < 2 {
		return "", false
	}
	count := map[string]int{}
	for _, r := range rs {
		if r.format != "conflicting values %s and %s" || len(r.args) != 2 {
			return "", false
		}
		a, b := fmt.Sprint(r.args[0]), fmt.Sprint(r.args[1])
		count[a]++
		if b != a {
			count[b]++
		}
	}
	got := ""
	for v, n := range count {
		if n == len(rs) {
			got = v
		}
	}
	if got == "" {
		return "", false
	}
	var choices []string
	for _, r := range rs {
		for _, a := range r.args {
			if v := fmt.Sprint(a); v != got && !slices.Contains(choices, v) {
				choices = append(choices, v)
			}
		}
	}
	return "must be one of " + strings.Join(choices, ", ") + " (got " + got + ")", true
}

func (s *shaper) field(path string, rs []rawErr) FieldError {
	fe := FieldError{Path: path}
	// A conflict with a default or a disjunct is noise next to the error of
	// the branch that was meant; keep it only when it is all there is.
	if len(rs) > 1 && !s.isEnum(path) {
		kept := slices.DeleteFunc(slices.Clone(rs), func(r rawErr) bool {
			return strings.HasPrefix(r.format, "conflicting values")
		})
		if len(kept) > 0 {
			rs = kept
		}
	}
	seen := map[Position]bool{}
	for _, r := range rs {
		if fe.Input == nil && r.input != nil {
			fe.Input = r.input
		}
		for _, p := range r.schema {
			if p.Filename == s.schemaFile && !seen[p] {
				seen[p] = true
				fe.Schema = append(fe.Schema, p)
			}
		}
	}
	slices.SortFunc(fe.Schema, comparePos)
	if len(fe.Schema) == 0 {
		if p, ok := s.decl[path]; ok {
			fe.Schema = []Position{p}
		}
	}
	missing := !slices.ContainsFunc(rs, func(r rawErr) bool { return !strings.HasPrefix(r.format, "incomplete value") })
	if missing {
		fe.Missing = true
		// A field with a default is only incomplete when another rule
		// ruled the default out (metricsPort's 9090 when httpPort is
		// 9090): the field's own message says what is wrong.
		if d, ok := s.defaultOf(path); ok {
			if m, ok := s.authorMsg(append(slices.Clone(rs), rawErr{schema: fe.Schema})); ok {
				fe.Message = m + " (the default " + d + " breaks it)"
				return fe
			}
			if m, ok := s.ruledOut(path, d, append(slices.Clone(rs), rawErr{schema: s.conjunctPositions(path)})); ok {
				fe.Message = m
				return fe
			}
		}
		fe.Message = s.required(path, rs[0])
		return fe
	}
	if m, ok := s.authorMsg(rs); ok {
		fe.Message = m
		return fe
	}
	if m, ok := s.mismatch(path, rs); ok {
		fe.Message = m
		return fe
	}
	if choices, ok := s.enums[path]; ok {
		got := ""
		for _, r := range rs {
			if strings.HasPrefix(r.format, "conflicting values") && len(r.args) >= 2 {
				for _, a := range r.args[:2] {
					if v := fmt.Sprint(a); !slices.Contains(choices, v) {
						got = v
					}
				}
			}
		}
		fe.Message = "must be one of " + strings.Join(choices, ", ")
		if got != "" {
			fe.Message += " (got " + got + ")"
		}
		return fe
	}
	if m, ok := collapseConflicts(rs); ok {
		fe.Message = m
		return fe
	}
	var msgs []string
	for _, r := range rs {
		m := rewrite(r)
		if !slices.Contains(msgs, m) {
			msgs = append(msgs, m)
		}
	}
	fe.Message = strings.Join(msgs, "; ")
	return fe
}

// defaultOf returns the declared default of the parameter at path, printed.
func (s *shaper) defaultOf(path string) (string, bool) {
	for _, p := range s.params {
		if p.Path == path && p.Default != nil {
			return formatValue(p.Default), true
		}
	}
	return "", false
}

// ruledOut names the cross-field rule that rules out the default d of the
// parameter at path (replicas' 2 when tier is prod): the rule's @error
// message when it has one, else the rule itself. Rules are the fields at
// path inside a comprehension. The rules whose lines hold a position of
// one of rs, CUE's errors, are the ones that apply: only when none does
// (CUE named no rule's line) are all the rules at path candidates, as a
// guess. Of the candidates, one that refuses d is named; one that cannot
// be checked alone (it refers to other fields) counts when none is found
// to refuse d.
func (s *shaper) ruledOut(path, d string, rs []rawErr) (string, bool) {
	full := path
	if s.strip != "" {
		full = s.strip + "." + path
	}
	var rules []authorMsg
	for _, m := range s.msgs {
		if m.path == full && m.rule != "" {
			rules = append(rules, m)
		}
	}
	if at := slices.DeleteFunc(slices.Clone(rules), func(m authorMsg) bool { return !m.holds(rs) }); len(at) > 0 {
		rules = at
	}
	var refuses, unknown []authorMsg
	for _, m := range rules {
		v := cuecontext.New().CompileString("(" + m.rule + ") & (" + d + ")")
		switch {
		case v.Err() != nil && strings.Contains(v.Err().Error(), "reference"):
			unknown = append(unknown, m)
		case v.Err() != nil || v.Validate(cue.Concrete(true)) != nil:
			refuses = append(refuses, m)
		}
	}
	if len(refuses) == 0 {
		refuses = unknown
	}
	if len(refuses) == 0 {
		return "", false
	}
	m := refuses[0]
	if m.msg != "" {
		return m.msg + " (the default " + d + " breaks it)", true
	}
	return "must be " + m.rule + ": the default " + d + " does not satisfy it", true
}

// required says that a parameter needs a value, and what it is: its doc
// comment, or else its constraint.
func (s *shaper) required(path string, r rawErr) string {
	for _, p := range s.params {
		if p.Path != path {
			continue
		}
		if p.Default != nil && len(r.args) > 0 {
			// The default is there but another rule rules it out.
			return fmt.Sprintf("must be %v: the default %s does not satisfy it", r.args[0], formatValue(p.Default))
		}
		if p.Doc != "" {
			doc, _, _ := strings.Cut(p.Doc, "\n")
			return "required (" + strings.TrimSuffix(doc, ".") + ")"
		}
	}
	return rewrite(r)
}

// formatValue prints a parameter value as CUE or YAML would show it.
func formatValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// mismatch turns conflicts of mismatched types ("conflicting values "three"
// and 2 (mismatched types string and int)", once per disjunct) into one
// line: want an integer, got "three".
func (s *shaper) mismatch(path string, rs []rawErr) (string, bool) {
	count := map[string]int{}
	n := 0
	for _, r := range rs {
		if !strings.Contains(r.format, "mismatched types") || len(r.args) < 2 {
			continue
		}
		n++
		a, b := fmt.Sprint(r.args[0]), fmt.Sprint(r.args[1])
		count[a]++
		if b != a {
			count[b]++
		}
	}
	if n == 0 || n != len(rs) {
		return "", false
	}
	got := ""
	for v, c := range count {
		if c == n && !isKindName(v) && (got == "" || v < got) {
			got = v
		}
	}
	if got == "" {
		got = fmt.Sprint(rs[0].args[0])
	}
	k, ok := s.kinds[path]
	if !ok {
		return "", false
	}
	return "want " + kindPhrase(k) + ", got " + got, true
}

func isKindName(v string) bool {
	switch v {
	case "int", "float", "number", "string", "bool", "bytes", "null", "list", "struct", "[...]", "{...}":
		return true
	}
	return false
}

// kindPhrase names what a value of kind k is in words, for messages: "an
// integer", "a string", "true or false", "a list", "a mapping"; several kinds
// are joined with "or".
func kindPhrase(k cue.Kind) string {
	var out []string
	for _, c := range []struct {
		k cue.Kind
		s string
	}{
		{cue.IntKind, "an integer"}, {cue.FloatKind, "a number"}, {cue.StringKind, "a string"},
		{cue.BoolKind, "true or false"}, {cue.ListKind, "a list"}, {cue.StructKind, "a mapping"},
		{cue.BytesKind, "bytes"}, {cue.NullKind, "null"},
	} {
		if k&c.k != 0 {
			if c.k == cue.FloatKind && k&cue.IntKind != 0 {
				out[len(out)-1] = "a number"
				continue
			}
			out = append(out, c.s)
		}
	}
	if len(out) == 0 || k == cue.TopKind {
		return "a value"
	}
	return strings.Join(out, " or ")
}

func (s *shaper) isEnum(path string) bool {
	_, ok := s.enums[path]
	return ok
}

// holds reports whether m's lines hold a position of one of rs.
func (m authorMsg) holds(rs []rawErr) bool {
	for _, r := range rs {
		for _, p := range r.schema {
			if m.file == p.Filename && p.Line >= m.from && p.Line <= m.to {
				return true
			}
		}
	}
	return false
}

// authorMsg returns the message of the innermost @error-carrying field that
// encloses a position of one of rs.
func (s *shaper) authorMsg(rs []rawErr) (string, bool) {
	best, bestSpan := "", 0
	for _, r := range rs {
		for _, p := range r.schema {
			for _, m := range s.msgs {
				if m.msg == "" || m.file != p.Filename || p.Line < m.from || p.Line > m.to {
					continue
				}
				if span := m.to - m.from + 1; best == "" || span < bestSpan {
					best, bestSpan = m.msg, span
				}
			}
		}
	}
	return best, best != ""
}

// rewrite turns one CUE message into plainer words.
func rewrite(r rawErr) string {
	switch {
	case r.format == "invalid value %v (out of bound %s)" && len(r.args) == 2:
		bound := fmt.Sprint(r.args[1])
		switch {
		case strings.HasPrefix(bound, "=~"):
			return fmt.Sprintf("must match %s (got %v)", unquoteBound(bound[2:]), r.args[0])
		case strings.HasPrefix(bound, "!~"):
			return fmt.Sprintf("%v must not match %s", r.args[0], unquoteBound(bound[2:]))
		case strings.HasPrefix(bound, "!="):
			return fmt.Sprintf("must not be %s", bound[2:])
		}
		return fmt.Sprintf("must be %s (got %v)", bound, r.args[0])
	case strings.HasPrefix(r.format, "incomplete value"):
		if len(r.args) > 0 {
			return fmt.Sprintf("required (%v)", r.args[0])
		}
		return "required"
	case strings.HasPrefix(r.format, "field not allowed"):
		return "unknown field"
	}
	return r.msg
}

func unquoteBound(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

func comparePos(a, b Position) int {
	return cmp.Or(cmp.Compare(a.Filename, b.Filename), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
}

func sortFieldErrors(fs []FieldError) {
	slices.SortStableFunc(fs, func(a, b FieldError) int {
		return cmp.Or(comparePos(a.Pos(), b.Pos()), cmp.Compare(a.Path, b.Path))
	})
}
