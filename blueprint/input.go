package blueprint

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/internal/fserr"
	"io"
	"math"
	"os"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
	cuejson "cuelang.org/go/encoding/json"
	cueyaml "cuelang.org/go/encoding/yaml"

	"github.com/goldenpath-dev/goldenpath/internal/yamlcheck"
)

// SetFile is the pseudo-file name used in positions of key=value pairs: line N
// is the N-th pair given to Set.
const SetFile = "--set"

// An Input is one layer of parameter values. Resolve applies layers in order;
// a later layer overrides the fields it names, merging nested structs.
type Input struct {
	kind   inputKind
	name   string
	data   []byte
	values map[string]any
	pairs  []string
}

type inputKind int

const (
	inputFile inputKind = iota
	inputData
	inputMap
	inputSet
)

// ValuesFile reads parameter values from a YAML or JSON file (by extension:
// ".json" is JSON, anything else YAML).
func ValuesFile(path string) Input { return Input{kind: inputFile, name: path} }

// ValuesData is parameter values in YAML or JSON, named name for positions
// and to choose the format (".json" is JSON, anything else YAML).
func ValuesData(name string, data []byte) Input {
	return Input{kind: inputData, name: name, data: data}
}

// ValuesMap is parameter values from Go. Maps must have string keys; values
// are strings, bools, numbers, nil, slices and maps of these.
func ValuesMap(m map[string]any) Input { return Input{kind: inputMap, values: m} }

// Set is parameter values as KEY=VALUE pairs, as given on a command line.
// KEY is a dotted path ("db.size"); VALUE is typed by the schema: "3" is an
// int where the parameter is an int and a string where it is a string, and
// "[a,b]" is a list whose elements are typed the same way.
func Set(pairs ...string) Input { return Input{kind: inputSet, pairs: pairs} }

// inputs turns the layers into one merged struct literal whose nodes keep the
// positions of the layer that gave them.
//
// Every layer is read even when one fails, so that one run reports the
// problems of all of them. The pairs of all Set layers are numbered in one
// sequence: line N of the pseudo-file "--set" is the N-th pair overall.
func (b *Blueprint) inputs(layers []Input) (*ast.StructLit, error) {
	merged := &ast.StructLit{}
	var fields []FieldError
	var other error
	setLine := 0
	for _, in := range layers {
		s, err := b.layer(in, setLine)
		if in.kind == inputSet {
			setLine += len(in.pairs)
		}
		var ve *ValidationError
		switch {
		case errors.As(err, &ve):
			fields = append(fields, ve.Fields...)
			continue
		case err != nil:
			if other == nil {
				other = err
			}
			continue
		}
		mergeStruct(merged, s)
	}
	if other != nil {
		return nil, other
	}
	if len(fields) > 0 {
		sortFieldErrors(fields)
		return nil, &ValidationError{Blueprint: b.Name, Fields: fields}
	}
	return merged, nil
}

func (b *Blueprint) layer(in Input, setLine int) (*ast.StructLit, error) {
	max := b.opts.maxInputBytes()
	switch in.kind {
	case inputFile:
		data, err := readCapped(in.name, max)
		if err != nil {
			return nil, err
		}
		return parseValues(in.name, data, b.opts.maxInputNodes())
	case inputData:
		if int64(len(in.data)) > max {
			return nil, fmt.Errorf("%s: %w: %d bytes, the limit is %d", in.name, ErrTooLarge, len(in.data), max)
		}
		return parseValues(in.name, in.data, b.opts.maxInputNodes())
	case inputMap:
		x, err := goToAST(in.values, 0)
		if err != nil {
			return nil, fmt.Errorf("values: %w", err)
		}
		return x.(*ast.StructLit), nil
	case inputSet:
		return b.parseSet(in.pairs, setLine)
	}
	return nil, fmt.Errorf("unknown input")
}

func readCapped(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fserr.Wrap("values file", name, "it does not exist", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fserr.Wrap("values file", name, "it does not exist", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w: the limit is %d bytes", name, ErrTooLarge, max)
	}
	return data, nil
}

// inputError is a problem with the shape of an input, with its position.
func inputError(pos token.Pos, name, msg string) error {
	p := toPosition(pos)
	if !p.IsValid() {
		p = Position{Filename: name}
	}
	return &ValidationError{Fields: []FieldError{{Message: msg, Input: &p}}}
}

// parseValues parses YAML or JSON into a struct literal.
func parseValues(name string, data []byte, maxNodes int) (_ *ast.StructLit, err error) {
	// The YAML decoder can panic on some malformed input (found by
	// FuzzResolveValues): report it as a syntax error.
	defer func() {
		if r := recover(); r != nil {
			err = &ValidationError{Fields: []FieldError{{Message: fmt.Sprintf("cannot parse: %v", r), Input: &Position{Filename: name}}}}
		}
	}()
	var expr ast.Expr
	if strings.EqualFold(path.Ext(name), ".json") {
		if err := yamlcheck.CheckJSON(name, data, yamlcheck.Limits{MaxNodes: maxNodes}); err != nil {
			return nil, limitError(err)
		}
		x, err := cuejson.Extract(name, data)
		if err != nil {
			return nil, syntaxError(name, err)
		}
		expr = x
	} else {
		// Aliases and merge keys are counted before the decoder expands
		// them: it follows a merge key into its own anchor until the stack
		// overflows, which no recover catches.
		if err := yamlcheck.Check(name, data, yamlcheck.Limits{MaxNodes: maxNodes}); err != nil {
			return nil, limitError(err)
		}
		f, err := cueyaml.Extract(name, data)
		if err != nil {
			return nil, syntaxError(name, err)
		}
		if len(f.Decls) == 0 {
			return &ast.StructLit{}, nil
		}
		if len(f.Decls) == 1 {
			if em, ok := f.Decls[0].(*ast.EmbedDecl); ok {
				expr = em.Expr
			}
		}
		if expr == nil {
			expr = &ast.StructLit{Elts: f.Decls}
		}
	}
	s, ok := expr.(*ast.StructLit)
	if !ok {
		return nil, inputError(expr.Pos(), name, "parameter values must be a mapping of names to values")
	}
	for _, d := range s.Elts {
		if _, ok := d.(*ast.Field); !ok {
			return nil, inputError(d.Pos(), name, "parameter values must be a mapping of names to values")
		}
	}
	return s, nil
}

func syntaxError(name string, err error) error {
	fe := FieldError{Message: "syntax error"}
	for _, e := range errorsOf(err) {
		format, args := e.Msg()
		fe.Message = fmt.Sprintf(format, args...)
		if ps := e.InputPositions(); len(ps) > 0 {
			p := toPosition(ps[0])
			fe.Input = &p
		} else if p := toPosition(e.Position()); p.IsValid() {
			fe.Input = &p
		}
		break
	}
	// CUE's JSON decoder names the file in its message too; the position
	// names it already.
	fe.Message = strings.ReplaceAll(fe.Message, fmt.Sprintf(" for file %q", name), "")
	if fe.Input == nil {
		// The YAML decoder's errors are text: "NAME:LINE: message". Keep the
		// position once, as a position.
		fe.Input = &Position{Filename: name}
		fe.Message = err.Error()
		if rest, ok := strings.CutPrefix(fe.Message, name+":"); ok {
			fe.Message = strings.TrimSpace(rest)
			if l, msg, ok := strings.Cut(rest, ":"); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(l)); err == nil && n > 0 {
					fe.Input.Line = n
					fe.Message = strings.TrimSpace(msg)
				}
			}
		}
		if fe.Message == "" {
			fe.Message = "syntax error"
		}
	}
	return &ValidationError{Fields: []FieldError{fe}}
}

// limitError turns a document refused by internal/yamlcheck into a
// validation error at the node where the limit was crossed.
func limitError(err error) error {
	var le *yamlcheck.Error
	if !errors.As(err, &le) {
		return err
	}
	return &ValidationError{Fields: []FieldError{{Message: le.Msg, Input: &Position{Filename: le.File, Line: le.Line, Column: le.Column}}}}
}

// mergeStruct overlays src onto dst: a field of src replaces the field of dst
// with the same name, except that two structs merge field by field.
func mergeStruct(dst, src *ast.StructLit) {
	index := map[string]int{}
	for i, d := range dst.Elts {
		if f, ok := d.(*ast.Field); ok {
			if name, _, err := ast.LabelName(f.Label); err == nil {
				index[name] = i
			}
		}
	}
	for _, d := range src.Elts {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, _, err := ast.LabelName(f.Label)
		if err != nil {
			continue
		}
		i, exists := index[name]
		if !exists {
			index[name] = len(dst.Elts)
			dst.Elts = append(dst.Elts, f)
			continue
		}
		old := dst.Elts[i].(*ast.Field)
		os, ok1 := old.Value.(*ast.StructLit)
		ns, ok2 := f.Value.(*ast.StructLit)
		if ok1 && ok2 {
			merged := &ast.StructLit{Elts: slices.Clone(os.Elts)}
			mergeStruct(merged, ns)
			dst.Elts[i] = &ast.Field{Label: f.Label, Value: merged}
			continue
		}
		dst.Elts[i] = f
	}
}

// goToAST converts Go values to CUE syntax.
func goToAST(v any, depth int) (ast.Expr, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("values nested deeper than %d levels", maxDepth)
	}
	switch x := v.(type) {
	case nil:
		return ast.NewNull(), nil
	case string:
		return ast.NewString(x), nil
	case bool:
		return ast.NewBool(x), nil
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return ast.NewLit(token.INT, string(x)), nil
		}
		return ast.NewLit(token.FLOAT, string(x)), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := &ast.StructLit{}
		for _, k := range keys {
			e, err := goToAST(x[k], depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			s.Elts = append(s.Elts, &ast.Field{Label: ast.NewStringLabel(k), Value: e})
		}
		return s, nil
	case []any:
		l := &ast.ListLit{}
		for i, e := range x {
			a, err := goToAST(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			l.Elts = append(l.Elts, a)
		}
		return l, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ast.NewLit(token.INT, strconv.FormatInt(rv.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return ast.NewLit(token.INT, strconv.FormatUint(rv.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v is not a number CUE can hold", f)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return ast.NewLit(token.INT, strconv.FormatInt(int64(f), 10)), nil
		}
		return ast.NewLit(token.FLOAT, strconv.FormatFloat(f, 'g', -1, 64)), nil
	case reflect.String:
		return ast.NewString(rv.String()), nil
	case reflect.Bool:
		return ast.NewBool(rv.Bool()), nil
	case reflect.Slice, reflect.Array:
		items := make([]any, rv.Len())
		for i := range items {
			items[i] = rv.Index(i).Interface()
		}
		return goToAST(items, depth)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map keys must be strings, not %s", rv.Type().Key())
		}
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return goToAST(m, depth)
	}
	return nil, fmt.Errorf("unsupported value of type %T", v)
}

const maxDepth = 64

// parseSet turns KEY=VALUE pairs into a struct literal, typing each value by
// the schema's kind at KEY. The pairs are lines firstLine+1… of "--set".
func (b *Blueprint) parseSet(pairs []string, firstLine int) (*ast.StructLit, error) {
	content := strings.Repeat("\n", firstLine) + strings.Join(pairs, "\n")
	tf := token.NewFile(SetFile, -1, len(content))
	tf.SetLinesForContent([]byte(content))
	out := &ast.StructLit{}
	var errs []FieldError
	offset := firstLine
	for _, pair := range pairs {
		start := offset
		offset += len(pair) + 1
		key, val, ok := strings.Cut(pair, "=")
		pos := toPosition(tf.Pos(start, token.NoRelPos))
		if !ok || key == "" {
			errs = append(errs, FieldError{Path: key, Message: fmt.Sprintf("%q is not KEY=VALUE", pair), Input: &pos})
			continue
		}
		valPos := tf.Pos(start+len(key)+1, token.NoRelPos)
		segs := strings.Split(key, ".")
		if slices.Contains(segs, "") {
			errs = append(errs, FieldError{Path: key, Message: "empty segment in key", Input: &pos})
			continue
		}
		x, err := b.typedValue(key, val, valPos)
		if err != nil {
			vp := toPosition(valPos)
			errs = append(errs, FieldError{Path: key, Message: err.Error(), Input: &vp})
			continue
		}
		// Build {a: {b: x}} and merge it in.
		for i := len(segs) - 1; i >= 0; i-- {
			lbl := ast.NewStringLabel(segs[i])
			ast.SetPos(lbl, tf.Pos(start, token.NoRelPos))
			x = &ast.StructLit{Elts: []ast.Decl{&ast.Field{Label: lbl, Value: x}}}
		}
		mergeStruct(out, x.(*ast.StructLit))
	}
	if len(errs) > 0 {
		return nil, &ValidationError{Blueprint: b.Name, Fields: errs}
	}
	return out, nil
}

// typedValue converts the text of a --set value to CUE syntax by the kind the
// schema gives the key.
func (b *Blueprint) typedValue(key, val string, pos token.Pos) (ast.Expr, error) {
	k, known := b.kinds[key]
	if !known {
		k = cue.TopKind
	}
	x, err := scalarAST(k, val, b.kinds[key+".[]"])
	if err != nil {
		return nil, err
	}
	ast.SetPos(x, pos)
	return x, nil
}

func scalarAST(k cue.Kind, val string, elem cue.Kind) (ast.Expr, error) {
	switch {
	case k == cue.StringKind:
		return ast.NewString(val), nil
	case k == cue.IntKind:
		if _, err := strconv.ParseInt(val, 10, 64); err != nil {
			return nil, fmt.Errorf("want an integer, got %q", val)
		}
		return ast.NewLit(token.INT, val), nil
	case k == cue.FloatKind || k == cue.NumberKind:
		if _, err := strconv.ParseFloat(val, 64); err != nil {
			return nil, fmt.Errorf("want a number, got %q", val)
		}
		if _, err := strconv.ParseInt(val, 10, 64); err == nil && k == cue.NumberKind {
			return ast.NewLit(token.INT, val), nil
		}
		return ast.NewLit(token.FLOAT, val), nil
	case k == cue.BoolKind:
		bv, err := strconv.ParseBool(val)
		if err != nil {
			return nil, fmt.Errorf("want true or false, got %q", val)
		}
		return ast.NewBool(bv), nil
	case k == cue.ListKind:
		inner := strings.TrimSpace(val)
		if !strings.HasPrefix(inner, "[") || !strings.HasSuffix(inner, "]") {
			return nil, fmt.Errorf("want a list such as [a,b], got %q", val)
		}
		inner = strings.TrimSpace(inner[1 : len(inner)-1])
		l := &ast.ListLit{}
		if inner == "" {
			return l, nil
		}
		if elem == 0 {
			elem = cue.TopKind
		}
		for _, item := range strings.Split(inner, ",") {
			e, err := scalarAST(elem, strings.TrimSpace(item), 0)
			if err != nil {
				return nil, err
			}
			l.Elts = append(l.Elts, e)
		}
		return l, nil
	}
	// Mixed or unknown kinds: read the text as a YAML value, and fall back to
	// a string where the schema allows one.
	if f, err := extractYAML(SetFile, val); err == nil && len(f.Decls) == 1 {
		if em, ok := f.Decls[0].(*ast.EmbedDecl); ok {
			if lit, isLit := em.Expr.(*ast.BasicLit); !isLit || k&kindOf(lit) != 0 {
				return em.Expr, nil
			}
		}
	}
	if k&cue.StringKind != 0 {
		return ast.NewString(val), nil
	}
	return nil, fmt.Errorf("want %s, got %q", kindPhrase(k), val)
}

func kindOf(lit *ast.BasicLit) cue.Kind {
	switch lit.Kind {
	case token.INT:
		return cue.IntKind
	case token.FLOAT:
		return cue.FloatKind
	case token.STRING:
		return cue.StringKind
	case token.TRUE, token.FALSE:
		return cue.BoolKind
	case token.NULL:
		return cue.NullKind
	}
	return cue.TopKind
}

// extractYAML is cueyaml.Extract with the decoder's panics turned into errors.
func extractYAML(name, src string) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot parse: %v", r)
		}
	}()
	if err := yamlcheck.Check(name, []byte(src), yamlcheck.Limits{}); err != nil {
		return nil, err
	}
	return cueyaml.Extract(name, []byte(src))
}

// plainValue converts the syntax of an input value to the Go value that
// cue.Context.Encode turns into the same CUE value as compiling the syntax
// would, and reports false whenever it cannot be sure: any expression but a
// literal, a list or a struct of them; an integer written other than in
// decimal or beyond int64; a float whose decimal form float64 would not
// keep ("1.0", "0.10"); bytes; a string that is not valid UTF-8; a label
// that is hidden, a definition, optional, required or repeated. Encoding is
// several times cheaper than compiling and evaluating the syntax, but its
// values have no positions: Resolve uses it only for inputs that turn out
// valid, and compiles the syntax to report errors.
//
// Encode orders a struct's fields by name where the syntax keeps them as
// written; Resolve encodes only for blueprints that cannot observe the
// order (evaluator.plain).
func plainValue(x ast.Expr, depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	switch x := x.(type) {
	case *ast.BasicLit:
		return plainLit(x.Kind, x.Value)
	case *ast.UnaryExpr:
		lit, ok := x.X.(*ast.BasicLit)
		if !ok || x.Op != token.SUB || (lit.Kind != token.INT && lit.Kind != token.FLOAT) || strings.HasPrefix(lit.Value, "-") {
			return nil, false
		}
		return plainLit(lit.Kind, "-"+lit.Value)
	case *ast.ListLit:
		out := make([]any, len(x.Elts))
		for i, e := range x.Elts {
			v, ok := plainValue(e, depth+1)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	case *ast.StructLit:
		out := make(map[string]any, len(x.Elts))
		for _, d := range x.Elts {
			f, ok := d.(*ast.Field)
			if !ok || f.Constraint != token.ILLEGAL {
				return nil, false
			}
			name, _, err := ast.LabelName(f.Label)
			if err != nil {
				return nil, false
			}
			switch f.Label.(type) {
			case *ast.Ident:
				if strings.HasPrefix(name, "_") || strings.HasPrefix(name, "#") {
					return nil, false
				}
			case *ast.BasicLit:
			default:
				return nil, false
			}
			if _, dup := out[name]; dup {
				return nil, false
			}
			v, ok := plainValue(f.Value, depth+1)
			if !ok {
				return nil, false
			}
			out[name] = v
		}
		return out, true
	}
	return nil, false
}

// plainLit is plainValue for one literal.
func plainLit(kind token.Token, lit string) (any, bool) {
	switch kind {
	case token.INT:
		digits := strings.TrimPrefix(lit, "-")
		if digits == "" || (len(digits) > 1 && digits[0] == '0') || strings.Trim(digits, "0123456789") != "" || lit == "-0" {
			return nil, false
		}
		n, err := strconv.ParseInt(lit, 10, 64)
		return n, err == nil
	case token.FLOAT:
		if !strings.ContainsAny(lit, ".eE") {
			return nil, false
		}
		f, err := strconv.ParseFloat(lit, 64)
		// Encode keeps a float64 as the decimal of its shortest form: the
		// same decimal as the literal only when the literal is that form.
		if err != nil || strconv.FormatFloat(f, 'g', -1, 64) != lit {
			return nil, false
		}
		return f, true
	case token.STRING:
		if !strings.HasPrefix(strings.TrimLeft(lit, "#"), `"`) {
			return nil, false // bytes
		}
		s, err := literal.Unquote(lit)
		if err != nil || !utf8.ValidString(s) {
			return nil, false
		}
		return s, true
	case token.TRUE:
		return true, true
	case token.FALSE:
		return false, true
	case token.NULL:
		return nil, true
	}
	return nil, false
}
