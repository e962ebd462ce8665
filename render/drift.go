package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"sync"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/internal/diff"
)

// FileDrift is how one file of a project stands on disk against what a
// render gives for it.
type FileDrift struct {
	// File is the rendered file's entry: its path, template, level, mode
	// and hash.
	File File
	// Change is what a render would do to the disk: Unchanged, Changed (in
	// content, in mode, or another kind of file in its place) or Added (the
	// file is missing on disk, deleted in the project).
	Change Change
	// Want is the rendered content, and Got the content on disk, when the
	// file is Changed or Added; both are nil for an Unchanged file, so that
	// memory holds only what differs. Got is nil when the file is missing
	// or is not a regular file.
	Want []byte
	Got  []byte
	// Mode is the file's permission bits on disk; 0 when it is missing or
	// not a regular file.
	Mode fs.FileMode
	// Binary reports whether Want or Got is binary: a NUL byte in its first
	// 8000 bytes, or not valid UTF-8. Line diffs of binary files mean
	// nothing.
	Binary bool
	// Note says what differs besides the content, for people: "mode 0755
	// on disk, 0644 rendered", or another kind of file in its place.
	Note string
}

// Drift compares the project p with what its recorded version renders: bp,
// the blueprint version p's manifest names, rendered with the recorded
// parameters in memory, in one render, and checked to reproduce every file
// the manifest records (a *MismatchError otherwise), as Rebuild does. It
// yields one FileDrift per recorded file, in path order, seeded files
// included (their level says they are the team's). Each file is compared
// with the disk as it is rendered, and only the contents of the files that
// differ are kept. The error of a render or a read ends the sequence.
//
// Drift is how the scan of feedback/scan finds edits and how the fleet's
// check finds drift: one comparison for both, and for Engine.Diff.
func (e *Engine) Drift(ctx context.Context, bp *blueprint.Blueprint, p *Project) iter.Seq2[FileDrift, error] {
	return func(yield func(FileDrift, error) bool) {
		fsys, done, err := p.files()
		if err != nil {
			yield(FileDrift{}, err)
			return
		}
		defer done()
		s := &driftSink{fsys: fsys, files: map[string]FileDrift{}}
		plan, err := e.rebuild(ctx, bp, p, s, nil)
		if err != nil {
			yield(FileDrift{}, err)
			return
		}
		for _, f := range plan.Manifest.Files {
			d := s.files[f.Path]
			d.File = f
			if !yield(d, nil) {
				return
			}
		}
	}
}

// driftSink compares each rendered file with the disk as it is rendered,
// keeping the contents of the files that differ only.
type driftSink struct {
	fsys  fs.FS
	mu    sync.Mutex
	files map[string]FileDrift
}

func (s *driftSink) open(out string, mode fs.FileMode) (io.Writer, func(error) error, error) {
	if err := checkOutputPath(out); err != nil {
		return nil, nil, err
	}
	buf := new(bytes.Buffer)
	return buf, func(err error) error {
		if err != nil {
			return err
		}
		d, err := compareFile(s.fsys, File{Path: out, Mode: FileMode(mode.Perm())}, buf.Bytes())
		if err != nil {
			return fmt.Errorf("%s: %w", out, err)
		}
		if d.Change == Unchanged {
			d.Want, d.Got = nil, nil
		}
		s.mu.Lock()
		s.files[out] = d
		s.mu.Unlock()
		return nil
	}, nil
}

// compareFile compares the rendered file f, of content want, with the file
// at f.Path in fsys (nil: nothing on disk).
func compareFile(fsys fs.FS, f File, want []byte) (FileDrift, error) {
	d := FileDrift{File: f, Want: want, Change: Added, Binary: diff.IsBinary(want)}
	if fsys == nil {
		return d, nil
	}
	fi, err := fs.Lstat(fsys, f.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return d, nil
	case err != nil:
		return d, err
	case !fi.Mode().IsRegular():
		d.Change = Changed
		d.Note = fmt.Sprintf("%s is a %s on disk, a file in the render", f.Path, fi.Mode().Type())
		return d, nil
	}
	got, err := fs.ReadFile(fsys, f.Path)
	if err != nil {
		return d, err
	}
	d.Got, d.Mode = got, fi.Mode().Perm()
	d.Binary = d.Binary || diff.IsBinary(got)
	d.Change = Unchanged
	if !bytes.Equal(got, want) {
		d.Change = Changed
	}
	if want := fs.FileMode(f.Mode).Perm(); d.Mode != want {
		d.Change = Changed
		d.Note = fmt.Sprintf("mode %04o on disk, %04o rendered", d.Mode, want)
	}
	return d, nil
}
