package blueprint

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"cuelang.org/go/cue"

	"github.com/goldenpath-dev/goldenpath/internal/values"
)

// Migration is one declarative step of blueprint.cue's migrations: it
// carries parameters recorded by versions below Before over to this one.
// No code runs: parameters are renamed and removed, nothing else.
type Migration struct {
	// Before is the version below which the step applies.
	Before string
	// Rename maps old dotted parameter paths to new ones.
	Rename map[string]string
	// Remove lists dotted parameter paths that no longer exist.
	Remove []string
	// Pos is where the step is declared.
	Pos Position
}

// Migrations returns the blueprint's migration steps in declaration order.
func (b *Blueprint) Migrations() []Migration {
	out := make([]Migration, len(b.migrations))
	for i, m := range b.migrations {
		m.Rename = maps.Clone(m.Rename)
		m.Remove = slices.Clone(m.Remove)
		out[i] = m
	}
	return out
}

func (b *Blueprint) readMigrations(root cue.Value) error {
	v := root.LookupPath(cue.ParsePath("migrations"))
	if !v.Exists() {
		return nil
	}
	it, err := v.List()
	if err != nil {
		return &ValidationError{Fields: b.shaper("", nil).shape(err)}
	}
	for i := 0; it.Next(); i++ {
		var m Migration
		if err := it.Value().Decode(&struct {
			Before *string            `json:"before"`
			Rename *map[string]string `json:"rename"`
			Remove *[]string          `json:"remove"`
		}{&m.Before, &m.Rename, &m.Remove}); err != nil {
			return &ValidationError{Fields: b.shaper("", nil).shape(err)}
		}
		m.Pos = toPosition(it.Value().Pos())
		for from, to := range m.Rename {
			for _, p := range []string{from, to} {
				if !validParamPath(p) {
					return &ValidationError{Fields: []FieldError{{Path: fmt.Sprintf("migrations.%d.rename", i), Message: fmt.Sprintf("%q is not a dotted parameter path", p), Schema: []Position{m.Pos}}}}
				}
			}
		}
		for _, p := range m.Remove {
			if !validParamPath(p) {
				return &ValidationError{Fields: []FieldError{{Path: fmt.Sprintf("migrations.%d.remove", i), Message: fmt.Sprintf("%q is not a dotted parameter path", p), Schema: []Position{m.Pos}}}}
			}
		}
		b.migrations = append(b.migrations, m)
	}
	return nil
}

func validParamPath(p string) bool {
	if p == "" {
		return false
	}
	for _, seg := range strings.Split(p, ".") {
		if seg == "" {
			return false
		}
	}
	return true
}

// Migrate carries parameter values recorded by version from over to this
// blueprint: every migration step whose Before is above from applies, in
// declaration order. It returns the new values and one line per change made
// ("renamed port to httpPort", "removed goVersion"). values is not modified.
// Parameters the new version adds take their defaults when the result is
// resolved; required ones without a value are reported by Resolve.
func (b *Blueprint) Migrate(from string, vals map[string]any) (map[string]any, []string) {
	out := values.DeepCopy(vals)
	if out == nil {
		out = map[string]any{}
	}
	var notes []string
	for _, m := range b.migrations {
		if CompareVersions(from, m.Before) >= 0 {
			continue
		}
		renames := make([]string, 0, len(m.Rename))
		for from := range m.Rename {
			renames = append(renames, from)
		}
		slices.Sort(renames)
		for _, oldPath := range renames {
			newPath := m.Rename[oldPath]
			v, ok := takePath(out, oldPath)
			if !ok {
				continue
			}
			putPath(out, newPath, v)
			notes = append(notes, fmt.Sprintf("renamed %s to %s (migration before %s)", oldPath, newPath, m.Before))
		}
		for _, p := range m.Remove {
			if _, ok := takePath(out, p); ok {
				notes = append(notes, fmt.Sprintf("removed %s (migration before %s)", p, m.Before))
			}
		}
	}
	return out, notes
}

// takePath removes the value at a dotted path and returns it.
func takePath(m map[string]any, path string) (any, bool) {
	segs := strings.Split(path, ".")
	for _, s := range segs[:len(segs)-1] {
		next, ok := m[s].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	v, ok := m[segs[len(segs)-1]]
	delete(m, segs[len(segs)-1])
	return v, ok
}

// putPath sets the value at a dotted path, creating structs on the way.
func putPath(m map[string]any, path string, v any) {
	segs := strings.Split(path, ".")
	for _, s := range segs[:len(segs)-1] {
		next, ok := m[s].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[s] = next
		}
		m = next
	}
	m[segs[len(segs)-1]] = v
}
