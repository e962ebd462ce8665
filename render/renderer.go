package render

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"text/template"
	"text/template/parse"
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
	Renderer
	Prepare(path string, src []byte) (Prepared, error)
}

// Prepared is a parsed template, safe for concurrent use.
type Prepared interface {
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

type textTemplate struct{ funcs template.FuncMap }

func (r textTemplate) parse(path string, src []byte) (*template.Template, error) {
	t := template.New(path).Option("missingkey=default")
	if fm := r.used(src); len(fm) > 0 {
		t.Funcs(fm)
	}
	return t.Parse(string(src))
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
	p, err := r.Prepare(in.Path, in.Source)
	if err != nil {
		return err
	}
	return p.Execute(ctx, w, in.Data)
}

// Prepare parses the template and checks its loop budget.
func (r textTemplate) Prepare(path string, src []byte) (Prepared, error) {
	t, err := r.parse(path, src)
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
	return preparedTemplate{t}, nil
}

// maxConstantIterations bounds the iterations of nested ranges over integer
// constants ({{range 1000}}): they need no data to loop for ever.
const maxConstantIterations = 10_000_000

// loopBudget refuses nested {{range N}} whose iterations multiply past
// maxConstantIterations. Ranges over data are bounded by the size of the
// input, and every render by Options.FileTimeout.
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
					return fmt.Errorf("%s: nested ranges over constants loop more than %d times", loc, maxConstantIterations)
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

type preparedTemplate struct{ t *template.Template }

// Execute runs the template. text/template cannot be interrupted, so when
// ctx can end, the template runs in its own goroutine: Execute returns
// when ctx is done, a loop that writes stops at its next write, and one
// that writes nothing runs on to its end, its writes no longer reaching w.
func (p preparedTemplate) Execute(ctx context.Context, w io.Writer, data map[string]any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ctx.Done() == nil {
		return p.t.Execute(w, data)
	}
	gw := &guardedWriter{ctx: ctx, w: w}
	done := make(chan error, 1)
	go func() { done <- p.t.Execute(gw, data) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		gw.close()
		return ctx.Err()
	}
}

// guardedWriter passes writes on until ctx is done or it is closed; after
// close returns, nothing reaches w.
type guardedWriter struct {
	ctx    context.Context
	w      io.Writer
	mu     sync.Mutex
	closed bool
}

func (g *guardedWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, context.Canceled
	}
	if err := g.ctx.Err(); err != nil {
		return 0, err
	}
	return g.w.Write(p)
}

func (g *guardedWriter) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// RenderError is a failure to render one template file.
type RenderError struct {
	// Path is the template path; Output the output path when known.
	Path, Output string
	// Renderer names the renderer that failed.
	Renderer string
	Err      error
}

// Error names the template file, its output and the renderer.
func (e *RenderError) Error() string {
	return fmt.Sprintf("%s: %s renderer: %v", e.Path, e.Renderer, e.Err)
}

// Unwrap returns the renderer's error.
func (e *RenderError) Unwrap() error { return e.Err }
