package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/goldenpath-dev/goldenpath/decision"
)

// PendingError is returned when a project holds the committed journal of
// an apply that was interrupted: its files are partly of the old version
// and partly of the new one, so it is not read as either. Recover (gp
// recover DIR) completes the apply; OpenProject does so itself.
type PendingError struct {
	// Dir is the project's directory, as it was named.
	Dir string
}

// Error says what to run.
func (e *PendingError) Error() string {
	return fmt.Sprintf("an interrupted apply is pending in %s: run gp recover %s", e.Dir, e.Dir)
}

// Project is a rendered project, opened once: its manifest and its
// exceptions are read when it is opened, and every operation on the project
// (Engine.Diff, Engine.Drift, Engine.Rebuild, Engine.Upgrade,
// Project.Evaluate, scans) uses them instead of reading them again. The
// files themselves are read by each operation.
//
// A Project is never a mix of two versions: OpenProject completes an
// interrupted apply before reading, and OpenProjectFS refuses a project
// with one pending (*PendingError).
//
// A Project's methods may be called concurrently. An Engine.Upgrade or a
// Project.Resolve that writes the project updates the Project to the new
// manifest; other operations must not run on the same Project meanwhile. The zero Project
// is not usable: open one.
type Project struct {
	dir        string
	fsys       fs.FS // nil: the directory dir, read through an os.Root
	manifest   *Manifest
	exceptions []decision.Exception
}

// OpenProject opens the project rendered in dir, for reading and writing.
// An apply to dir that was interrupted is completed or discarded first
// (Recover), so the project read is the old version or the new one, never
// a mix. A directory with files but no manifest gives an error wrapping
// ErrNotProject; one that is empty or does not exist, fs.ErrNotExist.
func OpenProject(dir string) (*Project, error) {
	dir = filepath.Clean(dir)
	if err := Recover(dir); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	p := &Project{dir: dir}
	if err := p.load(root.FS()); err != nil {
		return nil, err
	}
	return p, nil
}

// OpenProjectFS opens the project whose files fsys holds, read-only: dir
// names it in messages, results and signals (it may be empty). OpenProjectFS
// writes nothing, so a project with an interrupted apply pending is refused
// with a *PendingError instead of being read as a mix of two versions. A
// Project opened this way can be diffed, rebuilt, evaluated, scanned and
// upgraded with UpgradeOptions.DryRun, not written.
func OpenProjectFS(fsys fs.FS, dir string) (*Project, error) {
	p := &Project{dir: dir, fsys: fsys}
	if err := p.load(fsys); err != nil {
		return nil, err
	}
	return p, nil
}

// load reads the manifest and the exceptions from fsys, refusing a project
// with a pending journal.
func (p *Project) load(fsys fs.FS) error {
	if err := checkPending(fsys, p.dir); err != nil {
		return err
	}
	f, err := fsys.Open(ManifestPath)
	if errors.Is(err, fs.ErrNotExist) {
		entries, rerr := fs.ReadDir(fsys, ".")
		switch {
		case rerr != nil:
			return rerr
		case len(entries) == 0:
			return fmt.Errorf("%s is empty: not a project goldenpath rendered (no %s): %w", p.dir, ManifestPath, fs.ErrNotExist)
		}
		return fmt.Errorf("%s: %w: no %s", p.dir, ErrNotProject, ManifestPath)
	}
	if err != nil {
		return err
	}
	m, err := DecodeManifest(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(p.dir, filepath.FromSlash(ManifestPath)), err)
	}
	xs, err := decision.ReadExceptions(fsys, filepath.Join(p.dir, filepath.FromSlash(decision.ExceptionsFile)))
	if err != nil {
		return err
	}
	p.manifest, p.exceptions = m, xs
	return nil
}

// checkPending returns a *PendingError when fsys holds a committed journal.
func checkPending(fsys fs.FS, dir string) error {
	_, err := fs.Stat(fsys, journalPath)
	switch {
	case err == nil:
		return &PendingError{Dir: dir}
	case errors.Is(err, fs.ErrNotExist):
		return nil
	default:
		return err
	}
}

// Dir returns the project's directory, as it was named when opened.
func (p *Project) Dir() string { return p.dir }

// Manifest returns the project's manifest, as read when the project was
// opened (or written by the last Engine.Upgrade through p). Callers must
// not modify it.
func (p *Project) Manifest() *Manifest { return p.manifest }

// Exceptions returns the project's exceptions (decision.ExceptionsFile), as
// read when it was opened; none when the project has no such file.
func (p *Project) Exceptions() []decision.Exception { return slices.Clone(p.exceptions) }

// ReadOnly reports whether p was opened with OpenProjectFS.
func (p *Project) ReadOnly() bool { return p.fsys != nil }

// files returns the project's files for one operation and what to call when
// it is done.
func (p *Project) files() (fs.FS, func(), error) {
	if p.fsys != nil {
		return p.fsys, func() {}, nil
	}
	root, err := os.OpenRoot(p.dir)
	if err != nil {
		return nil, nil, err
	}
	return root.FS(), func() { root.Close() }, nil
}

// root opens the project's directory for writing.
func (p *Project) root() (*os.Root, error) {
	if p.fsys != nil {
		return nil, fmt.Errorf("%s: the project was opened read-only (OpenProjectFS)", p.dir)
	}
	return os.OpenRoot(p.dir)
}
