package decision

import (
	"context"
	"errors"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/internal/fserr"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/internal/english"
)

// Options configures loading and parsing. The zero value, and a nil
// *Options, give the lenient defaults: the status table of StatusWords, the
// skip patterns of DefaultSkip, IDs as ADR-0007, warnings kept apart from
// errors.
type Options struct {
	// Fetcher fetches the sources Load is given, as for blueprints. Nil uses
	// blueprint.DefaultSources: the strict policy, which refuses local
	// paths; give a blueprint.Sources with the local policy (or use
	// LoadDir) to load a local directory.
	Fetcher blueprint.Fetcher
	// Logger receives debug logs. Nil discards them.
	Logger *slog.Logger
	// MaxFiles caps the decision files of one registry. Default 10 000.
	MaxFiles int
	// EvalTimeout bounds the CUE evaluation of each file's front matter and
	// rules. Default DefaultEvalTimeout.
	EvalTimeout time.Duration
	// Statuses adds words to the status table, or changes what a word of
	// StatusWords means: keys are status words, without case ("parked":
	// Proposed). A status the table does not know is Unknown, with a
	// warning.
	Statuses map[string]Status
	// Skip lists the Markdown files of a folder that are not decision
	// records, as path.Match patterns matched without case against the
	// file's name and against its slash path in the folder. Nil means
	// DefaultSkip(); an empty, non-nil slice skips nothing by name.
	// Skipped files are listed by Lint as notes.
	Skip []string
	// Strict turns warnings into errors: Load and Parse fail on them, and
	// Lint reports them as errors. Notes stay notes.
	Strict bool
	// IDPrefix is the prefix of IDs made from numbers: "ADR" (the default)
	// makes 0007-x.md ADR-0007.
	IDPrefix string
	// IDDigits is how many digits those IDs have, zero-padded. Default 4.
	IDDigits int
}

// validate rejects settings that cannot mean anything: a status word
// mapped to no status, an ID prefix that is not a word, more than nine
// digits.
func (o *Options) validate() error {
	for w, st := range o.Statuses {
		if !st.Valid() {
			return fmt.Errorf("Options.Statuses[%q]: %q is not a status (want one of %v)", w, st, Statuses())
		}
	}
	if o.IDPrefix != "" && !idPrefixRE().MatchString(o.IDPrefix) {
		return fmt.Errorf("Options.IDPrefix %q: want letters and digits, starting with a letter", o.IDPrefix)
	}
	if o.IDDigits < 0 || o.IDDigits > 9 {
		return fmt.Errorf("Options.IDDigits %d: want 1 to 9, or 0 for the default 4", o.IDDigits)
	}
	return nil
}

// DefaultSkip returns the patterns of the Markdown files a decisions folder
// holds besides its records: index and README files, adr-tools', MADR's and
// log4brains' templates, navigation files. Each call returns a new slice.
func DefaultSkip() []string {
	return []string{
		"readme.md", "index.md", "_index.md", "_sidebar.md", "summary.md", "toc.md",
		"00-index.md", "000-index.md", "0000-index.md",
		"template.md", "*-template.md", "template-*.md", "adr-template*.md",
		"*-template-bare*.md", "*-template-minimal*.md", "*_template.md",
	}
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
	problems []Problem // loading's, then build's
	scheme   idScheme
	strict   bool
}

// Load loads the decisions at source through opts.Fetcher, which decides by
// its policy what source may name: a git repository
// (git::https://host/org/decisions.git?ref=main), an archive, and under the
// local policy a local directory, read as LoadDir reads it. opts may be
// nil.
//
// Like LoadFS, Load returns the registry of every record it could read,
// and with it a *LoadError when there are errors (or, with Options.Strict,
// warnings); the registry is nil only when the source cannot be read.
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
	var pe *fs.PathError
	if err != nil && errors.As(err, &pe) && filepath.Clean(pe.Path) == filepath.Clean(source) {
		// A local folder that is not there, or not a directory.
		return nil, fserr.Wrap("decisions folder", source, "no such directory", err)
	}
	if err != nil {
		if opts.Fetcher == nil && !strings.Contains(source, "://") && !strings.Contains(source, "::") {
			return nil, fmt.Errorf("load decisions %s: %w (the default fetcher has the strict policy: a local directory loads with LoadDir, or with an Options.Fetcher of the local policy)", blueprint.Redact(source), err)
		}
		return nil, fmt.Errorf("load decisions %s: %w", blueprint.Redact(source), err)
	}
	prefix := got.Source
	if got.Dir != "" && got.Revision == "" {
		prefix = filepath.ToSlash(got.Source)
	}
	r, err := loadFS(ctx, got.FS, prefix, opts)
	if r != nil {
		r.source, r.revision = blueprint.Redact(got.Source), got.Revision
	}
	return r, err
}

// LoadDir loads the decisions in the local directory dir and its
// subdirectories, as LoadFS does. opts may be nil.
func LoadDir(ctx context.Context, dir string, opts *Options) (*Registry, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fserr.Wrap("decisions folder", dir, "no such directory", err)
	}
	if !fi.IsDir() {
		return nil, fserr.NotDir("decisions folder", dir)
	}
	return LoadFS(ctx, os.DirFS(dir), filepath.ToSlash(filepath.Clean(dir)), opts)
}

// LoadFS loads the decisions in fsys: every *.md file of the folder and its
// subdirectories that is a record, in one of three layouts (flat, one
// numbered folder per record with an index.md or README.md, nested
// category folders); directories whose names start with "." or "_", and
// files Options.Skip names, are not read (docs/decisions.md, "A folder of
// decisions"). source names the folder in positions ("source/0001-x.md");
// "" names files by their path in fsys. opts may be nil.
//
// Loading never refuses a record for what it says. LoadFS returns the
// registry of every record that has a title (or a front matter ID), and
// with it a *LoadError listing the errors of every file — a scope that
// cannot be read, rules that do not compile — and, with Options.Strict,
// the warnings. Warnings and notes (files skipped) are kept for Lint, as
// are two records with one ID (the registry keeps the first). A folder where no record loads is an error.
// The registry is nil only when the folder cannot be walked or the context
// ends.
func LoadFS(ctx context.Context, fsys fs.FS, source string, opts *Options) (*Registry, error) {
	if opts == nil {
		opts = &Options{}
	}
	r, err := loadFS(ctx, fsys, source, opts)
	if r != nil {
		r.source = source
	}
	return r, err
}

func loadFS(ctx context.Context, fsys fs.FS, prefix string, opts *Options) (*Registry, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("load decisions %s: %w", prefix, err)
	}
	files, probs, err := walkRecords(fsys, prefix, opts)
	if err != nil {
		return nil, fmt.Errorf("load decisions %s: %w", prefix, err)
	}
	mdFiles := len(files) + len(probs)
	po := opts.parseOptions()
	// Files are read one at a time (an fs.FS need not allow concurrent
	// reads) and parsed by GOMAXPROCS workers, which keep their grown
	// stacks from file to file; results keep the path order.
	type result struct {
		d     *Decision
		probs []Problem
	}
	type job struct {
		i         int
		name, rec string
		data      []byte
	}
	results := make([]result, len(files))
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(files), 1)) {
		wg.Go(func() {
			for j := range jobs {
				d, probs := parseBounded(ctx, j.name, j.data, po, j.rec)
				results[j.i] = result{d, probs}
			}
		})
	}
	for i, rf := range files {
		if ctx.Err() != nil {
			break
		}
		name := rf.path
		if prefix != "" {
			name = prefix + "/" + rf.path
		}
		data, err := readCapped(fsys, rf.path)
		if err != nil {
			results[i].probs = []Problem{problemf(Position{Filename: name, Line: 1, Column: 1}, "", Syntax, "%v", err)}
			continue
		}
		jobs <- job{i, name, rf.record, data}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var ds []*Decision
	rels := map[*Decision]string{}
	for i, res := range results {
		if res.d == nil {
			probs = append(probs, res.probs...)
			continue
		}
		res.d.problems = res.probs
		ds = append(ds, res.d)
		rels[res.d] = files[i].path
	}
	if len(ds) == 0 {
		where := prefix
		if where == "" {
			where = "."
		}
		if n := mdFiles; n == 0 {
			probs = append(probs, problemf(Position{Filename: where}, "", Layout, "no decision records in %s: no Markdown files", where))
		} else {
			probs = append(probs, problemf(Position{Filename: where}, "", Layout, "no decision records in %s: %s, none a record (lint lists why)", where, english.Count(n, "Markdown file")))
		}
	}
	loadProbs := slices.Clone(probs)
	for _, d := range ds {
		loadProbs = append(loadProbs, d.problems...)
	}
	sortProblems(loadProbs)
	r := build(ds, rels, po)
	r.problems = append(probs, r.problems...)
	if opts.Logger != nil {
		opts.Logger.Debug("decisions loaded", "source", prefix, "decisions", len(r.byID))
	}
	// Two records with one ID are for Lint: the registry keeps the first.
	if errs := failures(loadProbs, po.strict); len(errs) > 0 {
		return r, &LoadError{Problems: errs}
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

// Problems returns what loading found, sorted by position: errors,
// warnings (an unknown status, a date that is not one) and notes (files
// skipped as not records). Lint returns them too, with its own checks.
func (r *Registry) Problems() []Problem {
	probs := slices.Clone(r.problems)
	sortProblems(probs)
	return probs
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
	return build(ds, rels, (*Options)(nil).parseOptions())
}

// build indexes ds, resolves links and fills in their other sides.
func build(ds []*Decision, rels map[*Decision]string, po *parseOpts) *Registry {
	r := &Registry{all: ds, byID: map[string]*Decision{}, byFile: map[string]*Decision{}, rel: rels, scheme: po.scheme, strict: po.strict}
	for _, d := range ds {
		r.problems = append(r.problems, d.problems...)
	}
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
			if t := r.linkedFile(rels[d], l.Ref); t != nil {
				l.Target = t.ID
				continue
			}
			if t, ok := r.Get(l.Ref); ok {
				l.Target = t.ID
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

// Get returns the decision with the given ID. An ID cited another way
// finds it too: "ADR-2", "ADR 002", "adr-0002" and "ADR002" are ADR-0002.
func (r *Registry) Get(id string) (*Decision, bool) {
	if d, ok := r.byID[id]; ok {
		return d, true
	}
	if n, ok := r.scheme.normaliseID(id); ok {
		d, ok := r.byID[n]
		return d, ok
	}
	return nil, false
}

// linkedFile returns the record a link from the file rel to ref points
// at: the file, the file with ".md", or a record folder's index.md or
// README.md.
func (r *Registry) linkedFile(rel, ref string) *Decision {
	if strings.Contains(ref, "://") {
		return nil
	}
	target := path.Join(path.Dir(rel), ref)
	for _, t := range []string{target, target + ".md", target + "/index.md", target + "/README.md", target + "/readme.md"} {
		if d, ok := r.byFile[t]; ok {
			return d
		}
	}
	return nil
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
