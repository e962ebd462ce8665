package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/goldenpath-dev/goldenpath/internal/english"
)

// FileConflict is a file an upgrade left in conflict, as the manifest
// remembers it (Manifest.Conflicts) until it is resolved: its markers are
// gone from the file and its copy under .goldenpath/conflicts/ is removed,
// or Project.Resolve says so.
type FileConflict struct {
	// Path is the file's slash-separated path in the project.
	Path string `json:"path"`
	// Upgrade names the blueprint version whose upgrade left the conflict,
	// as "go-service 2.0.0".
	Upgrade string `json:"upgrade"`
	// Markers reports that the file was written with conflict markers.
	Markers bool `json:"markers,omitempty"`
	// Saved is the copy under .goldenpath/conflicts/ the upgrade wrote: the
	// merge with markers of a withheld conflict, or the new version of a
	// binary file.
	Saved string `json:"saved,omitempty"`
	// Keys are the YAML or JSON data paths of the conflicting values.
	Keys []string `json:"keys,omitempty"`
	// Lines are the lines of the "<<<<<<<" markers: in the file when it has
	// markers, else in Saved. Project.Conflicts gives them as they are
	// now.
	Lines []int `json:"lines,omitempty"`
	// Note says what is left to do when neither markers nor a copy show
	// the conflict, as for a file removed upstream and edited in the
	// project.
	Note string `json:"note,omitempty"`
}

// Where says where the conflict is to be found, for people: the marker
// lines in the file or in the copy, with the keys, or the note.
func (c FileConflict) Where() string {
	lines := func(f string) string {
		if len(c.Lines) == 0 {
			return f
		}
		var ls []string
		for _, l := range c.Lines {
			ls = append(ls, fmt.Sprintf("%s:%d", f, l))
		}
		return "markers at " + strings.Join(ls, ", ")
	}
	var s string
	switch {
	case c.Markers:
		s = lines(c.Path)
	case c.Saved != "" && len(c.Lines) > 0:
		s = "left as it was; the merge with " + lines(c.Saved)
	case c.Saved != "":
		s = "the project's version is kept; the new version is in " + c.Saved
	default:
		s = c.Note
	}
	if len(c.Keys) > 0 {
		s += " (key " + strings.Join(c.Keys, ", ") + ")"
	}
	return s
}

// ConflictsError is returned by Upgrade, Render and Apply for a project with conflicts left
// by an earlier upgrade and not resolved yet: nothing is written until
// they are.
type ConflictsError struct {
	// Dir is the project's directory, as it was named.
	Dir string
	// Files are the conflicts still there (Project.Conflicts).
	Files []FileConflict
}

// Error lists the files and where their conflicts are.
func (e *ConflictsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s still in conflict since an upgrade:", e.Dir, english.Count(len(e.Files), "file"))
	for _, f := range e.Files {
		fmt.Fprintf(&b, " %s: %s;", f.Path, f.Where())
	}
	b.WriteString(" resolve them, then mark them resolved (gp upgrade DIR --resolved FILE...)")
	return b.String()
}

// markerLines returns the lines (1-based) of the "<<<<<<<" markers of
// data's conflicts: a "<<<<<<<" line followed by a "=======" line and a
// ">>>>>>>" line, as Upgrade writes them.
func markerLines(data []byte) []int {
	var out []int
	state, start, n := 0, 0, 0
	for l := range bytes.Lines(data) {
		n++
		l = bytes.TrimRight(l, "\r\n")
		is := func(m string) bool {
			return bytes.Equal(l, []byte(m)) || bytes.HasPrefix(l, []byte(m+" "))
		}
		switch {
		case is("<<<<<<<"):
			state, start = 1, n
		case state == 1 && bytes.Equal(l, []byte("=======")):
			state = 2
		case state == 2 && is(">>>>>>>"):
			out = append(out, start)
			state = 0
		}
	}
	return out
}

// UnresolvedConflicts returns the conflicts the manifest of the project in
// dir remembers and that are still there, with their marker lines as they
// are now, as Project.Conflicts does.
//
// Deprecated: open the project once (OpenProject, or OpenProjectFS to
// read it only) and call Project.Conflicts.
func UnresolvedConflicts(dir string) ([]FileConflict, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if len(m.Conflicts) == 0 {
		return nil, nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return unresolved(root.FS(), m)
}

// unresolved returns the conflicts m records that are still there in the
// project whose files fsys holds.
func unresolved(fsys fs.FS, m *Manifest) ([]FileConflict, error) {
	if len(m.Conflicts) == 0 {
		return nil, nil
	}
	read := func(p string) ([]byte, bool, error) {
		data, err := fs.ReadFile(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		return data, err == nil, err
	}
	var out []FileConflict
	for _, c := range m.Conflicts {
		data, exists, err := read(c.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Path, err)
		}
		c.Lines = nil
		marked := markerLines(data)
		c.Markers = len(marked) > 0
		if c.Markers {
			c.Lines = marked
		}
		pending := c.Markers
		if c.Saved != "" {
			saved, ok, err := read(c.Saved)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Saved, err)
			}
			if ok {
				pending = true
				if !c.Markers {
					c.Lines = markerLines(saved)
				}
			} else {
				c.Saved = ""
			}
		} else if c.Note != "" && exists {
			pending = true
		}
		if pending {
			out = append(out, c)
		}
	}
	return out, nil
}

// Resolve marks the files paths of the project in dir as resolved, as
// Project.Resolve does, after completing an interrupted apply (Recover).
//
// Deprecated: open the project once (OpenProject) and call
// Project.Resolve.
func Resolve(dir string, paths ...string) error {
	if err := Recover(dir); err != nil {
		return err
	}
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	_, err = resolve(root, dir, m, paths)
	return err
}

// Resolve marks the files paths (slash-separated, relative to the project's
// directory) as resolved: each must be recorded in conflict in the manifest
// and hold no conflict markers any more; the manifest forgets the
// conflict, then its copy under .goldenpath/conflicts/, if any, is removed
// (with any copy no conflict names, left by an earlier Resolve that could
// not remove it). Conflicts whose markers and copies are all gone are forgotten
// too. Nothing is changed if any path cannot be resolved; the error then
// names every path that could not be, and why.
//
// Resolve writes the new manifest atomically and p holds it from then on
// (Manifest, Conflicts). A project opened read-only (OpenProjectFS) is
// refused. Like Engine.Upgrade, Resolve writes the project: no other
// operation may run on p meanwhile.
func (p *Project) Resolve(paths ...string) error {
	root, err := p.root()
	if err != nil {
		return fmt.Errorf("resolve %s: %w", p.dir, err)
	}
	defer root.Close()
	m, err := resolve(root, p.dir, p.manifest, paths)
	if err != nil {
		return err
	}
	p.manifest = m
	return nil
}

// resolve marks paths resolved in the project at root whose manifest is m,
// writes the new manifest and returns it; m is not modified. dir names the
// project in errors.
func resolve(root *os.Root, dir string, m *Manifest, paths []string) (*Manifest, error) {
	pending, err := unresolved(root.FS(), m)
	if err != nil {
		return nil, err
	}
	var errs []error
	resolved := map[string]FileConflict{}
	for _, p := range paths {
		i := slices.IndexFunc(m.Conflicts, func(c FileConflict) bool { return c.Path == p })
		if i < 0 {
			errs = append(errs, fmt.Errorf("%s: no conflict recorded in %s", p, ManifestPath))
			continue
		}
		if j := slices.IndexFunc(pending, func(c FileConflict) bool { return c.Path == p }); j >= 0 && pending[j].Markers {
			errs = append(errs, fmt.Errorf("%s: still holds conflict markers at line %d: edit them out first", p, pending[j].Lines[0]))
			continue
		}
		resolved[p] = m.Conflicts[i]
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("resolve %s: %w", dir, err)
	}
	still := map[string]bool{}
	for _, c := range pending {
		still[c.Path] = true
	}
	next := *m
	next.Conflicts = slices.DeleteFunc(slices.Clone(m.Conflicts), func(c FileConflict) bool {
		_, done := resolved[c.Path]
		return done || !still[c.Path]
	})
	if len(next.Conflicts) == 0 {
		next.Conflicts = nil
	}
	// The manifest first, the copies then: a copy left behind (a removal
	// that fails, a process that stops in between) is one no conflict
	// names any more, which Conflicts never reads and the next Resolve
	// removes; a manifest naming conflicts whose copies are gone would
	// have them silently forgotten.
	if err := writeManifest(root, &next); err != nil {
		return nil, err
	}
	removeStaleCopies(root, &next)
	return &next, nil
}

// removeStaleCopies removes the files under ConflictsDir that no conflict
// of m names, with the directories they leave empty: the copies of
// resolved conflicts. It is best effort: a copy it cannot remove is
// harmless, and removed by the next call.
func removeStaleCopies(root *os.Root, m *Manifest) {
	named := map[string]bool{}
	for _, c := range m.Conflicts {
		if c.Saved != "" {
			named[c.Saved] = true
		}
	}
	var stale []string
	_ = fs.WalkDir(root.FS(), ConflictsDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !named[p] {
			stale = append(stale, p)
		}
		return nil
	})
	for _, p := range stale {
		if root.Remove(p) == nil {
			removeEmptyParents(root, p)
		}
	}
	if len(named) == 0 {
		_ = root.Remove(ConflictsDir)
	}
}

// writeManifest replaces the manifest of the project at root with m,
// atomically.
func writeManifest(root *os.Root, m *Manifest) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	tmp := ManifestPath + ".tmp"
	if err := writeSynced(root, tmp, data); err != nil {
		return err
	}
	return root.Rename(tmp, ManifestPath)
}

// recordConflicts returns the conflicts of an upgrade's results, for the
// new manifest.
func recordConflicts(files []FileUpgrade, upgrade string) []FileConflict {
	var out []FileConflict
	for _, f := range files {
		if f.Change != Conflicted {
			continue
		}
		c := FileConflict{Path: f.Path, Upgrade: upgrade, Markers: f.Markers, Saved: f.Saved}
		for _, r := range f.Conflicts {
			if r.Key != "" && !slices.Contains(c.Keys, r.Key) {
				c.Keys = append(c.Keys, r.Key)
			}
			if r.Line > 0 {
				c.Lines = append(c.Lines, r.Line)
			}
		}
		if !c.Markers && c.Saved == "" {
			c.Note = f.Note
		}
		out = append(out, c)
	}
	return out
}

// Conflicts returns the conflicts the project's manifest records that are
// still there, with their marker lines as they are now, read from the
// project's files as opened (OpenProjectFS's fs.FS too). A conflict is
// resolved when the file has no conflict markers left (or is gone) and the
// copy under .goldenpath/conflicts/ is removed; one that neither markers
// nor a copy show (a file removed upstream and edited in the project)
// stays until the file is deleted or Resolve is called for it.
func (p *Project) Conflicts() ([]FileConflict, error) {
	if len(p.manifest.Conflicts) == 0 {
		return nil, nil
	}
	fsys, done, err := p.files()
	if err != nil {
		return nil, err
	}
	defer done()
	return unresolved(fsys, p.manifest)
}
