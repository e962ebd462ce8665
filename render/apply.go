package render

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/internal/english"
	"github.com/goldenpath-dev/goldenpath/internal/fastfile"
)

// ErrNotProject is returned (wrapped) when the target directory is not empty
// and holds no goldenpath manifest, and ApplyOptions.Force is not set.
var ErrNotProject = errors.New("directory is not empty and was not rendered by goldenpath")

// EditedError is returned when applying would overwrite files that were
// edited since they were rendered. Nothing was written.
type EditedError struct {
	// Paths are the edited files, sorted.
	Paths []string
}

// Error lists the edited files.
func (e *EditedError) Error() string {
	return fmt.Sprintf("%s edited since the last render would be overwritten (upgrade merges them; force overwrites and keeps a copy under %s/overwritten/): %s",
		english.Count(len(e.Paths), "file"), StateDir, strings.Join(e.Paths, ", "))
}

// ApplyOptions controls writing into a directory. The zero value, and a nil
// *ApplyOptions, give the defaults.
type ApplyOptions struct {
	// Force writes into a non-empty directory that goldenpath did not render,
	// and overwrites files edited since the last render; each overwritten
	// edit is kept under .goldenpath/overwritten/.
	Force bool
}

// Render renders bp with params into dir in one pass and returns the plan it
// carried out. It is PlanWith followed by Apply without rendering twice; the
// exceptions of the project in dir (decision.ExceptionsFile) apply. Render
// and Apply take the directory, not a Project: the target may not exist or
// hold a project yet.
func (e *Engine) Render(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params, dir string, opts *ApplyOptions) (*Plan, error) {
	return e.RenderWith(ctx, bp, params, dir, opts, nil)
}

// RenderWith is Render planning with po, as PlanWith does: po's subject
// and exceptions stand for the decisions in force. A nil po is Render's: the
// exceptions of the project in dir.
func (e *Engine) RenderWith(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params, dir string, opts *ApplyOptions, po *PlanOptions) (*Plan, error) {
	return e.renderWith(ctx, bp, params, dir, opts, po, renderHints{})
}

// renderHints are what a fleet knows of one of its renders.
type renderHints struct {
	// swept: the stale staging siblings of the directory were removed
	// already (a fleet sweeps each parent directory once).
	swept bool
	// sequential: render the files one after the other (the fleet runs
	// its targets side by side).
	sequential bool
}

// renderWith is RenderWith with a fleet's hints.
func (e *Engine) renderWith(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params, dir string, opts *ApplyOptions, po *PlanOptions, h renderHints) (*Plan, error) {
	e.init()
	if po == nil && e.decisions != nil {
		xs, err := readExceptions(dir)
		if err != nil {
			return nil, err
		}
		po = &PlanOptions{Exceptions: xs}
	}
	if h.sequential {
		var seq PlanOptions // a nil po without decisions is the zero one
		if po != nil {
			seq = *po
		}
		seq.sequential = true
		po = &seq
	}
	var plan *Plan
	err := e.write(ctx, dir, opts, h.swept, func(s sink) (*Manifest, error) {
		p, err := e.planWith(ctx, bp, params, s, po)
		if err != nil {
			return nil, err
		}
		plan = p
		return p.Manifest, nil
	})
	if err != nil {
		return nil, err
	}
	return plan, nil
}

// Apply writes plan into dir, atomically: when Apply returns, either every
// file of the plan is written with the manifest, or the directory is as it
// was. A process killed during Apply leaves the directory as it was or, once
// the change is committed, to be completed by the next Apply, OpenProject or
// Recover; until then OpenProjectFS and ReadManifest refuse it
// (*PendingError).
//
// A directory that does not exist or is empty is created by rendering into a
// sibling temporary directory and renaming it. In an existing project, files
// are staged under .goldenpath/, a journal is committed, and the files are
// renamed into place. Seeded files that exist are never touched; files
// edited since the last render are not overwritten unless opts.Force is set
// (the error is an *EditedError); files the plan no longer has are removed
// when unchanged and kept when edited. Nothing is ever written outside dir:
// every path is checked, and writes go through an os.Root.
//
// A project whose manifest records conflicts an upgrade left, not resolved
// yet (Project.Conflicts), is refused with a *ConflictsError listing
// them, even with opts.Force, and nothing is written: the new manifest
// would forget them. Resolve them first (Project.Resolve). Render does the
// same.
func (e *Engine) Apply(ctx context.Context, plan *Plan, dir string, opts *ApplyOptions) error {
	return e.write(ctx, dir, opts, false, func(s sink) (*Manifest, error) {
		files, dirs, err := e.run(ctx, plan.blueprint, plan.params, s)
		if err != nil {
			return nil, err
		}
		if err := sameFiles(plan.Manifest.Files, files); err != nil {
			return nil, err
		}
		if !slices.Equal(plan.Manifest.Dirs, dirs) {
			return nil, fmt.Errorf("rendered directories differ from the plan")
		}
		return plan.Manifest, nil
	})
}

// write stages what produce renders and commits it to dir. swept says the
// stale staging siblings of dir were removed already (sweepStaging).
func (e *Engine) write(ctx context.Context, dir string, opts *ApplyOptions, swept bool, produce func(sink) (*Manifest, error)) error {
	if opts == nil {
		opts = &ApplyOptions{}
	}
	dir = filepath.Clean(dir)
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) || err == nil && len(entries) == 0:
		if err := recoverDir(dir, !swept); err != nil {
			return err
		}
		return e.writeNew(ctx, dir, produce)
	case err != nil:
		return err
	}
	if err := recoverDir(dir, !swept); err != nil {
		return err
	}
	old, err := ReadManifest(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !opts.Force {
			return fmt.Errorf("%s: %w (use force to write into it)", dir, ErrNotProject)
		}
		old = nil
	case err != nil:
		return fmt.Errorf("%s: %w", dir, err)
	}
	if err := refuseConflicts(dir, old); err != nil {
		return err
	}
	return e.writeExisting(ctx, dir, old, opts.Force, produce)
}

// refuseConflicts returns a *ConflictsError when old, the manifest of the
// project in dir, records conflicts of an upgrade that are still there:
// writing a new manifest would forget them. Force does not override it.
func refuseConflicts(dir string, old *Manifest) error {
	if old == nil || len(old.Conflicts) == 0 {
		return nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	pending, err := unresolved(root.FS(), old)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if len(pending) > 0 {
		return &ConflictsError{Dir: dir, Files: pending}
	}
	return nil
}

// stagingSink writes rendered files under a staging directory.
type stagingSink struct {
	dir   string
	files fastfile.Creator
	mu    sync.Mutex
	made  map[string]bool
}

func newStagingSink(dir string) *stagingSink { return &stagingSink{dir: dir, made: map[string]bool{}} }

func (s *stagingSink) mkdir(rel string) error {
	if rel == "." || rel == "" {
		return nil
	}
	s.mu.Lock()
	done := s.made[rel]
	s.mu.Unlock()
	if done {
		return nil
	}
	// The staging directory is new and only this sink writes in it: once
	// its parent is made, a directory takes one mkdir, not MkdirAll's stat
	// of it and of its parent first. A name already taken (another worker,
	// or a file) is left to MkdirAll to tell apart.
	if err := s.mkdir(path.Dir(rel)); err != nil {
		return err
	}
	full := filepath.Join(s.dir, filepath.FromSlash(rel))
	if err := os.Mkdir(full, 0o755); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := os.MkdirAll(full, 0o755); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.made[rel] = true
	s.mu.Unlock()
	return nil
}

func (s *stagingSink) open(out string, mode fs.FileMode) (io.Writer, func(error) error, error) {
	if err := checkOutputPath(out); err != nil {
		return nil, nil, err
	}
	if err := s.mkdir(path.Dir(out)); err != nil {
		return nil, nil, err
	}
	full := filepath.Join(s.dir, filepath.FromSlash(out))
	if err := fault("create", out); err != nil {
		return nil, nil, err
	}
	// One open, the writes and one close: the Creator gives the file its
	// exact mode, whatever the umask, without a chmod when the umask
	// leaves the mode as it is.
	f, err := s.files.Create(full, mode)
	if err != nil {
		return nil, nil, err
	}
	return f, func(rerr error) error {
		cerr := f.Close()
		if rerr != nil {
			return rerr
		}
		return cerr
	}, nil
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// stagingMarker follows the base name of a new target in the name of the
// sibling directory it is staged in: ".BASE.goldenpath-RANDOM".
const stagingMarker = ".goldenpath-"

// writeNew renders into a sibling temporary directory and renames it to dir.
func (e *Engine) writeNew(ctx context.Context, dir string, produce func(sink) (*Manifest, error)) (err error) {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	staging, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+stagingMarker)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(staging)
		}
	}()
	s := newStagingSink(staging)
	m, err := produce(s)
	if err != nil {
		return err
	}
	if err := writeStaged(s, m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Chmod(staging, 0o755); err != nil {
		return err
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if err := fault("rename", dir); err != nil {
		return err
	}
	return os.Rename(staging, dir)
}

// writeStaged adds the declared directories and the manifest to a staging
// tree.
func writeStaged(s *stagingSink, m *Manifest) error {
	for _, d := range m.Dirs {
		if err := s.mkdir(d); err != nil {
			return err
		}
	}
	if err := s.mkdir(StateDir); err != nil {
		return err
	}
	if err := fault("create", ManifestPath); err != nil {
		return err
	}
	// Encoded straight into the file: the manifest's bytes are never held
	// whole (a render of 20 000 files has a manifest of about 6 MB).
	f, err := s.files.Create(filepath.Join(s.dir, filepath.FromSlash(ManifestPath)), 0o644)
	if err != nil {
		return err
	}
	if err := m.encode(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// journal is the commit record of an apply to an existing project. Once it
// is on disk the apply is rolled forward, by the same call or by Recover.
type journal struct {
	// Staging is the staging directory's name under .goldenpath/.
	Staging string `json:"staging"`
	Ops     []op   `json:"ops"`
}

type op struct {
	// Kind is "save" (move an edited file under .goldenpath/overwritten/
	// before a "write" replaces it), "stash" (move a file there for good),
	// "write" (rename the staged file into place), "remove" or "mkdir".
	Kind string `json:"kind"`
	Path string `json:"path"`
}

const journalPath = StateDir + "/journal.json"

// ConflictsDir is where Upgrade writes, for a conflicted file it does not
// mark in place, the upstream version or the merge with markers.
const ConflictsDir = StateDir + "/conflicts"

func (e *Engine) writeExisting(ctx context.Context, dir string, old *Manifest, force bool, produce func(sink) (*Manifest, error)) (err error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	_, statErr := root.Lstat(StateDir)
	madeState := errors.Is(statErr, fs.ErrNotExist)
	if err := root.MkdirAll(StateDir, 0o755); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	id := "staging-" + randomID()
	stagingRel := StateDir + "/" + id
	if err := root.Mkdir(stagingRel, 0o755); err != nil {
		return err
	}
	staging := filepath.Join(dir, filepath.FromSlash(stagingRel))
	committed := false
	defer func() {
		if !committed {
			root.RemoveAll(stagingRel)
			if madeState {
				// A refused render into a directory goldenpath never
				// rendered leaves it as it was: no empty .goldenpath/.
				root.Remove(StateDir)
			}
		}
	}()
	s := newStagingSink(staging)
	m, err := produce(s)
	if err != nil {
		return err
	}
	if err := writeStaged(s, m); err != nil {
		return err
	}
	j := journal{Staging: id}
	var edited []string
	for _, f := range m.Files {
		kind, err := decide(root, f, old)
		if err != nil {
			return err
		}
		switch kind {
		case "edited":
			if !force {
				edited = append(edited, f.Path)
				continue
			}
			j.Ops = append(j.Ops, op{"save", f.Path}, op{"write", f.Path})
		case "write":
			j.Ops = append(j.Ops, op{"write", f.Path})
		}
	}
	if old != nil {
		for _, f := range old.Files {
			if _, still := m.File(f.Path); still {
				continue
			}
			if sum, _, err := hashFile(root, f.Path); err == nil && sum == f.SHA256 {
				j.Ops = append(j.Ops, op{"remove", f.Path})
			}
		}
	}
	if len(edited) > 0 {
		return &EditedError{Paths: edited}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	j.Ops = append(j.Ops, op{"write", ManifestPath})
	for _, d := range m.Dirs {
		j.Ops = append(j.Ops, op{"mkdir", d})
	}
	if err := commitJournal(root, j); err != nil {
		return err
	}
	committed = true
	return rollForward(root, j)
}

// decide says what an apply does with one planned file in an existing
// project: "write", "keep" (unchanged, or a seeded file that exists) or
// "edited" (changed since the last render, or of unknown origin).
func decide(root *os.Root, f File, old *Manifest) (string, error) {
	sum, mode, err := hashFile(root, f.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "write", nil
	case err != nil:
		return "", err
	}
	if sum == f.SHA256 {
		if mode.Perm() != fs.FileMode(f.Mode).Perm() {
			return "write", nil
		}
		return "keep", nil
	}
	if f.Level == blueprint.Seeded {
		return "keep", nil
	}
	if prev, ok := levelEntry(old, f.Path); ok && prev.SHA256 == sum {
		return "write", nil
	}
	return "edited", nil
}

func levelEntry(m *Manifest, p string) (File, bool) {
	if m == nil {
		return File{}, false
	}
	return m.File(p)
}

// hashFile returns the SHA-256 and mode of a regular file under root.
func hashFile(root *os.Root, p string) (string, fs.FileMode, error) {
	fi, err := root.Lstat(p)
	if err != nil {
		return "", 0, err
	}
	if !fi.Mode().IsRegular() {
		return "", 0, fmt.Errorf("%s: exists and is not a regular file", p)
	}
	f, err := root.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), fi.Mode(), nil
}

// writeSynced writes data to name in root and syncs it to the disk before
// it returns: the first half of an atomic replacement, a rename the second.
func writeSynced(root *os.Root, name string, data []byte) error {
	f, err := root.OpenFile(name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func commitJournal(root *os.Root, j journal) error {
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	tmp := journalPath + ".tmp"
	if err := fault("create", tmp); err != nil {
		return err
	}
	if err := writeSynced(root, tmp, data); err != nil {
		return err
	}
	if err := fault("commit", journalPath); err != nil {
		return err
	}
	if err := root.Rename(tmp, journalPath); err != nil {
		return err
	}
	if d, err := root.Open(StateDir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// rollForward carries out a committed journal. Every step can be repeated,
// so a journal interrupted at any point is completed by running it again.
func rollForward(root *os.Root, j journal) error {
	staged := func(p string) string { return StateDir + "/" + j.Staging + "/" + p }
	for _, o := range j.Ops {
		if err := checkJournalPath(o.Path); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		if err := fault(o.Kind, o.Path); err != nil {
			return err
		}
		switch o.Kind {
		case "save":
			if _, err := root.Lstat(staged(o.Path)); err != nil {
				continue // already written
			}
			if err := keepAside(root, j.Staging, o.Path); err != nil {
				return err
			}
		case "write":
			if _, err := root.Lstat(staged(o.Path)); err != nil {
				continue // already written
			}
			if err := root.MkdirAll(path.Dir(o.Path), 0o755); err != nil {
				return err
			}
			if err := root.Rename(staged(o.Path), o.Path); err != nil {
				return err
			}
		case "stash":
			if err := keepAside(root, j.Staging, o.Path); err != nil {
				return err
			}
			removeEmptyParents(root, o.Path)
		case "remove":
			if err := root.Remove(o.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			removeEmptyParents(root, o.Path)
		case "mkdir":
			if err := root.MkdirAll(o.Path, 0o755); err != nil {
				return err
			}
		default:
			return fmt.Errorf("journal: unknown operation %q", o.Kind)
		}
	}
	if err := fault("remove", journalPath); err != nil {
		return err
	}
	if err := root.Remove(journalPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return root.RemoveAll(StateDir + "/" + j.Staging)
}

// keepAside moves the project's file p under .goldenpath/overwritten/, in
// the directory of the apply whose staging directory is staging. A file
// already moved (a journal run again) is no error.
func keepAside(root *os.Root, staging, p string) error {
	dst := StateDir + "/overwritten/" + staging + "/" + p
	if err := root.MkdirAll(path.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := root.Rename(p, dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// removeEmptyParents removes the directories above p that are left empty.
func removeEmptyParents(root *os.Root, p string) {
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		if root.Remove(d) != nil {
			break // not empty
		}
	}
}

// checkJournalPath accepts project paths, the manifest's path and the
// paths of conflict copies.
func checkJournalPath(p string) error {
	if p == ManifestPath {
		return nil
	}
	if rest, ok := strings.CutPrefix(p, ConflictsDir+"/"); ok {
		return checkOutputPath(rest)
	}
	return checkOutputPath(p)
}

// Recover completes or discards an Apply or an Upgrade to dir that was
// interrupted: a committed change is rolled forward, and the staged files of
// an uncommitted one are removed (under .goldenpath/, or the hidden sibling
// directory a new target is rendered into). Apply and OpenProject call it
// first; gp recover DIR runs it. It is safe to call at any time no Apply or
// Upgrade to dir is running. It takes a directory, not a Project: a
// project with an interrupted apply pending cannot be opened read-only
// until it has run.
func Recover(dir string) error { return recoverDir(dir, true) }

// recoverDir is Recover; with siblings false it leaves the staging
// siblings of dir alone, for a caller that removed them already: listing
// the parent directory once per project costs a fleet of n projects in one
// directory n² entries read.
func recoverDir(dir string, siblings bool) error {
	dir = filepath.Clean(dir)
	// Staging directories of new targets are siblings that never became
	// visible under dir's name.
	if siblings {
		if stale, err := filepath.Glob(filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+stagingMarker+"*")); err == nil {
			for _, s := range stale {
				if err := os.RemoveAll(s); err != nil {
					return err
				}
			}
		}
	}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer root.Close()
	data, err := root.ReadFile(journalPath)
	switch {
	case err == nil:
		var j journal
		if err := json.Unmarshal(data, &j); err != nil || !strings.HasPrefix(j.Staging, "staging-") || strings.ContainsAny(j.Staging, "/\\") {
			return fmt.Errorf("%s: unreadable journal %s: remove it after checking the project", dir, journalPath)
		}
		if err := rollForward(root, j); err != nil {
			return fmt.Errorf("%s: completing an interrupted apply: %w", dir, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	_ = root.Remove(journalPath + ".tmp")
	entries, err := fs.ReadDir(root.FS(), StateDir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "staging-") {
			if err := root.RemoveAll(StateDir + "/" + e.Name()); err != nil {
				return err
			}
		}
	}
	return nil
}
