package blueprint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"

	globs "github.com/goldenpath-dev/goldenpath/internal/glob"
)

// closedParams names the definition that closes the parameters, to find
// unknown fields.
const closedParams = "#GoldenpathParameters"

var (
	paramsPath  = cue.ParsePath("parameters")
	closedPath  = cue.MakePath(cue.Def(closedParams))
	derivedPath = cue.ParsePath("derived")
)

// evaluator is a cue.Context with blueprint.cue compiled into it. One
// goroutine uses it at a time.
//
// A valid input costs one evaluation: blueprint.cue with the input filled
// into its parameters gives the parameters, derived values, file conditions
// and include values at once. An invalid one is evaluated a second time
// against the parameters alone (params) — the schema, its defaults and its
// cross-field rules — so that every error reported is about a parameter and
// none about a derived value that follows from it.
//
// root is blueprint.cue without the fields Resolve never reads and that
// nothing refers to (name, version, description… when written as
// literals): they cannot fail, and evaluating them with every input is
// wasted.
type evaluator struct {
	root   cue.Value   // blueprint.cue less its unreferenced literal fields
	params cue.Value   // root's parameters
	closed *schemaNode // the parameters, closed
	// plain reports that nothing in blueprint.cue can observe the order of
	// a struct's fields (no for clause, no encoding package), so an input
	// may be encoded from Go values, whose fields CUE sorts, rather than
	// compiled from its syntax.
	plain bool
	used  int
}

func (b *Blueprint) newEvaluator() (*evaluator, error) {
	f, err := b.parse()
	if err != nil {
		return nil, err
	}
	plain := !observesOrder(f)
	conditional := map[string]bool{}
	for _, r := range b.Files {
		conditional[r.Glob] = r.Conditional
	}
	f = leanFile(f, conditional)
	ctx := cuecontext.New()
	root := ctx.BuildFile(f)
	if err := root.Err(); err != nil {
		return nil, err
	}
	// The closed copy is a value of its own, not a field of root, so that
	// evaluating root does not evaluate the parameters twice.
	closed := ctx.BuildFile(&ast.File{Decls: []ast.Decl{&ast.Field{Label: ast.NewIdent(closedParams), Value: ast.NewIdent("parameters")}}}, cue.Scope(root))
	if err := closed.Err(); err != nil {
		return nil, err
	}
	return &evaluator{root: root, params: root.LookupPath(paramsPath), closed: newSchemaNode(closed.LookupPath(closedPath)), plain: plain}, nil
}

// resolveFields are the top-level fields that resolution reads.
var resolveFields = map[string]bool{"parameters": true, "derived": true, "files": true, "include": true}

// leanFile returns f without its top-level fields that resolution does not
// read, that nothing refers to and whose every declaration is a literal: a
// constant that passed the check at load cannot fail with any input. When
// the file has anything at top level that could add to or constrain such a
// field (an embedding, a comprehension, a pattern or dynamic label), it
// returns f as it is. Entries of files go too when written as literals
// and not conditional (see leanFiles).
func leanFile(f *ast.File, conditional map[string]bool) *ast.File {
	literalOnly := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.Package, *ast.ImportDecl, *ast.LetClause, *ast.Attribute, *ast.CommentGroup:
		case *ast.Field:
			name, ok := plainLabel(d.Label)
			if !ok {
				if id, isIdent := d.Label.(*ast.Ident); isIdent && (strings.HasPrefix(id.Name, "_") || strings.HasPrefix(id.Name, "#")) {
					continue // hidden or a definition: kept, as it may be needed
				}
				return f
			}
			if prev, seen := literalOnly[name]; !seen || prev {
				literalOnly[name] = d.Constraint == token.ILLEGAL && isLiteral(d.Value)
			}
		default:
			return f
		}
	}
	// Labels and selectors are names, not references.
	names := map[*ast.Ident]bool{}
	ast.Walk(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Field:
			if id, ok := x.Label.(*ast.Ident); ok {
				names[id] = true
			}
		case *ast.SelectorExpr:
			if id, ok := x.Sel.(*ast.Ident); ok {
				names[id] = true
			}
		}
		return true
	}, nil)
	ast.Walk(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && !names[id] && (id.Scope == f || id.Scope == nil) {
			literalOnly[id.Name] = false
		}
		return true
	}, nil)
	// files is read by Resolve only for its include conditions: an entry
	// written as literals (a level, a renderer, include: true) was read
	// at load, when nothing refers to files.
	globs := map[string]int{}
	leanable := !referenced(f, names, "files")
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			if name, _ := plainLabel(fd.Label); name == "files" {
				leanable = leanable && countGlobs(fd, globs)
			}
		}
	}
	lean := &ast.File{Filename: f.Filename}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			name, _ := plainLabel(fd.Label)
			if literalOnly[name] && !resolveFields[name] {
				continue
			}
			if name == "files" && leanable {
				d = leanFiles(fd, globs, conditional)
			}
		}
		lean.Decls = append(lean.Decls, d)
	}
	return lean
}

// referenced reports whether an identifier refers to the top-level field
// name (names holds the identifiers that are labels or selectors).
func referenced(f *ast.File, names map[*ast.Ident]bool, name string) bool {
	found := false
	ast.Walk(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name && !names[id] && (id.Scope == f || id.Scope == nil) {
			found = true
		}
		return !found
	}, nil)
	return found
}

// countGlobs counts the entries of a files field by glob, and reports
// false when its value is anything but a struct of plainly labelled fields
// (a pattern or a comprehension could add to any entry).
func countGlobs(fd *ast.Field, globs map[string]int) bool {
	s, ok := fd.Value.(*ast.StructLit)
	if !ok {
		return false
	}
	for _, d := range s.Elts {
		switch e := d.(type) {
		case *ast.CommentGroup, *ast.Attribute:
		case *ast.Field:
			name, ok := plainLabel(e.Label)
			if !ok || e.Constraint != token.ILLEGAL {
				return false
			}
			globs[name]++
		default:
			return false
		}
	}
	return true
}

// leanFiles returns a files field without the entries written as literals
// whose glob is declared once and has no condition.
func leanFiles(fd *ast.Field, globs map[string]int, conditional map[string]bool) ast.Decl {
	s := fd.Value.(*ast.StructLit)
	var keep []ast.Decl
	for _, d := range s.Elts {
		if e, ok := d.(*ast.Field); ok {
			name, _ := plainLabel(e.Label)
			if globs[name] == 1 && !conditional[name] && isLiteral(e.Value) {
				continue
			}
		}
		keep = append(keep, d)
	}
	return &ast.Field{Label: fd.Label, Value: &ast.StructLit{Elts: keep}}
}

// plainLabel returns the name of a regular field's label, or false for any
// other label (hidden, definition, alias, pattern, dynamic).
func plainLabel(l ast.Label) (string, bool) {
	switch l := l.(type) {
	case *ast.Ident:
		if strings.HasPrefix(l.Name, "_") || strings.HasPrefix(l.Name, "#") {
			return "", false
		}
		return l.Name, true
	case *ast.BasicLit:
		name, _, err := ast.LabelName(l)
		return name, err == nil
	}
	return "", false
}

// isLiteral reports whether x is made only of literals, lists and structs
// of them.
func isLiteral(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.BasicLit:
		return true
	case *ast.ListLit:
		for _, e := range x.Elts {
			if !isLiteral(e) {
				return false
			}
		}
		return true
	case *ast.StructLit:
		for _, d := range x.Elts {
			f, ok := d.(*ast.Field)
			if !ok || f.Constraint != token.ILLEGAL {
				return false
			}
			if _, ok := plainLabel(f.Label); !ok || !isLiteral(f.Value) {
				return false
			}
		}
		return true
	}
	return false
}

// observesOrder reports whether f could see the order of a struct's fields:
// through a for clause, or an encoding package (json.Marshal).
func observesOrder(f *ast.File) bool {
	seen := false
	ast.Walk(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ForClause:
			seen = true
		case *ast.ImportSpec:
			if p, err := literal.Unquote(x.Path.Value); err != nil || strings.HasPrefix(p, "encoding/") {
				seen = true
			}
		}
		return !seen
	}, nil)
	return seen
}

// Resolve validates the layered inputs against the parameter schema and
// returns concrete, defaulted Params. On invalid input it returns a
// *ValidationError naming every failing field. Later inputs override earlier
// ones. Resolve is safe for concurrent use. On a Blueprint that was not
// loaded (a zero Blueprint{}, a nil *Blueprint) it returns ErrNotLoaded.
func (b *Blueprint) Resolve(ctx context.Context, inputs ...Input) (*Params, error) {
	if b == nil || b.pool == nil {
		return nil, ErrNotLoaded
	}
	in, err := b.inputs(inputs)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) && ve.Blueprint == "" {
			ve.Blueprint = b.Name
		}
		return nil, err
	}
	if err := b.isolate(ctx, "resolve", in); err != nil {
		if errors.Is(err, ErrEvalTimeout) || errors.Is(err, ErrEvalMemory) {
			return nil, fmt.Errorf("resolve parameters of %s: %w", b.Name, err)
		}
		return nil, err
	}
	var p *Params
	err = b.bounded(ctx, func() error {
		e, err := b.pool.get()
		if err != nil {
			return err
		}
		p, err = b.resolveWith(e, in)
		b.pool.put(e)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrEvalTimeout) {
			return nil, fmt.Errorf("resolve parameters of %s: %w", b.Name, err)
		}
		return nil, err
	}
	if len(b.includes) > 0 {
		if err := b.resolveIncludes(ctx, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (b *Blueprint) resolveWith(e *evaluator, in *ast.StructLit) (*Params, error) {
	var fields []FieldError
	unknownFields(e.closed, in, "", &fields)
	invalid := false
	if len(fields) == 0 && e.plain {
		// The fast path: encode the input from Go values. Any failure is
		// left to the syntax below, whose values carry the positions that
		// errors report.
		if m, ok := plainValue(in, 0); ok {
			// Unify rather than FillPath: the same value, without
			// FillPath's wrapping and finalizing of the filled value.
			v := e.root.Unify(e.root.Context().Encode(map[string]any{"parameters": m}))
			if v.Validate(cue.Concrete(true), cue.All()) != nil {
				invalid = true
			} else if p, err := b.collect(v); err == nil {
				return p, nil
			}
		}
	}
	inV := e.root.Context().BuildExpr(in)
	if err := inV.Err(); err != nil {
		return nil, &ValidationError{Blueprint: b.Name, Fields: b.shaper("parameters", nil).shape(err)}
	}
	var v cue.Value
	var err error
	if !invalid && len(fields) == 0 {
		v = e.root.FillPath(paramsPath, inV)
		err = v.Validate(cue.Concrete(true), cue.All())
	}
	if invalid || err != nil || len(fields) > 0 {
		sh := b.shaper("parameters", nil)
		// Tell the parameters' own errors apart: a derived value fails
		// whenever a parameter it needs does.
		pv := e.params.Unify(inV)
		sh.value = pv
		if perr := pv.Validate(cue.Concrete(true), cue.All()); perr != nil {
			fields = append(fields, sh.shape(perr)...)
			fields = append(fields, b.brokenDefaults(pv, sh, fields)...)
		}
		if len(fields) == 0 && invalid {
			v = e.root.FillPath(paramsPath, inV)
			err = v.Validate(cue.Concrete(true), cue.All())
		}
		if len(fields) == 0 && err != nil {
			// A rule outside the parameters field, or a derived value
			// that cannot be computed from valid parameters.
			fields = sh.shape(err)
		}
		if len(fields) > 0 {
			sortFieldErrors(fields)
			return nil, &ValidationError{Blueprint: b.Name, Fields: fields}
		}
	}
	return b.collect(v)
}

// collect reads the resolved parameters, derived values, file conditions
// and include values out of v, blueprint.cue with a valid input filled in.
func (b *Blueprint) collect(v cue.Value) (*Params, error) {
	p := &Params{bp: b}
	if err := v.LookupPath(paramsPath).Decode(&p.values); err != nil {
		return nil, &ValidationError{Blueprint: b.Name, Fields: b.shaper("parameters", nil).shape(err)}
	}
	if p.values == nil {
		p.values = map[string]any{}
	}
	if d := v.LookupPath(derivedPath); d.Exists() {
		if err := d.Decode(&p.derived); err != nil {
			return nil, &ValidationError{Blueprint: b.Name, Fields: b.shaper("", nil).shape(err)}
		}
	}
	var fields []FieldError
	for _, r := range b.Files {
		if !r.Conditional {
			continue
		}
		iv := v.LookupPath(cue.MakePath(cue.Str("files"), cue.Str(r.Glob), cue.Str("include")))
		ok, err := iv.Bool()
		if err != nil {
			fields = append(fields, FieldError{Path: "files." + r.Glob + ".include", Message: "must evaluate to a bool", Schema: posOf(iv)})
			continue
		}
		if p.include == nil {
			p.include = map[string]bool{}
		}
		p.include[r.Glob] = ok
	}
	if len(fields) > 0 {
		return nil, &ValidationError{Blueprint: b.Name, Fields: fields}
	}
	for _, d := range b.includeDecls {
		w := v.LookupPath(cue.MakePath(cue.Str("include"), cue.Str(d.name), cue.Str("with")))
		if !w.Exists() {
			continue
		}
		var m map[string]any
		if err := w.Decode(&m); err != nil {
			return nil, &ValidationError{Blueprint: b.Name, Fields: b.shaper("", nil).shape(err)}
		}
		if p.with == nil {
			p.with = map[string]map[string]any{}
		}
		p.with[d.name] = m
	}
	p.data = mergedData(p.values, p.derived)
	return p, nil
}

// schemaNode is a struct of the closed parameters with what unknownFields
// asked it so far: the evaluator's schema never changes, so the answers
// hold for its life, and most inputs name the same fields.
type schemaNode struct {
	v      cue.Value
	allows map[string]bool
	child  map[string]*schemaNode // nil: not a struct to look into
}

// maxSchemaCache bounds what a schemaNode remembers, for inputs with many
// distinct names (a map of labels).
const maxSchemaCache = 256

func newSchemaNode(v cue.Value) *schemaNode {
	return &schemaNode{v: v, allows: map[string]bool{}, child: map[string]*schemaNode{}}
}

// unknownFields reports every input field that the parameter schema does not
// allow, with its position.
func unknownFields(schema *schemaNode, in *ast.StructLit, prefix string, out *[]FieldError) {
	for _, d := range in.Elts {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, _, err := ast.LabelName(f.Label)
		if err != nil {
			continue
		}
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		allowed, cached := schema.allows[name]
		if !cached {
			allowed = schema.v.Allows(cue.Str(name))
			if len(schema.allows) < maxSchemaCache {
				schema.allows[name] = allowed
			}
		}
		if !allowed {
			pos := toPosition(f.Label.Pos())
			fe := FieldError{Path: p, Message: "unknown parameter" + known(schema.v)}
			if pos.IsValid() || pos.Filename != "" {
				fe.Input = &pos
			}
			*out = append(*out, fe)
			continue
		}
		if sub, ok := f.Value.(*ast.StructLit); ok {
			child, cached := schema.child[name]
			if !cached {
				sel := cue.Str(name)
				cv := schema.v.LookupPath(cue.MakePath(sel))
				if !cv.Exists() {
					cv = schema.v.LookupPath(cue.MakePath(cue.AnyString))
				}
				if cv.Exists() && cv.IncompleteKind()&cue.StructKind != 0 {
					child = newSchemaNode(cv)
				}
				if len(schema.child) < maxSchemaCache {
					schema.child[name] = child
				}
			}
			if child != nil {
				unknownFields(child, sub, p, out)
			}
		}
	}
}

// known lists the fields a struct schema declares, for an "unknown" message.
func known(schema cue.Value) string {
	it, err := schema.Fields(cue.Optional(true))
	if err != nil {
		return ""
	}
	var names []string
	for it.Next() {
		names = append(names, it.Selector().Unquoted())
	}
	if len(names) == 0 {
		return ""
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}

// Parameter describes one parameter of a blueprint, for prompts and forms.
type Parameter struct {
	// Path is the dotted path of the parameter.
	Path string
	// Kind is the CUE kind, such as "string", "int", "bool", "list" or
	// "struct"; several kinds are joined with "|".
	Kind string
	// Doc is the doc comment written above the field.
	Doc string
	// Required reports whether a value must be given: the field is not
	// optional and has neither a default nor a concrete value.
	Required bool
	// Optional reports whether the field is optional (name?: ...).
	Optional bool
	// Default is the default value, or nil.
	Default any
	// Enum lists the allowed values when they are a set of literals.
	Enum []any
	// Constraint is the CUE constraint as written, for display.
	Constraint string
}

// Parameters returns the parameters in schema order, nested ones after their
// parent with dotted paths.
func (b *Blueprint) Parameters() []Parameter {
	out := make([]Parameter, len(b.params))
	for i, p := range b.params {
		out[i] = p
		out[i].Enum = append([]any(nil), p.Enum...)
	}
	return out
}

// paramIndex holds what walkParams records per parameter path.
type paramIndex struct {
	kinds map[string]cue.Kind
	enums map[string][]string
	decl  map[string]Position
}

func walkParams(v cue.Value, prefix string, idx paramIndex) []Parameter {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var out []Parameter
	for it.Next() {
		name := it.Selector().Unquoted()
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		fv := it.Value()
		k := fv.IncompleteKind()
		idx.kinds[p] = k
		if pos := toPosition(fv.Pos()); pos.IsValid() {
			idx.decl[p] = pos
		}
		param := Parameter{
			Path:       p,
			Kind:       kindString(k),
			Doc:        docOf(fv),
			Optional:   it.IsOptional(),
			Constraint: fmt.Sprint(fv),
		}
		if d, ok := fv.Default(); ok && d.IsConcrete() {
			var x any
			if d.Decode(&x) == nil {
				param.Default = x
			}
		} else if fv.IsConcrete() && k != cue.StructKind {
			var x any
			if fv.Decode(&x) == nil {
				param.Default = x
			}
		}
		if lits := literals(fv); len(lits) > 0 {
			param.Enum = lits
			names := make([]string, len(lits))
			for i, l := range lits {
				names[i] = fmt.Sprintf("%q", l)
				if _, isStr := l.(string); !isStr {
					names[i] = fmt.Sprint(l)
				}
			}
			idx.enums[p] = names
		}
		param.Required = !param.Optional && param.Default == nil && k != cue.StructKind
		if k == cue.ListKind {
			idx.kinds[p+".[]"] = fv.LookupPath(cue.MakePath(cue.AnyIndex)).IncompleteKind()
		}
		out = append(out, param)
		if k == cue.StructKind {
			out = append(out, walkParams(fv, p, idx)...)
		}
	}
	return out
}

// literals returns the values of a disjunction of concrete scalars, such as
// *"dev" | "prod", in order, or nil.
func literals(v cue.Value) []any {
	op, args := v.Expr()
	if op != cue.OrOp || len(args) < 2 {
		return nil
	}
	out := make([]any, 0, len(args))
	for _, a := range args {
		if !a.IsConcrete() || a.IncompleteKind()&(cue.StructKind|cue.ListKind) != 0 {
			return nil
		}
		var x any
		if err := a.Decode(&x); err != nil {
			return nil
		}
		out = append(out, x)
	}
	return out
}

func docOf(v cue.Value) string {
	var parts []string
	for _, cg := range v.Doc() {
		if t := strings.TrimSpace(cg.Text()); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n")
}

func kindString(k cue.Kind) string {
	if k == cue.TopKind {
		return "any"
	}
	s := k.String()
	return strings.ReplaceAll(s, " ", "")
}

// MatchGlob reports whether the slash-separated path name matches a files
// glob: "*" and the other path.Match patterns stay within one segment, and a
// "**" segment matches zero or more segments.
func MatchGlob(pattern, name string) bool { return globs.Match(pattern, name) }

// brokenDefaults reports the parameters whose default their constraints
// ruled out, which CUE leaves unreported (as merely incomplete) when another
// field fails; params is the parameters' value, known lists the fields
// already reported.
func (b *Blueprint) brokenDefaults(params cue.Value, sh *shaper, known []FieldError) []FieldError {
	var out []FieldError
	for _, p := range b.params {
		if p.Default == nil || slices.ContainsFunc(known, func(f FieldError) bool { return f.Path == p.Path }) {
			continue
		}
		fv := params.LookupPath(cue.ParsePath(p.Path))
		if err := fv.Validate(cue.Concrete(true)); err != nil {
			for _, fe := range sh.shape(err) {
				if fe.Path == p.Path {
					out = append(out, fe)
				}
			}
		}
	}
	return out
}
