package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/internal/english"
)

// Absorption follows one desire path — one edit (hunk key) of one file of
// a blueprint, made in at least MinProjects projects — once projects that
// made it upgraded to a newer version of the blueprint: did the new
// version absorb it?
//
// A project's edit of a shared file survives an upgrade (the 3-way merge
// keeps it, as drift against the new version) unless the new version's
// template holds the same lines: an edit that is no longer drift after an
// upgrade is in the template the project upgraded to. A desire path is
// absorbed when every project that made it upgraded and none carries it any
// more.
type Absorption struct {
	// Blueprint, File, HunkID and Key name the desire path as DesirePath
	// does.
	Blueprint string `json:"blueprint"`
	File      string `json:"file"`
	HunkID    string `json:"hunkID"`
	Key       string `json:"key"`
	// Carried is how many projects made the edit, in any scan; Projects
	// lists the first MaxProjects of them.
	Carried  int      `json:"carried"`
	Projects []string `json:"projects"`
	// Upgraded is how many of them are now on a newer version than the one
	// they first made the edit on; Versions are the versions they are on,
	// the newest first.
	Upgraded int      `json:"upgraded"`
	Versions []string `json:"versions"`
	// Clean is how many upgraded projects have no upgrade conflict: none
	// recorded by an upgrade to the version they are on, none unresolved
	// in their latest scan.
	Clean int `json:"clean"`
	// Gone is how many upgraded projects no longer carry the edit in their
	// latest scan; FileDrift how many upgraded projects still have some
	// drift (this edit or another) in the file.
	Gone      int `json:"gone"`
	FileDrift int `json:"fileDrift"`
	// Overwritten is how many upgraded projects no longer carry the edit
	// because the upgrade overwrote the file (a managed file): the edit is
	// gone, not absorbed, and they are not counted in Gone.
	Overwritten int `json:"overwritten,omitempty"`
	// Carrying lists the first MaxProjects projects that still carry the
	// edit in their latest scan, and StillCarried counts them all.
	Carrying     []string `json:"carrying"`
	StillCarried int      `json:"stillCarried"`
	// Absorbed is set when every project that made the edit upgraded and
	// none carries it any more, none of them by an overwrite.
	Absorbed bool `json:"absorbed"`
	// First is the time of the first drift signal of the edit; AbsorbedAt,
	// once absorbed, the time the last project was first seen on its new
	// version without it, and Days the days from First to AbsorbedAt.
	First      time.Time `json:"first"`
	AbsorbedAt time.Time `json:"absorbedAt,omitzero"`
	Days       float64   `json:"days,omitempty"`
	// Signals lists the first MaxSignals drift signals of the edit, by
	// project: the latest of each project.
	Signals []string `json:"signals"`
}

// follow is what absorption follows of one project's edit: when it was
// first seen, and on which version.
type follow struct {
	first        int64
	firstVersion string
}

// absorbState is what absorption follows of the projects: the upgrades
// that conflicted.
type absorbState struct {
	conflicted map[string]map[string]bool // project → versions an upgrade to conflicted
	overwrote  map[[2]string]string       // (project, file) → the latest version an upgrade overwrote the file for
	unresolved map[string]int64           // project → its latest unresolved-conflict signal
}

func (a *aggregator) noteDrift(st *driftState, s *feedback.Signal, t int64) {
	if st.follow.firstVersion == "" || t < st.follow.first {
		st.follow = follow{first: t, firstVersion: a.intern(s.Subject.Version)}
	}
}

// noteVersion follows when p was first seen on the version it is on; it
// runs before p's blueprint and version are updated from s.
func (a *aggregator) noteVersion(p *projectState, s *feedback.Signal, t int64) {
	if s.Subject.Blueprint == "" {
		return
	}
	switch {
	case t >= p.subjectT && s.Subject.Version != p.version:
		p.versionSince = t
	case s.Subject.Version == p.version && t < p.versionSince:
		p.versionSince = t
	}
}

// noteUpgrade records the upgrades that conflicted: gp upgrade's per-file
// conflict signals (fail, labelled with the version upgraded to) and a
// scan's unresolved conflicts (warn, change=unresolved).
func (a *aggregator) noteUpgrade(s *feedback.Signal, t int64) {
	p := s.Subject.Project
	if p == "" {
		return
	}
	switch {
	case s.Result == feedback.ResultFail:
		if a.absorb.conflicted == nil {
			a.absorb.conflicted = map[string]map[string]bool{}
		}
		m := a.absorb.conflicted[p]
		if m == nil {
			m = map[string]bool{}
			a.absorb.conflicted[a.intern(p)] = m
		}
		m[a.intern(cmp.Or(s.Labels["to"], s.Subject.Version))] = true
	case s.Labels["change"] == "overwritten" && s.File != "":
		if a.absorb.overwrote == nil {
			a.absorb.overwrote = map[[2]string]string{}
		}
		k := [2]string{a.intern(p), a.intern(s.File)}
		to := a.intern(cmp.Or(s.Labels["to"], s.Subject.Version))
		if v, ok := a.absorb.overwrote[k]; !ok || blueprint.CompareVersions(to, v) > 0 {
			a.absorb.overwrote[k] = to
		}
	case s.Labels["change"] == "unresolved":
		if a.absorb.unresolved == nil {
			a.absorb.unresolved = map[string]int64{}
		}
		if v, ok := a.absorb.unresolved[p]; !ok || t > v {
			a.absorb.unresolved[a.intern(p)] = t
		}
	}
}

// absorption follows every desire path that projects carried and then
// upgraded away from.
func (b *builder) absorption() {
	type item struct {
		project string
		st      *driftState
	}
	newer := map[[2]string]bool{} // (version, first version) → the version is newer
	upgraded := func(p *projectState, st *driftState) bool {
		vk := [2]string{p.version, st.follow.firstVersion}
		if vk[0] == vk[1] {
			return false
		}
		n, ok := newer[vk]
		if !ok {
			n = blueprint.CompareVersions(vk[0], vk[1]) > 0
			newer[vk] = n
		}
		return n
	}
	// Only edits that a project upgraded away from are followed: find
	// them first, then gather every project that made them.
	cand := map[hunkKey]bool{}
	candKeys := map[string]bool{}
	for k, st := range b.aggregator.drift {
		if k.key == "" {
			continue
		}
		if p := b.projects[k.project]; upgraded(p, st) {
			cand[hunkKey{cmp.Or(st.blueprint, p.blueprint), k.file, k.key}] = true
			candKeys[k.key] = true
		}
	}
	if len(cand) == 0 {
		return
	}
	groups := map[hunkKey][]item{}
	files := map[string]bool{}
	for k, st := range b.aggregator.drift {
		if !candKeys[k.key] {
			continue
		}
		hk := hunkKey{cmp.Or(st.blueprint, b.projects[k.project].blueprint), k.file, k.key}
		if cand[hk] {
			groups[hk] = append(groups[hk], item{k.project, st})
			files[k.file] = true
		}
	}
	fileDrift := map[[2]string]bool{} // (project, file) with current drift, in the files followed
	for k, st := range b.aggregator.drift {
		if files[k.file] && st.within(b.projects[k.project].scan) {
			fileDrift[[2]string{k.project, k.file}] = true
		}
	}
	for hk, items := range groups {
		if len(items) < b.o.MinProjects {
			continue
		}
		slices.SortFunc(items, func(x, y item) int { return strings.Compare(x.project, y.project) })
		ab := Absorption{Blueprint: hk.blueprint, File: hk.file, Key: hk.key, Carried: len(items),
			Projects: []string{}, Versions: []string{}, Carrying: []string{}, Signals: []string{}}
		first, at := int64(math.MaxInt64), int64(math.MinInt64)
		versions := map[string]bool{}
		var ev evidenceList
		for i, it := range items {
			p := b.projects[it.project]
			if i < b.limitP {
				ab.Projects = append(ab.Projects, it.project)
			}
			ab.HunkID = cmp.Or(ab.HunkID, it.st.hunkID)
			ev.add(it.project, it.st.id)
			first = min(first, it.st.follow.first)
			carrying := it.st.within(p.scan)
			if carrying {
				ab.StillCarried++
				if len(ab.Carrying) < b.limitP {
					ab.Carrying = append(ab.Carrying, it.project)
				}
			}
			if !upgraded(p, it.st) {
				continue
			}
			ab.Upgraded++
			versions[p.version] = true
			unresolved, ok := b.absorb.unresolved[it.project]
			if !b.absorb.conflicted[it.project][p.version] && !(ok && unresolved >= p.scan.start) {
				ab.Clean++
			}
			if fileDrift[[2]string{it.project, hk.file}] {
				ab.FileDrift++
			}
			if !carrying && b.absorb.overwrote[[2]string{it.project, hk.file}] == p.version && p.version != "" {
				ab.Overwritten++
				continue
			}
			if !carrying {
				ab.Gone++
				// Gone since the first signal on its version, unless it
				// still carried the edit on that version: then by its
				// latest scan.
				since := p.versionSince
				if it.st.end >= since {
					since = p.scan.start
				}
				at = max(at, since)
			}
		}
		ab.HunkID = cmp.Or(ab.HunkID, hunkIDOf(hk.key))
		ab.Signals, _ = ev.ids(b.limitS)
		for v := range versions {
			ab.Versions = append(ab.Versions, v)
		}
		slices.SortFunc(ab.Versions, func(x, y string) int {
			return cmp.Or(-blueprint.CompareVersions(x, y), strings.Compare(x, y))
		})
		ab.First = time.UnixMicro(first).UTC()
		if ab.Upgraded == ab.Carried && ab.Gone == ab.Carried {
			ab.Absorbed = true
			ab.AbsorbedAt = time.UnixMicro(at).UTC()
			ab.Days = math.Round(ab.AbsorbedAt.Sub(ab.First).Hours()/24*10) / 10
		}
		b.r.Absorptions = append(b.r.Absorptions, ab)
	}
	slices.SortFunc(b.r.Absorptions, func(x, y Absorption) int {
		return cmp.Or(cmp.Compare(y.Carried, x.Carried), strings.Compare(x.Blueprint, y.Blueprint),
			strings.Compare(x.File, y.File), strings.Compare(x.Key, y.Key))
	})
}

// absorptions writes the Absorption section: one line per desire path
// followed after an upgrade, when there is any.
func (m *markdown) absorptions() {
	if len(m.r.Absorptions) == 0 {
		return
	}
	m.f("## Absorption\n\nDesire paths whose projects upgraded since they made the edit: an edit no longer drift after an upgrade is in the new version.\n\n")
	m.f("| blueprint | file | desire path | projects | upgraded | clean | edit gone | drift left in the file | absorbed |\n")
	m.f("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, ab := range m.r.Absorptions {
		state := "no"
		if ab.Absorbed {
			state = fmt.Sprintf("yes, %s after the first signal (%s)", english.Count(int(math.Round(ab.Days)), "day"), dayString(ab.AbsorbedAt))
		} else if len(ab.Carrying) > 0 {
			state = "no: still in " + projectList(ab.Carrying, ab.StillCarried)
		} else if ab.Overwritten > 0 {
			state = "no: the upgrade overwrote it in " + english.Count(ab.Overwritten, "project")
		}
		m.f("| %s | %s | `%s` | %d | %d (%s) | %d | %d | %d | %s |\n", cell(ab.Blueprint), cell(ab.File), ab.HunkID,
			ab.Carried, ab.Upgraded, cell(strings.Join(ab.Versions, ", ")), ab.Clean, ab.Gone, ab.FileDrift, cell(state))
	}
	m.f("\n")
}
