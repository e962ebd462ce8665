package decision_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
)

const decisionsDir = "../testdata/decisions"

func loadExamples(t testing.TB) *decision.Registry {
	t.Helper()
	reg, err := decision.LoadDir(context.Background(), decisionsDir, nil)
	require.NoError(t, err)
	return reg
}

func loadBlueprint(t testing.TB, name string) *blueprint.Blueprint {
	t.Helper()
	bp, err := blueprint.LoadDir(context.Background(), "../testdata/blueprints/"+name, nil)
	require.NoError(t, err)
	return bp
}

func TestExampleDecisions(t *testing.T) {
	reg := loadExamples(t)
	assert.GreaterOrEqual(t, reg.Len(), 8)
	formats := map[decision.Format]int{}
	kinds := map[decision.Kind]int{}
	modes := map[decision.Mode]int{}
	scheduled := 0
	for _, d := range reg.List(decision.Filter{}) {
		formats[d.Format]++
		for _, r := range d.Rules {
			kinds[r.Kind]++
			modes[r.Mode]++
			if len(r.Schedule) > 0 {
				scheduled++
			}
		}
	}
	assert.Positive(t, formats[decision.ADRTools], "a plain adr-tools file")
	assert.Positive(t, formats[decision.MADR], "a MADR file without front matter")
	for _, k := range []decision.Kind{decision.Params, decision.Exists, decision.Absent, decision.Matches, decision.NotMatches, decision.Unify} {
		assert.Positive(t, kinds[k], "a rule of kind %s", k)
	}
	for _, m := range decision.Modes() {
		assert.Positive(t, modes[m], "a rule in mode %s", m)
	}
	assert.Positive(t, scheduled, "a scheduled rule")

	// The supersession chain: MySQL, PostgreSQL 15, the runtime baseline.
	assert.Equal(t, []string{"ADR-0002", "ADR-0005", "ADR-0007"}, ids(reg.History("ADR-0005")))
	cur, ok := reg.Current("ADR-0002")
	require.True(t, ok)
	assert.Equal(t, "ADR-0007", cur.ID)

	// Every decision the example blueprints cite exists and is accepted.
	for _, name := range []string{"go-service", "go-service-v2", "preview-environment", "terraform-module"} {
		bp := loadBlueprint(t, name)
		for _, id := range bp.Decisions {
			d, ok := reg.Get(id)
			if assert.True(t, ok, "%s cites %s", name, id) {
				assert.Equal(t, decision.Accepted, d.Status, "%s cites %s", name, id)
			}
		}
	}
}

func TestListAndInForce(t *testing.T) {
	reg := loadExamples(t)
	assert.Equal(t, []string{"ADR-0002", "ADR-0005"}, ids(reg.List(decision.Filter{Status: []decision.Status{decision.Superseded}})))
	assert.Equal(t, []string{"ADR-0009"}, ids(reg.List(decision.Filter{Tag: "terraform"})))
	assert.Equal(t, []string{"ADR-0015"}, ids(reg.List(decision.Filter{Text: "kube-janitor"})))

	svc := loadBlueprint(t, "go-service")
	// Cited (0001, 0007, 0012), by tag (0013 service, 0012 kubernetes), and
	// by name pattern (0014 "*"). The proposed 0016 is not in force.
	assert.Equal(t, []string{"ADR-0001", "ADR-0007", "ADR-0012", "ADR-0013", "ADR-0014"}, ids(reg.InForce(svc)))
	assert.Equal(t, ids(reg.InForce(svc)), ids(reg.List(decision.Filter{Blueprint: svc})))
	tf := loadBlueprint(t, "terraform-module")
	assert.Equal(t, []string{"ADR-0003", "ADR-0009", "ADR-0014"}, ids(reg.InForce(tf)))
	// A blueprint citing a superseded decision gets its accepted successor.
	assert.Equal(t, []string{"ADR-0007", "ADR-0014"}, ids(reg.InForceFor("legacy", nil, []string{"ADR-0002"})))
}

func TestLintExamples(t *testing.T) {
	reg := loadExamples(t)
	var bps []*blueprint.Blueprint
	for _, n := range []string{"go-service", "go-service-v2", "preview-environment", "terraform-module", "demo-environment"} {
		bps = append(bps, loadBlueprint(t, n))
	}
	probs := reg.Lint(context.Background(), &decision.LintOptions{Blueprints: bps, Now: clock("2026-11-30")})
	var got []string
	for _, p := range probs {
		assert.True(t, p.Warning, "an error in the examples: %s", p)
		got = append(got, p.String())
	}
	assert.Equal(t, []string{
		"../testdata/decisions/0015-preview-environments-expire.md:6:1: ADR-0015: warning: revisit-by 2026-11-05 has passed",
		"../testdata/decisions/0016-expose-metrics-on-a-separate-port.md:11:10: ADR-0016: warning: amends ADR-0007, but ADR-0007 does not say amended by ADR-0016 (taken as if it did)",
	}, got)
	// The one-sided link is filled in.
	d7, _ := reg.Get("ADR-0007")
	assert.Equal(t, []string{"ADR-0016"}, d7.Linked(decision.AmendedBy))
}

func TestLintProblems(t *testing.T) {
	reg, err := decision.LoadDir(context.Background(), "testdata/lint", nil)
	require.NoError(t, err)
	var got []string
	for _, p := range reg.Lint(context.Background(), &decision.LintOptions{Now: clock("2026-11-30")}) {
		got = append(got, p.String())
	}
	want := []string{
		"testdata/lint/0002-duplicate-b.md:2:1: LINT-1: ID LINT-1 is also the ID of testdata/lint/0001-duplicate-a.md:2:1",
		"testdata/lint/0003-dangling.md:5:11: LINT-3: relates LINT-99: no such decision",
		"testdata/lint/0004-superseded-alone.md:4:1: LINT-4: superseded, but no decision supersedes it: name the successor",
		"testdata/lint/0005-old.md:4:1: LINT-5: accepted, but the accepted LINT-6 supersedes it: its status must be superseded",
		"testdata/lint/0005-old.md:6:1: LINT-5: revisit-by 2025-01-10 is before the decision date 2026-01-10",
		"testdata/lint/0006-new.md:5:14: LINT-6: warning: supersedes LINT-5, but LINT-5 does not say superseded by LINT-6 (taken as if it did)",
		"testdata/lint/0007-rejected-successor.md:4:1: LINT-7: rejected supersedes LINT-3: a successor must be accepted or proposed",
		"testdata/lint/0007-rejected-successor.md:5:14: LINT-7: warning: supersedes LINT-3, but LINT-3 does not say superseded by LINT-7 (taken as if it did)",
	}
	assert.Equal(t, want, got)
}

func TestLintBlueprints(t *testing.T) {
	ctx := context.Background()
	reg := loadExamples(t)
	dir := t.TempDir()
	// A preview blueprint whose ttl can never be 72h or less, citing a
	// superseded, an unknown and a proposed decision.
	src := `name: "preview-environment"
version: "0.1.0"
description: "d"
owner: "o"
decisions: ["ADR-0005", "ADR-0404", "ADR-0016"]
parameters: {
	service: string
	ttl: *"96h" | "120h"
}
`
	require.NoError(t, os.WriteFile(dir+"/blueprint.cue", []byte(src), 0o644))
	bp, err := blueprint.LoadDir(ctx, dir, nil)
	require.NoError(t, err)
	var got []string
	for _, p := range reg.Lint(ctx, &decision.LintOptions{Blueprints: []*blueprint.Blueprint{bp}, Now: clock("2026-11-30")}) {
		if strings.HasPrefix(p.Pos.Filename, dir) {
			got = append(got, strings.TrimPrefix(p.String(), dir+"/"))
		}
	}
	assert.Equal(t, []string{
		"blueprint.cue:5:13: ADR-0005: blueprint preview-environment cites ADR-0005, which is superseded by ADR-0007",
		"blueprint.cue:5:25: ADR-0404: blueprint preview-environment cites ADR-0404, which does not exist",
		"blueprint.cue:5:37: ADR-0016: warning: blueprint preview-environment cites ADR-0016, which is only proposed",
		`blueprint.cue:8:2: ADR-0015: blueprint preview-environment can never satisfy rule max-ttl (enforced, ../testdata/decisions/0015-preview-environments-expire.md:33:1): ttl: invalid value "120h" (out of bound =~"^([1-9]|[1-6][0-9]|7[0-2])h$")`,
	}, got)
}

func TestLoadFSAndNew(t *testing.T) {
	fsys := fstest.MapFS{
		"adr/0001-a.md":    {Data: []byte("# 1. A\n\nDate: 2026-01-01\n\n## Status\n\nSuperseded by [2. B](0002-b.md)\n")},
		"adr/0002-b.md":    {Data: []byte("# 2. B\n\nDate: 2026-02-01\n\n## Status\n\nAccepted\n\nSupersedes [1. A](0001-a.md)\n")},
		"adr/README.md":    {Data: []byte("# Decisions\n")},
		"adr/_drafts/x.md": {Data: []byte("---\nid: [broken\n")},
	}
	sub, err := fs.Sub(fsys, "adr")
	require.NoError(t, err)
	reg, err := decision.LoadFS(context.Background(), sub, "", nil)
	require.NoError(t, err)
	assert.Equal(t, 2, reg.Len())
	assert.Equal(t, []string{"ADR-0001", "ADR-0002"}, ids(reg.History("ADR-0002")))

	a, err := decision.Parse("0001-a.md", fsys["adr/0001-a.md"].Data)
	require.NoError(t, err)
	b, err := decision.Parse("0002-b.md", fsys["adr/0002-b.md"].Data)
	require.NoError(t, err)
	reg2 := decision.New(a, b)
	assert.Equal(t, []string{"ADR-0001", "ADR-0002"}, ids(reg2.History("ADR-0001")))

	// JSON: dates as YYYY-MM-DD.
	j, err := json.Marshal(b)
	require.NoError(t, err)
	assert.Contains(t, string(j), `"decided":"2026-02-01"`)
}

func TestLoadErrorsListEveryFile(t *testing.T) {
	fsys := fstest.MapFS{
		"0001-a.md": {Data: []byte("---\nid: A-1\nstatus: nope\n---\n")},
		"0002-b.md": {Data: []byte("---\nid: B-1\n---\n```cue\nr: {exists: 1}\n```\n")},
	}
	reg, err := decision.LoadFS(context.Background(), fsys, "d", nil)
	require.Error(t, err)
	assert.Equal(t, "d/0002-b.md:5:5: B-1: rule r: exists: want a concrete string", err.Error())
	// The registry holds every record, with what it says.
	require.NotNil(t, reg)
	assert.Equal(t, 2, reg.Len())
	a, _ := reg.Get("A-1")
	assert.Equal(t, decision.Unknown, a.Status)
	assert.Equal(t, "nope", a.StatusText)

	// Strict: the warnings fail the load too.
	_, err = decision.LoadFS(context.Background(), fsys, "d", &decision.Options{Strict: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `d/0001-a.md:3:1: A-1: status "nope" is not in the status table`)
}

func TestLoadThroughSources(t *testing.T) {
	src, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir()})
	require.NoError(t, err)
	reg, err := decision.Load(context.Background(), decisionsDir, &decision.Options{Fetcher: src})
	require.NoError(t, err)
	assert.Equal(t, loadExamples(t).Len(), reg.Len())
	// The strict policy refuses a local directory.
	strict, err := blueprint.NewSources(&blueprint.SourceOptions{CacheDir: t.TempDir()})
	require.NoError(t, err)
	_, err = decision.Load(context.Background(), decisionsDir, &decision.Options{Fetcher: strict})
	assert.Error(t, err)
	// The default fetcher is strict too, and says what to use instead.
	_, err = decision.Load(context.Background(), decisionsDir, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a local directory loads with LoadDir, or with an Options.Fetcher of the local policy")

	// Under the local policy, Load reads a local folder as LoadDir does:
	// the same records, files and problems.
	viaLoad, err := decision.Load(context.Background(), "testdata/corpus", &decision.Options{Fetcher: src})
	require.NoError(t, err)
	viaDir, err := decision.LoadDir(context.Background(), "testdata/corpus", nil)
	require.NoError(t, err)
	assert.Equal(t, viaDir.Len(), viaLoad.Len())
	assert.Equal(t, viaDir.Problems(), viaLoad.Problems())
	for _, d := range viaDir.List(decision.Filter{}) {
		l, ok := viaLoad.Get(d.ID)
		if assert.True(t, ok, d.ID) {
			assert.Equal(t, d.File, l.File)
		}
	}
}

// TestLoadBoundsEvaluation loads a rule whose evaluation would take
// minutes: the load fails at the deadline with the file named.
func TestLoadBoundsEvaluation(t *testing.T) {
	ten := "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"
	slow := "---\nid: SLOW-1\n---\n```cue\nslow: {params: x: [for i, _ in " + ten + " for j, _ in " + ten + " for k, _ in " + ten +
		" for l, _ in " + ten + " for m, _ in " + ten + " for n, _ in " + ten + " for o, _ in " + ten + " {i+j+k+l+m+n+o}]}\n```\n"
	start := time.Now()
	_, err := decision.LoadFS(context.Background(), fstest.MapFS{"0001-slow.md": {Data: []byte(slow)}}, "d",
		&decision.Options{EvalTimeout: 200 * time.Millisecond})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "d/0001-slow.md:1:1: evaluating the file: cue evaluation timed out after 200ms")
	assert.Less(t, time.Since(start), 5*time.Second)
}
