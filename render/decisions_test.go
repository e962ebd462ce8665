package render_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/render"
)

const (
	decisionsDir = "../testdata/decisions"
	previewEnv   = "../testdata/blueprints/preview-environment"
)

var today = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func loadDecisions(t testing.TB) *decision.Registry {
	t.Helper()
	reg, err := decision.LoadDir(context.Background(), decisionsDir, nil)
	require.NoError(t, err)
	return reg
}

func decisionEngine(t testing.TB, now time.Time) *render.Engine {
	t.Helper()
	return newEngine(t, &render.Options{Decisions: loadDecisions(t), Now: func() time.Time { return now }})
}

// TestPlanRefusedByEnforcedRule renders the preview environment with a TTL
// the enforced ADR-0015 forbids: the plan is refused with a message naming
// the decision, the rule's position and the parameter's declaration, and a
// render writes nothing.
func TestPlanRefusedByEnforcedRule(t *testing.T) {
	ctx := context.Background()
	e := decisionEngine(t, today)
	bp := loadBP(t, previewEnv)
	params := resolve(t, bp, blueprint.Set("service=web", "mergeRequest=42", "ttl=120h"))
	_, err := e.Plan(ctx, bp, params)
	var ee *decision.EnforcedError
	require.True(t, errors.As(err, &ee), "error %v", err)
	assert.Equal(t, "preview-environment: 1 enforced rule failure:\n"+
		`../testdata/blueprints/preview-environment/blueprint.cue:16:2: ADR-0015/max-ttl (enforce, high): ttl: preview environments live at most 72h (got "120h") [rule at ../testdata/decisions/0015-preview-environments-expire.md:37:15]`,
		err.Error())

	dir := filepath.Join(t.TempDir(), "web")
	_, err = e.Render(ctx, bp, params, dir, nil)
	require.ErrorAs(t, err, &ee)
	_, statErr := os.Stat(dir)
	assert.True(t, os.IsNotExist(statErr), "a refused render writes nothing")

	// An active exception exempts the project: the plan goes through and
	// the exemption is recorded.
	xs := []decision.Exception{{Decision: "ADR-0015", Rule: "max-ttl", Justification: "a week-long security review",
		RequestedBy: "jana.kovac", ApprovedBy: "platform-team", Expires: time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)}}
	plan, err := e.PlanWith(ctx, bp, params, &render.PlanOptions{Exceptions: xs, Subject: "web-mr42"})
	require.NoError(t, err)
	require.Len(t, plan.Manifest.Findings, 1)
	f := plan.Manifest.Findings[0]
	assert.Equal(t, decision.Exempt, f.Result)
	assert.Equal(t, "web-mr42", f.Subject)
	assert.Equal(t, 1, plan.Evaluation().Count(decision.Exempt))
	require.NoError(t, e.Apply(ctx, plan, dir, nil))
	m, err := render.ReadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, plan.Manifest.Findings, m.Findings)

	// RenderWith plans with the same options in the same pass: the same
	// manifest, exemption and subject as PlanWith then Apply.
	dir2 := filepath.Join(t.TempDir(), "web")
	plan2, err := e.RenderWith(ctx, bp, params, dir2, nil, &render.PlanOptions{Exceptions: xs, Subject: "web-mr42"})
	require.NoError(t, err)
	m2, err := render.ReadManifest(dir2)
	require.NoError(t, err)
	assert.Equal(t, m.Findings, m2.Findings)
	assert.Equal(t, m.Files, m2.Files)
	assert.Equal(t, plan.Manifest.Files, plan2.Manifest.Files)
	_, err = e.RenderWith(ctx, bp, params, filepath.Join(t.TempDir(), "web"), nil, &render.PlanOptions{Subject: "web-mr42"})
	require.ErrorAs(t, err, &ee, "without the exception the rule is enforced")
}

func TestPlanRecordsDecisionsAndFindings(t *testing.T) {
	ctx := context.Background()
	e := decisionEngine(t, today)
	bp := loadBP(t, goService)
	params := resolve(t, bp, blueprint.Set("name=orders", "database=postgres"))
	plan, err := e.Plan(ctx, bp, params)
	require.NoError(t, err)

	var ids []string
	for _, d := range plan.Manifest.Decisions {
		ids = append(ids, d.ID)
		assert.True(t, strings.HasPrefix(d.Digest, "sha256:"), "%s has a digest", d.ID)
	}
	assert.Equal(t, []string{"ADR-0001", "ADR-0007", "ADR-0012", "ADR-0013", "ADR-0014"}, ids)
	assert.Equal(t, "3", plan.Manifest.Decisions[1].Version)

	// The go-service template passes the enforced rules; the team is not
	// set (warn until 2027) and the build stage is not pinned (audit).
	var got []string
	for _, f := range plan.Manifest.Findings {
		got = append(got, f.String())
	}
	assert.Equal(t, []string{
		"../testdata/blueprints/go-service/blueprint.cue:27:2: ADR-0013/team-set (warn, medium): team: services must name their owning team (parameter team) (not set, want string) [rule at ../testdata/decisions/0013-services-name-an-owning-team.md:38:16]",
	}, got)
	rep := plan.Evaluation()
	assert.Equal(t, 0, rep.Count(decision.Error))
	assert.Positive(t, rep.Count(decision.Pass))

	// The manifest is deterministic and reads back.
	again, err := e.Plan(ctx, bp, params)
	require.NoError(t, err)
	a, err := plan.Manifest.Marshal()
	require.NoError(t, err)
	b, err := again.Manifest.Marshal()
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b))
	m, err := render.DecodeManifest(bytes.NewReader(a))
	require.NoError(t, err)
	assert.Equal(t, plan.Manifest.Decisions, m.Decisions)

	// From 2027 the team rule is enforced.
	_, err = decisionEngine(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)).Plan(ctx, bp, params)
	var ee *decision.EnforcedError
	require.ErrorAs(t, err, &ee)
	assert.Contains(t, err.Error(), "ADR-0013/team-set (enforce, medium)")
}

func TestPlanComposedEvaluatesEachPart(t *testing.T) {
	ctx := context.Background()
	e := decisionEngine(t, today)
	bp := loadBP(t, "../testdata/blueprints/demo-environment")
	params := resolve(t, bp, blueprint.Set("name=shop", "team=payments"))
	plan, err := e.Plan(ctx, bp, params)
	require.NoError(t, err)
	var ids []string
	for _, d := range plan.Manifest.Decisions {
		ids = append(ids, d.ID)
	}
	// The service part brings 0001, 0007, 0013; the preview part 0015.
	assert.Equal(t, []string{"ADR-0001", "ADR-0007", "ADR-0012", "ADR-0013", "ADR-0014", "ADR-0015"}, ids)
	for _, f := range plan.Manifest.Findings {
		assert.NotEqual(t, "ADR-0013", f.Decision, "the demo maps its team into the service")
	}
	require.Len(t, plan.Manifest.Includes, 2)
	assert.JSONEq(t, `{"database":"postgres","goVersion":"1.25","name":"shop","port":8080,"registry":"ghcr.io/acme","replicas":2,"team":"payments","tier":"dev"}`,
		string(plan.Manifest.Includes[0].Parameters))
	assert.Equal(t, []string{"ADR-0001", "ADR-0007", "ADR-0012"}, plan.Manifest.Includes[0].Blueprint.Decisions)

	// A rule failing in a part names the file inside the part's directory.
	_, err = e.Plan(ctx, bp, resolve(t, bp, blueprint.Set("name=shop", "team=payments", "ttl=100h")))
	require.ErrorContains(t, err, "ADR-0015/max-ttl")
}

// TestCheckDriftedProject renders a project, lets it drift, and checks it:
// the drift is found, an active exception exempts one rule and an expired
// one is reported.
func TestCheckDriftedProject(t *testing.T) {
	ctx := context.Background()
	e := decisionEngine(t, today)
	bp := loadBP(t, goService)
	dir := filepath.Join(t.TempDir(), "orders")
	_, err := e.Render(ctx, bp, resolve(t, bp, blueprint.Set("name=orders", "team=payments")), dir, nil)
	require.NoError(t, err)
	reg := loadDecisions(t)

	proj, err := render.OpenProject(dir)
	require.NoError(t, err)
	rep, err := proj.Evaluate(ctx, reg, &render.EvaluateOptions{Now: func() time.Time { return today }})
	require.NoError(t, err)
	require.NoError(t, rep.Err())
	assert.Zero(t, rep.Count(decision.Error))

	// Drift: limits removed, a key committed.
	dep := filepath.Join(dir, "deploy/k8s/deployment.yaml")
	data, err := os.ReadFile(dep)
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	var kept []string
	for _, l := range lines {
		if !strings.Contains(l, "limits:") {
			kept = append(kept, l)
		}
	}
	require.NoError(t, os.WriteFile(dep, []byte(strings.Join(kept, "\n")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dev.pem"), []byte("key"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".goldenpath/exceptions.yaml"), []byte(`exceptions:
  - decision: ADR-0014
    rule: private-keys
    justification: a throw-away key for the local TLS tests
    requested-by: jane@acme.dev
    approved-by: security-team
    expires: 2027-01-31
  - decision: ADR-0012
    rule: limits
    justification: sized by the vertical pod autoscaler during the trial
    requested-by: jane@acme.dev
    approved-by: platform-team
    expires: 2026-10-31
`), 0o644))

	// The exceptions are read when the project is opened; this time
	// read-only, over an fs.FS.
	proj, err = render.OpenProjectFS(os.DirFS(dir), dir)
	require.NoError(t, err)
	assert.Len(t, proj.Exceptions(), 2)
	rep, err = proj.Evaluate(ctx, reg, &render.EvaluateOptions{Now: func() time.Time { return today }, Blueprint: bp})
	require.NoError(t, err)
	var ee *decision.EnforcedError
	require.ErrorAs(t, rep.Err(), &ee)
	enforced := rep.Enforced()
	require.Len(t, enforced, 2, "cpu and memory")
	for _, f := range enforced {
		assert.Equal(t, "ADR-0012", f.Decision)
		assert.Equal(t, filepath.Join(dir, "deploy/k8s/deployment.yaml"), f.Pos.Filename)
	}
	assert.Equal(t, 1, rep.Count(decision.Exempt))
	require.Len(t, rep.Expired, 1)
	assert.Equal(t, "ADR-0012", rep.Expired[0].Decision)
}

func TestOpenProjectNeedsAProject(t *testing.T) {
	_, err := render.OpenProject(t.TempDir())
	assert.ErrorIs(t, err, fs.ErrNotExist, "an empty directory holds no project")
	notProject := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(notProject, "README.md"), []byte("hi"), 0o644))
	_, err = render.OpenProject(notProject)
	assert.ErrorIs(t, err, render.ErrNotProject)
	_, err = render.OpenProject(filepath.Join(t.TempDir(), "missing"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = render.OpenProjectFS(fstest.MapFS{"README.md": {Data: []byte("hi")}}, "mapfs")
	assert.ErrorIs(t, err, render.ErrNotProject)
}
