package render

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// MismatchError is returned by Rebuild when the blueprint no longer renders
// what a project's manifest records.
type MismatchError struct {
	// Paths are the files whose rendered content, mode or level differs from
	// the manifest, or that one side lacks.
	Paths []string
}

// Error says what the manifest records and what was given.
func (e *MismatchError) Error() string {
	return "the blueprint does not reproduce the manifest: " + strings.Join(e.Paths, ", ")
}

// Rebuild re-renders the project p from its manifest and bp, and checks
// that every file is byte-identical to what the manifest records. It
// returns the plan, which Apply writes wherever the caller wants the rebuilt
// tree. bp must be the blueprint the manifest names (the same digest). The
// decisions of Options.Decisions are not evaluated: Project.Evaluate judges
// a project. Engine.Drift compares the rebuilt files with the disk.
func (e *Engine) Rebuild(ctx context.Context, bp *blueprint.Blueprint, p *Project) (*Plan, error) {
	return e.rebuild(ctx, bp, p, discard{}, nil)
}

// rebuild renders the version p's manifest records into s, never judged by
// decisions (a rebuild reproduces what was recorded), and checks that it
// reproduces every file the manifest records, with its mode and level, and
// no other. The recorded parameters are resolved with resolve, or with
// bp.Resolve when it is nil.
func (e *Engine) rebuild(ctx context.Context, bp *blueprint.Blueprint, p *Project, s sink, resolve func(context.Context, *blueprint.Blueprint, ...blueprint.Input) (*blueprint.Params, error)) (*Plan, error) {
	m, dir := p.manifest, p.dir
	if bp.Digest != m.Blueprint.Digest {
		return nil, fmt.Errorf("rebuild %s: the manifest records %s %s (%s), the loaded blueprint is %s %s (%s)",
			dir, m.Blueprint.Name, m.Blueprint.Version, m.Blueprint.Digest, bp.Name, bp.Version, bp.Digest)
	}
	recorded := blueprint.ValuesData(filepath.Join(dir, ManifestPath), m.Parameters)
	var params *blueprint.Params
	var err error
	if resolve != nil {
		params, err = resolve(ctx, bp, recorded)
	} else {
		params, err = bp.Resolve(ctx, recorded)
	}
	if err != nil {
		return nil, fmt.Errorf("rebuild %s: the recorded parameters: %w", dir, err)
	}
	plan, err := e.planWith(ctx, bp, params, s, &PlanOptions{noDecisions: true})
	if err != nil {
		return nil, err
	}
	var bad []string
	for _, f := range m.Files {
		got, ok := plan.Manifest.File(f.Path)
		if !ok || got.SHA256 != f.SHA256 || got.Mode != f.Mode || got.Level != f.Level {
			bad = append(bad, f.Path)
		}
	}
	for _, f := range plan.Manifest.Files {
		if _, ok := m.File(f.Path); !ok {
			bad = append(bad, f.Path)
		}
	}
	if len(bad) > 0 {
		return nil, &MismatchError{Paths: bad}
	}
	return plan, nil
}
