package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

// pinnedGo126 is the build image of go-service 2.0.0 for Go 1.26.
const pinnedGo126 = `"golang:1.26-alpine@sha256:7a3e50096189ad57c9f9f865e7e4aa8585ed1585248513dc5cda498e2f41812c"`

// unpinnedBlueprint copies go-service 2.0.0 into a temporary directory with
// the Go 1.26 build image not pinned by digest: at goVersion 1.26 its clean
// render fails ADR-0007 build-stages-pinned, at 1.25 it passes.
func unpinnedBlueprint(t *testing.T) *blueprint.Blueprint {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "go-service")
	require.NoError(t, os.CopyFS(dir, os.DirFS("../../testdata/blueprints/go-service-v2")))
	replaceIn(t, filepath.Join(dir, "blueprint.cue"), pinnedGo126, `"golang:1.26-alpine"`)
	bp, err := blueprint.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	return bp
}

// ruleSignals returns the rule signals of one rule.
func ruleSignals(sigs []feedback.Signal, id, rule string) []feedback.Signal {
	var out []feedback.Signal
	for _, s := range bySource(sigs, feedback.SourceRule) {
		if s.Decision == id && s.Rule == rule {
			out = append(out, s)
		}
	}
	return out
}

// TestBaseline checks that every rule signal says how the rule fares on a
// clean render of the recorded version at the project's parameters: a rule
// failing on an unedited file, or on an edited file whose rendered content
// fails it too, fails on the clean render (the blueprint's fault); an edit
// that makes it fail, or pass, changes its outcome (the team's).
func TestBaseline(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	bp := unpinnedBlueprint(t)
	reg, err := decision.LoadDir(ctx, "../../testdata/decisions", nil)
	require.NoError(t, err)
	root := t.TempDir()
	project := func(name, goVersion string) string {
		dir := filepath.Join(root, name)
		renderProject(t, bp, dir, "name="+name, "team=core", "goVersion="+goVersion)
		return dir
	}
	scanOf := func(dir string) []feedback.Signal {
		sigs, err := scan.Project(ctx, openProject(t, dir), &scan.Options{Blueprint: bp, Registry: reg, Recorder: clock(now)})
		require.NoError(t, err)
		for _, s := range sigs {
			require.NoError(t, s.Validate())
		}
		return sigs
	}
	type outcome struct {
		result   feedback.Result
		path     string
		baseline string
	}
	outcomes := func(sigs []feedback.Signal, id, rule string) []outcome {
		var out []outcome
		for _, s := range ruleSignals(sigs, id, rule) {
			out = append(out, outcome{s.Result, s.Evidence.Path, s.Labels["baseline"]})
		}
		return out
	}

	// Unedited, at 1.26: the rule fails on the clean render too.
	clean := project("clean", "1.26")
	sigs := scanOf(clean)
	assert.Equal(t, []outcome{{feedback.ResultFail, "Dockerfile", "fail"}}, outcomes(sigs, "ADR-0007", "build-stages-pinned"))
	assert.Equal(t, []outcome{{feedback.ResultPass, "", "pass"}}, outcomes(sigs, "ADR-0007", "runtime-image"))
	assert.Equal(t, []outcome{{feedback.ResultPass, "", "pass"}}, outcomes(sigs, "ADR-0012", "limits"))

	// At 1.25 the clean render passes: an unpinned stage the team adds is
	// theirs.
	added := project("added", "1.25")
	replaceIn(t, filepath.Join(added, "Dockerfile"), "WORKDIR /src", "WORKDIR /src\nFROM alpine:3.20 AS tools")
	assert.Equal(t, []outcome{{feedback.ResultFail, "Dockerfile", "pass"}}, outcomes(scanOf(added), "ADR-0007", "build-stages-pinned"))

	// At 1.26, an edit elsewhere in the Dockerfile leaves the rule failing,
	// as on the clean render: still the blueprint's.
	other := project("other", "1.26")
	replaceIn(t, filepath.Join(other, "Dockerfile"), "WORKDIR /src", "WORKDIR /app")
	assert.Equal(t, []outcome{{feedback.ResultFail, "Dockerfile", "fail"}}, outcomes(scanOf(other), "ADR-0007", "build-stages-pinned"))

	// At 1.26, pinning the build image fixes it: a pass that the clean
	// render fails, naming the file.
	fixed := project("fixed", "1.26")
	replaceIn(t, filepath.Join(fixed, "Dockerfile"), "FROM golang:1.26-alpine AS build", "FROM golang:1.26-alpine@sha256:7a3e50096189ad57c9f9f865e7e4aa8585ed1585248513dc5cda498e2f41812c AS build")
	sigs = scanOf(fixed)
	assert.Equal(t, []outcome{{feedback.ResultPass, "Dockerfile", "fail"}}, outcomes(sigs, "ADR-0007", "build-stages-pinned"))
	assert.Contains(t, ruleSignals(sigs, "ADR-0007", "build-stages-pinned")[0].Evidence.Message, "fails on a clean render of go-service 2.0.0")

	// A deployment without limits, in a file the team added: not in the
	// clean render.
	extra := project("extra", "1.25")
	data, err := os.ReadFile(filepath.Join(extra, "deploy/k8s/deployment.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(extra, "deploy/k8s/worker.yaml"),
		[]byte(stripLimits(t, string(data))), 0o644))
	assert.Equal(t, []outcome{{feedback.ResultFail, "deploy/k8s/worker.yaml", "pass"}}, outcomes(scanOf(extra), "ADR-0012", "limits"))

	// A module that deletes its README fails ADR-0003's exists rule, which a
	// clean render passes; a .env file it adds fails ADR-0014's absent rule,
	// and is not in the clean render.
	tf, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/terraform-module", nil)
	require.NoError(t, err)
	module := filepath.Join(root, "module")
	params, err := tf.Resolve(ctx, blueprint.ValuesFile("../../testdata/values/terraform-module.yaml"))
	require.NoError(t, err)
	e, err := render.New(nil)
	require.NoError(t, err)
	_, err = e.Render(ctx, tf, params, module, nil)
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(module, "README.md")))
	require.NoError(t, os.WriteFile(filepath.Join(module, ".env"), []byte("TOKEN=x\n"), 0o600))
	sigs, err = scan.Project(ctx, openProject(t, module), &scan.Options{Blueprint: tf, Registry: reg, Recorder: clock(now)})
	require.NoError(t, err)
	assert.Equal(t, []outcome{{feedback.ResultFail, "README.md", "pass"}}, outcomes(sigs, "ADR-0003", "readme"))
	assert.Equal(t, []outcome{{feedback.ResultWarn, ".env", "pass"}}, outcomes(sigs, "ADR-0014", "dotenv"))
	assert.Equal(t, []outcome{{feedback.ResultPass, "", "pass"}}, outcomes(sigs, "ADR-0003", "tests"))
}

// stripLimits removes the resource limits of a rendered deployment.
func stripLimits(t *testing.T, s string) string {
	t.Helper()
	const limits = `            limits: {cpu: "250m", memory: "128Mi"}` + "\n"
	require.Contains(t, s, limits)
	return strings.Replace(s, limits, "", 1)
}

// TestComposedRuleEvidence checks that in a composed project a rule's
// evidence names the file as the project has it and the part it is in, so
// that a desire path on the file meets the rule, and that one failing file
// gives one signal per rule, however many parts the rule is in force for.
func TestComposedRuleEvidence(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	bp, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/demo-environment", nil)
	require.NoError(t, err)
	reg, err := decision.LoadDir(ctx, "../../testdata/decisions", nil)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "shop")
	renderProject(t, bp, dir, "name=shop", "team=core")
	dep := filepath.Join(dir, "service/deploy/k8s/deployment.yaml")
	data, err := os.ReadFile(dep)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dep, []byte(stripLimits(t, string(data))), 0o644))

	sigs, err := scan.Project(ctx, openProject(t, dir), &scan.Options{Blueprint: bp, Registry: reg, Recorder: clock(now)})
	require.NoError(t, err)
	limits := ruleSignals(sigs, "ADR-0012", "limits")
	require.Len(t, limits, 1, "one failing file, one signal: %+v", limits)
	s := limits[0]
	assert.Equal(t, feedback.ResultFail, s.Result, "enforced since 2026-09-01")
	assert.Equal(t, "service/deploy/k8s/deployment.yaml", s.Evidence.Path)
	assert.Equal(t, "service", s.Labels["part"])
	assert.Equal(t, "pass", s.Labels["baseline"], "the clean render sets limits")
	assert.Equal(t, "1", s.Labels["findings"])

	var drift []feedback.Signal
	for _, d := range bySource(sigs, feedback.SourceDrift) {
		if d.Evidence.Path == s.Evidence.Path {
			drift = append(drift, d)
		}
	}
	require.NotEmpty(t, drift, "the edit is drift on the same path")
	assert.Equal(t, "service", drift[0].Labels["part"])

	// Every rule is one check: no two rule signals say the same.
	type same struct {
		id, rule, path string
		line           int
		result         feedback.Result
	}
	seen := map[same]bool{}
	for _, r := range bySource(sigs, feedback.SourceRule) {
		k := same{r.Decision, r.Rule, r.Evidence.Path, r.Evidence.Line, r.Result}
		assert.False(t, seen[k], "repeated rule signal %+v", k)
		seen[k] = true
	}
}
