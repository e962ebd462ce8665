package render

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"text/template/parse"
)

// One execution budget bounds everything a template makes the engine do,
// whether it renders a file's contents, a path or a dirs: entry:
//
//   - steps: every {{range}} is charged, when it starts, the number of
//     items it will visit (an integer, a list, a map, whatever computed it)
//     times the nodes of its body, and every template call ({{template}},
//     {{block}}) the nodes of the called body and 100; past the budget,
//     execution stops with ErrLimit;
//   - bytes: every function that can make a value larger than its inputs
//     (printf, print, indent, join, replace, quote, html, js, urlquery,
//     toYaml, toJson…) checks the size it is about to make against the
//     output limit before making it, so concatenation by assignment
//     ({{$s = printf "%s%s" $s $s}}) cannot grow past it either;
//   - the deadline: every charge and every write checks the context, so
//     execution stops soon after it ends. Execution runs in the caller's
//     goroutine and nothing outlives it.
//
// text/template cannot be interrupted, but with every loop and call charged
// before it runs, the work between two checks is bounded by the template's
// own size.

const (
	// DefaultMaxSteps is the default of Options.MaxSteps.
	DefaultMaxSteps = 10_000_000
	// MaxPathBytes caps a rendered output path or dirs: entry.
	MaxPathBytes = 4096
	// templateCallSteps is what one template call is charged besides its
	// body: a call has a fixed cost about a hundred times a node's.
	templateCallSteps = 100
	// The names of the hooks the engine adds to a parsed template. A
	// template's source cannot call them: they are not defined when it is
	// parsed.
	rangeHook = "_rangeBudget"
	callHook  = "_templateBudget"
)

// limits are the bounds one template execution runs under. The Engine passes
// them in the context of Prepared.Execute and Renderer.Render; a template
// executed without them gets the defaults.
type limits struct {
	maxBytes int64
	maxSteps int64
	// shared, when set, counts the steps of every execution of one render,
	// up to maxShared.
	shared    *atomic.Int64
	maxShared int64
}

type limitsKey struct{}

func withLimits(ctx context.Context, l limits) context.Context {
	return context.WithValue(ctx, limitsKey{}, l)
}

func limitsFrom(ctx context.Context) limits {
	l, _ := ctx.Value(limitsKey{}).(limits)
	return l.orDefaults()
}

func (l limits) orDefaults() limits {
	if l.maxBytes <= 0 {
		l.maxBytes = 64 << 20
	}
	if l.maxSteps <= 0 {
		l.maxSteps = DefaultMaxSteps
	}
	return l
}

// budget is the state of one execution. It is used by one goroutine.
type budget struct {
	ctx       context.Context
	done      <-chan struct{}
	steps     int64
	maxSteps  int64
	maxBytes  int64
	shared    *atomic.Int64
	maxShared int64
	err       error // the first bound hit, or the context's error
}

func (b *budget) start(ctx context.Context, l limits) {
	*b = budget{ctx: ctx, done: ctx.Done(), maxSteps: l.maxSteps, maxBytes: l.maxBytes, shared: l.shared, maxShared: l.maxShared}
}

// alive reports the context's end as the budget's error.
func (b *budget) alive() error {
	if b.err != nil {
		return b.err
	}
	if b.done != nil {
		select {
		case <-b.done:
			b.err = b.ctx.Err()
			return b.err
		default:
		}
	}
	return nil
}

// charge takes n steps from the budget.
func (b *budget) charge(n int64) error {
	if err := b.alive(); err != nil {
		return err
	}
	if n > b.maxSteps-b.steps {
		b.err = fmt.Errorf("%w: more than %d template steps (a range costs its items times its body, a template call its body)", ErrLimit, b.maxSteps)
		return b.err
	}
	b.steps += n
	if b.shared != nil && b.shared.Add(n) > b.maxShared {
		b.err = fmt.Errorf("%w: more than %d template steps in one render", ErrLimit, b.maxShared)
		return b.err
	}
	return nil
}

// fits checks that a value of n bytes may be made.
func (b *budget) fits(fn string, n int64) error {
	if err := b.alive(); err != nil {
		return err
	}
	if n < 0 || n > b.maxBytes {
		b.err = fmt.Errorf("%w: %s would make a value larger than %d bytes", ErrLimit, fn, b.maxBytes)
		return b.err
	}
	return nil
}

// rangeItems is how many items ranging over v visits.
func rangeItems(v reflect.Value) int64 {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 1
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return max(v.Int(), 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int64(min(v.Uint(), math.MaxInt64))
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Chan:
		return max(int64(v.Len()), 1)
	}
	return 1
}

// funcs returns the functions an execution binds to b: the hooks the
// instrumented trees call (rangeHook when ranges, callHook when calls), and
// the bounded versions of the functions named in bounded (boundedIn).
func (b *budget) funcs(bounded []string, ranges, calls bool) template.FuncMap {
	fm := template.FuncMap{}
	if ranges {
		fm[rangeHook] = func(cost int64, v reflect.Value) (reflect.Value, error) {
			n := rangeItems(v)
			if n > math.MaxInt64/cost {
				n = math.MaxInt64 / cost
			}
			return v, b.charge(n * cost)
		}
	}
	if calls {
		fm[callHook] = func(cost int64) (string, error) { return "", b.charge(templateCallSteps + cost) }
	}
	for _, name := range bounded {
		fm[name] = boundedFuncs[name](b)
	}
	return fm
}

// boundedIn returns the names of boundedFuncs the trees of t call, read
// from the trees themselves (a function is called only where an identifier
// names it); a node this walk does not know gives every name.
func boundedIn(t *template.Template) []string {
	seen := map[string]bool{}
	all := false
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.IdentifierNode:
			if _, ok := boundedFuncs[n.Ident]; ok {
				seen[n.Ident] = true
			}
		case nil, *parse.TextNode, *parse.CommentNode, *parse.DotNode, *parse.FieldNode, *parse.VariableNode,
			*parse.NilNode, *parse.NumberNode, *parse.StringNode, *parse.BoolNode, *parse.BreakNode, *parse.ContinueNode:
		default:
			all = true
		}
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			walk(tt.Tree.Root)
		}
	}
	if all {
		return slices.Collect(maps.Keys(boundedFuncs))
	}
	return slices.Sorted(maps.Keys(seen))
}

// boundedFuncs are the functions whose result can be larger than their
// arguments, each bound to a budget and checking the size it would make
// first.
var boundedFuncs = map[string]func(b *budget) any{
	"indent": func(b *budget) any {
		return func(n int, s string) (string, error) {
			if err := b.fits("indent", indentSize(n, s)); err != nil {
				return "", err
			}
			return indent(n, s), nil
		}
	},
	"nindent": func(b *budget) any {
		return func(n int, s string) (string, error) {
			if err := b.fits("nindent", indentSize(n, s)+1); err != nil {
				return "", err
			}
			return "\n" + indent(n, s), nil
		}
	},
	"join": func(b *budget) any {
		return func(sep string, list any) (string, error) {
			n := int64(0)
			switch l := list.(type) {
			case []string:
				for _, s := range l {
					n += int64(len(s)) + int64(len(sep))
				}
			case []any:
				for _, e := range l {
					n += sizeOf(e, b.maxBytes+1, 0) + int64(len(sep))
				}
			}
			if err := b.fits("join", n); err != nil {
				return "", err
			}
			return join(sep, list)
		}
	},
	"replace": func(b *budget) any {
		return func(old, new, s string) (string, error) {
			n := int64(len(s))
			if len(new) > len(old) {
				n += int64(strings.Count(s, old)) * int64(len(new)-len(old))
			}
			if err := b.fits("replace", n); err != nil {
				return "", err
			}
			return strings.ReplaceAll(s, old, new), nil
		}
	},
	"split": func(b *budget) any {
		return func(sep, s string) ([]string, error) {
			n := int64(len(s)) + 1
			if sep != "" {
				n = int64(strings.Count(s, sep)) + 1
			}
			if err := b.charge(n); err != nil {
				return nil, err
			}
			return strings.Split(s, sep), nil
		}
	},
	"quote": func(b *budget) any {
		return func(v any) (string, error) {
			s := toString(v)
			if err := b.fits("quote", 4*int64(len(s))+2); err != nil { // \x00 is four bytes
				return "", err
			}
			return fmt.Sprintf("%q", s), nil
		}
	},
	"squote": func(b *budget) any {
		return func(v any) (string, error) {
			s := toString(v)
			if err := b.fits("squote", int64(len(s))+2); err != nil {
				return "", err
			}
			return "'" + s + "'", nil
		}
	},
	"toYaml": func(b *budget) any {
		return func(v any) (string, error) {
			// Escapes (\x01) and indentation grow the value: allow for them,
			// then check the result.
			if err := b.fits("toYaml", 6*sizeOf(v, b.maxBytes+1, 0)); err != nil {
				return "", err
			}
			s, err := toYAML(v)
			if err == nil {
				err = b.fits("toYaml", int64(len(s)))
			}
			return s, err
		}
	},
	"toJson": func(b *budget) any {
		return func(v any) (string, error) {
			// json.Marshal writes < as \u003c: six bytes for one.
			if err := b.fits("toJson", 6*sizeOf(v, b.maxBytes+1, 0)); err != nil {
				return "", err
			}
			s, err := toJSON(v)
			if err == nil {
				err = b.fits("toJson", int64(len(s)))
			}
			return s, err
		}
	},
	// text/template's own functions that grow values.
	"printf": func(b *budget) any {
		return func(format string, args ...any) (string, error) {
			if err := b.fits("printf", printfSize(format, args, b.maxBytes+1)); err != nil {
				return "", err
			}
			return fmt.Sprintf(format, args...), nil
		}
	},
	"print": func(b *budget) any {
		return func(args ...any) (string, error) {
			if err := b.fits("print", argsSize(args, b.maxBytes+1)); err != nil {
				return "", err
			}
			return fmt.Sprint(args...), nil
		}
	},
	"println": func(b *budget) any {
		return func(args ...any) (string, error) {
			if err := b.fits("println", argsSize(args, b.maxBytes+1)+1); err != nil {
				return "", err
			}
			return fmt.Sprintln(args...), nil
		}
	},
	"html": func(b *budget) any {
		return func(args ...any) (string, error) {
			if err := b.fits("html", 5*argsSize(args, b.maxBytes+1)); err != nil { // " is &#34;
				return "", err
			}
			return template.HTMLEscaper(args...), nil
		}
	},
	"js": func(b *budget) any {
		return func(args ...any) (string, error) {
			if err := b.fits("js", 6*argsSize(args, b.maxBytes+1)); err != nil { // < is \u003C
				return "", err
			}
			return template.JSEscaper(args...), nil
		}
	},
	"urlquery": func(b *budget) any {
		return func(args ...any) (string, error) {
			if err := b.fits("urlquery", 3*argsSize(args, b.maxBytes+1)); err != nil {
				return "", err
			}
			return template.URLQueryEscaper(args...), nil
		}
	},
}

func indentSize(n int, s string) int64 {
	if n < 0 {
		return -1
	}
	return int64(len(s)) + int64(n)*int64(strings.Count(s, "\n")+1)
}

// argsSize is the size of the arguments printed with spaces between them,
// stopping at limit.
func argsSize(args []any, limit int64) int64 {
	n := int64(len(args))
	for _, a := range args {
		n += sizeOf(a, limit-n, 0)
		if n >= limit {
			return limit
		}
	}
	return n
}

// printfSize bounds the size of fmt.Sprintf(format, args...) from above:
// the format, every width and precision it states, every argument as many
// times as a verb can print it (each once, unless the format indexes
// arguments explicitly), six times over if a verb escapes (%q, %x, %U), and
// fmt's annotations of bad verbs and extra arguments.
func printfSize(format string, args []any, limit int64) int64 {
	n := int64(len(format))
	verbs, indexed, star := int64(0), false, false
	mult := int64(1)
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for ; i < len(format); i++ {
			c := format[i]
			switch {
			case c >= '0' && c <= '9':
				j := i
				for j < len(format) && format[j] >= '0' && format[j] <= '9' {
					j++
				}
				w, err := strconv.ParseInt(format[i:j], 10, 64)
				if err != nil || w >= limit {
					return limit
				}
				n += 2 * w // a width can pad a bad verb's annotation too
				i = j - 1
				continue
			case strings.IndexByte("+-# .", c) >= 0:
				continue
			case c == '[':
				indexed = true
				if j := strings.IndexByte(format[i:], ']'); j > 0 {
					i += j
				}
				continue
			case c == '*':
				star = true
				continue
			case c == 'q' || c == 'x' || c == 'X' || c == 'U':
				mult = 6
			}
			if c != '%' {
				verbs++
			}
			break
		}
	}
	if star {
		for _, a := range args {
			if w, err := toInt(a); err == nil {
				if w < 0 {
					w = -w
				}
				if w >= limit || w < 0 {
					return limit
				}
				n += 2 * w
			}
		}
	}
	all := argsSize(args, limit)
	each := all
	if indexed {
		each *= max(verbs, 1)
	}
	if each >= limit || each*mult >= limit {
		return limit
	}
	n += each * mult
	// fmt's own annotations: %!d(string=…), %!(NOVERB), and %!(EXTRA …)
	// listing the arguments no verb used.
	n += 16*(verbs+1) + 64*int64(len(args))
	if verbs < int64(len(args)) {
		n += all
	}
	return min(n, limit)
}

// sizeOf is about how many bytes fmt prints for v, stopping at limit.
func sizeOf(v any, limit int64, depth int) int64 {
	switch v := v.(type) {
	case nil:
		return 5
	case string:
		return int64(len(v))
	case []byte:
		return int64(len(v))
	case bool, int, int64, float64, int32, uint, uint64:
		return 24
	}
	if depth > 64 {
		return limit
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return 5
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.String:
		return int64(rv.Len())
	case reflect.Slice, reflect.Array:
		n := int64(2)
		for i := 0; i < rv.Len() && n < limit; i++ {
			n += 1 + sizeOf(rv.Index(i).Interface(), limit-n, depth+1)
		}
		return min(n, limit)
	case reflect.Map:
		n := int64(5)
		it := rv.MapRange()
		for it.Next() && n < limit {
			n += 2 + sizeOf(it.Key().Interface(), limit-n, depth+1)
			n += sizeOf(it.Value().Interface(), limit-n, depth+1)
		}
		return min(n, limit)
	case reflect.Struct:
		n := int64(2)
		for i := 0; i < rv.NumField() && n < limit; i++ {
			if f := rv.Field(i); f.CanInterface() {
				n += 1 + sizeOf(f.Interface(), limit-n, depth+1)
			} else {
				n += 24
			}
		}
		return min(n, limit)
	}
	return 24
}

// instrument rewrites every tree of t so that the work of each range and
// each template call is charged before it runs: a range's pipeline gets the
// range hook as its last command, with the cost of one iteration (the
// nodes of its body, nested ranges and calls counted once: they charge for
// themselves); and, when the template calls templates, every template body
// starts with an action that calls the call hook with the body's cost and
// prints nothing. It reports which hooks the trees call.
func instrument(t *template.Template) (ranges, calls bool) {
	var trees []*parse.Tree
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			trees = append(trees, tt.Tree)
		}
	}
	costs := make([]int64, len(trees))
	for i, tree := range trees {
		in := instrumentList(tree, tree.Root)
		ranges, calls, costs[i] = ranges || in.ranges, calls || in.calls, in.cost
	}
	if !calls {
		return ranges, false
	}
	for i, tree := range trees {
		pos := tree.Root.Pos
		call := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos,
			Args: []parse.Node{parse.NewIdentifier(callHook).SetTree(tree).SetPos(pos), costNode(costs[i], pos)}}
		action := &parse.ActionNode{NodeType: parse.NodeAction, Pos: pos,
			Pipe: &parse.PipeNode{NodeType: parse.NodePipe, Pos: pos, Cmds: []*parse.CommandNode{call}}}
		tree.Root.Nodes = append([]parse.Node{action}, tree.Root.Nodes...)
	}
	return ranges, true
}

// instrumented is what instrumentList found in a list.
type instrumented struct {
	ranges, calls bool
	cost          int64 // nodes evaluated once through the list
}

// instrumentList adds the range hook to the ranges under l.
func instrumentList(tree *parse.Tree, l *parse.ListNode) instrumented {
	var in instrumented
	if l == nil {
		return in
	}
	add := func(o instrumented) {
		in.ranges, in.calls, in.cost = in.ranges || o.ranges, in.calls || o.calls, in.cost+o.cost
	}
	for _, n := range l.Nodes {
		in.cost++
		switch n := n.(type) {
		case *parse.ActionNode:
			in.cost += pipeCost(n.Pipe)
		case *parse.RangeNode:
			body := instrumentList(tree, n.List)
			els := instrumentList(tree, n.ElseList)
			pos := n.Pipe.Pos
			n.Pipe.Cmds = append(n.Pipe.Cmds, &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos,
				Args: []parse.Node{parse.NewIdentifier(rangeHook).SetTree(tree).SetPos(pos), costNode(max(body.cost, 1), pos)}})
			in.ranges = true
			in.cost += pipeCost(n.Pipe) + els.cost
			in.ranges, in.calls = true, in.calls || body.calls || els.calls
		case *parse.IfNode:
			in.cost += pipeCost(n.Pipe)
			add(instrumentList(tree, n.List))
			add(instrumentList(tree, n.ElseList))
		case *parse.WithNode:
			in.cost += pipeCost(n.Pipe)
			add(instrumentList(tree, n.List))
			add(instrumentList(tree, n.ElseList))
		case *parse.ListNode:
			add(instrumentList(tree, n))
		case *parse.TemplateNode:
			in.cost += pipeCost(n.Pipe)
			in.calls = true
		}
	}
	return in
}

// pipeCost counts the commands and arguments of a pipeline.
func pipeCost(p *parse.PipeNode) int64 {
	if p == nil {
		return 0
	}
	n := int64(len(p.Decl))
	for _, c := range p.Cmds {
		n += int64(len(c.Args))
		for _, a := range c.Args {
			if sub, ok := a.(*parse.PipeNode); ok {
				n += pipeCost(sub)
			}
		}
	}
	return n
}

func costNode(cost int64, pos parse.Pos) *parse.NumberNode {
	return &parse.NumberNode{NodeType: parse.NodeNumber, Pos: pos, IsInt: true, Int64: cost, Text: strconv.FormatInt(cost, 10)}
}

// budgetError is a template stopped by its budget, or an error met at a
// hook. Its message is text/template's, which names the file, line and
// column, without the hook's name.
type budgetError struct {
	msg string
	err error
}

func (e *budgetError) Error() string { return e.msg }
func (e *budgetError) Unwrap() error { return e.err }

// stopped turns the error of an execution that hit b's bound into one that
// says which bound and where.
func (b *budget) stopped(err error) error {
	if err == nil {
		return nil
	}
	if b.err == nil {
		if msg := withoutHooks(err.Error()); msg != err.Error() {
			return &budgetError{msg: msg, err: err}
		}
		return err
	}
	if errors.Is(b.err, context.Canceled) || errors.Is(b.err, context.DeadlineExceeded) {
		return b.err
	}
	msg := withoutHooks(err.Error())
	if !strings.Contains(msg, b.err.Error()) {
		msg += ": " + b.err.Error()
	}
	return &budgetError{msg: msg, err: b.err}
}

// hookContextRe matches a hook call as text/template quotes it in errors.
var hookContextRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`<(?:` + rangeHook + `|` + callHook + `)(?: \d+)?>`)
})

// withoutHooks says "range" and "template call" where text/template's
// message names a hook.
func withoutHooks(msg string) string {
	if !strings.Contains(msg, rangeHook) && !strings.Contains(msg, callHook) {
		return msg
	}
	for hook, name := range map[string]string{rangeHook: "range", callHook: "template call"} {
		msg = strings.ReplaceAll(msg, "error calling "+hook+": ", "")
		msg = hookContextRe().ReplaceAllStringFunc(msg, func(m string) string {
			if strings.Contains(m, rangeHook) {
				return "range"
			}
			return "template call"
		})
		msg = strings.ReplaceAll(msg, hook, name)
	}
	return msg
}

// budgetWriter stops output once the budget's context ends.
type budgetWriter struct {
	b *budget
	w interface{ Write([]byte) (int, error) }
}

func (w *budgetWriter) Write(p []byte) (int, error) {
	if err := w.b.alive(); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}
