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

// Rebuild re-renders the project in dir from its manifest and bp, and
// checks that every file is byte-identical to what the manifest records. It
// returns the plan, which Apply writes wherever the caller wants the rebuilt
// tree. bp must be the blueprint the manifest names (the same digest). The
// decisions of Options.Decisions are not evaluated: Check judges a project.
func (e *Engine) Rebuild(ctx context.Context, bp *blueprint.Blueprint, dir string) (*Plan, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if bp.Digest != m.Blueprint.Digest {
		return nil, fmt.Errorf("rebuild %s: the manifest records %s %s (%s), the loaded blueprint is %s %s (%s)",
			dir, m.Blueprint.Name, m.Blueprint.Version, m.Blueprint.Digest, bp.Name, bp.Version, bp.Digest)
	}
	params, err := bp.Resolve(ctx, blueprint.ValuesData(filepath.Join(dir, ManifestPath), m.Parameters))
	if err != nil {
		return nil, fmt.Errorf("rebuild %s: the recorded parameters: %w", dir, err)
	}
	// A rebuild reproduces what was recorded; judging it is Check's job.
	plan, err := e.planWith(ctx, bp, params, discard{}, &PlanOptions{noDecisions: true})
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
