package decision

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// Options configures loading. The zero value, and a nil *Options, give the
// defaults.
type Options struct {
	// Fetcher fetches the sources Load is given, as for blueprints. Nil uses
	// blueprint.DefaultSources: the strict policy.
	Fetcher blueprint.Fetcher
	// Logger receives debug logs. Nil discards them.
	Logger *slog.Logger
	// MaxFiles caps the decision files of one registry. Default 10 000.
	MaxFiles int
	// EvalTimeout bounds the CUE evaluation of each file's front matter and
	// rules. Default DefaultEvalTimeout.
	EvalTimeout time.Duration
}

// ErrTooManyFiles is returned (wrapped) when a folder holds more decision
// files than Options.MaxFiles. It is blueprint.ErrTooManyFiles: one error
// for every tree with more files than its limit.
var ErrTooManyFiles = blueprint.ErrTooManyFiles

// Registry is a set of decisions, with their links resolved and filled in
// both ways. It is immutable and safe for concurrent use.
type Registry struct {
	source   string
	revision string
	all      []*Decision          // in file order; duplicates included
	byID     map[string]*Decision // the first file of each ID
	byFile   map[string]*Decision // by slash path relative to the root
	rel      map[*Decision]string
	problems []Problem
}

// skipFile reports whether a Markdown file of a decisions folder is not a
// decision: README.md, index.md and templates.
func skipFile(name string) bool {
	switch strings.ToLower(path.Base(name)) {
	case "readme.md", "index.md", "template.md", "adr-template.md", "_sidebar.md":
		return true
	}
	return false
}

// Load loads the decisions at source through opts.Fetcher, which decides by
// its policy what source may name: a git repository
// (git::https://host/org/decisions.git?ref=main), an archive, and under the
// local policy a local directory. opts may be nil.
func Load(ctx context.Context, source string, opts *Options) (*Registry, error) {
	if opts == nil {
		opts = &Options{}
	}
	f := opts.Fetcher
	if f == nil {
		var err error
		if f, err = blueprint.DefaultSources(); err != nil {
			return nil, fmt.Errorf("load decisions %s: %w", blueprint.Redact(source), err)
		}
	}
	got, err := f.Fetch(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("load decisions %s: %w", blueprint.Redact(source), err)
	}
	prefix := got.Source
	if got.Dir != "" && got.Revision == "" {
		prefix = filepath.ToSlash(got.Source)
	}
	r, err := loadFS(ctx, got.FS, prefix, opts)
	if err != nil {
		return nil, err
	}
	r.source, r.revision = blueprint.Redact(got.Source), got.Revision
	return r, nil
}

// LoadDir loads the decisions in the local directory dir and its
// subdirectories: every *.md file except README.md, index.md and templates,
// and except directories whose names start with "." or "_". opts may be nil.
func LoadDir(ctx context.Context, dir string, opts *Options) (*Registry, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("load decisions: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("load decisions %s: not a directory", dir)
	}
	r, err := LoadFS(ctx, os.DirFS(dir), filepath.ToSlash(filepath.Clean(dir)), opts)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// LoadFS loads the decisions in fsys, as LoadDir does. source names the
// folder in positions ("source/0001-x.md"); "" names files by their path
// in fsys. opts may be nil.
func LoadFS(ctx context.Context, fsys fs.FS, source string, opts *Options) (*Registry, error) {
	if opts == nil {
		opts = &Options{}
	}
	r, err := loadFS(ctx, fsys, source, opts)
	if err != nil {
		return nil, err
	}
	r.source = source
	return r, nil
}

func loadFS(ctx context.Context, fsys fs.FS, prefix string, opts *Options) (*Registry, error) {
	maxFiles := opts.MaxFiles
	if maxFiles <= 0 {
		maxFiles = 10_000
	}
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.EqualFold(path.Ext(p), ".md") || skipFile(p) {
			return nil
		}
		files = append(files, p)
		if len(files) > maxFiles {
			return fmt.Errorf("%w: more than %d decision files", ErrTooManyFiles, maxFiles)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load decisions %s: %w", prefix, err)
	}
	slices.Sort(files)
	var ds []*Decision
	rels := map[*Decision]string{}
	var errs []Problem
	timeout := opts.EvalTimeout
	if timeout <= 0 {
		timeout = DefaultEvalTimeout
	}
	for i, p := range files {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		name := p
		if prefix != "" {
			name = prefix + "/" + p
		}
		data, err := readCapped(fsys, p)
		if err != nil {
			errs = append(errs, problemf(Position{Filename: name}, "", Syntax, "%v", err))
			continue
		}
		d, probs := parseBounded(ctx, name, data, timeout)
		if d == nil {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			errs = append(errs, probs...)
			continue
		}
		for _, pr := range probs {
			if pr.Warning {
				d.warnings = append(d.warnings, pr)
			} else {
				errs = append(errs, pr)
			}
		}
		ds = append(ds, d)
		rels[d] = p
	}
	if len(errs) > 0 {
		return nil, &LoadError{Problems: errs}
	}
	r := build(ds, rels)
	logger := opts.Logger
	if logger != nil {
		logger.Debug("decisions loaded", "source", prefix, "decisions", len(r.byID))
	}
	return r, nil
}

func readCapped(fsys fs.FS, name string) ([]byte, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if fi.Size() > MaxFileBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileBytes)
	}
	return fs.ReadFile(fsys, name)
}

// New returns a registry of the given decisions, as Parse returns them,
// with their links resolved and filled in both ways. Links to files resolve
// against each decision's File. The decisions are copied.
func New(decisions ...*Decision) *Registry {
	ds := make([]*Decision, len(decisions))
	rels := map[*Decision]string{}
	for i, d := range decisions {
		c := *d
		c.Links = slices.Clone(d.Links)
		ds[i] = &c
		rels[&c] = filepath.ToSlash(d.File)
	}
	return build(ds, rels)
}

// build indexes ds, resolves links and fills in their other sides.
func build(ds []*Decision, rels map[*Decision]string) *Registry {
	r := &Registry{all: ds, byID: map[string]*Decision{}, byFile: map[string]*Decision{}, rel: rels}
	for _, d := range ds {
		if prev, dup := r.byID[d.ID]; dup {
			r.problems = append(r.problems, problemf(d.Pos, d.ID, Duplicate, "ID %s is also the ID of %s", d.ID, prev.Pos))
			continue
		}
		r.byID[d.ID] = d
		r.byFile[rels[d]] = d
	}
	// Resolve every written link: a file path relative to the linking file,
	// else an ID.
	for _, d := range ds {
		for i := range d.Links {
			l := &d.Links[i]
			if l.Inferred {
				continue
			}
			if strings.HasSuffix(strings.ToLower(l.Ref), ".md") {
				target := path.Join(path.Dir(rels[d]), l.Ref)
				if t, ok := r.byFile[target]; ok {
					l.Target = t.ID
					continue
				}
			}
			if _, ok := r.byID[l.Ref]; ok {
				l.Target = l.Ref
			}
		}
	}
	// Fill in the other side of one-sided links.
	for _, d := range ds {
		if r.byID[d.ID] != d {
			continue
		}
		for _, l := range slices.Clone(d.Links) {
			t, ok := r.byID[l.Target]
			if !ok || l.Inferred || t == d {
				continue
			}
			inv := l.Kind.inverse()
			if slices.ContainsFunc(t.Links, func(x Link) bool { return x.Kind == inv && x.Target == d.ID }) {
				continue
			}
			t.Links = append(t.Links, Link{Kind: inv, Target: d.ID, Ref: d.ID, Pos: l.Pos, Inferred: true})
		}
	}
	return r
}

// Source returns the source the registry was loaded from.
func (r *Registry) Source() string { return r.source }

// Revision returns the revision of a remote source (a commit SHA or an
// archive digest); empty for local sources.
func (r *Registry) Revision() string { return r.revision }

// Get returns the decision with the given ID.
func (r *Registry) Get(id string) (*Decision, bool) {
	d, ok := r.byID[id]
	return d, ok
}

// Len returns the number of decisions, duplicates excluded.
func (r *Registry) Len() int { return len(r.byID) }

// Filter selects decisions for List. A zero Filter selects every decision;
// each set field narrows the selection.
type Filter struct {
	// Status selects decisions with one of these statuses.
	Status []Status
	// Tag selects decisions with this tag.
	Tag string
	// Blueprint selects the decisions in force for a blueprint (InForce).
	Blueprint *blueprint.Blueprint
	// Text selects decisions whose ID, title or body contains it, without
	// case.
	Text string
}

// List returns the decisions f selects, sorted by ID.
func (r *Registry) List(f Filter) []*Decision {
	var inForce map[string]bool
	if f.Blueprint != nil {
		inForce = map[string]bool{}
		for _, d := range r.InForce(f.Blueprint) {
			inForce[d.ID] = true
		}
	}
	text := strings.ToLower(f.Text)
	var out []*Decision
	for _, d := range r.sorted() {
		switch {
		case len(f.Status) > 0 && !slices.Contains(f.Status, d.Status),
			f.Tag != "" && !slices.Contains(d.Tags, f.Tag),
			inForce != nil && !inForce[d.ID],
			text != "" && !strings.Contains(strings.ToLower(d.ID+"\n"+d.Title+"\n"+d.Body), text):
			continue
		}
		out = append(out, d)
	}
	return out
}

func (r *Registry) sorted() []*Decision {
	out := make([]*Decision, 0, len(r.byID))
	for _, d := range r.byID {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// History returns the supersession chain through the decision id, oldest
// first: the decisions it supersedes, transitively, then id, then its
// successors. Where a decision supersedes several, the chain follows the
// first; cycles end the chain. It returns nil for an unknown id.
func (r *Registry) History(id string) []*Decision {
	d, ok := r.byID[id]
	if !ok {
		return nil
	}
	seen := map[string]bool{d.ID: true}
	var back []*Decision
	for cur := d; ; {
		next := r.first(cur.Linked(Supersedes))
		if next == nil || seen[next.ID] {
			break
		}
		seen[next.ID] = true
		back = append(back, next)
		cur = next
	}
	slices.Reverse(back)
	chain := append(back, d)
	for cur := d; ; {
		next := r.first(cur.Linked(SupersededBy))
		if next == nil || seen[next.ID] {
			break
		}
		seen[next.ID] = true
		chain = append(chain, next)
		cur = next
	}
	return chain
}

func (r *Registry) first(ids []string) *Decision {
	for _, id := range ids {
		if d, ok := r.byID[id]; ok {
			return d
		}
	}
	return nil
}

// Current returns the decision that stands for id today: id itself when it
// is accepted, else its newest accepted successor along the supersession
// chain. ok is false when there is none.
func (r *Registry) Current(id string) (*Decision, bool) {
	d, ok := r.byID[id]
	if !ok {
		return nil, false
	}
	seen := map[string]bool{}
	for d != nil && !seen[d.ID] {
		if d.Status == Accepted {
			return d, true
		}
		seen[d.ID] = true
		var next *Decision
		for _, s := range d.Linked(SupersededBy) {
			if n, ok := r.byID[s]; ok && (n.Status == Accepted || n.Status == Superseded) {
				next = n
				break
			}
		}
		d = next
	}
	return nil, false
}

// InForce returns the decisions in force for bp, sorted by ID: the accepted
// decisions whose scope covers bp (by name or tag), and for each decision bp
// cites, the decision that stands for it today (Current). Included
// blueprints are not considered: each part of a composed render has its own
// decisions in force.
func (r *Registry) InForce(bp *blueprint.Blueprint) []*Decision {
	return r.InForceFor(bp.Name, bp.Tags, bp.Decisions)
}

// InForceFor is InForce for a blueprint known by its name, tags and cited
// decision IDs, such as one a manifest records.
func (r *Registry) InForceFor(name string, tags, cited []string) []*Decision {
	set := map[string]*Decision{}
	for _, id := range cited {
		if d, ok := r.Current(id); ok {
			set[d.ID] = d
		}
	}
	for _, d := range r.byID {
		if d.Status == Accepted && covers(d.Scope, name, tags) {
			set[d.ID] = d
		}
	}
	out := make([]*Decision, 0, len(set))
	for _, d := range set {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// covers reports whether scope s covers the blueprint.
func covers(s Scope, name string, tags []string) bool {
	for _, p := range s.Blueprints {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	for _, t := range s.Tags {
		if slices.Contains(tags, t) {
			return true
		}
	}
	return false
}

// cueProblems turns CUE errors into problems at their positions in the
// decision's file.
func cueProblems(d *Decision, err error, kind ProblemKind, what string) []Problem {
	var out []Problem
	for _, e := range cueerrors.Errors(err) {
		p := Position{Filename: d.File}
		if tp := e.Position(); tp.IsValid() {
			p = toPos(tp)
		} else {
			for _, ip := range e.InputPositions() {
				if ip.IsValid() {
					p = toPos(ip)
					break
				}
			}
		}
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if path := strings.Join(e.Path(), "."); path != "" {
			msg = path + ": " + msg
		}
		out = append(out, problemf(p, d.ID, kind, "%s: %s", what, msg))
	}
	if len(out) == 0 {
		out = append(out, problemf(Position{Filename: d.File}, d.ID, kind, "%s: %v", what, err))
	}
	return out
}
