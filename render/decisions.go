package render

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/internal/memfs"
	"github.com/goldenpath-dev/goldenpath/internal/tree"
	"github.com/goldenpath-dev/goldenpath/internal/values"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
)

// PlanOptions configures PlanWith. The zero value, and a nil *PlanOptions,
// are what Plan uses.
type PlanOptions struct {
	// Exceptions exempt the project from rules of the decisions in force,
	// as the project's .goldenpath/exceptions.yaml does (Project.Exceptions).
	Exceptions []decision.Exception
	// Subject names the project in findings. Default: the blueprint's name.
	Subject string

	// noDecisions skips the evaluation: for renders that only reproduce
	// what a project recorded (an upgrade's base).
	noDecisions bool
	// sequential renders the files one after the other in the caller's
	// goroutine: a fleet runs projects side by side already.
	sequential bool
}

// PlanWith is Plan for a project with exceptions: with Options.Decisions
// set, an enforced rule that an active exception covers does not refuse the
// plan, and its findings are recorded as exempt. Apply writes the plan as
// usual.
func (e *Engine) PlanWith(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params, opts *PlanOptions) (*Plan, error) {
	return e.planWith(ctx, bp, params, discard{}, opts)
}

// Evaluation returns the evaluation of the decisions in force: every check and
// every finding, passes included. It is nil when the Engine has no
// Options.Decisions.
func (p *Plan) Evaluation() *decision.Evaluation { return p.eval }

// readExceptions reads the exceptions of the directory dir, which may not
// be a project (yet); a directory without the file has none.
func readExceptions(dir string) ([]decision.Exception, error) {
	xs, err := decision.ReadExceptions(os.DirFS(dir), filepath.Join(dir, filepath.FromSlash(decision.ExceptionsFile)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return xs, err
}

// captureSink keeps the content of the rendered files tree rules read,
// passing everything on to the sink it wraps.
type captureSink struct {
	next  sink
	want  func(out string) bool
	mu    sync.Mutex
	files map[string][]byte
}

func (c *captureSink) open(out string, mode fs.FileMode) (io.Writer, func(error) error, error) {
	w, done, err := c.next.open(out, mode)
	if err != nil || !c.want(out) {
		return w, done, err
	}
	var buf bytes.Buffer
	return io.MultiWriter(w, &buf), func(err error) error {
		if err == nil {
			c.mu.Lock()
			c.files[out] = buf.Bytes()
			c.mu.Unlock()
		}
		return done(err)
	}, nil
}

// partDecisions are the decisions in force for one part of a render.
type partDecisions struct {
	part      blueprint.Part
	decisions []*decision.Decision
}

// decisionsInForce returns the decisions in force for each part, and a
// function reporting whether a rendered path is read by a tree rule.
func (e *Engine) decisionsInForce(params *blueprint.Params) ([]partDecisions, func(string) bool) {
	var parts []partDecisions
	type globs struct {
		dir   string
		globs []string
	}
	var want []globs
	for _, p := range params.Parts() {
		ds := e.decisions.InForce(p.Blueprint)
		parts = append(parts, partDecisions{part: p, decisions: ds})
		g := globs{dir: p.Dir}
		for _, d := range ds {
			for _, r := range d.Rules {
				if r.Kind == decision.Matches || r.Kind == decision.NotMatches || r.Kind == decision.Unify {
					g.globs = append(g.globs, r.Glob)
				}
			}
		}
		want = append(want, g)
	}
	return parts, func(out string) bool {
		for _, g := range want {
			rel, ok := relTo(g.dir, out)
			if ok && slices.ContainsFunc(g.globs, func(glob string) bool { return blueprint.MatchGlob(glob, rel) }) {
				return true
			}
		}
		return false
	}
}

// relTo returns p relative to dir, and whether p is inside dir.
func relTo(dir, p string) (string, bool) {
	if dir == "" {
		return p, true
	}
	rel, ok := strings.CutPrefix(p, dir+"/")
	return rel, ok
}

// evaluate evaluates the decisions in force for each part against its
// parameters and rendered files, records them in the manifest and returns
// the merged report.
func (e *Engine) evaluate(ctx context.Context, bp *blueprint.Blueprint, parts []partDecisions, m *Manifest, files map[string][]byte, opts *PlanOptions) (*decision.Evaluation, error) {
	subject := opts.Subject
	if subject == "" {
		subject = bp.Name
	}
	now := e.now()
	rep := &decision.Evaluation{Subject: subject, Time: now, Checks: []decision.Check{}, Findings: []decision.Finding{}}
	seen := map[string]bool{}
	m.Decisions = []DecisionRef{}
	for _, pd := range parts {
		p := pd.part
		tree := memfs.FS{}
		var paths []string
		for _, f := range m.Files {
			if f.Part != p.Name {
				continue
			}
			rel, ok := relTo(p.Dir, f.Path)
			if !ok {
				continue
			}
			paths = append(paths, rel)
			if data, ok := files[f.Path]; ok {
				tree[rel] = data
			}
		}
		name := subject
		if p.Name != "" {
			name = subject + ": " + p.Name
		}
		r, err := decision.Evaluate(ctx, pd.decisions, &decision.Subject{
			Name:       name,
			Blueprint:  p.Blueprint,
			Params:     p.Params.Values(),
			Files:      tree,
			Paths:      paths,
			Dir:        p.Dir,
			Exceptions: opts.Exceptions,
		}, &decision.EvalOptions{Now: func() time.Time { return now }})
		if err != nil {
			return nil, err
		}
		rep.Merge(r)
		for _, d := range pd.decisions {
			if !seen[d.ID] {
				seen[d.ID] = true
				m.Decisions = append(m.Decisions, DecisionRef{ID: d.ID, Version: d.Version, Digest: d.Digest})
			}
		}
	}
	slices.SortFunc(m.Decisions, func(a, b DecisionRef) int { return strings.Compare(a.ID, b.ID) })
	for _, f := range rep.Findings {
		m.Findings = append(m.Findings, f)
	}
	e.log.DebugContext(ctx, "decisions evaluated", "blueprint", bp.Name, "checks", len(rep.Checks), "findings", len(rep.Findings))
	return rep, nil
}

func (e *Engine) now() time.Time {
	if e.clock != nil {
		return e.clock()
	}
	return time.Now()
}

// EvaluateOptions configures Project.Evaluate. The zero value, and a nil
// *EvaluateOptions, give the defaults.
type EvaluateOptions struct {
	// Now is the clock rule schedules and exception expiry are compared
	// with. Nil means time.Now.
	Now func() time.Time
	// Blueprint, when it is the blueprint the manifest names, lets findings
	// about parameters point at their declarations in its blueprint.cue.
	Blueprint *blueprint.Blueprint
}

// Evaluate evaluates the decisions of reg against the project as it is
// now, drift included: for the blueprint and each included blueprint the
// manifest records, the decisions in force today (by name, tags and cited
// decisions) are evaluated against the recorded parameters and the files on
// disk under the part's directory, every file there counted, rendered or
// not. The project's exceptions apply. Enforced failures are in the
// evaluation (Evaluation.Err); the error is for projects that cannot be
// evaluated.
func (p *Project) Evaluate(ctx context.Context, reg *decision.Registry, opts *EvaluateOptions) (*decision.Evaluation, error) {
	if reg == nil {
		return nil, errors.New("render: evaluating a project needs a decision registry")
	}
	if opts == nil {
		opts = &EvaluateOptions{}
	}
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	m, xs, dir := p.manifest, p.exceptions, p.dir
	type part struct {
		name, dir string
		ref       BlueprintRef
		params    json.RawMessage
	}
	parts := []part{{ref: m.Blueprint, params: m.Parameters}}
	for _, inc := range m.Includes {
		parts = append(parts, part{name: inc.Name, dir: inc.Dir, ref: inc.Blueprint, params: inc.Parameters})
	}
	fsys, done, err := p.files()
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", dir, err)
	}
	defer done()
	all, err := tree.Files(fsys)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", dir, err)
	}
	rep := &decision.Evaluation{Subject: dir, Time: now, Checks: []decision.Check{}, Findings: []decision.Finding{}}
	// Each file belongs to the part with the deepest directory holding it.
	owner := make([]int, len(all))
	for fi, f := range all {
		for pi, p := range parts {
			if _, in := relTo(p.dir, f); in && len(p.dir) >= len(parts[owner[fi]].dir) {
				owner[fi] = pi
			}
		}
	}
	for i, p := range parts {
		var paths []string
		for fi, f := range all {
			if owner[fi] == i {
				rel, _ := relTo(p.dir, f)
				paths = append(paths, rel)
			}
		}
		var params map[string]any
		if len(p.params) > 0 {
			if params, err = values.DecodeJSON(p.params); err != nil {
				return nil, fmt.Errorf("check %s: %w: parameters of %s: %v", dir, ErrManifest, p.ref.Name, err)
			}
		}
		files := fsys
		if p.dir != "" {
			if files, err = fs.Sub(fsys, p.dir); err != nil {
				return nil, err
			}
		}
		s := &decision.Subject{
			Name:       dir,
			Params:     params,
			Files:      files,
			Paths:      paths,
			Dir:        filepath.Join(dir, filepath.FromSlash(p.dir)),
			Exceptions: xs,
		}
		if p.name != "" {
			s.Name = dir + ": " + p.name
		}
		if i == 0 && opts.Blueprint != nil && opts.Blueprint.Digest == p.ref.Digest {
			s.Blueprint = opts.Blueprint
		}
		r, err := decision.Evaluate(ctx, reg.InForceFor(p.ref.Name, p.ref.Tags, p.ref.Decisions), s, &decision.EvalOptions{Now: func() time.Time { return now }})
		if err != nil {
			return nil, err
		}
		rep.Merge(r)
	}
	return rep, nil
}
