package blueprint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
)

// JSONSchema returns a JSON Schema (draft 2020-12) of the parameters. It is
// generated on the first call, within Options.EvalTimeout; should that fail,
// the schema is {} with the reason in "$comment".
func (b *Blueprint) JSONSchema() []byte {
	b.jsonOnce.Do(func() {
		var js []byte
		err := bounded(context.Background(), b.opts.evalTimeout(), func() error {
			var err error
			js, err = jsonSchema(b, b.jsonParams)
			return err
		})
		if err == nil {
			b.jsonSchema = js // bounded has seen the walk finish
		} else {
			msg, _ := json.Marshal("json schema: " + err.Error())
			b.jsonSchema = []byte(`{"$schema": "` + jsonSchemaDialect + `", "$comment": ` + string(msg) + "}\n")
		}
	})
	return append([]byte(nil), b.jsonSchema...)
}

const (
	jsonSchemaDialect = "https://json-schema.org/draft/2020-12/schema"

	// maxSchemaDepth bounds the nesting of structs and lists, which
	// recursive definitions (#T: {children?: [...#T]}) would make infinite;
	// deeper values are described as {} (anything).
	maxSchemaDepth = 32
	// maxExprDepth bounds the walk through one value's expression tree.
	maxExprDepth = 64
	// maxSchemaNodes bounds the number of schemas built for one blueprint.
	maxSchemaNodes = 20_000
)

// schema is one JSON Schema. Fields are marshalled in declaration order, so
// the output is stable and reads naturally.
type schema struct {
	Schema           string            `json:"$schema,omitempty"`
	Title            string            `json:"title,omitempty"`
	Description      string            `json:"description,omitempty"`
	Type             any               `json:"type,omitempty"` // string or []string
	Const            json.RawMessage   `json:"const,omitempty"`
	Enum             []json.RawMessage `json:"enum,omitempty"`
	Default          json.RawMessage   `json:"default,omitempty"`
	Minimum          json.RawMessage   `json:"minimum,omitempty"`
	ExclusiveMinimum json.RawMessage   `json:"exclusiveMinimum,omitempty"`
	Maximum          json.RawMessage   `json:"maximum,omitempty"`
	ExclusiveMaximum json.RawMessage   `json:"exclusiveMaximum,omitempty"`
	MinLength        *int64            `json:"minLength,omitempty"`
	MaxLength        *int64            `json:"maxLength,omitempty"`
	Pattern          string            `json:"pattern,omitempty"`
	PrefixItems      []*schema         `json:"prefixItems,omitempty"`
	Items            any               `json:"items,omitempty"` // *schema or false
	MinItems         *int64            `json:"minItems,omitempty"`
	MaxItems         *int64            `json:"maxItems,omitempty"`
	UniqueItems      bool              `json:"uniqueItems,omitempty"`
	Properties       *properties       `json:"properties,omitempty"`
	Required         []string          `json:"required,omitempty"`
	// AdditionalProperties is false for a closed struct, a *schema for a
	// struct with a [string]: T pattern, nil for an open one.
	AdditionalProperties any       `json:"additionalProperties,omitempty"`
	AnyOf                []*schema `json:"anyOf,omitempty"`
	AllOf                []*schema `json:"allOf,omitempty"`
	Not                  *schema   `json:"not,omitempty"`
	XError               string    `json:"x-goldenpath-error,omitempty"`
}

// properties keeps the fields of a struct in schema order.
type properties struct {
	names   []string
	schemas []*schema
}

func (p *properties) add(name string, s *schema) {
	p.names = append(p.names, name)
	p.schemas = append(p.schemas, s)
}

func (p *properties) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, name := range p.names {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := marshalJSON(name)
		if err != nil {
			return nil, err
		}
		v, err := marshalJSON(p.schemas[i])
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// marshalJSON is json.Marshal without HTML escaping, so that patterns and
// descriptions stay readable.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jsonSchema describes the parameters as a JSON Schema (draft 2020-12). It
// walks the CUE values itself, because CUE's own generator drops bounds and
// defaults. Parameters are closed: Resolve rejects unknown fields, so every
// struct without a pattern or "..." gets additionalProperties: false.
// Cross-field rules (if ... {}) cannot be expressed: constraints declared
// inside them are left out, and what shows is the field's own declaration.
// Defaults are as CUE evaluates them, so a default computed from another
// parameter shows the value it takes with the other defaults.
func jsonSchema(b *Blueprint, params cue.Value) ([]byte, error) {
	g := &schemaGen{}
	if f, err := b.parse(); err == nil {
		g.guarded = guardedSpans(f)
	}
	root := g.value(params, 0)
	if root.Properties == nil {
		root.Properties = &properties{}
	}
	root.Schema = jsonSchemaDialect
	root.Title = b.Name
	root.Description = b.Description
	root.Type = "object"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

type schemaGen struct {
	nodes int
	// guarded are the spans of conditional comprehensions (if ... {}) in
	// blueprint.cue: constraints declared there are cross-field rules.
	guarded []span
	// rebuilding is set once a value has been recompiled by rebuild, so
	// that its parts are not recompiled again.
	rebuilding bool
}

// value builds the schema of v: its type, its constraints, and its fields or
// elements. Field-level keywords (description, default, required) are added
// by field.
func (g *schemaGen) value(v cue.Value, depth int) *schema {
	s := &schema{}
	g.nodes++
	if depth > maxSchemaDepth || g.nodes > maxSchemaNodes {
		return s
	}
	k := schemaKind(v, 0)
	if t := jsonTypes(k); len(t) == 1 {
		s.Type = t[0]
	} else if len(t) > 1 {
		s.Type = t
	}
	if v.IsConcrete() && isScalar(k) {
		if js, err := v.MarshalJSON(); err == nil {
			s.Const = js
		}
		return s
	}
	if base, ok := g.baseConjuncts(v); ok {
		for _, c := range base {
			g.constrain(c, s, depth, 1)
		}
	} else {
		g.constrain(v, s, depth, 0)
	}
	sv := structural(v)
	if k&cue.StructKind != 0 && s.AnyOf == nil {
		g.structFields(sv, s, depth)
	}
	if k&cue.ListKind != 0 && s.AnyOf == nil {
		g.listItems(sv, s, depth)
	}
	return s
}

// field builds the schema of a struct field, with its doc comment, default
// and @error message, and reports whether the field must be given.
func (g *schemaGen) field(v cue.Value, optional bool, depth int) (*schema, bool) {
	s := g.value(v, depth)
	s.Description = docOf(v)
	s.XError = g.errorAttr(v)
	hasDefault := false
	if d, ok := v.Default(); ok && d.IsConcrete() {
		if js, err := d.MarshalJSON(); err == nil {
			s.Default = js
			hasDefault = true
		}
	}
	k := schemaKind(v, 0)
	var required bool
	switch {
	case optional || hasDefault:
	case k == cue.StructKind:
		// A struct may be left out when none of its fields must be given.
		required = len(s.Required) > 0
	default:
		// IsConcrete is true of [string, int]: check the elements too.
		required = v.Validate(cue.Concrete(true)) != nil
	}
	return s, required
}

// span is a range of byte offsets in a file.
type span struct {
	file     string
	from, to int
}

// guardedSpans lists the comprehensions of f with an if (or try) clause.
func guardedSpans(f *ast.File) []span {
	var out []span
	ast.Walk(f, func(n ast.Node) bool {
		c, ok := n.(*ast.Comprehension)
		if !ok {
			return true
		}
		for _, cl := range c.Clauses {
			switch cl.(type) {
			case *ast.ForClause, *ast.LetClause:
				continue
			}
			out = append(out, span{c.Pos().Filename(), c.Pos().Offset(), c.End().Offset()})
			return false
		}
		return true
	}, nil)
	return out
}

// inGuard reports whether v was declared inside a conditional comprehension.
func (g *schemaGen) inGuard(v cue.Value) bool {
	src := v.Source()
	if src == nil || len(g.guarded) == 0 {
		return false
	}
	p := src.Pos()
	if !p.IsValid() {
		return false
	}
	for _, sp := range g.guarded {
		if p.Filename() == sp.file && p.Offset() >= sp.from && p.Offset() < sp.to {
			return true
		}
	}
	return false
}

// baseConjuncts returns the declarations of a field made outside
// conditional comprehensions, when some are made inside: for replicas:
// int & >=1 plus if tier == "prod" { replicas: >=3 }, only int & >=1. The
// conditional rules cannot be expressed in JSON Schema, and showing them
// would make the schema stricter than the blueprint for other inputs.
func (g *schemaGen) baseConjuncts(v cue.Value) ([]cue.Value, bool) {
	if len(g.guarded) == 0 {
		return nil, false
	}
	op, args := v.Expr()
	if op != cue.AndOp {
		return nil, false
	}
	var base []cue.Value
	for _, a := range args {
		if !g.inGuard(a) {
			base = append(base, a)
		}
	}
	if len(base) == 0 || len(base) == len(args) {
		return nil, false
	}
	return base, true
}

// errorAttr returns the message of the @error("...") attribute of a
// field's base declaration, or "".
func (g *schemaGen) errorAttr(v cue.Value) string {
	if base, ok := g.baseConjuncts(v); ok {
		for _, c := range base {
			if f, ok := c.Source().(*ast.Field); ok {
				for _, a := range f.Attrs {
					if k, body := a.Split(); k == "error" {
						return attrText(body)
					}
				}
			}
		}
		return ""
	}
	if a := v.Attribute("error"); a.Err() == nil {
		return attrText(a.Contents())
	}
	return ""
}

func attrText(body string) string {
	msg := strings.TrimSpace(body)
	if u, err := strconv.Unquote(msg); err == nil {
		msg = u
	}
	return msg
}

// structFields adds the properties of a struct.
func (g *schemaGen) structFields(sv cue.Value, s *schema, depth int) {
	it, err := sv.Fields(cue.Optional(true))
	if err != nil {
		return
	}
	props := &properties{}
	for it.Next() {
		name := it.Selector().Unquoted()
		fs, req := g.field(it.Value(), it.IsOptional(), depth+1)
		props.add(name, fs)
		if req {
			s.Required = append(s.Required, name)
		}
	}
	s.Properties = props
	if elem := sv.LookupPath(cue.MakePath(cue.AnyString)); elem.Exists() {
		// [string]: T, or "..." (T is _).
		if es := g.value(elem, depth+1); !isEmpty(es) {
			s.AdditionalProperties = es
		}
	} else if !hasPatterns(sv) {
		s.AdditionalProperties = false
	}
}

// listItems adds prefixItems, items and the length bounds of a list.
func (g *schemaGen) listItems(sv cue.Value, s *schema, depth int) {
	elem, open := listElem(sv, 0)
	if !open {
		// A closed, concrete list such as [1, 2] is a constant.
		if js, err := sv.MarshalJSON(); err == nil {
			s.Const = js
			return
		}
	}
	if it, err := sv.List(); err == nil {
		var n int64
		for it.Next() {
			s.PrefixItems = append(s.PrefixItems, g.value(it.Value(), depth+1))
			n++
		}
		if n > 0 {
			setMin(&s.MinItems, n)
			if !open {
				s.Items = false
			}
		}
	}
	if open {
		if es := g.value(elem, depth+1); !isEmpty(es) {
			s.Items = es
		}
	}
}

// schemaKind is v's incomplete kind. A value that is an error only because an
// open list, concrete as [], fails a validator ([...string] &
// list.MinItems(1)) has the bottom kind; its kind is then worked out from
// its parts.
func schemaKind(v cue.Value, depth int) cue.Kind {
	k := v.IncompleteKind()
	if k != cue.BottomKind || depth > maxExprDepth {
		return k
	}
	op, args := v.Expr()
	switch op {
	case cue.AndOp:
		k = cue.TopKind
		for _, a := range args {
			if ak := schemaKind(a, depth+1); ak != cue.BottomKind {
				k &= ak
			}
		}
		if k == cue.TopKind {
			return cue.BottomKind
		}
	case cue.OrOp:
		for _, a := range args {
			k |= schemaKind(a, depth+1)
		}
	}
	return k
}

// listElem returns the element type of an open list, looking into the parts
// of a list whose value is an error (see schemaKind).
func listElem(v cue.Value, depth int) (cue.Value, bool) {
	if e := v.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
		return e, true
	}
	if v.Err() == nil || depth > maxExprDepth {
		return cue.Value{}, false
	}
	if op, args := v.Expr(); op == cue.AndOp {
		for _, a := range args {
			if e, ok := listElem(a, depth+1); ok {
				return e, true
			}
		}
	}
	return cue.Value{}, false
}

// structural returns the value whose fields or elements describe v: for
// *default | T, where CUE drops the default from the expression, that is T.
func structural(v cue.Value) cue.Value {
	if _, ok := v.Default(); !ok {
		return v
	}
	if op, args := v.Expr(); op == cue.NoOp && len(args) == 1 && args[0] != v {
		return args[0]
	}
	return v
}

// rebuild recompiles the syntax of a value whose expression CUE does not
// decompose, such as a let reference (let L = int & <5, x: L). Plain types
// and values referring to other fields are left alone.
func (g *schemaGen) rebuild(v cue.Value) (t cue.Value, ok bool) {
	if g.rebuilding || v.IsConcrete() || v.IncompleteKind()&(cue.StructKind|cue.ListKind) != 0 {
		return cue.Value{}, false
	}
	defer func() {
		if recover() != nil {
			t, ok = cue.Value{}, false
		}
	}()
	x, isExpr := v.Syntax().(ast.Expr)
	if !isExpr {
		return cue.Value{}, false
	}
	if _, isIdent := x.(*ast.Ident); isIdent {
		return cue.Value{}, false
	}
	t = v.Context().BuildExpr(x)
	if t.Err() != nil {
		return cue.Value{}, false
	}
	return t, true
}

// deref returns the value a reference points to.
func deref(v cue.Value, args []cue.Value) (cue.Value, bool) {
	if root, p := v.ReferencePath(); len(p.Selectors()) > 0 {
		if t := root.LookupPath(p); t.Exists() {
			return t, true
		}
	}
	if len(args) != 2 {
		return cue.Value{}, false
	}
	label, err := args[1].String()
	if err != nil {
		return cue.Value{}, false
	}
	p := cue.ParsePath(label)
	if p.Err() != nil {
		return cue.Value{}, false
	}
	t := args[0].LookupPath(p)
	return t, t.Exists()
}

// constrain adds to s the constraints of v's expression: bounds, regular
// expressions, enums, validators from strings and list.
func (g *schemaGen) constrain(v cue.Value, s *schema, sdepth, depth int) {
	if depth > maxExprDepth {
		return
	}
	op, args := v.Expr()
	switch op {
	case cue.NoOp:
		// For *d | T, where d is an instance of T, CUE drops the default and
		// gives T; a reference may also resolve to another value.
		if len(args) == 1 && args[0] != v {
			g.constrain(args[0], s, sdepth, depth+1)
		} else if t, ok := g.rebuild(v); ok {
			g.rebuilding = true
			g.constrain(t, s, sdepth, depth+1)
			g.rebuilding = false
		}
	case cue.AndOp:
		for _, a := range args {
			g.constrain(a, s, sdepth, depth+1)
		}
	case cue.OrOp:
		g.disjunction(args, s, sdepth, depth)
	case cue.SelectorOp:
		// A reference: a field or definition in scope, or x.y.
		if t, ok := deref(v, args); ok {
			g.constrain(t, s, sdepth, depth+1)
		}
	case cue.GreaterThanEqualOp, cue.GreaterThanOp, cue.LessThanEqualOp, cue.LessThanOp:
		if len(args) != 1 {
			return
		}
		n := number(args[0])
		if n == nil {
			return // a string bound, or one that depends on another field
		}
		switch op {
		case cue.GreaterThanEqualOp:
			setBound(&s.Minimum, n, true)
		case cue.GreaterThanOp:
			setBound(&s.ExclusiveMinimum, n, true)
		case cue.LessThanEqualOp:
			setBound(&s.Maximum, n, false)
		case cue.LessThanOp:
			setBound(&s.ExclusiveMaximum, n, false)
		}
	case cue.NotEqualOp:
		if len(args) != 1 || !args[0].IsConcrete() {
			return
		}
		if str, err := args[0].String(); err == nil && str == "" {
			setMin(&s.MinLength, 1)
			return
		}
		if js, err := args[0].MarshalJSON(); err == nil {
			s.AllOf = append(s.AllOf, &schema{Not: &schema{Const: js}})
		}
	case cue.RegexMatchOp, cue.NotRegexMatchOp:
		if len(args) != 1 {
			return
		}
		re, err := args[0].String()
		if err != nil {
			return
		}
		switch {
		case op == cue.NotRegexMatchOp:
			s.AllOf = append(s.AllOf, &schema{Not: &schema{Pattern: re}})
		case s.Pattern == "":
			s.Pattern = re
		case s.Pattern != re:
			s.AllOf = append(s.AllOf, &schema{Pattern: re})
		}
	case cue.CallOp:
		g.validator(args, s)
	}
}

// disjunction adds a | b | ...: an enum when every disjunct is a literal,
// else anyOf, leaving out literals that another disjunct allows anyway (the
// default in *8080 | #Port).
func (g *schemaGen) disjunction(args []cue.Value, s *schema, sdepth, depth int) {
	var lits []json.RawMessage
	var others []cue.Value
	isLit := make([]bool, len(args))
	for i, a := range args {
		isLit[i] = a.IsConcrete() && isScalar(a.IncompleteKind())
		if !isLit[i] {
			others = append(others, a)
		}
	}
	var subs []*schema
	for i, a := range args {
		if !isLit[i] {
			continue
		}
		if allowedByAny(others, a) {
			continue
		}
		if len(others) > 0 && a.Kind() == cue.NullKind {
			// null | T: null is a type of its own.
			subs = append(subs, &schema{Type: "null"})
			continue
		}
		js, err := a.MarshalJSON()
		if err != nil {
			continue
		}
		lits = append(lits, js)
	}
	if len(others) == 0 {
		setEnum(s, lits)
		return
	}
	if len(others) == 1 && len(lits) == 0 && len(subs) == 0 {
		g.constrain(others[0], s, sdepth, depth+1)
		return
	}
	allTypes := len(lits) == 0
	for _, o := range others {
		sub := g.value(o, sdepth+1)
		subs = append(subs, sub)
		if !isTypeOnly(sub) {
			allTypes = false
		}
	}
	if allTypes {
		return // int | string: the type list says it all
	}
	if len(lits) == 1 {
		subs = append(subs, &schema{Const: lits[0]})
	} else if len(lits) > 1 {
		subs = append(subs, &schema{Enum: lits})
	}
	if s.AnyOf == nil {
		s.AnyOf = subs
	} else {
		s.AllOf = append(s.AllOf, &schema{AnyOf: subs})
	}
}

// allowedByAny reports whether the concrete value lit is an instance of one
// of vs.
func allowedByAny(vs []cue.Value, lit cue.Value) bool {
	for _, v := range vs {
		if v.Unify(lit).Validate(cue.Concrete(true)) == nil {
			return true
		}
	}
	return false
}

// validator adds the constraint of a call to a builtin validator such as
// strings.MinRunes(3) or list.MaxItems(5).
func (g *schemaGen) validator(args []cue.Value, s *schema) {
	if len(args) == 0 {
		return
	}
	name := ""
	if op, sel := args[0].Expr(); op == cue.SelectorOp && len(sel) == 2 {
		name, _ = sel[1].String()
	}
	if name == "" {
		name = strings.TrimSuffix(fmt.Sprint(args[0]), "()")
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
	}
	if name == "UniqueItems" {
		s.UniqueItems = true
		return
	}
	if len(args) != 2 || !args[1].IsConcrete() {
		return
	}
	n, err := args[1].Int64()
	if err != nil || n < 0 {
		return
	}
	switch name {
	case "MinRunes":
		setMin(&s.MinLength, n)
	case "MaxRunes":
		setMax(&s.MaxLength, n)
	case "MinItems":
		setMin(&s.MinItems, n)
	case "MaxItems":
		setMax(&s.MaxItems, n)
	}
}

// hasPatterns reports whether a struct has pattern constraints
// ([=~"^x"]: T) besides [string]: T. JSON Schema is not told about them, so
// such a struct is left open rather than made stricter than CUE.
func hasPatterns(v cue.Value) (found bool) {
	defer func() {
		if recover() != nil {
			found = true
		}
	}()
	return patternLabels(v.Syntax())
}

func patternLabels(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.Field:
		return patternLabels(x.Value)
	case *ast.BinaryExpr:
		return patternLabels(x.X) || patternLabels(x.Y)
	case *ast.ParenExpr:
		return patternLabels(x.X)
	case *ast.StructLit:
		for _, d := range x.Elts {
			switch e := d.(type) {
			case *ast.Field:
				if _, ok := e.Label.(*ast.ListLit); ok {
					return true
				}
				// A struct closed by a definition is printed as an
				// embedded _#def: {...}.
				if id, ok := e.Label.(*ast.Ident); ok && strings.HasPrefix(id.Name, "_#") && patternLabels(e.Value) {
					return true
				}
			case *ast.EmbedDecl:
				if patternLabels(e.Expr) {
					return true
				}
			}
		}
	}
	return false
}

// number returns the JSON form of a concrete number, or nil.
func number(v cue.Value) json.RawMessage {
	if !v.IsConcrete() || v.Kind()&cue.NumberKind == 0 {
		return nil
	}
	js, err := v.MarshalJSON()
	if err != nil {
		return nil
	}
	return js
}

// setBound keeps the tighter of the bound in *dst and n: the larger for a
// lower bound, the smaller for an upper one.
func setBound(dst *json.RawMessage, n json.RawMessage, lower bool) {
	if *dst == nil {
		*dst = n
		return
	}
	a, okA := new(big.Float).SetString(string(*dst))
	b, okB := new(big.Float).SetString(string(n))
	if !okA || !okB {
		return
	}
	if c := b.Cmp(a); (lower && c > 0) || (!lower && c < 0) {
		*dst = n
	}
}

func setMin(dst **int64, n int64) {
	if *dst == nil || n > **dst {
		*dst = &n
	}
}

func setMax(dst **int64, n int64) {
	if *dst == nil || n < **dst {
		*dst = &n
	}
}

// setEnum sets, or narrows, the enum of s.
func setEnum(s *schema, lits []json.RawMessage) {
	if len(lits) == 0 {
		return
	}
	if s.Enum == nil {
		s.Enum = lits
		return
	}
	var keep []json.RawMessage
	for _, e := range s.Enum {
		for _, l := range lits {
			if bytes.Equal(e, l) {
				keep = append(keep, e)
				break
			}
		}
	}
	if len(keep) == 0 {
		// Nothing is allowed: say so rather than drop the enum.
		s.Not = &schema{}
		return
	}
	s.Enum = keep
}

// jsonTypes maps a CUE kind to JSON Schema types; nil means any type.
func jsonTypes(k cue.Kind) []string {
	all := cue.NullKind | cue.BoolKind | cue.NumberKind | cue.StringKind | cue.ListKind | cue.StructKind
	if k&all == all || k&all == 0 {
		return nil
	}
	var t []string
	if k&cue.NullKind != 0 {
		t = append(t, "null")
	}
	if k&cue.BoolKind != 0 {
		t = append(t, "boolean")
	}
	switch {
	case k&cue.FloatKind != 0:
		t = append(t, "number")
	case k&cue.IntKind != 0:
		t = append(t, "integer")
	}
	if k&(cue.StringKind|cue.BytesKind) != 0 {
		t = append(t, "string")
	}
	if k&cue.ListKind != 0 {
		t = append(t, "array")
	}
	if k&cue.StructKind != 0 {
		t = append(t, "object")
	}
	return t
}

func isScalar(k cue.Kind) bool {
	return k != cue.BottomKind && k&^(cue.NullKind|cue.BoolKind|cue.NumberKind|cue.StringKind|cue.BytesKind) == 0
}

func isEmpty(s *schema) bool {
	js, err := json.Marshal(s)
	return err == nil && string(js) == "{}"
}

func isTypeOnly(s *schema) bool {
	t := *s
	t.Type = nil
	return isEmpty(&t)
}
