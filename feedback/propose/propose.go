package propose

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/render"
)

// Bump says which part of the version a proposal increments.
type Bump string

// The bumps. The zero Bump lets Propose choose: BumpMinor when a change
// adds lines only, BumpPatch when every change replaces or removes lines.
const (
	BumpMajor Bump = "major"
	BumpMinor Bump = "minor"
	BumpPatch Bump = "patch"
)

// Options configures Propose. The zero value, and a nil *Options, give the
// defaults.
type Options struct {
	// Only selects desire paths by hunk ID (Labels["hunk.id"]); empty
	// selects every desire path of the blueprint. An ID that names no
	// desire path of the blueprint is reported as refused.
	Only []string
	// MinProjects is how many projects make a desire path, and how many
	// of them must be verified for it to be applied. Default
	// report.DefaultMinProjects (3).
	MinProjects int
	// Bump overrides the part of the version incremented.
	Bump Bump
	// Version, when set, is the next version, verbatim: a semantic
	// version newer than the blueprint's. It overrides Bump.
	Version string
	// Now is the clock giving the release date. Nil means time.Now.
	Now func() time.Time
	// Filter selects the signals read, by time (Since, Until); its
	// Blueprint is set to the blueprint's name.
	Filter feedback.Filter
	// Registry, when set, is passed to aggregation (report.AggregateOptions).
	Registry *decision.Registry
	// Manifest reads the manifest of a project the signals name. Default:
	// render.ReadManifest of subject.Dir, the directory the scan was given
	// (relative to the current directory if it was relative). A program
	// that must not read paths its signals name (a server) confines them
	// here.
	Manifest func(ctx context.Context, subject feedback.Subject) (*render.Manifest, error)
}

// EditStatus is what became of one desire path.
type EditStatus string

// The statuses of an Edit.
const (
	// Applied: mapped onto the template and verified; in the proposal.
	Applied EditStatus = "applied"
	// Refused: it could not be mapped or verified; Edit.Reason says why.
	Refused EditStatus = "refused"
	// NeedsDecision: the edit fails a rule of a decision that passes on
	// the clean render (report.ReasonDesirePathAgainstRule): the decision
	// must change first. Edit.Decision and Edit.Rule name the rule.
	NeedsDecision EditStatus = "needs-decision"
)

// EditKind says how an edit alters the template.
type EditKind string

// The kinds of changes.
const (
	// Addition: lines added, none removed (a minor version).
	Addition EditKind = "addition"
	// Modification: lines replaced or removed (a patch version).
	Modification EditKind = "modification"
)

// Edit is one desire path and what the proposal does with it.
type Edit struct {
	// HunkID and Key are the desire path's (report.DesirePath).
	HunkID string `json:"hunkID"`
	Key    string `json:"key"`
	// File is the template path, Path the file as the example project
	// has it when it differs, Level the file's level.
	File  string `json:"file"`
	Path  string `json:"path,omitempty"`
	Level string `json:"level,omitempty"`
	// Kind is the kind of edit, when it could be read.
	Kind EditKind `json:"kind,omitempty"`
	// Status is what became of it, and Reason why, unless it was applied.
	Status EditStatus `json:"status"`
	Reason string     `json:"reason,omitempty"`
	// Decision and Rule name the rule of a NeedsDecision change.
	Decision string `json:"decision,omitempty"`
	Rule     string `json:"rule,omitempty"`
	// Count is how many projects made the edit (the desire path's count),
	// Projects all of them, sorted, and Signals their drift signals' IDs,
	// by project.
	Count    int      `json:"count"`
	Projects []string `json:"projects"`
	Signals  []string `json:"signals"`
	// Example is the edit in the first project, as the scan recorded it.
	Example string `json:"example,omitempty"`
	// Diff is the change of the template file, as a unified diff with
	// three lines of context, for an applied change.
	Diff string `json:"diff,omitempty"`
	// Verification says against which projects it was checked.
	Verification Verification `json:"verification"`
}

// Verification is the evidence that a change does what it should.
type Verification struct {
	// Affected is how many projects that made the edit the new template
	// reproduces exactly, rendered with their recorded parameters.
	Affected int `json:"affected"`
	// Unaffected is how many other projects on the same version render
	// the new template as the old one apart from the proposed lines;
	// NotApplicable of them render neither (the lines are in a branch
	// their parameters do not take).
	Unaffected    int `json:"unaffected"`
	NotApplicable int `json:"notApplicable,omitempty"`
	// OtherVersions is how many projects that made the edit are on
	// another version of the blueprint: they are not rendered.
	OtherVersions int `json:"otherVersions,omitempty"`
	// Unreadable lists the projects whose recorded parameters could not be
	// read, each with why ("orders: open …"); they are not rendered.
	Unreadable []string `json:"unreadable,omitempty"`
}

// Proposal is a blueprint's next version made of the desire paths that
// could be applied, and the report of those that could not.
type Proposal struct {
	// Blueprint is the blueprint's name; From its version the projects
	// were rendered from, Version the next one and Released its date
	// (YYYY-MM-DD).
	Blueprint string `json:"blueprint"`
	From      string `json:"from"`
	Version   string `json:"version"`
	Released  string `json:"released"`
	// Projects is how many projects on From were rendered to verify it.
	Projects int `json:"projects"`
	// Changes are the desire paths considered: the applied ones first,
	// then by number of projects, file and hunk ID.
	Changes []Edit `json:"changes"`

	bp     *blueprint.Blueprint
	sample json.RawMessage   // one project's recorded parameters, for Write's check
	schema []byte            // blueprint.cue of the new version
	files  map[string][]byte // the template files changed, by path
}

// ErrNothingApplied is returned by Proposal.Write when no change could be
// applied.
var ErrNothingApplied = errors.New("no desire path could be applied")

// Applied returns the applied changes.
func (p *Proposal) Applied() []Edit {
	var out []Edit
	for _, c := range p.Changes {
		if c.Status == Applied {
			out = append(out, c)
		}
	}
	return out
}

// Files returns the template files the proposal changes, by template path,
// with their new contents.
func (p *Proposal) Files() map[string][]byte {
	out := make(map[string][]byte, len(p.files))
	for k, v := range p.files {
		out[k] = slices.Clone(v)
	}
	return out
}

// Propose reads the signals of bp's projects from st, aggregates them
// (report.AggregateStore) and proposes bp's next version from its desire
// paths, as the package comment describes. bp is the version the projects
// were rendered from: only projects the signals record on bp.Version (with
// bp's digest) are rendered; the others are counted in each change's
// Verification.
//
// Propose writes nothing. An error is returned for a store or a blueprint
// that cannot be read; a desire path that cannot be proposed is an Edit
// with its reason, never an error.
func Propose(ctx context.Context, st feedback.Store, bp *blueprint.Blueprint, opts *Options) (*Proposal, error) {
	if opts == nil {
		opts = &Options{}
	}
	o := *opts
	o.MinProjects = cmp.Or(o.MinProjects, report.DefaultMinProjects)
	if o.MinProjects < 1 {
		return nil, fmt.Errorf("propose: MinProjects %d is not positive", opts.MinProjects)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Manifest == nil {
		o.Manifest = func(_ context.Context, s feedback.Subject) (*render.Manifest, error) {
			if s.Dir == "" {
				return nil, errors.New("the signals record no directory")
			}
			return render.ReadManifest(s.Dir)
		}
	}
	switch o.Bump {
	case "", BumpMajor, BumpMinor, BumpPatch:
	default:
		return nil, fmt.Errorf("propose: Bump %q: want major, minor or patch", o.Bump)
	}
	if o.Version != "" && (!blueprint.IsVersion(o.Version) || blueprint.CompareVersions(o.Version, bp.Version) <= 0) {
		return nil, fmt.Errorf("propose: Version %q is not a semantic version newer than %s %s", o.Version, bp.Name, bp.Version)
	}
	now := o.Now()
	f := o.Filter
	f.Blueprint = bp.Name
	rep, err := report.AggregateStore(ctx, st, f, &report.AggregateOptions{
		Now: func() time.Time { return now }, Registry: o.Registry, MinProjects: o.MinProjects,
		MaxProjects: maxList, MaxSignals: maxList,
	})
	if err != nil {
		return nil, fmt.Errorf("propose %s: %w", bp.Name, err)
	}
	ev, err := gather(ctx, st, f, rep, o.Only)
	if err != nil {
		return nil, fmt.Errorf("propose %s: %w", bp.Name, err)
	}
	pr := &Proposal{Blueprint: bp.Name, From: bp.Version, Released: now.UTC().Format(time.DateOnly), bp: bp}
	m := newMapper(ctx, bp, &o)
	if len(ev.paths) > 0 {
		m.load(ev) // the projects are read only when there is something to verify
	}
	pr.Projects = m.rendered()
	if len(m.names) > 0 {
		pr.sample = m.projects[m.names[0]].manifest.Parameters
	}
	m.propose(rep, ev, pr)
	if err := pr.finish(&o); err != nil {
		return nil, err
	}
	return pr, nil
}

// maxList bounds the report's lists: every project and signal of a
// desire path is evidence.
const maxList = 1 << 30

// evidence is what the signals say about the selected desire paths.
type evidence struct {
	paths    []report.DesirePath
	unknown  []string                               // selected IDs no desire path has
	subjects map[string]feedback.Subject            // each project's latest subject
	drift    map[pathKey]map[string]feedback.Signal // desire path, project: the latest drift signal
}

// pathKey names a desire path: the same edit in two files of a blueprint
// has one hunk ID and is two desire paths.
type pathKey struct{ file, hunkID string }

// gather reads the signals again for the selected desire paths' drift and
// every project's latest subject.
func gather(ctx context.Context, st feedback.Store, f feedback.Filter, rep *report.Report, only []string) (*evidence, error) {
	ev := &evidence{subjects: map[string]feedback.Subject{}, drift: map[pathKey]map[string]feedback.Signal{}}
	found := map[string]bool{}
	for _, dp := range rep.DesirePaths {
		if dp.Blueprint != f.Blueprint || len(only) > 0 && !slices.Contains(only, dp.HunkID) {
			continue
		}
		ev.paths = append(ev.paths, dp)
		ev.drift[pathKey{dp.File, dp.HunkID}] = map[string]feedback.Signal{}
		found[dp.HunkID] = true
	}
	for _, id := range only {
		if !found[id] && !slices.Contains(ev.unknown, id) {
			ev.unknown = append(ev.unknown, id)
		}
	}
	latest := map[string]time.Time{}
	for s, err := range st.Query(ctx, f) {
		if err != nil {
			if errors.Is(err, feedback.ErrBadRecord) {
				continue // counted by the report
			}
			return nil, err
		}
		p := s.Subject.Project
		if p == "" {
			continue
		}
		if scanned(s.Source) && s.Subject.Version != "" && !s.Time.Before(latest[p]) {
			latest[p] = s.Time
			ev.subjects[p] = s.Subject
		}
		if s.Source != feedback.SourceDrift {
			continue
		}
		byProject, ok := ev.drift[pathKey{s.File, s.Labels["hunk.id"]}]
		if !ok {
			continue
		}
		if old, ok := byProject[p]; !ok || !s.Time.Before(old.Time) {
			byProject[p] = s
		}
	}
	return ev, nil
}

// scanned reports whether signals from src describe a project as a scan
// found it: an upgrade's signals name the version it started from.
func scanned(src feedback.Source) bool {
	switch src {
	case feedback.SourceScan, feedback.SourceDrift, feedback.SourceRule, feedback.SourceException, feedback.SourceLag:
		return true
	}
	return false
}

// finish orders the changes, sets the version and makes blueprint.cue.
func (pr *Proposal) finish(o *Options) error {
	rank := map[EditStatus]int{Applied: 0, NeedsDecision: 1, Refused: 2}
	slices.SortStableFunc(pr.Changes, func(a, b Edit) int {
		return cmp.Or(rank[a.Status]-rank[b.Status], b.Count-a.Count, strings.Compare(a.File, b.File), strings.Compare(a.HunkID, b.HunkID))
	})
	bump := o.Bump
	if bump == "" {
		bump = BumpPatch
		for _, c := range pr.Changes {
			if c.Status == Applied && c.Kind == Addition {
				bump = BumpMinor
			}
		}
	}
	pr.Version = o.Version
	if pr.Version == "" {
		v, err := nextVersion(pr.From, bump)
		if err != nil {
			return fmt.Errorf("propose %s: %w", pr.Blueprint, err)
		}
		pr.Version = v
	}
	schema, err := patchSchema(pr.bp.Schema(), pr.Version, pr.Released)
	if err != nil {
		return fmt.Errorf("propose %s: %s: %w", pr.Blueprint, blueprint.SchemaFile, err)
	}
	pr.schema = schema
	return nil
}

// templateSource reads a template file of bp.
func templateSource(bp *blueprint.Blueprint, file string) ([]byte, error) {
	return fs.ReadFile(bp.Template(), file)
}

// BaseVersion returns the catalog's entry for the version of the named
// blueprint that most of its projects are on by rep (report.BlueprintReport
// Versions, the latest scan of each project), among the versions c has:
// the version a proposal starts from. Without one, it returns c's latest.
func BaseVersion(rep *report.Report, c *blueprint.Catalog, name string) (blueprint.CatalogEntry, bool) {
	best, most := blueprint.CatalogEntry{}, 0
	if rep != nil {
		for _, b := range rep.Blueprints {
			if b.Name != name {
				continue
			}
			for _, v := range b.Versions {
				if e, ok := c.Entry(name, v.Version); ok && v.Projects > most {
					best, most = e, v.Projects
				}
			}
		}
	}
	if most > 0 {
		return best, true
	}
	return c.Latest(name)
}
