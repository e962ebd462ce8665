package render

import (
	"bytes"
	"context"
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
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/internal/diff"
	"github.com/goldenpath-dev/goldenpath/internal/merge"
	"github.com/goldenpath-dev/goldenpath/internal/values"
)

// The per-file results of Upgrade, besides Added, Removed and Unchanged.
const (
	// Updated files were replaced by the new version: unchanged in the
	// project, or only their mode changed upstream.
	Updated Change = "updated"
	// Merged files were changed on both sides and merged without conflict.
	Merged Change = "merged"
	// Conflicted files were changed on both sides in the same place. The
	// file holds conflict markers, or is left as it was when conflicts are
	// withheld or cannot be marked (binary files, a file removed upstream).
	Conflicted Change = "conflict"
	// KeptRemoved files were deleted in the project and stay deleted.
	KeptRemoved Change = "kept-removed"
	// Overwritten files are managed files edited in the project: the new
	// version replaced them and the edit is kept under
	// .goldenpath/overwritten/.
	Overwritten Change = "overwritten"
)

// UpgradeOptions controls Upgrade. The zero value, and a nil *UpgradeOptions,
// give the defaults.
type UpgradeOptions struct {
	// Base is the blueprint the project was rendered from. Nil loads the
	// source the manifest records with blueprint.Load and Load. Either way
	// its digest must be the one the manifest records.
	Base *blueprint.Blueprint
	// Load configures loading the recorded source when Base is nil.
	Load *blueprint.Options
	// Inputs are resolved over the migrated parameters, later ones winning,
	// like --set.
	Inputs []blueprint.Input
	// DryRun computes every result, with diffs, and writes nothing.
	DryRun bool
	// Diffs adds to each result that changes a file a unified diff from the
	// file in the project to the file the upgrade leaves. DryRun implies it.
	Diffs bool
	// WithholdConflicts leaves conflicted files as they are in the project
	// and writes the merge with conflict markers under ConflictsDir instead.
	WithholdConflicts bool
	// Diff3 adds the base version to conflict markers (||||||| section).
	Diff3 bool
	// WithoutBase upgrades without the recorded version, when it cannot be
	// loaded any more (a local directory changed in place, a deleted tag):
	// the manifest's hashes tell which files the project changed. Files the
	// project did not change are upgraded as usual; shared files changed on
	// both sides cannot be merged without a base and are conflicts, with
	// the whole files in the markers. Parameters are carried over as
	// recorded. Nothing is lost; more is left to the team.
	WithoutBase bool
	// KeepDefaults carries over parameter values equal to the recorded
	// version's default. By default such values are dropped so that the new
	// version's defaults apply: a project that never chose a value follows
	// the platform's.
	KeepDefaults bool
	// Resolve, when set, makes every parameter resolution of the upgrade in
	// place of Blueprint.Resolve: the recorded parameters against the base
	// and the migrated ones against the new version. Both come from the
	// project's manifest, so an embedder that upgrades projects it did not
	// render (a server taking uploads) runs them where it counts and bounds
	// its other evaluations. It receives the upgrade's context and must
	// return what bp.Resolve(ctx, inputs...) would, or an error; the
	// upgrade fails with that error, wrapped. Nil calls bp.Resolve.
	Resolve func(ctx context.Context, bp *blueprint.Blueprint, inputs ...blueprint.Input) (*blueprint.Params, error)
}

// resolve resolves inputs against bp with o.Resolve, or with bp.Resolve.
func (o *UpgradeOptions) resolve(ctx context.Context, bp *blueprint.Blueprint, inputs ...blueprint.Input) (*blueprint.Params, error) {
	if o.Resolve != nil {
		return o.Resolve(ctx, bp, inputs...)
	}
	return bp.Resolve(ctx, inputs...)
}

// Conflict is one conflicting region of a file.
type Conflict struct {
	// Line is the line of the "<<<<<<<" marker in the file written with
	// markers: the project's file, or the copy under .goldenpath/conflicts/
	// when conflicts are withheld. It is 0 for conflicts without markers
	// (binary files).
	Line int `json:"line,omitempty"`
	// Key is the YAML or JSON data path of the conflicting value, for
	// conflicts the structured merge found (several, joined by ", ", when
	// their marked regions were joined).
	Key string `json:"key,omitempty"`
	// Base, Project and Upstream are the region as the recorded version
	// rendered it, as the project has it and as the new version renders it.
	Base     string `json:"base"`
	Project  string `json:"project"`
	Upstream string `json:"upstream"`
}

// FileUpgrade is the result of an upgrade for one file.
type FileUpgrade struct {
	// Path is the file's slash-separated path in the project.
	Path string `json:"path"`
	// Change is what the upgrade did to the file (Added, Updated,
	// Merged, Conflicted…).
	Change Change `json:"change"`
	// Level is the level the new version gives the file (the recorded
	// one for a file the new version no longer has).
	Level blueprint.Level `json:"level"`
	// PreviousLevel is the level the recorded version gave the file, when
	// it differs.
	PreviousLevel blueprint.Level `json:"previousLevel,omitempty"`
	// Conflicts are the conflicting regions of a Conflicted text file.
	Conflicts []Conflict `json:"conflicts,omitempty"`
	// Markers reports that the file was written with conflict markers.
	Markers bool `json:"markers,omitempty"`
	// Structured reports that the YAML or JSON structure was merged.
	Structured bool `json:"structured,omitempty"`
	// Binary reports a binary file.
	Binary bool `json:"binary,omitempty"`
	// Saved is where the project's version of an overwritten or removed
	// file was kept, or where the upstream version or the marked merge of
	// an unmarked conflict was written.
	Saved string `json:"saved,omitempty"`
	// Note explains results that are not obvious.
	Note string `json:"note,omitempty"`
	// Diff is a unified diff from the file in the project to the file the
	// upgrade leaves (with DryRun or Diffs).
	Diff string `json:"diff,omitempty"`
}

// UpgradeResult is the result of Upgrade.
type UpgradeResult struct {
	// Dir is the project's directory (Project.Dir).
	Dir string `json:"dir"`
	// From is the recorded blueprint version, To the new one.
	From BlueprintRef `json:"from"`
	To   BlueprintRef `json:"to"`
	// Migrations lists what the parameter migrations and the defaults
	// policy changed.
	Migrations []string `json:"migrations,omitempty"`
	// Files holds one result per file of either version or the project's
	// manifest, sorted by path.
	Files []FileUpgrade `json:"files"`
	// DryRun reports that nothing was written.
	DryRun bool `json:"dryRun"`
	// Manifest is the manifest the upgrade wrote (or would write).
	Manifest *Manifest `json:"-"`
	// Decisions is the evaluation of the decisions in force against the new
	// version, with the project's exceptions, when the Engine has
	// Options.Decisions. An enforced failure refuses the upgrade instead.
	Decisions *decision.Evaluation `json:"decisions,omitempty"`
}

// Conflicts counts the files left in conflict.
func (r *UpgradeResult) Conflicts() int { return r.Count()[Conflicted] }

// Count counts the files per result.
func (r *UpgradeResult) Count() map[Change]int {
	out := map[Change]int{}
	for _, f := range r.Files {
		out[f.Change]++
	}
	return out
}

// ParamsError is returned by Upgrade when the migrated parameters do not
// resolve against the new version.
type ParamsError struct {
	// Missing lists the required parameters of the new version that have no
	// value, as KEY=VALUE hints for --set.
	Missing []string
	// Err is the resolution's error, a *blueprint.ValidationError when
	// values are invalid.
	Err error
}

// Error says which parameters are wrong and which are missing.
func (e *ParamsError) Error() string {
	msg := "the recorded parameters, migrated, do not resolve against the new version: " + e.Err.Error()
	if len(e.Missing) > 0 {
		msg += "; give the new required parameters with --set " + strings.Join(e.Missing, " --set ")
	}
	return msg
}

// Unwrap returns the resolution error.
func (e *ParamsError) Unwrap() error { return e.Err }

// Upgrade upgrades the project p to the blueprint to, merging three
// versions of every file: base, the recorded blueprint version rendered with
// the recorded parameters; upstream, to rendered with the same parameters
// after to's migrations; and the project's files on disk. By the level to
// gives a file:
//
//   - managed files are replaced by upstream; an edit in the project is
//     Overwritten and kept under .goldenpath/overwritten/;
//   - shared files are merged line by line, or by YAML or JSON structure when
//     line merging conflicts and all three versions parse; what cannot be
//     merged is Conflicted, with markers in the file unless
//     opts.WithholdConflicts;
//   - seeded files are never touched.
//
// A file added upstream is Added; one removed upstream is Removed when the
// project did not change it, and Conflicted (left as it is) when it did; one
// the project deleted stays deleted (KeptRemoved), except managed files,
// which are restored. Modes merge like content: an upstream mode change
// applies unless the project changed the mode too.
//
// Every downstream edit is either in the result, kept under .goldenpath/, or
// in a reported conflict. Every conflict of a text file is marked: in the
// file, or in its copy under .goldenpath/conflicts/ with
// opts.WithholdConflicts; the conflicts of a YAML or JSON file name the
// data path of each conflicting value. Applying is atomic, like Apply:
// every file and the new manifest, or nothing. The result is returned with
// a nil error even when conflicts remain: check Conflicts.
//
// The new manifest remembers the files left in conflict
// (Manifest.Conflicts). While any of them is unresolved (see
// Project.Conflicts and Project.Resolve), Upgrade refuses with a
// *ConflictsError listing them, and writes nothing.
func (e *Engine) Upgrade(ctx context.Context, p *Project, to *blueprint.Blueprint, opts *UpgradeOptions) (*UpgradeResult, error) {
	e.init()
	if opts == nil {
		opts = &UpgradeOptions{}
	}
	if to == nil {
		return nil, errors.New("render: nil blueprint")
	}
	project, dir, m := p, p.dir, p.manifest
	if !opts.DryRun && p.ReadOnly() {
		return nil, fmt.Errorf("upgrade %s: the project was opened read-only (OpenProjectFS): only a dry run can read it", dir)
	}
	if len(m.Conflicts) > 0 {
		pending, err := p.Conflicts()
		if err != nil {
			return nil, fmt.Errorf("upgrade %s: %w", dir, err)
		}
		if len(pending) > 0 {
			return nil, &ConflictsError{Dir: dir, Files: pending}
		}
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("upgrade %s from %s %s: %w", dir, m.Blueprint.Name, m.Blueprint.Version, fmt.Errorf(format, args...))
	}
	base, baseTree, err := e.upgradeBase(ctx, p, opts)
	if err != nil {
		return nil, fail("%w", err)
	}
	newParams, notes, err := migrateParams(ctx, base, to, m, opts)
	if err != nil {
		return nil, fail("%w", err)
	}
	var po *PlanOptions
	if e.decisions != nil {
		po = &PlanOptions{Exceptions: p.Exceptions()}
	}
	plan, tree, err := e.planMem(ctx, to, newParams, po)
	if err != nil {
		return nil, fail("rendering %s %s: %w", to.Name, to.Version, err)
	}

	fsys, done, err := p.files()
	if err != nil {
		return nil, err
	}
	defer done()
	u := &upgrader{
		fsys:  fsys,
		opts:  opts,
		mopts: &merge.Options{OursLabel: "project", BaseLabel: m.Blueprint.Name + " " + m.Blueprint.Version, TheirsLabel: to.Name + " " + to.Version, Diff3: opts.Diff3},
		old:   m,
		base:  baseTree,
		plan:  plan.Manifest,
		tree:  tree,
		id:    "staging-" + randomID(),
	}
	res := &UpgradeResult{Dir: dir, From: m.Blueprint, To: plan.Manifest.Blueprint, Migrations: notes, DryRun: opts.DryRun, Manifest: plan.Manifest, Decisions: plan.Evaluation()}
	for _, p := range unionPaths(m, plan.Manifest) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fr, err := u.file(p)
		if err != nil {
			return nil, fail("%s: %w", p, err)
		}
		res.Files = append(res.Files, fr)
	}
	plan.Manifest.Conflicts = recordConflicts(res.Files, to.Name+" "+to.Version)
	if opts.DryRun {
		return res, nil
	}
	root, err := project.root()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if err := u.commit(ctx, root); err != nil {
		return nil, fail("%w", err)
	}
	project.manifest = plan.Manifest
	return res, nil
}

// upgradeBase loads and renders the recorded version, and checks that it
// reproduces every hash the manifest records. With opts.WithoutBase it
// returns nothing: the upgrade goes by the manifest's hashes alone.
func (e *Engine) upgradeBase(ctx context.Context, p *Project, opts *UpgradeOptions) (*blueprint.Blueprint, map[string]memFile, error) {
	m := p.manifest
	if opts.WithoutBase {
		return nil, nil, nil
	}
	hint := " (or upgrade by the manifest's hashes alone: UpgradeOptions.WithoutBase, gp upgrade --without-base)"
	base := opts.Base
	if base == nil {
		var err error
		if base, err = blueprint.Load(ctx, m.Blueprint.Source, opts.Load); err != nil {
			return nil, nil, fmt.Errorf("loading the recorded blueprint from %s: %w; give it%s", m.Blueprint.Source, err, hint)
		}
		if base.Digest != m.Blueprint.Digest {
			return nil, nil, fmt.Errorf("%s is no longer the recorded version of %s %s (it is %s, recorded %s): it changed in place; give the recorded version%s",
				m.Blueprint.Source, m.Blueprint.Name, m.Blueprint.Version, base.Digest, m.Blueprint.Digest, hint)
		}
	}
	if base.Digest != m.Blueprint.Digest {
		return nil, nil, fmt.Errorf("the recorded blueprint is %s (%s) but %s %s was given as the base (%s): give the recorded version%s",
			m.Blueprint.Source, m.Blueprint.Digest, base.Name, base.Version, base.Digest, hint)
	}
	s := &memSink{files: map[string]memFile{}}
	if _, err := e.rebuild(ctx, base, p, s, opts.resolve); err != nil {
		var mm *MismatchError
		if errors.As(err, &mm) {
			return nil, nil, fmt.Errorf("rendering the recorded version: %w%s", err, hint)
		}
		return nil, nil, fmt.Errorf("rendering the recorded version: %w", err)
	}
	baseTree := s.files
	return base, baseTree, nil
}

// migrateParams carries the recorded parameters over to the new version.
func migrateParams(ctx context.Context, base, to *blueprint.Blueprint, m *Manifest, opts *UpgradeOptions) (*blueprint.Params, []string, error) {
	recorded, err := values.DecodeJSON(m.Parameters)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	var notes []string
	if base == nil {
		notes = append(notes, "without the recorded version: parameters carried over as recorded; files changed on both sides are conflicts")
	}
	if !opts.KeepDefaults && base != nil {
		for _, p := range base.Parameters() {
			if p.Default == nil || strings.Contains(p.Path, ".") {
				continue
			}
			v, ok := recorded[p.Path]
			if ok && sameJSON(v, p.Default) {
				delete(recorded, p.Path)
				notes = append(notes, fmt.Sprintf("%s: %s was the default of %s; the new version's default applies", p.Path, compactJSON(v), m.Blueprint.Version))
			}
		}
	}
	migrated, mnotes := to.Migrate(m.Blueprint.Version, recorded)
	notes = append(mnotes, notes...)
	data, err := json.Marshal(migrated)
	if err != nil {
		return nil, nil, err
	}
	inputs := append([]blueprint.Input{blueprint.ValuesData(ManifestPath+" (migrated)", data)}, opts.Inputs...)
	params, err := opts.resolve(ctx, to, inputs...)
	if err != nil {
		pe := &ParamsError{Err: err}
		var ve *blueprint.ValidationError
		errors.As(err, &ve)
		for _, p := range to.Parameters() {
			if !p.Required {
				continue
			}
			if _, ok := lookupPath(migrated, p.Path); ok {
				continue
			}
			if ve == nil {
				pe.Missing = append(pe.Missing, p.Path+"=VALUE")
			} else if _, failed := ve.Field(p.Path); failed {
				pe.Missing = append(pe.Missing, p.Path+"=VALUE")
			}
		}
		return nil, nil, pe
	}
	return params, notes, nil
}

func lookupPath(m map[string]any, p string) (any, bool) {
	var cur any = m
	for seg := range strings.SplitSeq(p, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[seg]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// memFile is a rendered file held in memory.
type memFile struct {
	data []byte
	mode fs.FileMode
}

// memSink keeps rendered files in memory.
type memSink struct {
	mu    sync.Mutex
	files map[string]memFile
}

func (s *memSink) open(out string, mode fs.FileMode) (io.Writer, func(error) error, error) {
	if err := checkOutputPath(out); err != nil {
		return nil, nil, err
	}
	buf := new(bytes.Buffer)
	return buf, func(err error) error {
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.files[out] = memFile{data: buf.Bytes(), mode: mode}
		s.mu.Unlock()
		return nil
	}, nil
}

// planMem plans bp and keeps every rendered file in memory.
func (e *Engine) planMem(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params, opts *PlanOptions) (*Plan, map[string]memFile, error) {
	s := &memSink{files: map[string]memFile{}}
	p, err := e.planWith(ctx, bp, params, s, opts)
	if err != nil {
		return nil, nil, err
	}
	return p, s.files, nil
}

func unionPaths(a, b *Manifest) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []*Manifest{a, b} {
		for _, f := range m.Files {
			if !seen[f.Path] {
				seen[f.Path] = true
				out = append(out, f.Path)
			}
		}
	}
	slices.Sort(out)
	return out
}

// upgrader decides each file and collects what to write.
type upgrader struct {
	fsys  fs.FS // the project's files, as read
	opts  *UpgradeOptions
	mopts *merge.Options
	old   *Manifest
	base  map[string]memFile
	plan  *Manifest
	tree  map[string]memFile

	id     string             // the staging directory's name under .goldenpath/
	writes map[string]memFile // project path (or ConflictsDir/...) -> content
	saves  []string           // project files moved under overwritten/ before being written
	stash  []string           // project files moved under overwritten/ and not replaced
	remove []string
	seen   map[string]string // project path -> sha256 read, rechecked at commit
}

// diskFile is a project file as read.
type diskFile struct {
	data []byte
	mode fs.FileMode
}

// read returns the project's file at p, nil when it does not exist.
func (u *upgrader) read(p string) (*diskFile, error) {
	fi, err := fs.Lstat(u.fsys, p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("exists in the project as a %s, not a regular file: move it away and upgrade again", fi.Mode().Type())
	}
	data, err := fs.ReadFile(u.fsys, p)
	if err != nil {
		return nil, err
	}
	if u.seen == nil {
		u.seen = map[string]string{}
	}
	sum := sha256.Sum256(data)
	u.seen[p] = hex.EncodeToString(sum[:])
	return &diskFile{data: data, mode: fi.Mode().Perm()}, nil
}

func (u *upgrader) write(p string, data []byte, mode fs.FileMode) {
	if u.writes == nil {
		u.writes = map[string]memFile{}
	}
	u.writes[p] = memFile{data: data, mode: mode}
}

// file decides the upgrade of one path.
func (u *upgrader) file(p string) (FileUpgrade, error) {
	o, inOld := u.old.File(p)
	n, inNew := u.plan.File(p)
	d, err := u.read(p)
	if err != nil {
		return FileUpgrade{}, err
	}
	r := FileUpgrade{Path: p, Level: n.Level}
	if !inNew {
		r.Level = o.Level
	} else if inOld && o.Level != n.Level {
		r.PreviousLevel = o.Level
	}
	var baseData []byte
	if inOld && u.base != nil {
		baseData = u.base[p].data
	}
	upstream := u.tree[p]
	// The manifest's hashes say what changed: the base reproduces them
	// (checked), and without a base they are all there is.
	var unchangedHere, unchangedUpstream bool
	if inOld {
		unchangedUpstream = inNew && n.SHA256 == o.SHA256
		if d != nil {
			unchangedHere = u.seen[p] == o.SHA256
		}
	}

	switch {
	case !inNew: // removed upstream
		switch {
		case d == nil:
			r.Change, r.Note = Removed, "removed upstream and already absent from the project"
		case o.Level == blueprint.Seeded:
			r.Change, r.Note = Unchanged, "removed upstream; seeded files are the project's and stay"
		case unchangedHere:
			r.Change = Removed
			u.remove = append(u.remove, p)
			r.Diff = u.diff(p, d.data, nil)
		case o.Level == blueprint.Managed:
			r.Change, r.Note = Removed, "removed upstream; the project's edit is kept under "+StateDir+"/overwritten/"
			r.Saved = u.overwritten(p)
			u.stash = append(u.stash, p)
			r.Diff = u.diff(p, d.data, nil)
		default:
			r.Change, r.Note = Conflicted, "removed upstream and edited in the project: left as it is; delete it or keep it"
			r.Binary = diff.IsBinary(d.data)
		}
		return r, nil

	case d == nil: // absent from the project
		if inOld && n.Level != blueprint.Managed {
			r.Change, r.Note = KeptRemoved, "deleted in the project; stays deleted"
			return r, nil
		}
		r.Change = Added
		if inOld {
			r.Note = "deleted in the project; restored because the file is managed"
		}
		u.write(p, upstream.data, upstream.mode)
		r.Diff = u.diff(p, nil, upstream.data)
		return r, nil

	case n.Level == blueprint.Seeded:
		r.Change = Unchanged
		if inOld && !unchangedUpstream {
			r.Note = "changed upstream; seeded files are the project's and are not touched"
		} else if !inOld && !bytes.Equal(d.data, upstream.data) {
			r.Note = "added upstream and already in the project; seeded files are the project's and are not touched"
		}
		return r, nil
	}

	mode := mergeMode(inOld, fs.FileMode(o.Mode).Perm(), d.mode, upstream.mode)
	modeNote := ""
	if mode != d.mode {
		modeNote = fmt.Sprintf("mode %04o to %04o", d.mode, mode)
	} else if inOld && upstream.mode != fs.FileMode(o.Mode).Perm() && d.mode != upstream.mode {
		modeNote = fmt.Sprintf("the project's mode %04o is kept over the upstream change to %04o", d.mode, upstream.mode)
	}
	note := func(s string) string {
		switch {
		case s == "":
			return modeNote
		case modeNote == "":
			return s
		}
		return s + "; " + modeNote
	}
	switch {
	case bytes.Equal(d.data, upstream.data) || unchangedUpstream:
		// Nothing to bring in, or upstream did not change the content.
		r.Change, r.Note = Unchanged, note("")
		if mode != d.mode {
			r.Change = Updated
			u.write(p, d.data, mode)
		}
		return r, nil
	case unchangedHere:
		r.Change, r.Note = Updated, note("")
		u.write(p, upstream.data, mode)
		r.Diff = u.diff(p, d.data, upstream.data)
		return r, nil
	case n.Level == blueprint.Managed:
		r.Change, r.Saved = Overwritten, u.overwritten(p)
		if inOld {
			r.Note = note("edited in the project; managed files follow the platform")
		} else {
			r.Note = note("added upstream over a file of the project's; managed files follow the platform")
		}
		u.saves = append(u.saves, p)
		u.write(p, upstream.data, mode)
		r.Diff = u.diff(p, d.data, upstream.data)
		return r, nil
	}

	// Shared, changed on both sides (or added on both sides).
	if !inOld {
		r.Note = "added upstream and already in the project"
	} else if u.base == nil {
		r.Note = "changed on both sides, and without the recorded version there is no base to merge from"
	}
	mr := merge.File(p, baseData, d.data, upstream.data, u.mopts)
	r.Structured = mr.Structured
	r.Binary = diff.IsBinary(baseData) || diff.IsBinary(d.data) || diff.IsBinary(upstream.data)
	if mr.Clean() {
		r.Change, r.Note = Merged, note(r.Note)
		u.write(p, mr.Merged, mode)
		r.Diff = u.diff(p, d.data, mr.Merged)
		return r, nil
	}
	r.Change = Conflicted
	for _, c := range mr.Conflicts {
		r.Conflicts = append(r.Conflicts, Conflict{Line: c.Line, Key: c.Path, Base: string(c.Base), Project: string(c.Ours), Upstream: string(c.Theirs)})
	}
	switch {
	case r.Binary:
		r.Saved = ConflictsDir + "/" + p
		r.Note = note(joinNote(r.Note, "binary file changed on both sides: the project's version is kept, the upstream version is in "+r.Saved))
		u.write(r.Saved, upstream.data, upstream.mode)
	case u.opts.WithholdConflicts:
		r.Saved = ConflictsDir + "/" + p
		r.Note = note(joinNote(r.Note, "conflicts withheld: the file is left as it is, the merge with markers is in "+r.Saved))
		u.write(r.Saved, mr.Merged, mode)
	default:
		r.Markers = true
		r.Note = note(r.Note)
		u.write(p, mr.Merged, mode)
		r.Diff = u.diff(p, d.data, mr.Merged)
	}
	return r, nil
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// mergeMode merges permission bits: an upstream change applies unless the
// project changed the mode too.
func mergeMode(inOld bool, base, project, upstream fs.FileMode) fs.FileMode {
	if !inOld {
		return project
	}
	if project == base {
		return upstream
	}
	return project
}

// overwritten is where a project file moved away by the upgrade is kept.
func (u *upgrader) overwritten(p string) string { return StateDir + "/overwritten/" + u.id + "/" + p }

func (u *upgrader) diff(p string, from, to []byte) string {
	if !u.opts.DryRun && !u.opts.Diffs {
		return ""
	}
	return diff.Unified("a/"+p, "b/"+p, from, to, 3)
}

// commit stages every write and the new manifest, checks that no file
// changed since it was read, and applies the change through a journal.
func (u *upgrader) commit(ctx context.Context, root *os.Root) error {
	if err := root.MkdirAll(StateDir, 0o755); err != nil {
		return err
	}
	stagingRel := StateDir + "/" + u.id
	if err := root.Mkdir(stagingRel, 0o755); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			root.RemoveAll(stagingRel)
		}
	}()
	s := newStagingSink(filepath.Join(root.Name(), filepath.FromSlash(stagingRel)))
	paths := make([]string, 0, len(u.writes))
	for p := range u.writes {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		f := u.writes[p]
		if err := s.mkdir(path.Dir(p)); err != nil {
			return err
		}
		full := filepath.Join(s.dir, filepath.FromSlash(p))
		if err := fault("create", p); err != nil {
			return err
		}
		if err := os.WriteFile(full, f.data, f.mode); err != nil {
			return err
		}
		if err := os.Chmod(full, f.mode); err != nil {
			return err
		}
	}
	if err := writeStaged(s, u.plan); err != nil {
		return err
	}
	j := journal{Staging: u.id}
	for _, p := range u.stash {
		j.Ops = append(j.Ops, op{"stash", p})
	}
	saved := map[string]bool{}
	for _, p := range u.saves {
		saved[p] = true
	}
	for _, p := range paths {
		if saved[p] {
			j.Ops = append(j.Ops, op{"save", p})
		}
		j.Ops = append(j.Ops, op{"write", p})
	}
	for _, p := range u.remove {
		j.Ops = append(j.Ops, op{"remove", p})
	}
	j.Ops = append(j.Ops, op{"write", ManifestPath})
	for _, d := range u.plan.Dirs {
		j.Ops = append(j.Ops, op{"mkdir", d})
	}
	// A file edited while the upgrade ran would be lost: check every file
	// read is still as it was read, as late as possible.
	touched := slices.Concat(u.saves, u.stash, u.remove, paths)
	for _, p := range touched {
		sum, ok := u.seen[p]
		if !ok {
			continue // not in the project when read: a new file
		}
		got, _, err := hashFile(root, p)
		if err != nil || got != sum {
			return fmt.Errorf("%s changed in the project during the upgrade: nothing was written, upgrade again", p)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := commitJournal(root, j); err != nil {
		return err
	}
	committed = true
	return rollForward(root, j)
}
