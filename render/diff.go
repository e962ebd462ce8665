package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/internal/diff"
)

// Change says how a file on disk differs from a plan.
type Change string

// The changes Diff reports.
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
	Path   string          `json:"path"`
	Change Change          `json:"change"`
	Level  blueprint.Level `json:"level"`
	// Unified is a unified diff from the disk (a/PATH) to the plan (b/PATH)
	// for changed files, with a note when only the mode changed.
	Unified string `json:"diff,omitempty"`
}

// Diff compares a plan with the directory dir: every planned file is added,
// changed (with a unified diff) or unchanged, and files the project's
// manifest records that the plan no longer has are removed. A missing dir
// makes every file added. Diff writes nothing.
func (e *Engine) Diff(ctx context.Context, plan *Plan, dir string) ([]FileDiff, error) {
	s := &diffSink{}
	root, err := os.OpenRoot(dir)
	switch {
	case err == nil:
		defer root.Close()
		s.root = root
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	s.plan = plan.Manifest
	if _, _, err := e.run(ctx, plan.blueprint, plan.params, s); err != nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.err
	}
	if root != nil {
		if old, err := ReadManifest(dir); err == nil {
			for _, f := range old.Files {
				if _, ok := plan.Manifest.File(f.Path); ok {
					continue
				}
				if _, err := root.Lstat(f.Path); err == nil {
					s.out = append(s.out, FileDiff{Path: f.Path, Change: Removed, Level: f.Level})
				}
			}
		}
	}
	slices.SortFunc(s.out, func(a, b FileDiff) int { return strings.Compare(a.Path, b.Path) })
	return s.out, nil
}

// diffSink buffers each rendered file and compares it with the disk.
type diffSink struct {
	root *os.Root
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
		d, err := s.compare(out, mode, buf.Bytes())
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.out = append(s.out, d)
		s.mu.Unlock()
		return nil
	}, nil
}

func (s *diffSink) compare(out string, mode fs.FileMode, planned []byte) (FileDiff, error) {
	d := FileDiff{Path: out}
	if f, ok := s.plan.File(out); ok {
		d.Level = f.Level
	}
	if s.root == nil {
		d.Change = Added
		return d, nil
	}
	fi, err := s.root.Lstat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.Change = Added
		return d, nil
	case err != nil:
		return d, err
	case !fi.Mode().IsRegular():
		d.Change = Changed
		d.Unified = fmt.Sprintf("%s is a %s on disk, a file in the plan\n", out, fi.Mode().Type())
		return d, nil
	}
	onDisk, err := s.root.ReadFile(out)
	if err != nil {
		return d, err
	}
	d.Change = Unchanged
	if !bytes.Equal(onDisk, planned) {
		d.Change = Changed
		d.Unified = diff.Unified("a/"+out, "b/"+out, onDisk, planned, 3)
	}
	if fi.Mode().Perm() != mode.Perm() {
		d.Change = Changed
		d.Unified = fmt.Sprintf("mode %04o on disk, %04o in the plan\n", fi.Mode().Perm(), mode.Perm()) + d.Unified
	}
	return d, nil
}
