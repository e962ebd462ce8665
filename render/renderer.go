package render

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"text/template"
	"text/template/parse"
	"unsafe"
)

// Request is what a Renderer is asked to render: one template file and
// the data.
// Renderers must treat Source and Data as read-only: they are shared
// between concurrent renders.
type Request struct {
	// Path is the file's slash-separated path in the template tree.
	Path string
	// Source is the file's content.
	Source []byte
	// Data holds every parameter and derived value at top level.
	Data map[string]any
}

// A Renderer writes the rendered form of one template file to w. It must be
// deterministic (the same Request gives the same bytes), honour ctx, and be
// safe for concurrent use.
type Renderer interface {
	// Render writes the rendering of in to w, or returns why it cannot
	// (an error wrapping ctx.Err() when ctx ends first). It must not
	// modify in's Source or Data.
	Render(ctx context.Context, w io.Writer, in *Request) error
}

// RendererFunc adapts a function to a Renderer.
type RendererFunc func(ctx context.Context, w io.Writer, in *Request) error

// Render calls f.
func (f RendererFunc) Render(ctx context.Context, w io.Writer, in *Request) error {
	return f(ctx, w, in)
}

// A Preparer is a Renderer that can parse a template once for many renders.
// The Engine calls Prepare once per template file and blueprint and keeps
// the result while its template cache has room; otherwise it falls back to
// Render.
type Preparer interface {
	// Renderer renders what was not prepared.
	Renderer
	// Prepare parses src, the template file at path (slash-separated, in
	// the template tree), for Prepared.Execute; an invalid template may
	// fail here or in Execute.
	Prepare(path string, src []byte) (Prepared, error)
}

// Prepared is a parsed template, safe for concurrent use.
type Prepared interface {
	// Execute writes the rendering of the template with data to w, as
	// Renderer.Render would with the same source and data.
	Execute(ctx context.Context, w io.Writer, data map[string]any) error
}

// The names of the built-in renderers.
const (
	// TemplateRenderer is Go text/template with the functions of Funcs.
	TemplateRenderer = "template"
	// CopyRenderer copies the file byte for byte.
	CopyRenderer = "copy"
)

// Copy returns the renderer that writes the source unchanged.
func Copy() Renderer {
	return RendererFunc(func(ctx context.Context, w io.Writer, in *Request) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := w.Write(in.Source)
		return err
	})
}

// Template returns the text/template renderer. Templates see the data at
// top level ({{.name}}) and the functions of Funcs; a missing key renders as
// "<no value>", so guard optional parameters with {{with .x}}.
func Template() Renderer { return textTemplate{funcs: Funcs()} }

type textTemplate struct {
	funcs      template.FuncMap
	missingKey string // "default" for files, "error" for paths
}

func (r textTemplate) parse(path string, src []byte) (*template.Template, error) {
	return r.parseText(path, src, string(src))
}

// parseText parses text, which holds the bytes of src.
func (r textTemplate) parseText(path string, src []byte, text string) (*template.Template, error) {
	mk := r.missingKey
	if mk == "" {
		mk = "default"
	}
	fm, exact := r.usedInActions(src)
	t, err := r.parseWith(path, mk, fm, text)
	if err != nil && exact {
		// The action scan is an optimisation: should it ever miss a
		// function the parser needs, parse again with every function
		// whose name occurs anywhere in the file.
		return r.parseWith(path, mk, r.used(src), text)
	}
	return t, err
}

func (r textTemplate) parseWith(path, missingKey string, fm template.FuncMap, text string) (*template.Template, error) {
	t := template.New(path).Option("missingkey=" + missingKey)
	if len(fm) > 0 {
		t.Funcs(fm)
	}
	return t.Parse(text)
}

// usedInActions returns the functions named by an identifier inside the
// file's {{ }} actions, reading the file once: identifiers in the text
// around the actions, in string literals and in comments are skipped.
// exact is false when the file has no action (fm is then nil too); a
// file the scan cannot follow (an unterminated action or literal) gets
// the wider set of used.
func (r textTemplate) usedInActions(src []byte) (fm template.FuncMap, exact bool) {
	i := bytes.Index(src, []byte("{{"))
	if i < 0 {
		return nil, false
	}
	for i >= 0 {
		i += 2
		if i+1 < len(src) && src[i] == '/' && src[i+1] == '*' {
			// {{/* comment */}}: no function in it.
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return r.used(src), false
			}
			i += 2 + end + 2
		} else if i+2 < len(src) && src[i] == '-' && src[i+1] == ' ' && src[i+2] == '/' && i+3 < len(src) && src[i+3] == '*' {
			end := bytes.Index(src[i+4:], []byte("*/"))
			if end < 0 {
				return r.used(src), false
			}
			i += 4 + end + 2
		}
		closed := false
	action:
		for i < len(src) {
			c := src[i]
			switch {
			case c == '}' && i+1 < len(src) && src[i+1] == '}':
				i += 2
				closed = true
				break action
			case c == '"' || c == '\'':
				j := i + 1
				for j < len(src) && src[j] != c && src[j] != '\n' {
					if src[j] == '\\' {
						j++
					}
					j++
				}
				if j >= len(src) || src[j] != c {
					return r.used(src), false
				}
				i = j + 1
			case c == '`':
				end := bytes.IndexByte(src[i+1:], '`')
				if end < 0 {
					return r.used(src), false
				}
				i += 1 + end + 1
			case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
				j := i + 1
				for j < len(src) && (src[j] == '_' || 'a' <= src[j] && src[j] <= 'z' || 'A' <= src[j] && src[j] <= 'Z' || '0' <= src[j] && src[j] <= '9') {
					j++
				}
				if f, ok := r.funcs[string(src[i:j])]; ok {
					if fm == nil {
						fm = template.FuncMap{}
					}
					fm[string(src[i:j])] = f
				}
				i = j
			default:
				i++
			}
		}
		if !closed {
			return r.used(src), false
		}
		next := bytes.Index(src[i:], []byte("{{"))
		if next < 0 {
			break
		}
		i += next
	}
	return fm, true
}

// used returns the functions whose names occur in src. Registering a
// function with a template costs more than parsing a small file, and a
// function that is called must appear by name, so the others can be left
// out.
func (r textTemplate) used(src []byte) template.FuncMap {
	if !bytes.Contains(src, []byte("{{")) {
		return nil
	}
	var fm template.FuncMap
	for name, f := range r.funcs {
		if bytes.Contains(src, []byte(name)) {
			if fm == nil {
				fm = template.FuncMap{}
			}
			fm[name] = f
		}
	}
	return fm
}

// Render parses and executes in one go.
func (r textTemplate) Render(ctx context.Context, w io.Writer, in *Request) error {
	p, err := r.prepare(in.Path, in.Source)
	if err != nil {
		return err
	}
	return p.Execute(ctx, w, in.Data)
}

// Prepare parses the template, checks its loop budget and instruments it
// for the execution budget (budget.go).
func (r textTemplate) Prepare(path string, src []byte) (Prepared, error) {
	return r.prepare(path, src)
}

func (r textTemplate) prepare(path string, src []byte) (*preparedTemplate, error) {
	return r.prepareText(path, src, string(src))
}

// prepareOwned prepares src without copying it: the parse trees refer to
// its bytes, so nothing may write to src afterwards. The Engine prepares
// this way the files it has just read and drops.
func (r textTemplate) prepareOwned(path string, src []byte) (*preparedTemplate, error) {
	return r.prepareText(path, src, unsafe.String(unsafe.SliceData(src), len(src)))
}

func (r textTemplate) prepareText(path string, src []byte, text string) (*preparedTemplate, error) {
	t, err := r.parseText(path, src, text)
	if err != nil {
		return nil, err
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			if err := loopBudget(tt.Tree, tt.Tree.Root, 1); err != nil {
				return nil, err
			}
		}
	}
	return newPrepared(t), nil
}

// maxConstantIterations bounds the iterations of nested ranges over integer
// constants ({{range 1000}}): they need no data to loop for ever.
const maxConstantIterations = 10_000_000

// loopBudget refuses nested {{range N}} whose iterations multiply past
// maxConstantIterations, when the template is parsed. Every other range is
// charged against the execution budget when it runs (budget.go).
func loopBudget(tree *parse.Tree, n parse.Node, product int64) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := loopBudget(tree, c, product); err != nil {
				return err
			}
		}
	case *parse.RangeNode:
		inner := product
		if p := n.Pipe; p != nil && len(p.Cmds) == 1 && len(p.Cmds[0].Args) == 1 {
			if num, ok := p.Cmds[0].Args[0].(*parse.NumberNode); ok && num.IsInt {
				inner = product * max(num.Int64, 1)
				if num.Int64 > maxConstantIterations || inner > maxConstantIterations {
					loc, _ := tree.ErrorContext(n)
					return fmt.Errorf("%s: %w: nested ranges over constants loop more than %d times", loc, ErrLimit, maxConstantIterations)
				}
			}
		}
		if err := loopBudget(tree, n.List, inner); err != nil {
			return err
		}
		return loopBudget(tree, n.ElseList, product)
	case *parse.IfNode:
		if err := loopBudget(tree, n.List, product); err != nil {
			return err
		}
		return loopBudget(tree, n.ElseList, product)
	case *parse.WithNode:
		if err := loopBudget(tree, n.List, product); err != nil {
			return err
		}
		return loopBudget(tree, n.ElseList, product)
	}
	return nil
}

// preparedTemplate is a parsed, instrumented template. An execution binds
// the template's functions to its own budget: the parsed template itself,
// bound when it was prepared, serves one execution at a time (spare), and
// concurrent ones take copies (Clone shares the parse trees) from a pool.
type preparedTemplate struct {
	t             *template.Template
	bounded       []string // the functions of boundedFuncs it may call
	ranges, calls bool     // which hooks the trees call
	spare         atomic.Pointer[execution]
	pool          sync.Pool // of *execution
}

type execution struct {
	t *template.Template
	b *budget
	w budgetWriter
}

func newPrepared(t *template.Template) *preparedTemplate {
	p := &preparedTemplate{t: t, bounded: boundedIn(t)}
	p.ranges, p.calls = instrument(t)
	b := &budget{}
	t.Funcs(b.funcs(p.bounded, p.ranges, p.calls))
	p.spare.Store(&execution{t: t, b: b, w: budgetWriter{b: b}})
	return p
}

func (p *preparedTemplate) get() (*execution, error) {
	if x := p.spare.Swap(nil); x != nil {
		return x, nil
	}
	if x, ok := p.pool.Get().(*execution); ok {
		return x, nil
	}
	t, err := p.t.Clone()
	if err != nil {
		return nil, err
	}
	b := &budget{}
	t.Funcs(b.funcs(p.bounded, p.ranges, p.calls))
	return &execution{t: t, b: b, w: budgetWriter{b: b}}, nil
}

func (p *preparedTemplate) put(x *execution) {
	x.b.start(context.Background(), limits{}) // drop the caller's context
	x.w.w = nil
	if !p.spare.CompareAndSwap(nil, x) {
		p.pool.Put(x)
	}
}

// Execute runs the template in the calling goroutine under the execution
// budget: it returns when the template ends or is stopped by a bound or by
// ctx, and leaves nothing running.
func (p *preparedTemplate) Execute(ctx context.Context, w io.Writer, data map[string]any) error {
	return p.execute(ctx, limitsFrom(ctx), w, data)
}

// execute is Execute under the limits l: the Engine calls it directly.
func (p *preparedTemplate) execute(ctx context.Context, l limits, w io.Writer, data map[string]any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x, err := p.get()
	if err != nil {
		return err
	}
	x.b.start(ctx, l.orDefaults())
	x.w.w = w
	err = x.t.Execute(&x.w, data)
	err = x.b.stopped(err)
	p.put(x)
	return err
}

// RenderError is a failure to render one template file.
type RenderError struct {
	// Path is the template path; Output the output path when known.
	Path, Output string
	// Renderer names the renderer that failed.
	Renderer string
	// Err is the renderer's error.
	Err error
}

// Error names the template file, its output and the renderer.
func (e *RenderError) Error() string {
	return fmt.Sprintf("%s: %s renderer: %v", e.Path, e.Renderer, e.Err)
}

// Unwrap returns the renderer's error.
func (e *RenderError) Unwrap() error { return e.Err }
