package decision_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/decision"
)

var draftDay = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// TestWriteDraftADRTools drafts an amendment and a supersession in a
// folder Debian's adr-tools wrote, and reads the result with adr-tools
// itself: adr list lists the drafts, adr generate toc titles them, adr
// generate graph draws their links; the registry reads them as proposed,
// linked both ways, and lint has nothing to say.
func TestWriteDraftADRTools(t *testing.T) {
	bin := needTool(t, "adr", "install Debian's adr-tools package (apt-get install adr-tools)")
	dir := t.TempDir()
	adr(t, bin, dir, "init", "doc/adr")
	adr(t, bin, dir, "new", "Set", "resource", "limits", "on", "deployments")
	adr(t, bin, dir, "new", "Use", "PostgreSQL", "for", "orders")
	adr(t, bin, dir, "new", "-s", "3", "Use", "CockroachDB", "for", "orders")
	folder := filepath.Join(dir, "doc", "adr")
	ctx := context.Background()

	w, err := decision.WriteDraft(ctx, folder, decision.Draft{
		Target: "ADR-2", Title: "Allow unbounded CPU for batch jobs",
		Context: "Five projects hold an exception (signal `s1`).", Date: draftDay,
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, "ADR-0005", w.ID)
	assert.Equal(t, filepath.Join(folder, "0005-allow-unbounded-cpu-for-batch-jobs.md"), w.File)
	assert.Equal(t, decision.Style{Format: decision.ADRTools, Name: "NNNN-slug.md"}, w.Style)
	data, err := os.ReadFile(w.File)
	require.NoError(t, err)
	assert.Equal(t, `# 5. Allow unbounded CPU for batch jobs

Date: 2026-12-02

## Status

Proposed

Amends [2. Set resource limits on deployments](0002-set-resource-limits-on-deployments.md)

## Context

Five projects hold an exception (signal `+"`s1`"+`).

## Decision

To be written.

## Consequences

To be written.
`, string(data))
	old, err := os.ReadFile(filepath.Join(folder, "0002-set-resource-limits-on-deployments.md"))
	require.NoError(t, err)
	assert.Contains(t, string(old), "## Status\n\nAccepted\n\nAmended by [5. Allow unbounded CPU for batch jobs](0005-allow-unbounded-cpu-for-batch-jobs.md)\n\n## Context")

	// Superseding, as adr new -s does: the status word gives way to the
	// link, in the folder's spelling (Debian's "Supersede").
	w2, err := decision.WriteDraft(ctx, folder, decision.Draft{
		Target: "ADR-0004", Kind: decision.Supersedes, Title: "Use Spanner for orders", Date: draftDay,
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, "ADR-0006", w2.ID)
	old4, err := os.ReadFile(filepath.Join(folder, "0004-use-cockroachdb-for-orders.md"))
	require.NoError(t, err)
	assert.Contains(t, string(old4), "## Status\n\nSupersedes [3. Use PostgreSQL for orders](0003-use-postgresql-for-orders.md)\n\nSuperseded by [6. Use Spanner for orders](0006-use-spanner-for-orders.md)\n\n## Context")

	reg, err := decision.LoadDir(ctx, folder, nil)
	require.NoError(t, err)
	d5, _ := reg.Get("ADR-0005")
	require.NotNil(t, d5)
	assert.Equal(t, decision.Proposed, d5.Status)
	assert.Equal(t, []string{"ADR-0002"}, d5.Linked(decision.Amends))
	d2, _ := reg.Get("ADR-0002")
	assert.Equal(t, decision.Accepted, d2.Status, "an amended decision stays in force")
	assert.Equal(t, []string{"ADR-0005"}, d2.Linked(decision.AmendedBy))
	d4, _ := reg.Get("ADR-0004")
	assert.Equal(t, decision.Superseded, d4.Status)
	assert.Equal(t, []string{"ADR-0006"}, d4.Linked(decision.SupersededBy))
	d6, _ := reg.Get("ADR-0006")
	assert.Equal(t, decision.Proposed, d6.Status)
	assert.Equal(t, []string{"ADR-0004"}, d6.Linked(decision.Supersedes))
	assert.Empty(t, reg.Lint(ctx, nil), "lint after the drafts")

	run := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "adr %s: %s", strings.Join(args, " "), out)
		return string(out)
	}
	list := run("list")
	assert.Contains(t, list, "doc/adr/0005-allow-unbounded-cpu-for-batch-jobs.md")
	assert.Contains(t, list, "doc/adr/0006-use-spanner-for-orders.md")
	toc := run("generate", "toc")
	assert.Contains(t, toc, "[5. Allow unbounded CPU for batch jobs](0005-allow-unbounded-cpu-for-batch-jobs.md)")
	assert.Contains(t, toc, "[6. Use Spanner for orders](0006-use-spanner-for-orders.md)")
	graph := run("generate", "graph")
	assert.Contains(t, graph, `_5 -> _2 [label="Amends"`)
	assert.Contains(t, graph, `_6 -> _4 [label="Supersedes"`)
}

// TestWriteDraftMADR drafts an amendment in a MADR 4 folder (front matter,
// link lines under "More Information") and in a MADR 2 / log4brains one
// (list items, a Links section, dated file names).
func TestWriteDraftMADR(t *testing.T) {
	ctx := context.Background()
	t.Run("madr4", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "0001-use-postgresql.md", "---\nstatus: accepted\ndate: 2024-03-05\n---\n\n# Use PostgreSQL\n\n## Context and Problem Statement\n\nWe need a database.\n\n## Decision Outcome\n\nPostgreSQL.\n")
		write(t, dir, "0002-set-resource-limits.md", "---\nstatus: accepted\ndate: 2024-04-01\n---\n\n# Set resource limits\n\n## Context and Problem Statement\n\nNoisy neighbours.\n\n## More Information\n\nSee the runbook.\n")
		w, err := decision.WriteDraft(ctx, dir, decision.Draft{Target: "ADR-0002", Title: "Allow unbounded CPU for batch jobs",
			Context: "The evidence.", Date: draftDay}, nil)
		require.NoError(t, err)
		assert.Equal(t, "ADR-0003", w.ID)
		data, _ := os.ReadFile(w.File)
		assert.Equal(t, "---\nstatus: proposed\ndate: 2026-12-02\n---\n\n# Allow unbounded CPU for batch jobs\n\n## Context and Problem Statement\n\nThe evidence.\n\n## Decision Outcome\n\nTo be written.\n\n## Consequences\n\nTo be written.\n\n## More Information\n\nAmends [ADR-0002](0002-set-resource-limits.md)\n", string(data))
		old, _ := os.ReadFile(filepath.Join(dir, "0002-set-resource-limits.md"))
		assert.Equal(t, "---\nstatus: accepted\ndate: 2024-04-01\n---\n\n# Set resource limits\n\n## Context and Problem Statement\n\nNoisy neighbours.\n\n## More Information\n\nSee the runbook.\n\nAmended by [ADR-0003](0003-allow-unbounded-cpu-for-batch-jobs.md)\n", string(old))
		// A record without More Information gets one.
		w, err = decision.WriteDraft(ctx, dir, decision.Draft{Target: "ADR-0001", Kind: decision.Supersedes, Title: "Use CockroachDB", Date: draftDay}, nil)
		require.NoError(t, err)
		assert.Equal(t, "ADR-0004", w.ID)
		old, _ = os.ReadFile(filepath.Join(dir, "0001-use-postgresql.md"))
		assert.True(t, strings.HasSuffix(string(old), "PostgreSQL.\n\n## More Information\n\nSuperseded by [ADR-0004](0004-use-cockroachdb.md)\n"), "%s", old)
		lintClean(t, dir)
	})
	t.Run("log4brains", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "20240305-use-kafka.md", "# Use Kafka\n\n- Status: accepted\n- Date: 2024-03-05\n\n## Context and Problem Statement\n\nEvents.\n\n## Links\n\n- Relates to [Use Markdown ADRs](20240301-use-markdown-adrs.md)\n")
		write(t, dir, "20240301-use-markdown-adrs.md", "# Use Markdown ADRs\n\n- Status: accepted\n- Date: 2024-03-01\n\n## Links\n\n- Relates to [Use Kafka](20240305-use-kafka.md)\n")
		w, err := decision.WriteDraft(ctx, dir, decision.Draft{Target: "20240305-use-kafka", Title: "Keep events for a year", Date: draftDay}, nil)
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(dir, "20261202-keep-events-for-a-year.md"), w.File)
		data, _ := os.ReadFile(w.File)
		assert.Contains(t, string(data), "# Keep events for a year\n\n* Status: proposed\n* Date: 2026-12-02\n")
		assert.Contains(t, string(data), "## Links\n\n* Amends [Use Kafka](20240305-use-kafka.md)\n")
		old, _ := os.ReadFile(filepath.Join(dir, "20240305-use-kafka.md"))
		assert.Contains(t, string(old), "## Links\n\n- Relates to [Use Markdown ADRs](20240301-use-markdown-adrs.md)\n- Amended by [Keep events for a year](20261202-keep-events-for-a-year.md)\n")
		lintClean(t, dir)
	})
}

// TestWriteDraftRefused: a draft that cannot be written as meant leaves the
// folder as it was.
func TestWriteDraftRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, "0001-use-postgresql.md", "# 1. Use PostgreSQL\n\nDate: 2024-03-05\n\n## Context\n\nNo status section.\n")
	before := snapshot(t, dir)
	_, err := decision.WriteDraft(ctx, dir, decision.Draft{Target: "ADR-0001", Title: "Use CockroachDB", Date: draftDay}, nil)
	require.ErrorContains(t, err, "0001-use-postgresql.md: no Status section")
	assert.Equal(t, before, snapshot(t, dir))
	_, err = decision.WriteDraft(ctx, dir, decision.Draft{Target: "ADR-0009", Title: "X", Date: draftDay}, nil)
	require.ErrorContains(t, err, "ADR-0009: no such decision")
	_, err = decision.WriteDraft(ctx, dir, decision.Draft{Target: "ADR-0001", Title: "a\nb"}, nil)
	require.ErrorContains(t, err, "want one line")
	_, err = decision.WriteDraft(ctx, dir, decision.Draft{Target: "ADR-0001", Title: "X", Kind: decision.Relates}, nil)
	require.ErrorContains(t, err, `kind "relates"`)
	assert.Equal(t, before, snapshot(t, dir))
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = string(data)
	}
	return out
}

func lintClean(t *testing.T, dir string) {
	t.Helper()
	reg, err := decision.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	assert.Empty(t, problemStrings(reg.Lint(context.Background(), nil), dir))
}
