package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/internal/memfs"
	"github.com/goldenpath-dev/goldenpath/internal/values"
	"github.com/goldenpath-dev/goldenpath/render"
)

// The baseline of a rule is its outcome on a clean render of the recorded
// version at the project's parameters: what the project would give had the
// team edited nothing. A rule that fails there is the blueprint's fault,
// not the team's; an edit that changes the outcome (the rule passes on the
// clean render and fails on the edited file, or the reverse) is the team's.
//
// It is computed cheaply: a file whose content is the rendered content
// gives the same findings as on the clean render, so only the files that
// differ (edited, deleted) are evaluated again, with their rendered
// content, against the rules that read them; a file the team added is not
// in the clean render. A parameters rule reads only the parameters, which
// the team chose: it has no baseline.

// Labels["baseline"] values.
const (
	baselineFail = "fail"
	baselinePass = "pass"
)

// partInfo is one part of the project: the blueprint itself ("") or an
// include.
type partInfo struct {
	name, dir string
	ref       render.BlueprintRef
	params    json.RawMessage
}

// parts returns the parts the manifest records, the blueprint itself first.
func parts(m *render.Manifest) []partInfo {
	out := []partInfo{{ref: m.Blueprint, params: m.Parameters}}
	for _, inc := range m.Includes {
		out = append(out, partInfo{name: inc.Name, dir: inc.Dir, ref: inc.Blueprint, params: inc.Parameters})
	}
	return out
}

// projectPath returns the path in the project of rel, a path in the part
// whose directory is dir.
func projectPath(dir, rel string) string {
	if dir == "" || rel == "" {
		return rel
	}
	return path.Join(dir, rel)
}

// baselineKey names a finding's file for one rule of one part.
type baselineKey struct{ part, decision, rule, file string }

// baseline holds the outcome of the rules on the clean render, where it
// differs from the project's files.
type baseline struct {
	parts    map[string]partInfo
	rendered map[string]bool      // the project paths of the manifest's files
	differ   map[string][]byte    // project path → rendered content, for files edited or deleted
	fails    map[baselineKey]bool // clean findings on the files that differ: failing (true) or in error (false)
	checked  map[string]bool      // parts whose differing files were evaluated again
	failed   map[string]bool      // parts whose evaluation again failed: baselines unknown there
	exists   map[[3]string]bool   // (part, decision, rule) of exists rules: whether the clean render fails them
	reg      *decision.Registry
}

func newBaseline(m *render.Manifest, reg *decision.Registry) *baseline {
	b := &baseline{parts: map[string]partInfo{}, rendered: map[string]bool{}, differ: map[string][]byte{},
		fails: map[baselineKey]bool{}, checked: map[string]bool{}, failed: map[string]bool{}, exists: map[[3]string]bool{}, reg: reg}
	for _, p := range parts(m) {
		b.parts[p.name] = p
	}
	for _, f := range m.Files {
		b.rendered[f.Path] = true
	}
	return b
}

// note records a file of the drift: its rendered content, when the file on
// disk differs from it in content (edited, replaced or deleted).
func (b *baseline) note(d render.FileDrift) {
	if b == nil || d.Change == render.Unchanged || d.Want == nil || (d.Got != nil && bytes.Equal(d.Got, d.Want)) {
		return
	}
	b.differ[d.File.Path] = d.Want
}

// evaluate evaluates, for each part with files that differ, the rules in
// force that read them against their rendered content: the clean findings.
func (b *baseline) evaluate(ctx context.Context, m *render.Manifest, now time.Time) error {
	owner := map[string]string{} // project path → part
	for _, f := range m.Files {
		owner[f.Path] = f.Part
	}
	byPart := map[string][]string{}
	for p := range b.differ {
		byPart[owner[p]] = append(byPart[owner[p]], p)
	}
	for name, part := range b.parts {
		var ds []*decision.Decision
		for _, d := range b.reg.InForceFor(part.ref.Name, part.ref.Tags, part.ref.Decisions) {
			for _, r := range d.Rules {
				if r.Kind == decision.Exists {
					b.exists[[3]string{name, d.ID, r.Name}] = !b.renderedMatch(m, name, r.Glob)
				}
			}
			if files := byPart[name]; len(files) > 0 && slices.ContainsFunc(d.Rules, func(r *decision.Rule) bool {
				return r.Tree() && r.Kind != decision.Exists && slices.ContainsFunc(files, func(p string) bool {
					rel, ok := relTo(part.dir, p)
					return ok && matchGlob(r.Glob, rel)
				})
			}) {
				ds = append(ds, d)
			}
		}
		if len(ds) == 0 {
			continue
		}
		tree := memfs.FS{}
		var paths []string
		for _, p := range byPart[name] {
			if rel, ok := relTo(part.dir, p); ok {
				tree[rel] = b.differ[p]
				paths = append(paths, rel)
			}
		}
		slices.Sort(paths)
		var params map[string]any
		if len(part.params) > 0 {
			var err error
			if params, err = values.DecodeJSON(part.params); err != nil {
				return fmt.Errorf("parameters of %s: %w", part.ref.Name, err)
			}
		}
		rep, err := decision.Evaluate(ctx, ds, &decision.Subject{Name: "clean render", Params: params, Files: tree, Paths: paths},
			&decision.EvalOptions{Now: func() time.Time { return now }})
		if err != nil {
			// Without the clean findings, the baselines of this part are
			// unknown, not wrong.
			b.failed[name] = true
			continue
		}
		b.checked[name] = true
		for _, f := range rep.Findings {
			if f.File == "" || f.Result == decision.Skip {
				continue
			}
			if r := b.rule(f.Decision, f.Rule); r == nil || r.Kind == decision.Params || r.Kind == decision.Exists {
				continue
			}
			k := baselineKey{name, f.Decision, f.Rule, f.File}
			b.fails[k] = b.fails[k] || f.Result == decision.Fail
		}
	}
	return nil
}

// renderedMatch reports whether a file the manifest records in part
// matches glob, relative to the part's directory.
func (b *baseline) renderedMatch(m *render.Manifest, part, glob string) bool {
	dir := b.parts[part].dir
	return slices.ContainsFunc(m.Files, func(f render.File) bool {
		rel, ok := relTo(dir, f.Path)
		return f.Part == part && ok && matchGlob(glob, rel)
	})
}

func (b *baseline) rule(id, name string) *decision.Rule {
	if b == nil {
		return nil
	}
	d, ok := b.reg.Get(id)
	if !ok {
		return nil
	}
	i := slices.IndexFunc(d.Rules, func(r *decision.Rule) bool { return r.Name == name })
	if i < 0 {
		return nil
	}
	return d.Rules[i]
}

// of returns the baseline of a finding of the project: "fail" when the
// same rule fails on the same file on the clean render, "pass" when it does
// not, "" when it is not known or, for a parameters rule, does not apply.
func (b *baseline) of(part string, f decision.Finding) string {
	if b == nil || f.Result == decision.Error {
		return ""
	}
	r := b.rule(f.Decision, f.Rule)
	if r == nil {
		return ""
	}
	switch r.Kind {
	case decision.Params:
		// A parameters rule reads the parameters the team chose, and no
		// file: no edit changes its outcome, and it has no baseline.
		return ""
	case decision.Exists:
		return outcome(b.exists[[3]string{part, f.Decision, f.Rule}])
	}
	p := projectPath(b.parts[part].dir, f.File)
	switch {
	case !b.rendered[p]:
		return baselinePass // a file the team added: not in the clean render
	case b.differ[p] == nil:
		return baselineFail // the rendered content: the same finding
	case b.failed[part]:
		return ""
	}
	fails, found := b.fails[baselineKey{part, f.Decision, f.Rule, f.File}]
	if found && !fails {
		return "" // an error on the clean content
	}
	return outcome(fails)
}

// fixed returns the files of the clean render where a rule of d fails and
// that the project changed so that it passes there: the project's findings
// of the rule are in have (by part and file).
func (b *baseline) fixed(dec, rule string, have map[[2]string]bool) [][2]string {
	if b == nil {
		return nil
	}
	var out [][2]string
	for k, fails := range b.fails {
		if fails && k.decision == dec && k.rule == rule && !have[[2]string{k.part, k.file}] {
			out = append(out, [2]string{k.part, k.file})
		}
	}
	for k, fails := range b.exists {
		if r := b.rule(dec, rule); fails && k[1] == dec && k[2] == rule && r != nil && !have[[2]string{k[0], r.Glob}] {
			out = append(out, [2]string{k[0], r.Glob})
		}
	}
	slices.SortFunc(out, func(x, y [2]string) int {
		return strings.Compare(x[0]+"\x00"+x[1], y[0]+"\x00"+y[1])
	})
	return out
}

func outcome(fails bool) string {
	if fails {
		return baselineFail
	}
	return baselinePass
}

// relTo returns p relative to dir, and whether p is inside dir.
func relTo(dir, p string) (string, bool) {
	if dir == "" {
		return p, true
	}
	rel, ok := strings.CutPrefix(p, dir+"/")
	return rel, ok
}

// matchGlob matches as rules do.
func matchGlob(glob, name string) bool { return glob != "" && blueprint.MatchGlob(glob, name) }
