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
		t.Skip("runs go run a dozen times")
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
		"ADR-0017, proposed, to amend ADR-0012",
		"lint: 13 decisions: 0 errors",
		"go-service 2.0.0 -> 2.0.1",
		"verified: the new template reproduces the edit exactly in 1 project",
		"## Absorption",
		"| 1 | 1 (2.0.1) | 1 | 1 | 0 | yes, ",
	} {
		assert.Contains(t, string(out), want)
	}
	// The tour checks what it rates against the catalog and the decisions,
	// and counts in English.
	assert.NotContains(t, string(out), "not checked")
	assert.Contains(t, string(out), "12 decisions, 0 blueprints: 0 errors, 1 warning, 0 notes")

	// The drafted amendment: the evidence, and the link both ways.
	drafts, err := filepath.Glob(filepath.Join(tmp, "*", "decisions", "0017-*.md"))
	require.NoError(t, err)
	require.Len(t, drafts, 1, "the tour's draft")
	draft, err := os.ReadFile(drafts[0])
	require.NoError(t, err)
	assert.Contains(t, string(draft), "status: proposed")
	assert.Contains(t, string(draft), `ana (2/5): "limits starve our batch jobs"`)
	assert.Contains(t, string(draft), "Amends [ADR-0012](0012-every-deployment-sets-resource-limits.md)")
	amended, err := os.ReadFile(filepath.Join(filepath.Dir(drafts[0]), "0012-every-deployment-sets-resource-limits.md"))
	require.NoError(t, err)
	assert.Contains(t, string(amended), "Amended by [ADR-0017]("+filepath.Base(drafts[0])+")")

	// The upgraded project builds, passes its tests and runs.
	projects, err := filepath.Glob(filepath.Join(tmp, "*", "orders"))
	require.NoError(t, err)
	require.Len(t, projects, 1, "the tour's project")
	buildAndRun(t, projects[0], "orders")
}
