package render

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/internal/diff"
)

// Change says how a file on disk differs from a plan (Diff) or from what
// the project's recorded version renders (Drift): what a render would do.
type Change string

// The changes Diff and Drift report (Removed: Diff only).
const (
	// Added files are in the plan and not on disk.
	Added Change = "added"
	// Changed files differ between the plan and the disk.
	Changed Change = "changed"
	// Removed files are recorded in the project's manifest and no longer in
	// the plan.
	Removed Change = "removed"
	// Unchanged files are the same in the plan and on disk.
	Unchanged Change = "unchanged"
)

// FileDiff is the difference for one file.
type FileDiff struct {
	// Path is the file's slash-separated path in the project.
	Path string `json:"path"`
	// Change is what the plan does to the file: Added, Changed, Removed
	// or Unchanged.
	Change Change `json:"change"`
	// Level is the file's responsibility level: the plan's, or the
	// manifest's for a removed file.
	Level blueprint.Level `json:"level"`
	// Unified is a unified diff from the disk (a/PATH) to the plan (b/PATH)
	// for changed files, with a note when only the mode changed.
	Unified string `json:"diff,omitempty"`
}

// Diff compares a plan with the project p: every planned file is added,
// changed (with a unified diff) or unchanged, and files p's manifest
// records that the plan no longer has are removed. A nil p is a directory
// with nothing in it yet: every file is added. Diff writes nothing; it
// compares each file as Engine.Drift does.
func (e *Engine) Diff(ctx context.Context, plan *Plan, p *Project) ([]FileDiff, error) {
	s := &diffSink{plan: plan.Manifest}
	if p != nil {
		fsys, done, err := p.files()
		if err != nil {
			return nil, err
		}
		defer done()
		s.fsys = fsys
	}
	if _, _, err := e.run(ctx, plan.blueprint, plan.params, s); err != nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.err
	}
	if p != nil {
		for _, f := range p.manifest.Files {
			if _, ok := plan.Manifest.File(f.Path); ok {
				continue
			}
			if _, err := fs.Lstat(s.fsys, f.Path); err == nil {
				s.out = append(s.out, FileDiff{Path: f.Path, Change: Removed, Level: f.Level})
			}
		}
	}
	slices.SortFunc(s.out, func(a, b FileDiff) int { return strings.Compare(a.Path, b.Path) })
	return s.out, nil
}

// diffSink buffers each rendered file and compares it with the disk.
type diffSink struct {
	fsys fs.FS // nil: nothing on disk
	plan *Manifest
	mu   sync.Mutex
	out  []FileDiff
	err  error
}

func (s *diffSink) open(out string, mode fs.FileMode) (io.Writer, func(error) error, error) {
	var buf bytes.Buffer
	return &buf, func(err error) error {
		if err != nil {
			return err
		}
		f, ok := s.plan.File(out)
		if !ok {
			f = File{Path: out}
		}
		f.Mode = FileMode(mode.Perm())
		d, err := compareFile(s.fsys, f, buf.Bytes())
		if err != nil {
			return err
		}
		fd := FileDiff{Path: out, Change: d.Change, Level: f.Level}
		if d.Change == Changed {
			if d.Got != nil && !bytes.Equal(d.Got, d.Want) {
				fd.Unified = diff.Unified("a/"+out, "b/"+out, d.Got, d.Want, 3)
			}
			if d.Note != "" {
				fd.Unified = d.Note + "\n" + fd.Unified
			}
		}
		s.mu.Lock()
		s.out = append(s.out, fd)
		s.mu.Unlock()
		return nil
	}, nil
}
