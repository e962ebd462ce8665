package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeTour runs the README's tour as written, in bash, from the
// repository root: a newcomer's five minutes must work.
func TestReadmeTour(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run nine times")
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(readme), "<!-- tour -->\n```sh\n")
	require.True(t, ok, "the README has no tour block")
	block, _, ok = strings.Cut(block, "```\n<!-- /tour -->")
	require.True(t, ok, "the tour block is not closed")

	cmd := exec.Command("bash", "-c", "set -euo pipefail\nshopt -s expand_aliases\n"+block)
	cmd.Dir = root
	tmp := t.TempDir()
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "GP_CACHE="+t.TempDir(), "GP_STORE=", "GP_DECISIONS=", "GP_CATALOG=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the tour failed:\n%s", out)
	for _, want := range []string{
		"ok: go-service 1.4.0",
		"ADR-0012  accepted",
		"rendered go-service 1.4.0 into",
		"upgraded ",
		"merged       shared          deploy/k8s/deployment.yaml",
		"overwritten  managed         Dockerfile",
		"drift      shared  deploy/k8s/deployment.yaml",
		"rated go-service 4/5",
		"## Desire paths",
		"Nothing to revisit.",           // the day is pinned: no revisit-by date has passed
		"readOnlyRootFilesystem: false", // the team's own edit is the desire path
	} {
		assert.Contains(t, string(out), want)
	}

	// The upgraded project builds, passes its tests and runs.
	projects, err := filepath.Glob(filepath.Join(tmp, "*", "orders"))
	require.NoError(t, err)
	require.Len(t, projects, 1, "the tour's project")
	buildAndRun(t, projects[0], "orders")
}
