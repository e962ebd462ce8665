package scan_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/render"
)

// openProject opens the project rendered in dir.
func openProject(t testing.TB, dir string) *render.Project {
	t.Helper()
	p, err := render.OpenProject(dir)
	require.NoError(t, err)
	return p
}
