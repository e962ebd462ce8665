package render_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

// upgradeDir opens the project in dir and upgrades it.
func upgradeDir(ctx context.Context, e *render.Engine, dir string, to *blueprint.Blueprint, opts *render.UpgradeOptions) (*render.UpgradeResult, error) {
	p, err := render.OpenProject(dir)
	if err != nil {
		return nil, err
	}
	return e.Upgrade(ctx, p, to, opts)
}

// rebuildDir opens the project in dir and rebuilds it.
func rebuildDir(ctx context.Context, e *render.Engine, bp *blueprint.Blueprint, dir string) (*render.Plan, error) {
	p, err := render.OpenProject(dir)
	if err != nil {
		return nil, err
	}
	return e.Rebuild(ctx, bp, p)
}

// diffDir opens the project in dir, if there is one, and diffs plan with it.
func diffDir(ctx context.Context, e *render.Engine, plan *render.Plan, dir string) ([]render.FileDiff, error) {
	p, err := render.OpenProject(dir)
	if err != nil {
		p = nil
	}
	return e.Diff(ctx, plan, p)
}

// conflictsDir opens the project in dir and returns its unresolved
// conflicts.
func conflictsDir(t *testing.T, dir string) []render.FileConflict {
	t.Helper()
	p, err := render.OpenProject(dir)
	require.NoError(t, err)
	pending, err := p.Conflicts()
	require.NoError(t, err)
	return pending
}

// resolveDir opens the project in dir and marks paths resolved.
func resolveDir(dir string, paths ...string) error {
	p, err := render.OpenProject(dir)
	if err != nil {
		return err
	}
	return p.Resolve(paths...)
}
