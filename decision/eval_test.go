package decision_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
)

func findings(rep *decision.Evaluation) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.String())
	}
	return out
}

func TestEvaluateParams(t *testing.T) {
	ctx := context.Background()
	reg := loadExamples(t)
	bp := loadBlueprint(t, "go-service")
	params, err := bp.Resolve(ctx, blueprint.Set("name=orders"))
	require.NoError(t, err)
	team, _ := reg.Get("ADR-0013")
	s := &decision.Subject{Name: "orders", Blueprint: bp, Params: params.Values()}

	// Before 2027 the rule warns.
	rep, err := decision.Evaluate(ctx, []*decision.Decision{team}, s, &decision.EvalOptions{Now: clock("2026-11-30")})
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	f := rep.Findings[0]
	assert.Equal(t, "team", f.Field)
	assert.Equal(t, decision.Warn, f.Mode)
	assert.Equal(t, "../testdata/blueprints/go-service/blueprint.cue:27:2", f.Pos.String(), "the parameter's declaration")
	assert.Equal(t, "../testdata/decisions/0013-services-name-an-owning-team.md:38:16", f.RulePos.String())
	assert.Equal(t, "../testdata/blueprints/go-service/blueprint.cue:27:2: ADR-0013/team-set (warn, medium): team: services must name their owning team (parameter team) (not set, want string) [rule at ../testdata/decisions/0013-services-name-an-owning-team.md:38:16]", f.String())
	assert.NoError(t, rep.Err())

	// From 2027 it is enforced: the report refuses.
	rep, err = decision.Evaluate(ctx, []*decision.Decision{team}, s, &decision.EvalOptions{Now: clock("2027-01-01")})
	require.NoError(t, err)
	var ee *decision.EnforcedError
	require.True(t, errors.As(rep.Err(), &ee))
	assert.Len(t, rep.Enforced(), 1)

	// With a team, it passes.
	params, err = bp.Resolve(ctx, blueprint.Set("name=orders", "team=payments"))
	require.NoError(t, err)
	s.Params = params.Values()
	rep, err = decision.Evaluate(ctx, []*decision.Decision{team}, s, nil)
	require.NoError(t, err)
	assert.Empty(t, rep.Findings)
	assert.Equal(t, 1, rep.Count(decision.Pass))

	// Without parameters the rule is skipped, not passed.
	s.Params = nil
	rep, err = decision.Evaluate(ctx, []*decision.Decision{team}, s, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Count(decision.Skip))
}

var driftedTree = fstest.MapFS{
	"Dockerfile": {Data: []byte("FROM golang:1.26-alpine AS build\nRUN go build\n\nFROM alpine:3.20\nCOPY --from=build /out/app /app\n")},
	"deploy/k8s/deployment.yaml": {Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  template:
    spec:
      containers:
        - name: orders
          image: ghcr.io/acme/orders:latest
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {cpu: 250m}
---
apiVersion: v1
kind: Service
metadata:
  name: orders
`)},
	"deploy/postgres/statefulset.yaml": {Data: []byte("kind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:15.4\n          resources: {limits: {cpu: 1, memory: 1Gi}, requests: {cpu: 1, memory: 1Gi}}\n")},
	"config/tls.pem":                   {Data: []byte("-----BEGIN PRIVATE KEY-----\n")},
	".goldenpath/manifest.json":        {Data: []byte("{}")},
	".goldenpath/should-not.pem":       {Data: []byte("ignored: goldenpath's own directory")},
}

func TestEvaluateTree(t *testing.T) {
	ctx := context.Background()
	reg := loadExamples(t)
	var ds []*decision.Decision
	for _, id := range []string{"ADR-0007", "ADR-0012", "ADR-0014"} {
		d, _ := reg.Get(id)
		ds = append(ds, d)
	}
	rep, err := decision.Evaluate(ctx, ds, &decision.Subject{Name: "orders", Files: driftedTree}, &decision.EvalOptions{Now: clock("2026-11-30")})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"Dockerfile: ADR-0007/runtime-image (enforce, high): the runtime stage must be a distroless image pinned by digest [rule at ../testdata/decisions/0007-service-runtime-baseline.md:54:1]",
		`Dockerfile:1:1: ADR-0007/build-stages-pinned (audit, low): build stages should be pinned by digest too: "FROM golang:1.26-alpine AS build" [rule at ../testdata/decisions/0007-service-runtime-baseline.md:62:1]`,
		`Dockerfile:4:1: ADR-0007/build-stages-pinned (audit, low): build stages should be pinned by digest too: "FROM alpine:3.20" [rule at ../testdata/decisions/0007-service-runtime-baseline.md:62:1]`,
		`deploy/postgres/statefulset.yaml:7:18: ADR-0007/postgres-16 (enforce, medium): spec.template.spec.containers.0.image: the database must run PostgreSQL 16 (got "postgres:15.4") [rule at ../testdata/decisions/0007-service-runtime-baseline.md:74:14]`,
		"deploy/k8s/deployment.yaml:13:13: ADR-0012/limits (enforce, high): spec.template.spec.containers.0.resources.limits.memory: every container must set CPU and memory limits (not set) [rule at ../testdata/decisions/0012-every-deployment-sets-resource-limits.md:44:1]",
		"config/tls.pem: ADR-0014/private-keys (enforce, critical): private keys must not be committed [rule at ../testdata/decisions/0014-no-secrets-in-repositories.md:31:1]",
	}, findings(rep))
	assert.Equal(t, 5, rep.Count(decision.Fail), "audit failures are failures too")
	assert.Equal(t, 2, rep.Count(decision.Pass), "requests and dotenv")
	// People read the rule's message; the pattern is there for tools.
	for _, f := range rep.Findings {
		if f.Rule == "build-stages-pinned" {
			assert.Equal(t, `(?m)^FROM\s+[^\s@]+(\s+AS\s+\S+)?\s*$`, f.Pattern)
			assert.NotContains(t, f.Message, f.Pattern)
		}
	}
}

func TestExceptions(t *testing.T) {
	ctx := context.Background()
	xs, err := decision.ParseExceptions("p/.goldenpath/exceptions.yaml", []byte(`exceptions:
  - decision: ADR-0014
    rule: private-keys
    justification: a test fixture key for the TLS handshake tests, not a secret
    requested-by: jane@acme.dev
    approved-by: security-team
    expires: 2027-03-31
  - decision: ADR-0012
    rule: limits
    justification: the JVM sizes itself; limits came with the heap fix
    requested-by: jane@acme.dev
    approved-by: platform-team
    expires: 2026-06-30
`))
	require.NoError(t, err)
	require.Len(t, xs, 2)
	assert.Equal(t, "p/.goldenpath/exceptions.yaml:2:5", xs[0].Pos.String())
	assert.True(t, xs[0].Active(date("2027-03-31")), "active through its last day")
	assert.False(t, xs[0].Active(date("2027-04-01")))

	reg := loadExamples(t)
	d12, _ := reg.Get("ADR-0012")
	d14, _ := reg.Get("ADR-0014")
	assert.Empty(t, reg.CheckExceptions(xs))
	rep, err := decision.Evaluate(ctx, []*decision.Decision{d12, d14}, &decision.Subject{Files: driftedTree, Exceptions: xs}, &decision.EvalOptions{Now: clock("2026-11-30")})
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Count(decision.Exempt))
	assert.Equal(t, 1, rep.Count(decision.Fail), "the expired exception no longer applies")
	require.Len(t, rep.Expired, 1)
	assert.Equal(t, "ADR-0012", rep.Expired[0].Decision)
	var exempt []decision.Finding
	for _, f := range rep.Findings {
		if f.Result == decision.Exempt {
			exempt = append(exempt, f)
		}
	}
	require.Len(t, exempt, 1)
	assert.Equal(t, "private-keys", exempt[0].Rule)
	assert.Contains(t, exempt[0].String(), "(enforce, critical, exempt)")
	assert.Contains(t, exempt[0].String(), "[exception at p/.goldenpath/exceptions.yaml:2:5, until 2027-03-31]")
	// Exempt findings do not refuse; the expired exception's failure does.
	require.Error(t, rep.Err())
	assert.Len(t, rep.Enforced(), 1)
}

func TestParseExceptionsProblems(t *testing.T) {
	_, err := decision.ParseExceptions("x.yaml", []byte(`exceptions:
  - decision: ADR-0012
    rule: limits
    requested-by: jane
    approved-by: bob
    expires: next week
  - decision: ADR-0014
    rule: dotenv
    justification: local only
    requested-by: jane
    approved-by: bob
    reason: typo
`))
	var le *decision.LoadError
	require.True(t, errors.As(err, &le))
	assert.Equal(t, strings.Join([]string{
		"x.yaml:2:5: ADR-0012: exception without justification: it is required",
		`x.yaml:6:5: ADR-0012: expires "next week": not a date: want YYYY-MM-DD`,
		`x.yaml:12:5: unknown key "reason" (want decision, rule, justification, requested-by, approved-by, expires)`,
		"x.yaml:7:5: ADR-0014: exception without expires: every exception expires",
	}, "\n"), le.Error())

	reg := loadExamples(t)
	probs := reg.CheckExceptions([]decision.Exception{{Decision: "ADR-0404", Rule: "x"}, {Decision: "ADR-0012", Rule: "limitz"}})
	require.Len(t, probs, 2)
	assert.Contains(t, probs[1].Message, `rule "limitz", which ADR-0012 does not have`)
}

func TestEvaluateErrors(t *testing.T) {
	reg := loadExamples(t)
	d12, _ := reg.Get("ADR-0012")
	tree := fstest.MapFS{"k8s/bad.yaml": {Data: []byte("kind: Deployment\nspec: [\n")}}
	rep, err := decision.Evaluate(context.Background(), []*decision.Decision{d12}, &decision.Subject{Files: tree}, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Count(decision.Error))
	assert.Contains(t, rep.Findings[0].String(), "k8s/bad.yaml")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = decision.Evaluate(ctx, []*decision.Decision{d12}, &decision.Subject{Files: tree}, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestConditionalParamsRule(t *testing.T) {
	d, err := decision.Parse("r.md", []byte("---\nid: R-1\n---\n```cue\n"+
		"registry: {mode: \"enforce\", params: {tier: _, if tier == \"prod\" {registry: =~\"^ghcr.io/acme\"}}}\n```\n"))
	require.NoError(t, err)
	for _, tc := range []struct {
		params map[string]any
		fail   int
	}{
		{map[string]any{"tier": "dev", "registry": "docker.io/me"}, 0},
		{map[string]any{"tier": "prod", "registry": "ghcr.io/acme"}, 0},
		{map[string]any{"tier": "prod", "registry": "docker.io/me"}, 1},
	} {
		rep, err := decision.Evaluate(context.Background(), []*decision.Decision{d}, &decision.Subject{Params: tc.params}, nil)
		require.NoError(t, err)
		assert.Equal(t, tc.fail, rep.Count(decision.Fail), "%v: %v", tc.params, findings(rep))
	}
}
