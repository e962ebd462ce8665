// Package render turns a blueprint and resolved parameters into a project:
// plans that say what would be written, atomic application to a directory,
// manifests that make a project rebuildable, and diffs against what is on
// disk.
//
// An Engine is configured once with renderers and limits and is safe for
// concurrent use; from a blueprint's second render on it parses each
// template once and reuses it while its template cache has room. The zero
// Engine is New(nil)'s.
//
// A rendered project is a Project, opened once with OpenProject (to read
// and write: an interrupted apply is completed first) or OpenProjectFS
// (read-only over any fs.FS: a project with an interrupted apply pending is
// refused with a *PendingError). Every operation on a project takes one:
// Engine.Diff, Engine.Drift (the one comparison of a project with what its
// recorded version renders), Engine.Rebuild, Engine.Upgrade and
// Project.Evaluate. Engine.Render and Engine.Apply take a directory, which
// may hold no project yet.
package render

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/internal/diff"
)

// ErrLimit is returned (wrapped) when a render exceeds a limit of Options.
var ErrLimit = errors.New("render limit exceeded")

// Suffix maps a file-name suffix to a renderer. A template file whose path
// ends with Suffix (and whose name is longer than it) is rendered by
// Renderer into a file named without the suffix, followed by Replace:
// {Suffix: ".up", Renderer: "upper", Replace: ".txt"} renders hello.up into
// hello.txt. The first matching suffix wins; a files rule of the blueprint
// may then choose another renderer, never another name. docs/renderers.md
// has the whole rule.
type Suffix struct {
	// Suffix is the end of a template file's name that selects Renderer.
	Suffix string
	// Renderer is the renderer's name (Options.Renderers or a built-in).
	Renderer string
	// Replace is appended to the rendered file's name in place of Suffix;
	// empty drops Suffix.
	Replace string
}

// Options configures an Engine. The zero value, and a nil *Options, give the
// defaults.
type Options struct {
	// Renderers adds renderers by name, or replaces the built-ins
	// ("template", "copy").
	Renderers map[string]Renderer
	// Suffixes are tried in order before the default {".tmpl", "template", ""}.
	// A file matching no suffix is copied.
	Suffixes []Suffix
	// Logger receives debug logs. Nil discards them.
	Logger *slog.Logger
	// Concurrency is how many files are rendered at once. Default GOMAXPROCS.
	Concurrency int
	// MaxFiles caps the files of one render. Default 50 000.
	MaxFiles int
	// MaxBytes caps the total output of one render. Default 1 GiB.
	MaxBytes int64
	// MaxFileBytes caps one output file. Default 64 MiB.
	MaxFileBytes int64
	// FileTimeout bounds the rendering of one file: a template whose loops
	// never end fails with ErrLimit instead of holding the render. Default
	// 10 s. Renderers receive it as their context's deadline.
	FileTimeout time.Duration
	// MaxSteps caps the work of one template execution (a file's contents,
	// a path or a dirs: entry), in template nodes: every {{range}} is
	// charged, when it starts, the items it will visit times the nodes of
	// its body, every template call the nodes of the called body and 100.
	// Default DefaultMaxSteps (10 000 000).
	MaxSteps int64
	// MaxRenderSteps caps the template steps of one render, over all its
	// files, paths and dirs: entries. Default ten times MaxSteps.
	MaxRenderSteps int64
	// TemplateCacheBytes is how many bytes of template source the Engine
	// keeps parsed across renders, over all blueprints. A parsed template
	// takes about five times its source. A file enters the cache at its
	// second render, so a blueprint rendered once holds none. Default
	// 2 MiB; negative disables the cache.
	TemplateCacheBytes int64
	// Generator is recorded in manifests. Default "goldenpath" and the
	// library's module version.
	Generator string
	// Decisions, when set, are evaluated by every plan: for each part of a
	// render, the decisions in force for its blueprint
	// (decision.Registry.InForce) against its parameters and rendered files.
	// Enforced failures refuse the plan with a *decision.EnforcedError
	// listing every finding; the other findings travel in the plan
	// (Plan.Evaluation) and its manifest, with the decisions' versions and
	// digests. Nil evaluates nothing and records the cited decisions.
	Decisions *decision.Registry
	// Now is the clock rule schedules and exceptions are compared with.
	// Default time.Now.
	Now func() time.Time
}

// Engine renders blueprints. It is safe for concurrent use.
//
// The zero Engine is ready to use with the defaults of New(nil): the
// built-in renderers, the default limits, no decisions. An Engine must not
// be copied after first use.
type Engine struct {
	setup     sync.Once // configures a zero Engine on first use
	renderers map[string]Renderer
	suffixes  []Suffix
	log       *slog.Logger
	conc      int
	maxFiles  int
	maxBytes  int64
	maxFile   int64
	maxSteps  int64
	maxRender int64 // template steps of one render
	timeout   time.Duration
	generator string
	decisions *decision.Registry
	clock     func() time.Time

	cacheBudget atomic.Int64 // bytes of template source that may still be cached
	mu          sync.Mutex
	compiled    map[string]*compiled // by blueprint digest
	order       []string             // digests, oldest first
}

// maxCompiled bounds how many blueprints an Engine keeps compiled.
const maxCompiled = 64

// New returns an Engine configured by opts, or an error for options that
// cannot work (a nil renderer, a suffix naming an unknown renderer). opts
// may be nil.
func New(opts *Options) (*Engine, error) {
	e := &Engine{}
	var err error
	e.setup.Do(func() { err = e.configure(opts) })
	if err != nil {
		return nil, err
	}
	return e, nil
}

// init configures a zero Engine with the defaults, once; it does nothing
// to an Engine made by New.
func (e *Engine) init() {
	e.setup.Do(func() { _ = e.configure(nil) })
}

// configure sets e up from opts.
func (e *Engine) configure(opts *Options) error {
	if opts == nil {
		opts = &Options{}
	}
	e.renderers = map[string]Renderer{TemplateRenderer: Template(), CopyRenderer: Copy()}
	e.log = opts.Logger
	e.conc = opts.Concurrency
	e.maxFiles = opts.MaxFiles
	e.maxBytes = opts.MaxBytes
	e.maxFile = opts.MaxFileBytes
	e.maxSteps = opts.MaxSteps
	e.maxRender = opts.MaxRenderSteps
	e.timeout = opts.FileTimeout
	e.generator = opts.Generator
	e.decisions = opts.Decisions
	e.clock = opts.Now
	e.compiled = map[string]*compiled{}
	for name, r := range opts.Renderers {
		if r == nil {
			return fmt.Errorf("render: renderer %q is nil", name)
		}
		e.renderers[name] = r
	}
	for _, s := range opts.Suffixes {
		if s.Suffix == "" {
			return fmt.Errorf("render: empty suffix for renderer %q", s.Renderer)
		}
		if _, ok := e.renderers[s.Renderer]; !ok {
			return fmt.Errorf("render: suffix %q names unknown renderer %q", s.Suffix, s.Renderer)
		}
	}
	e.suffixes = append(slices.Clone(opts.Suffixes), Suffix{Suffix: ".tmpl", Renderer: TemplateRenderer})
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.conc <= 0 {
		e.conc = runtime.GOMAXPROCS(0)
	}
	if e.maxFiles <= 0 {
		e.maxFiles = 50_000
	}
	if e.maxBytes <= 0 {
		e.maxBytes = 1 << 30
	}
	if e.maxFile <= 0 {
		e.maxFile = 64 << 20
	}
	if e.timeout <= 0 {
		e.timeout = 10 * time.Second
	}
	if e.maxSteps <= 0 {
		e.maxSteps = DefaultMaxSteps
	}
	if e.maxRender <= 0 {
		e.maxRender = 10 * e.maxSteps
	}
	if e.generator == "" {
		e.generator = "goldenpath " + moduleVersion()
	}
	switch {
	case opts.TemplateCacheBytes < 0:
	case opts.TemplateCacheBytes == 0:
		e.cacheBudget.Store(2 << 20)
	default:
		e.cacheBudget.Store(opts.TemplateCacheBytes)
	}
	return nil
}

func moduleVersion() string {
	const mod = "github.com/goldenpath-dev/goldenpath"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == mod {
			return bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == mod {
				return d.Version
			}
		}
	}
	return "(devel)"
}

// compiled is what an Engine keeps per blueprint: the template files with
// their rules, renderers and output path templates, and parsed templates.
type compiled struct {
	files []*tmplFile
	dirs  []*pathTemplate
}

type tmplFile struct {
	path     string // in template/
	out      pathTemplate
	mode     fs.FileMode
	level    blueprint.Level
	renderer string
	excluded bool     // by a static include: false
	cond     []string // globs of conditional rules that must include it
	size     int64

	rendered atomic.Bool                // rendered once already: parse and keep it from now on
	cached   atomic.Pointer[cachedFile] // made at the second render
}

// cachedFile is a template file's entry in the template cache, made only
// for files rendered more than once.
type cachedFile struct {
	once     sync.Once
	prepared Prepared // set under once; nil when not cached
	perr     error    // set under once: the template does not parse
}

// entry returns f's cache entry, making it on first use.
func (f *tmplFile) entry() *cachedFile {
	if c := f.cached.Load(); c != nil {
		return c
	}
	f.cached.CompareAndSwap(nil, &cachedFile{})
	return f.cached.Load()
}

// pathTemplate is an output path whose segments may be templates.
type pathTemplate struct {
	raw string
	t   *preparedTemplate // nil for a literal path
}

// pathTemplates parses paths: the functions of Funcs, a missing key is an
// error, and the same parse-time checks and execution budget as contents.
// It is made on first use: no work at package initialisation.
var pathTemplates = sync.OnceValue(func() textTemplate { return textTemplate{funcs: Funcs(), missingKey: "error"} })

func newPathTemplate(raw string) (*pathTemplate, error) {
	if !strings.Contains(raw, "{{") {
		return &pathTemplate{raw: raw}, nil
	}
	// The template is named "path": text/template mangles error messages
	// whose template names hold a %.
	t, err := pathTemplates().prepare("path", []byte(raw))
	if err != nil {
		return nil, err
	}
	return &pathTemplate{raw: raw, t: t}, nil
}

// render renders the path under the engine's budget: its deadline, its
// steps, and MaxPathBytes for the path and every value made on the way.
func (e *Engine) renderPath(ctx context.Context, p *pathTemplate, data map[string]any, steps *atomic.Int64) (string, error) {
	if p.t == nil {
		return p.raw, checkOutputPath(p.raw)
	}
	pctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	b := pathWriter{max: MaxPathBytes}
	if err := p.t.execute(pctx, limits{maxBytes: MaxPathBytes, maxSteps: e.maxSteps, shared: steps, maxShared: e.maxRender}, &b, data); err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return "", fmt.Errorf("%w: rendering the path took longer than %v (a loop that does not end?)", ErrLimit, e.timeout)
		}
		return "", err
	}
	out := b.String()
	// Each templated segment must stay one segment.
	rawSegs, outSegs := strings.Split(p.raw, "/"), strings.Split(out, "/")
	if len(rawSegs) != len(outSegs) {
		return "", fmt.Errorf("%q renders to %q: a parameter may not add or remove path segments", p.raw, out)
	}
	if err := checkOutputPath(out); err != nil {
		return "", fmt.Errorf("%q renders to an invalid path: %v", p.raw, err)
	}
	return out, nil
}

func (e *Engine) compile(bp *blueprint.Blueprint) (*compiled, error) {
	e.mu.Lock()
	c, ok := e.compiled[bp.Digest]
	e.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := e.build(bp)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if prev, ok := e.compiled[bp.Digest]; ok {
		return prev, nil
	}
	e.compiled[bp.Digest] = c
	e.order = append(e.order, bp.Digest)
	if len(e.order) > maxCompiled {
		old := e.order[0]
		e.order = e.order[1:]
		e.release(e.compiled[old])
		delete(e.compiled, old)
	}
	return c, nil
}

// release returns the cache budget a compiled blueprint holds.
func (e *Engine) release(c *compiled) {
	for _, f := range c.files {
		c := f.entry()
		c.once.Do(func() {}) // wait for a parse under way; no parse from now on
		if c.prepared != nil {
			e.cacheBudget.Add(f.size)
		}
	}
}

func (e *Engine) build(bp *blueprint.Blueprint) (*compiled, error) {
	c := &compiled{}
	tfs := bp.Template()
	err := fs.WalkDir(tfs, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("template/%s: not a regular file", p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f, err := e.classify(bp, p, info)
		if err != nil {
			return err
		}
		c.files = append(c.files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blueprint %s: %w", bp.Name, err)
	}
	for _, d := range bp.Dirs {
		pt, err := newPathTemplate(d)
		if err != nil {
			return nil, fmt.Errorf("blueprint %s: dirs: %w", bp.Name, err)
		}
		c.dirs = append(c.dirs, pt)
	}
	return c, nil
}

// classify decides a template file's renderer, output name, level and
// include conditions from the suffixes and the files rules.
func (e *Engine) classify(bp *blueprint.Blueprint, p string, info fs.FileInfo) (*tmplFile, error) {
	f := &tmplFile{path: p, level: blueprint.Shared, renderer: CopyRenderer, mode: 0o644, size: info.Size()}
	if info.Mode().Perm()&0o111 != 0 {
		f.mode = 0o755
	}
	out := p
	for _, s := range e.suffixes {
		if strings.HasSuffix(p, s.Suffix) && len(p) > len(s.Suffix) && !strings.HasSuffix(p, "/"+s.Suffix) {
			out = strings.TrimSuffix(p, s.Suffix) + s.Replace
			f.renderer = s.Renderer
			break
		}
	}
	for _, r := range bp.Files {
		if !blueprint.MatchGlob(r.Glob, p) && !blueprint.MatchGlob(r.Glob, out) {
			continue
		}
		if r.Level != "" {
			f.level = r.Level
		}
		if r.Renderer != "" {
			if _, ok := e.renderers[r.Renderer]; !ok {
				return nil, bp.CheckRenderers(e.rendererNames()) // *blueprint.UnknownRendererError
			}
			f.renderer = r.Renderer
		}
		switch {
		case r.Conditional:
			f.cond = append(f.cond, r.Glob)
		case !r.Include:
			f.excluded = true
		}
	}
	pt, err := newPathTemplate(out)
	if err != nil {
		return nil, fmt.Errorf("template/%s: path: %w", p, err)
	}
	f.out = *pt
	return f, nil
}

// Renderers returns the names of the engine's renderers, sorted: the
// built-ins and Options.Renderers. Load blueprints with
// blueprint.Options.Renderers set to them to refuse, at load time, a
// blueprint whose files rules name another.
func (e *Engine) Renderers() []string { return e.rendererNames() }

func (e *Engine) rendererNames() []string {
	names := make([]string, 0, len(e.renderers))
	for n := range e.renderers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// sink receives rendered files. open returns the writer for one output and
// a function to call when the file is complete (with the render's error).
type sink interface {
	open(out string, mode fs.FileMode) (io.Writer, func(err error) error, error)
}

type discard struct{}

func (discard) open(string, fs.FileMode) (io.Writer, func(error) error, error) {
	return io.Discard, func(err error) error { return err }, nil
}

var bufPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// run renders every included file of bp into s and returns the manifest
// entries, sorted by path. A composed blueprint renders each of its parts
// (params.Parts) into the part's directory; a path an earlier part renders is
// not rendered again by a later one.
func (e *Engine) run(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params, s sink) ([]File, []string, error) {
	e.init()
	return e.runN(ctx, bp, params, s, e.conc)
}

// runN is run with conc files rendered at once; with conc 1, in the
// caller's goroutine.
func (e *Engine) runN(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params, s sink, conc int) ([]File, []string, error) {
	parts := params.Parts()
	if parts[0].Blueprint.Digest != bp.Digest {
		return nil, nil, fmt.Errorf("render: the parameters were resolved by another blueprint than %s", bp.Name)
	}
	// A job is one file to render: a few words each, since a render holds
	// one per file until it ends.
	type job struct {
		f    *tmplFile
		out  string
		part int
	}
	var jobs []job
	// Which part renders an output path, by its job: needed only when
	// parts may render the same path (an earlier part's wins). A single
	// blueprint's duplicates are found by sorting instead.
	var claimed map[string]int
	if len(parts) > 1 {
		claimed = map[string]int{}
	}
	tfss := make([]fs.FS, len(parts))
	datas := make([]map[string]any, len(parts)) // the part's template data, one copy per part
	var steps atomic.Int64                      // template steps of the whole render
	var dirs []string
	for pi := range parts {
		part := &parts[pi]
		c, err := e.compile(part.Blueprint)
		if err != nil {
			return nil, nil, err
		}
		data := part.Params.Data()
		tfss[pi], datas[pi] = part.Blueprint.Template(), data
		for _, f := range c.files {
			if f.excluded || !included(f, part.Params) {
				continue
			}
			out, err := e.renderPath(ctx, &f.out, data, &steps)
			if err != nil {
				return nil, nil, &RenderError{Path: partPath(part, f.path), Renderer: "path", Err: err}
			}
			out = joinOut(part.Dir, out)
			if claimed != nil {
				if prev, ok := claimed[out]; ok {
					if jobs[prev].part == pi {
						return nil, nil, bothRender(jobs[prev].f.path, f.path, out)
					}
					e.log.DebugContext(ctx, "file overridden by an earlier part", "path", out, "part", part.Name)
					continue
				}
				claimed[out] = len(jobs)
			}
			jobs = append(jobs, job{f: f, out: out, part: pi})
			if len(jobs) > e.maxFiles {
				return nil, nil, fmt.Errorf("%w: more than %d files", ErrLimit, e.maxFiles)
			}
		}
		for _, d := range c.dirs {
			out, err := e.renderPath(ctx, d, data, &steps)
			if err != nil {
				return nil, nil, fmt.Errorf("dirs: %w", err)
			}
			dirs = append(dirs, joinOut(part.Dir, out))
		}
	}
	claimed = nil
	// Rendered in the manifest's order, so that the files need no sort.
	slices.SortFunc(jobs, func(a, b job) int { return strings.Compare(a.out, b.out) })
	for i := 1; i < len(jobs); i++ {
		if jobs[i].out == jobs[i-1].out { // within one part: parts were claimed above
			return nil, nil, bothRender(jobs[i-1].f.path, jobs[i].f.path, jobs[i].out)
		}
	}
	files := make([]File, len(jobs)) // filled in place: no copy at the end
	var total atomic.Int64
	// A fixed pool of workers takes the files in turn: a goroutine per file
	// would start each parse on a small stack and grow it every time.
	var (
		next     atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	gctx, cancel := ctx, context.CancelFunc(func() {})
	if conc > 1 && len(jobs) > 1 {
		gctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	work := func() {
		for gctx.Err() == nil {
			i := int(next.Add(1)) - 1
			if i >= len(jobs) {
				return
			}
			j := jobs[i]
			part := &parts[j.part]
			mf, err := e.renderFile(gctx, tfss[j.part], j.f, j.out, datas[j.part], s, &total, &steps)
			if err != nil {
				var re *RenderError
				if errors.As(err, &re) {
					re.Path = partPath(part, re.Path)
				}
				fail(err)
				return
			}
			mf.Part = part.Name
			files[i] = mf
		}
	}
	if conc <= 1 || len(jobs) <= 1 {
		work() // in the caller's goroutine: no hand-off per render
	} else {
		for range min(conc, len(jobs)) {
			wg.Go(work)
		}
	}
	wg.Wait()
	if firstErr != nil {
		return nil, nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	slices.Sort(dirs)
	return files, slices.Compact(dirs), nil
}

// bothRender is the error for two template files of one part that render
// to the same path.
func bothRender(a, b, out string) error {
	if a > b {
		a, b = b, a
	}
	return fmt.Errorf("template files %s and %s both render to %s", a, b, out)
}

// partPath names a template file of a part in errors.
func partPath(part *blueprint.Part, p string) string {
	if part.Name == "" {
		return p
	}
	return part.Name + ": " + p
}

func joinOut(dir, p string) string {
	if dir == "" {
		return p
	}
	return dir + "/" + p
}

func included(f *tmplFile, p *blueprint.Params) bool {
	for _, g := range f.cond {
		if !p.Included(g) {
			return false
		}
	}
	return true
}

// renderFile renders one file into s, hashing and counting as it goes.
func (e *Engine) renderFile(ctx context.Context, tfs fs.FS, f *tmplFile, out string, data map[string]any, s sink, total, steps *atomic.Int64) (File, error) {
	prepared, src, renderer, err := e.prepare(tfs, f)
	if err != nil {
		return File{}, &RenderError{Path: f.path, Output: out, Renderer: f.renderer, Err: err}
	}
	w, done, err := s.open(out, f.mode)
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	bw := bufPool.Get().(*bufio.Writer)
	cw := &countingWriter{w: w, h: h, limit: e.maxFile, total: total, maxTotal: e.maxBytes}
	bw.Reset(cw)
	fctx, cancel := context.WithTimeout(ctx, e.timeout)
	lim := limits{maxBytes: e.maxFile, maxSteps: e.maxSteps, shared: steps, maxShared: e.maxRender}
	switch p := prepared.(type) {
	case *preparedTemplate:
		err = p.execute(fctx, lim, bw, data)
	case nil:
		err = e.renderers[renderer].Render(withLimits(fctx, lim), bw, &Request{Path: f.path, Source: src, Data: data})
	default:
		err = p.Execute(withLimits(fctx, lim), bw, data)
	}
	if err != nil && ctx.Err() == nil && errors.Is(fctx.Err(), context.DeadlineExceeded) {
		err = &RenderError{Path: f.path, Output: out, Renderer: renderer,
			Err: fmt.Errorf("%w: rendering took longer than %v (a loop that does not end?)", ErrLimit, e.timeout)}
	}
	cancel()
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	bufPool.Put(bw)
	if err != nil && cw.err != nil {
		err = cw.err
	}
	if err = done(err); err != nil {
		var re *RenderError
		if errors.As(err, &re) {
			return File{}, err
		}
		if errors.Is(err, ErrLimit) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return File{}, fmt.Errorf("%s: %w", out, err)
		}
		return File{}, &RenderError{Path: f.path, Output: out, Renderer: renderer, Err: err}
	}
	return File{
		Path:     out,
		Template: f.path,
		Renderer: renderer,
		Level:    f.level,
		Mode:     FileMode(f.mode),
		Size:     cw.n,
		SHA256:   hex.EncodeToString(h.Sum(nil)),
	}, nil
}

// prepare returns a cached parsed template, or the source and the renderer
// to render it with. Binary files are always copied. A file is parsed for
// the cache from its second render on: a blueprint rendered once (gp render)
// then holds no parse tree longer than its file's render, and one rendered
// many times (fleets, a server) parses each file once more than it would.
func (e *Engine) prepare(tfs fs.FS, f *tmplFile) (Prepared, []byte, string, error) {
	if prep, ok := e.renderers[f.renderer].(Preparer); ok && f.renderer != CopyRenderer && !f.rendered.Swap(true) {
		src, err := fs.ReadFile(tfs, f.path)
		if err != nil {
			return nil, nil, "", err
		}
		if diff.IsBinary(src) {
			return nil, src, CopyRenderer, nil
		}
		p, err := prepareOwned(prep, f.path, src)
		if err != nil {
			return nil, nil, "", err
		}
		return p, nil, f.renderer, nil
	} else if ok && f.renderer != CopyRenderer {
		c := f.entry()
		c.once.Do(func() { e.cache(tfs, f, c, prep) })
		if c.perr != nil {
			return nil, nil, "", c.perr
		}
		if c.prepared != nil {
			return c.prepared, nil, f.renderer, nil
		}
	}
	src, err := fs.ReadFile(tfs, f.path)
	if err != nil {
		return nil, nil, "", err
	}
	if f.renderer == CopyRenderer || diff.IsBinary(src) {
		return nil, src, CopyRenderer, nil
	}
	return nil, src, f.renderer, nil
}

// cache parses f once into c, its cache entry, and keeps it while the
// cache budget allows. It runs under c.once.
func (e *Engine) cache(tfs fs.FS, f *tmplFile, c *cachedFile, prep Preparer) {
	if e.cacheBudget.Add(-f.size) < 0 {
		e.cacheBudget.Add(f.size)
		return
	}
	src, err := fs.ReadFile(tfs, f.path)
	if err == nil && !diff.IsBinary(src) {
		c.prepared, c.perr = prepareOwned(prep, f.path, src)
	}
	if c.prepared == nil {
		e.cacheBudget.Add(f.size)
	}
}

// prepareOwned prepares src, which the engine has just read and will not
// write to: the built-in template renderer then parses it without a copy.
func prepareOwned(prep Preparer, path string, src []byte) (Prepared, error) {
	if t, ok := prep.(textTemplate); ok {
		p, err := t.prepareOwned(path, src)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	return prep.Prepare(path, src)
}

// countingWriter hashes and counts what it passes on, and enforces the
// per-file and total limits.
type countingWriter struct {
	w        io.Writer
	h        hash.Hash
	n        int64
	limit    int64
	total    *atomic.Int64
	maxTotal int64
	err      error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.n+int64(len(p)) > c.limit {
		c.err = fmt.Errorf("%w: a file larger than %d bytes", ErrLimit, c.limit)
		return 0, c.err
	}
	if c.total.Add(int64(len(p))) > c.maxTotal {
		c.err = fmt.Errorf("%w: more than %d bytes in all", ErrLimit, c.maxTotal)
		return 0, c.err
	}
	c.n += int64(len(p))
	c.h.Write(p)
	return c.w.Write(p)
}

// pathWriter collects a rendered path up to max bytes.
type pathWriter struct {
	strings.Builder
	max int
}

func (w *pathWriter) Write(p []byte) (int, error) {
	if w.Len()+len(p) > w.max {
		return 0, fmt.Errorf("%w: a path longer than %d bytes", ErrLimit, w.max)
	}
	return w.Builder.Write(p)
}
