package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// loopDecisions is a folder of decisions in adr-tools' layout, as adr new
// writes it, for the loop: ADR-0012 caps PostgreSQL volumes, a rule the
// projects without a database never meet.
var loopDecisions = map[string]string{
	"0001-record-architecture-decisions.md": `# 1. Record architecture decisions

Date: 2026-01-05

## Status

Accepted

## Context

We need to record the architectural decisions made on this project.

## Decision

We will use Architecture Decision Records.

## Consequences

See Michael Nygard's article.
`,
	"0007-services-run-on-the-runtime-baseline.md": `# 7. Services run on the runtime baseline

Date: 2026-02-10

## Status

Accepted

## Context

Services share one Go toolchain and one base image.

## Decision

Blueprints pin the toolchain; teams do not.

## Consequences

Upgrades of the toolchain are the platform's.
`,
	"0012-keep-postgresql-volumes-small.md": "# 12. Keep PostgreSQL volumes small\n\nDate: 2026-03-02\n\n## Status\n\nAccepted\n\n" +
		"## Context\n\nBig volumes in the cluster are slow to back up and to move.\n\n" +
		"## Decision\n\nA PostgreSQL volume in the cluster holds at most 20Gi; bigger databases use the managed service.\n\n" +
		"```cue\nstorage: {\n\tmessage:  \"a PostgreSQL volume holds at most 20Gi\"\n\tseverity: \"medium\"\n\tmode:     \"enforce\"\n" +
		"\tfiles:    \"deploy/postgres/*.yaml\"\n\twhere: kind: \"StatefulSet\"\n" +
		"\tunify: spec: volumeClaimTemplates: [...{spec: resources: requests: storage: =~\"^([1-9]|1[0-9]|20)Gi$\"}]\n}\n```\n\n" +
		"## Consequences\n\nTeams with more data move to the managed service.\n",
}

// TestLoop runs the whole loop with gp, in processes of their own: a fleet
// of 30 go-service 2.0.0 projects, 8 of which make the same edit to a
// shared file (their name in it), 3 a one-off edit, and 5 — with a
// database — a bigger volume than ADR-0012 allows, under an exception.
// scan → report (the desire path, ADR-0012 over-exempted) → gp propose
// writes 2.1.0, verified, with the edit in its template → gp decisions propose drafts the amendment of
// ADR-0012 → gp fleet upgrade moves every project to 2.1.0 → scan → the
// report shows the desire path absorbed: the 8 projects upgraded cleanly
// and no longer drift, the one-off edits are kept, and every project is a
// fresh 2.1.0 render but for its own edits.
func TestLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("renders, scans and upgrades 30 projects")
	}
	dir := t.TempDir()
	env := []string{"GP_CACHE=" + t.TempDir(), "GP_STORE=", "GP_DECISIONS=", "GP_CATALOG="}
	run := func(args ...string) string { t.Helper(); return gpOK(t, dir, env, args...) }

	// The catalog: go-service 2.0.0. The decisions.
	copyTree(t, filepath.Join("..", "..", "testdata", "blueprints", "go-service-v2"), filepath.Join(dir, "catalog", "go-service-2.0.0"))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "decisions"), 0o755))
	for name, text := range loopDecisions {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "decisions", name), []byte(text), 0o644))
	}

	// The fleet: svc-01…svc-30; the first ten have a database.
	names := make([]string, 30)
	var targets strings.Builder
	for i := range names {
		names[i] = fmt.Sprintf("svc-%02d", i+1)
		values := map[string]any{"name": names[i]}
		if i < 10 {
			values["database"] = "postgres"
		}
		line, err := json.Marshal(map[string]any{"id": names[i], "dir": "projects/" + names[i], "source": "catalog/go-service-2.0.0", "values": values})
		require.NoError(t, err)
		targets.Write(append(line, '\n'))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fleet.jsonl"), []byte(targets.String()), 0o644))
	out := run("fleet", "render", "--targets", "fleet.jsonl")
	assert.Contains(t, out, "fleet render: 30 targets")

	project := func(name string, rel ...string) string {
		return filepath.Join(append([]string{dir, "projects", name}, rel...)...)
	}
	edit := func(name, file, old, new string) {
		t.Helper()
		p := project(name, file)
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Contains(t, string(data), old, "%s: %s", name, file)
		require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644))
	}
	// 5 projects with a database: bigger volumes, each its own size, under
	// an exception to ADR-0012.
	exempt := names[:5]
	for i, n := range exempt {
		edit(n, "deploy/postgres/statefulset.yaml", "storage: 2Gi", fmt.Sprintf("storage: %dGi", 50+10*i))
		require.NoError(t, os.WriteFile(project(n, ".goldenpath", "exceptions.yaml"), []byte(fmt.Sprintf(`exceptions:
  - decision: ADR-0012
    rule: storage
    justification: %s keeps a year of events in its database until the managed service is ready
    requested-by: lead@%s.acme.dev
    approved-by: platform-team
    expires: 2099-12-31
`, n, n)), 0o644))
	}
	// 3 one-off edits.
	oneOff := map[string]string{}
	for i, n := range names[10:13] {
		line := fmt.Sprintf("// %s: one-off note number %d, ours alone.\n", n, i+1)
		oneOff[n] = line
		edit(n, "internal/metrics/metrics.go", "package metrics\n", "package metrics\n\n"+line)
	}
	// 8 projects make the same edit to a shared file, their name in it.
	desire := names[13:21]
	for _, n := range desire {
		edit(n, "deploy/k8s/deployment.yaml", "  name: "+n+"\n  labels:\n", "  name: "+n+"\n  annotations:\n    prometheus.io/job: "+n+"\n  labels:\n")
	}

	// Scan, as a week ago: the scan's signals are moved back a week, so
	// that absorption has days to measure. Then three ratings of ADR-0012.
	dirs := make([]string, len(names))
	for i, n := range names {
		dirs[i] = filepath.Join("projects", n)
	}
	run(append([]string{"scan", "--decisions", "decisions", "--store", "signals.jsonl"}, dirs...)...)
	ageStore(t, filepath.Join(dir, "signals.jsonl"), 7*24*time.Hour)
	for _, r := range []struct{ by, score, comment string }{
		{"ana", "2", "20Gi is a week of our events"},
		{"ben", "2", "the managed service has no staging tier yet"},
		{"cem", "3", ""},
	} {
		args := []string{"feedback", "rate", "ADR-0012", "--score", r.score, "--by", r.by, "--store", "signals.jsonl"}
		if r.comment != "" {
			args = append(args, "--comment", r.comment)
		}
		run(args...)
	}

	// The report: one desire path, in the 8 projects; ADR-0012 to revisit,
	// over-exempted.
	var rep report.Report
	require.NoError(t, json.Unmarshal([]byte(run("report", "--store", "signals.jsonl", "--decisions", "decisions", "--exemption-rate", "0.1", "--json")), &rep))
	assert.Equal(t, 30, rep.Projects)
	require.Len(t, rep.DesirePaths, 1, "%+v", rep.DesirePaths)
	dp := rep.DesirePaths[0]
	assert.Equal(t, "deploy/k8s/deployment.yaml.tmpl", dp.File)
	assert.Equal(t, desire, dp.Projects)
	assert.Contains(t, dp.Key, "prometheus.io/job: {{.name}}")
	require.NotEmpty(t, rep.Revisit)
	rv := rep.Revisit[0]
	assert.Equal(t, "ADR-0012", rv.Decision)
	reasons := map[report.Reason]report.RevisitReason{}
	for _, r := range rv.Reasons {
		reasons[r.Reason] = r
	}
	require.Contains(t, reasons, report.ReasonExemptionRate)
	assert.Equal(t, exempt, reasons[report.ReasonExemptionRate].Projects)
	assert.InDelta(t, 5.0/30, reasons[report.ReasonExemptionRate].Value, 1e-9, "5 of the 30 projects: above 10%")
	assert.Contains(t, reasons, report.ReasonLowRating)
	assert.Empty(t, rep.Absorptions, "nothing released yet")

	// gp propose: 2.1.0, the desire path moved into the template, verified
	// against every project before it is written.
	out = run("propose", "go-service", "--store", "signals.jsonl", "--catalog", "catalog", "-o", "catalog")
	assert.Contains(t, out, "go-service 2.0.0 -> 2.1.0")
	assert.Contains(t, out, "1 of 1 desire path applied")
	assert.Contains(t, out, "applied "+dp.HunkID+" deploy/k8s/deployment.yaml.tmpl (8 projects)")
	assert.Contains(t, out, "verified: the new template reproduces the edit exactly in 8 projects, and 22 other projects render as before apart from the proposed lines")
	tmpl, err := os.ReadFile(filepath.Join(dir, "catalog", "go-service-2.1.0", "template", "deploy", "k8s", "deployment.yaml.tmpl"))
	require.NoError(t, err)
	assert.Contains(t, string(tmpl), "  name: {{.name}}\n  annotations:\n    prometheus.io/job: {{.name}}\n  labels:\n")

	// The amendment of ADR-0012, drafted from the evidence; the folder
	// still lints clean.
	out = run("decisions", "propose", "ADR-0012", "--store", "signals.jsonl", "--decisions", "decisions", "--exemption-rate", "0.1")
	draftPath := filepath.Join(dir, "decisions", "0013-revisit-keep-postgresql-volumes-small.md")
	assert.Contains(t, out, "wrote decisions/0013-revisit-keep-postgresql-volumes-small.md: ADR-0013, proposed, to amend ADR-0012")
	assert.Contains(t, out, "lint: 4 decisions: 0 errors, 0 warnings")
	draft, err := os.ReadFile(draftPath)
	require.NoError(t, err)
	for _, want := range []string{
		"# 13. Revisit: Keep PostgreSQL volumes small\n",
		"## Status\n\nProposed\n\nAmends [12. Keep PostgreSQL volumes small](0012-keep-postgresql-volumes-small.md)\n",
		"**exemption-rate**: 16.7% of 30 checks of ADR-0012 are exempt (5 projects)",
		"Active exceptions (5):",
		"svc-01, rule storage, until 2099-12-31: \"svc-01 keeps a year of events in its database until the managed service is ready\"",
		"ana (2/5): \"20Gi is a week of our events\"",
		"ben (2/5): \"the managed service has no staging tier yet\"",
	} {
		assert.Contains(t, string(draft), want)
	}
	for _, id := range reasons[report.ReasonExemptionRate].Signals {
		assert.Contains(t, string(draft), "`"+id+"`")
	}
	old, err := os.ReadFile(filepath.Join(dir, "decisions", "0012-keep-postgresql-volumes-small.md"))
	require.NoError(t, err)
	assert.Contains(t, string(old), "## Status\n\nAccepted\n\nAmended by [13. Revisit: Keep PostgreSQL volumes small](0013-revisit-keep-postgresql-volumes-small.md)\n")
	run("decisions", "lint", "--decisions", "decisions")

	// Every project to 2.1.0, the upgrades recorded: no conflict.
	upgrade := strings.ReplaceAll(targets.String(), "catalog/go-service-2.0.0", "catalog/go-service-2.1.0")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "upgrade.jsonl"), []byte(upgrade), 0o644))
	out = run("fleet", "upgrade", "--targets", "upgrade.jsonl", "--store", "signals.jsonl")
	assert.Regexp(t, `(?m)^ok +30$`, out)
	assert.NotContains(t, out, "conflict ")

	// Scan again, today: the desire path is absorbed.
	run(append([]string{"scan", "--decisions", "decisions", "--store", "signals.jsonl"}, dirs...)...)
	rep = report.Report{}
	require.NoError(t, json.Unmarshal([]byte(run("report", "--store", "signals.jsonl", "--decisions", "decisions", "--exemption-rate", "0.1", "--json")), &rep))
	assert.Empty(t, rep.DesirePaths)
	require.Len(t, rep.Absorptions, 1, "%+v", rep.Absorptions)
	ab := rep.Absorptions[0]
	assert.Equal(t, dp.HunkID, ab.HunkID)
	assert.Equal(t, 8, ab.Carried)
	assert.Equal(t, desire, ab.Projects)
	assert.Equal(t, 8, ab.Upgraded)
	assert.Equal(t, []string{"2.1.0"}, ab.Versions)
	assert.Equal(t, 8, ab.Clean)
	assert.Equal(t, 8, ab.Gone)
	assert.Equal(t, 0, ab.FileDrift, "no drift left in the 8 projects' file")
	assert.True(t, ab.Absorbed)
	assert.InDelta(t, 7, ab.Days, 1, "from the first scan to the second")
	require.Len(t, rep.Blueprints, 1)
	assert.Equal(t, []report.VersionCount{{Version: "2.1.0", Projects: 30}}, rep.Blueprints[0].Versions)
	for _, c := range rep.Blueprints[0].Conflicts {
		assert.Zero(t, c.Count, "no upgrade conflicted: %+v", c)
	}
	md := run("report", "--store", "signals.jsonl", "--decisions", "decisions", "--exemption-rate", "0.1")
	assert.Contains(t, md, "## Absorption")
	assert.Regexp(t, "\\| go-service \\| deploy/k8s/deployment.yaml.tmpl \\| `"+ab.HunkID+"` \\| 8 \\| 8 \\(2.1.0\\) \\| 8 \\| 8 \\| 0 \\| yes, \\d+ days? after the first signal", md)

	// Every project is a fresh 2.1.0 render but for its own edits: the 3
	// one-off edits kept, the 5 volumes and exceptions; the 8 no longer
	// differ at all.
	var fresh strings.Builder
	for i, n := range names {
		values := map[string]any{"name": n}
		if i < 10 {
			values["database"] = "postgres"
		}
		line, err := json.Marshal(map[string]any{"id": n, "dir": "fresh/" + n, "source": "catalog/go-service-2.1.0", "values": values})
		require.NoError(t, err)
		fresh.Write(append(line, '\n'))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fresh.jsonl"), []byte(fresh.String()), 0o644))
	run("fleet", "render", "--targets", "fresh.jsonl")
	for i, n := range names {
		got, want := treeFiles(t, project(n)), treeFiles(t, filepath.Join(dir, "fresh", n))
		diff := map[string]bool{}
		for f := range got {
			if got[f] != want[f] {
				diff[f] = true
			}
		}
		for f := range want {
			if _, ok := got[f]; !ok {
				diff[f] = true
			}
		}
		switch {
		case i < 5:
			assert.Equal(t, map[string]bool{"deploy/postgres/statefulset.yaml": true, ".goldenpath/exceptions.yaml": true}, diff, n)
			assert.Contains(t, got["deploy/postgres/statefulset.yaml"], fmt.Sprintf("storage: %dGi", 50+10*i), n)
		case oneOff[n] != "":
			assert.Equal(t, map[string]bool{"internal/metrics/metrics.go": true}, diff, n)
			assert.Equal(t, strings.Replace(want["internal/metrics/metrics.go"], "package metrics\n", "package metrics\n\n"+oneOff[n], 1),
				got["internal/metrics/metrics.go"], "%s: the one-off edit is kept", n)
		default:
			assert.Empty(t, diff, "%s is a fresh 2.1.0 render", n)
		}
	}
}

// ageStore moves every signal of the store at path back by d.
func ageStore(t *testing.T, path string, d time.Duration) {
	t.Helper()
	st, err := feedback.OpenFileStore(path, nil)
	require.NoError(t, err)
	var sigs []feedback.Signal
	for s, err := range st.Query(t.Context(), feedback.Filter{}) {
		require.NoError(t, err)
		s.Time = s.Time.Add(-d)
		sigs = append(sigs, s)
	}
	require.NoError(t, st.Close())
	require.NoError(t, os.Remove(path))
	st, err = feedback.OpenFileStore(path, nil)
	require.NoError(t, err)
	require.NoError(t, st.Append(t.Context(), sigs...))
	require.NoError(t, st.Close())
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	}))
}

// treeFiles returns the files of a project by slash path, without its
// manifest and journal (.goldenpath/, but for exceptions.yaml).
func treeFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, ".goldenpath/") && rel != ".goldenpath/exceptions.yaml" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = string(data)
		return nil
	}))
	return out
}

// TestDecisionsPropose: gp decisions propose drafts nothing for a
// decision without evidence, a folder that is not a directory, or flags of
// another subcommand, and leaves the folder as it was; with evidence (three
// low ratings) it drafts a superseding record, reported in JSON.
func TestDecisionsPropose(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GP_STORE", "")
	t.Setenv("GP_DECISIONS", "")
	decisions := filepath.Join(dir, "decisions")
	require.NoError(t, os.MkdirAll(decisions, 0o755))
	for name, text := range loopDecisions {
		require.NoError(t, os.WriteFile(filepath.Join(decisions, name), []byte(text), 0o644))
	}
	store := filepath.Join(dir, "signals.jsonl")
	code, _, errOut := gp(t, "decisions", "propose", "ADR-0012", "--store", store, "--decisions", decisions)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no signal store at "+store)

	code, _, _ = gp(t, "feedback", "rate", "ADR-0012", "--score", "5", "--by", "ana", "--store", store)
	require.Equal(t, 0, code)
	code, _, errOut = gp(t, "decisions", "propose", "ADR-0012", "--store", store, "--decisions", decisions)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "ADR-0012 is not in the report's revisit list: there is no evidence to draft from")
	code, _, errOut = gp(t, "decisions", "propose", "ADR-0099", "--store", store, "--decisions", decisions)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "ADR-0099: no such decision")
	code, _, errOut = gp(t, "decisions", "list", "--store", store, "--decisions", decisions)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "go with propose")
	code, _, errOut = gp(t, "decisions", "propose", "ADR-0012", "--store", store, "--decisions", filepath.Join(decisions, "0012-keep-postgresql-volumes-small.md"))
	assert.NotEqual(t, 0, code)
	assert.NotEmpty(t, errOut)
	entries, err := os.ReadDir(decisions)
	require.NoError(t, err)
	assert.Len(t, entries, len(loopDecisions), "nothing written")

	// Rated low by three people: a superseding draft, in JSON.
	for _, by := range []string{"ana", "ben", "cem"} {
		code, _, errOut = gp(t, "feedback", "rate", "ADR-0012", "--score", "1", "--by", by, "--comment", by+" needs 50Gi", "--store", store)
		require.Equal(t, 0, code, errOut)
	}
	code, out, errOut := gp(t, "decisions", "propose", "ADR-0012", "--store", store, "--decisions", decisions, "--supersede",
		"--title", "Use the managed service for big databases", "--json")
	require.Equal(t, 0, code, errOut)
	var res struct {
		Written struct{ ID, File, Target, Kind string }
		Context string
		Lint    struct{ Decisions, Errors, Warnings int }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	assert.Equal(t, "ADR-0013", res.Written.ID)
	assert.Equal(t, filepath.Join(decisions, "0013-use-the-managed-service-for-big-databases.md"), res.Written.File)
	assert.Equal(t, "supersedes", res.Written.Kind)
	assert.Contains(t, res.Context, `ana (1/5): "ana needs 50Gi"`)
	assert.Equal(t, 4, res.Lint.Decisions)
	assert.Zero(t, res.Lint.Errors)
	assert.Zero(t, res.Lint.Warnings)
	old, err := os.ReadFile(filepath.Join(decisions, "0012-keep-postgresql-volumes-small.md"))
	require.NoError(t, err)
	assert.Contains(t, string(old), "## Status\n\nSuperceded by [13. Use the managed service for big databases](0013-use-the-managed-service-for-big-databases.md)\n\n## Context")
}
