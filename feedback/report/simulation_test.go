package report_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

// TestSimulatedFleet renders a fleet of 68 projects from the example
// blueprints, injects known patterns — a desire path, an edit too rare to
// be one, managed edits against a rule, exceptions (active, expired and no
// longer needed), old versions, upgrade conflicts, low ratings, an edit of
// a composed project against a rule, a blueprint version whose clean
// render fails a rule (edited by teams in ways that keep, and that fix, the
// failure), an edit reverted between scans — scans every project three
// times into a file store, and checks that the report finds each injected
// pattern with its evidence and projects, and reports nothing that was not
// injected.
func TestSimulatedFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and scans 68 projects three times")
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	load := func(name string) *blueprint.Blueprint {
		bp, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/"+name, nil)
		require.NoError(t, err)
		return bp
	}
	v1, v2, tf, preview := load("go-service"), load("go-service-v2"), load("terraform-module"), load("preview-environment")
	reg, err := decision.LoadDir(ctx, "../../testdata/decisions", nil)
	require.NoError(t, err)
	cat, err := blueprint.LoadCatalog(ctx, []string{"../../testdata/blueprints"}, &blueprint.Options{Fetcher: localSources(t)})
	require.NoError(t, err)
	e, err := render.New(nil)
	require.NoError(t, err)
	root := t.TempDir()
	n := 0
	at := now.Add(-3 * time.Hour) // the time of the scan under way
	rec := &feedback.Recorder{Now: func() time.Time { return at }, NewID: func() string { n++; return fmt.Sprintf("sig-%05d", n) }}
	// A go-service 2.0.0 whose Go 1.26 build image is not pinned: its clean
	// render at goVersion 1.26 fails ADR-0007 build-stages-pinned.
	unpinnedDir := filepath.Join(t.TempDir(), "go-service")
	require.NoError(t, os.CopyFS(unpinnedDir, os.DirFS("../../testdata/blueprints/go-service-v2")))
	aggEdit(t, filepath.Join(unpinnedDir, "blueprint.cue"), `"golang:1.26-alpine@sha256:`+go126Digest+`"`, `"golang:1.26-alpine"`)
	unpinned, err := blueprint.LoadDir(ctx, unpinnedDir, nil)
	require.NoError(t, err)
	demo := load("demo-environment")

	type project struct {
		name, dir string
		bp        *blueprint.Blueprint
	}
	var fleet []project
	add := func(name string, bp *blueprint.Blueprint, inputs ...blueprint.Input) project {
		dir := filepath.Join(root, name)
		params, err := bp.Resolve(ctx, inputs...)
		require.NoError(t, err, name)
		_, err = e.Render(ctx, bp, params, dir, nil)
		require.NoError(t, err, name)
		p := project{name, dir, bp}
		fleet = append(fleet, p)
		return p
	}
	// 36 go-service projects on 1.4.0: svc00-svc23 name their team, the
	// others (svc24-svc35) do not (ADR-0013 team-set, in warn mode).
	var svc []project
	for i := range 36 {
		set := []string{fmt.Sprintf("name=svc%02d", i)}
		if i < 24 {
			set = append(set, fmt.Sprintf("team=team%02d", i%6))
		}
		svc = append(svc, add(fmt.Sprintf("svc%02d", i), v1, blueprint.Set(set...)))
	}
	for i := range 6 { // already on 2.0.0
		add(fmt.Sprintf("new%02d", i), v2, blueprint.Set(fmt.Sprintf("name=new%02d", i), "team=core"))
	}
	for i := range 8 {
		add(fmt.Sprintf("tf%02d", i), tf, blueprint.ValuesFile("../../testdata/values/terraform-module.yaml"), blueprint.Set(fmt.Sprintf("name=bucket_%02d", i)))
	}
	for i := range 4 {
		add(fmt.Sprintf("preview%02d", i), preview, blueprint.ValuesFile("../../testdata/values/preview-environment.yaml"), blueprint.Set(fmt.Sprintf("mergeRequest=%d", 100+i)))
	}
	// Composed projects: a Go service and its preview environment.
	var demos []project
	for i := range 6 {
		demos = append(demos, add(fmt.Sprintf("demo%02d", i), demo, blueprint.Set(fmt.Sprintf("name=demo%02d", i), "team=shop")))
	}
	// pin00-pin06 on the unpinned 2.0.0 at Go 1.26, pin07 at Go 1.25.
	var pins []project
	for i := range 8 {
		goVersion := "1.26"
		if i == 7 {
			goVersion = "1.25"
		}
		pins = append(pins, add(fmt.Sprintf("pin%02d", i), unpinned, blueprint.Set(fmt.Sprintf("name=pin%02d", i), "team=core", "goVersion="+goVersion)))
	}
	require.Len(t, fleet, 68)

	file := func(p project, rel string) string { return filepath.Join(p.dir, filepath.FromSlash(rel)) }
	// 1. A desire path: five projects lengthen the readiness probe period.
	for _, p := range svc[0:5] {
		aggEdit(t, file(p, "deploy/k8s/deployment.yaml"), "httpGet: {path: /readyz, port: http}", "httpGet: {path: /readyz, port: http}\n            periodSeconds: 30")
	}
	// 2. An edit in only two projects: below MinProjects, not a pattern.
	for _, p := range svc[5:7] {
		aggEdit(t, file(p, "Makefile"), "test:", "race:\n\tgo test -race ./...\n\ntest:")
	}
	// 3. Four projects swap the managed Dockerfile's runtime image for one
	// with a shell (each naming it after the service): ADR-0007 fails.
	const distroless = "FROM gcr.io/distroless/static-debian12:nonroot@sha256:6ec5aa99dc335666e79dc64e4a6c8b89c33a543a1967f20d360922a80dd21f02"
	for _, p := range svc[7:11] {
		aggEdit(t, file(p, "Dockerfile"), distroless, "FROM alpine:3.20 AS "+p.name+"-runtime")
	}
	// 4. Ten of the projects without a team hold an active exception to
	// ADR-0013 team-set, two an expired one.
	exception := func(p project, expires string) {
		require.NoError(t, os.WriteFile(file(p, ".goldenpath/exceptions.yaml"), []byte(`exceptions:
  - decision: ADR-0013
    rule: team-set
    justification: the service is being handed over; its new team is named next quarter
    requested-by: lead@acme.dev
    approved-by: aylin.demir
    expires: `+expires+"\n"), 0o644))
	}
	for _, p := range svc[24:34] {
		exception(p, "2027-03-31")
	}
	for _, p := range svc[34:36] {
		exception(p, "2026-06-30")
	}
	// 5. Three projects upgrade to 2.0.0 with a conflicting edit of the
	// container port: upgrade conflicts in deployment.yaml.
	st, err := feedback.OpenFileStore(filepath.Join(root, "signals.jsonl"), nil)
	require.NoError(t, err)
	defer st.Close()
	for _, p := range svc[11:14] {
		aggEdit(t, file(p, "deploy/k8s/deployment.yaml"), "containerPort: 8080", "containerPort: 8081")
		res, err := e.Upgrade(ctx, openProject(t, p.dir), v2, &render.UpgradeOptions{Base: v1})
		require.NoError(t, err)
		require.Equal(t, 1, res.Conflicts(), p.name)
		require.NoError(t, st.Append(ctx, scan.Upgrade(rec, feedback.Subject{Project: p.name, Dir: p.dir}, res)...))
		// The team resolves the conflict by keeping its port.
		data, err := os.ReadFile(file(p, "deploy/k8s/deployment.yaml"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(file(p, "deploy/k8s/deployment.yaml"), []byte(resolveOurs(string(data))), 0o644))
	}
	// 7. Three composed projects drop the limits of their service's
	// deployment: a desire path against ADR-0012 limits, on the file as the
	// project has it.
	for _, p := range demos[0:3] {
		aggEdit(t, file(p, "service/deploy/k8s/deployment.yaml"), `            limits: {cpu: "250m", memory: "128Mi"}`+"\n", "")
	}
	// 8. On the unpinned version, three projects label their image: the
	// rule fails as it does on the clean render (the blueprint's failure,
	// not theirs); three pin the build image themselves: the edit fixes the
	// rule, a desire path against it. pin06 is unedited.
	for _, p := range pins[0:3] {
		aggEdit(t, file(p, "Dockerfile"), "USER nonroot:nonroot", "LABEL org.opencontainers.image.vendor=acme\nUSER nonroot:nonroot")
	}
	for _, p := range pins[3:6] {
		aggEdit(t, file(p, "Dockerfile"), "FROM golang:1.26-alpine AS build", "FROM golang:1.26-alpine@sha256:"+go126Digest+" AS build")
	}
	// 9. Three projects that name their team hold an active exception to
	// ADR-0013 team-set all the same: it passed in each of their three
	// scans, the exceptions are no longer needed. svc17 holds one too, but
	// is scanned twice only.
	for _, p := range svc[14:18] {
		exception(p, "2027-03-31")
	}
	// 10. Three projects make an edit they revert before the last scan.
	for _, p := range svc[18:21] {
		aggEdit(t, file(p, "Makefile"), "test:", "bench:\n\tgo test -bench . ./...\n\ntest:")
	}

	// 6. Low ratings of ADR-0012; a good one of go-service.
	for _, r := range []struct {
		bp, id string
		score  int
	}{{"", "ADR-0012", 2}, {"", "ADR-0012", 1}, {"", "ADR-0012", 2}, {"go-service", "", 5}} {
		n++
		s, err := feedback.Rate(rec, feedback.Rating{Blueprint: r.bp, Decision: r.id, Score: r.score, By: fmt.Sprint("dev", n)}) // one rating a person
		require.NoError(t, err)
		require.NoError(t, st.Append(ctx, s))
	}

	// Scan every project into the store, three times an hour apart; svc17
	// is not in the first scan, and svc18-svc20 revert their edit before
	// the last.
	for round := range 3 {
		at = now.Add(time.Duration(round-3) * time.Hour)
		if round == 2 {
			for _, p := range svc[18:21] {
				aggEdit(t, file(p, "Makefile"), "bench:\n\tgo test -bench . ./...\n\ntest:", "test:")
			}
		}
		for _, p := range fleet {
			if round == 0 && p.name == "svc17" {
				continue
			}
			bp := p.bp
			if slices.ContainsFunc(svc[11:14], func(q project) bool { return q.name == p.name }) {
				bp = v2
			}
			sigs, err := scan.Project(ctx, openProject(t, p.dir), &scan.Options{Project: p.name, Blueprint: bp, Engine: e, Registry: reg, Catalog: cat, Recorder: rec, Now: func() time.Time { return now }})
			require.NoError(t, err, p.name)
			require.NoError(t, st.Append(ctx, sigs...))
		}
	}

	// 10 exempt checks of ADR-0013 among the 62 of go-service and the
	// composed projects' services: above 15 %.
	rep, err := report.AggregateStore(ctx, st, feedback.Filter{}, &report.AggregateOptions{Now: func() time.Time { return now }, Registry: reg, ExemptionRate: 0.15})
	require.NoError(t, err)
	assert.Equal(t, len(fleet), rep.Projects, "every project once, however many scans")
	assert.Zero(t, rep.Skipped)

	// Desire paths: exactly the two injected ones, with their projects.
	var paths []string
	for _, d := range rep.DesirePaths {
		sort.Strings(d.Projects)
		paths = append(paths, fmt.Sprintf("%s %s %d %s", d.Blueprint, d.File, d.Count, strings.Join(d.Projects, ",")))
	}
	assert.ElementsMatch(t, []string{
		"go-service deploy/k8s/deployment.yaml.tmpl 5 svc00,svc01,svc02,svc03,svc04",
		"go-service Dockerfile.tmpl 4 svc07,svc08,svc09,svc10",
		// The three upgraded projects resolved their conflict the same way,
		// keeping their port: that is a desire path too.
		"go-service deploy/k8s/deployment.yaml.tmpl 3 svc11,svc12,svc13",
		"demo-environment deploy/k8s/deployment.yaml.tmpl 3 demo00,demo01,demo02",
		"go-service Dockerfile.tmpl 3 pin00,pin01,pin02",
		"go-service Dockerfile.tmpl 3 pin03,pin04,pin05",
		// svc18-svc20's reverted edit is gone.
	}, paths)
	for _, d := range rep.DesirePaths {
		switch {
		case d.Blueprint == "demo-environment":
			assert.Equal(t, "service/deploy/k8s/deployment.yaml", d.Example.Path)
		case strings.HasPrefix(d.Example.Project, "pin"):
			assert.Equal(t, "managed", d.Level)
		case d.File == "deploy/k8s/deployment.yaml.tmpl" && d.Count == 5:
			assert.Equal(t, "+periodSeconds: 30\n", d.Key)
			assert.Contains(t, d.Example.Hunk, "+            periodSeconds: 30")
		case d.File == "deploy/k8s/deployment.yaml.tmpl":
			assert.Contains(t, d.Key, "+containerPort: 8081\n")
		default:
			assert.Equal(t, "-"+distroless+"\n+FROM alpine:3.20 AS {{.name}}-runtime\n", d.Key, "normalised for each project's name")
			assert.Equal(t, "managed", d.Level)
		}
		assert.Len(t, d.Signals, d.Count)
	}

	// Revisit evidence: each injected pattern is a reason, and nothing else
	// is — besides what the registry itself says (ADR-0015's revisit-by
	// date, 2026-11-05, has passed).
	// Each reason with the projects it rests on.
	var reasons []string
	for _, r := range rep.Revisit {
		for _, why := range r.Reasons {
			words := slices.DeleteFunc([]string{r.Decision + r.Blueprint + r.Exception, string(why.Reason), why.Rule, strings.Join(why.Projects, ",")},
				func(w string) bool { return w == "" })
			reasons = append(reasons, strings.Join(words, " "))
			if why.Reason != report.ReasonRevisitByPassed && why.Reason != report.ReasonProposedTooLong {
				assert.NotEmpty(t, why.Signals, "%s %s has its evidence", r.Decision, why.Reason)
			}
		}
	}
	assert.ElementsMatch(t, []string{
		// The edited Dockerfile fails it in the same projects, where a clean
		// render passes: one reason per rule.
		"ADR-0007 desire-path-against-rule build-stages-pinned svc07,svc08,svc09,svc10",
		"ADR-0007 desire-path-against-rule runtime-image svc07,svc08,svc09,svc10",
		// Pinning the build image makes the rule pass where the clean render
		// fails it: an edit against the rule too.
		"ADR-0007 desire-path-against-rule build-stages-pinned pin03,pin04,pin05",
		// The Dockerfile is managed; ADR-0007's rules govern it.
		"ADR-0007 managed-edits pin00,pin01,pin02,pin03,pin04,pin05,svc07,svc08,svc09,svc10",
		"ADR-0013 exemption-rate svc24,svc25,svc26,svc27,svc28,svc29,svc30,svc31,svc32,svc33",
		"ADR-0012 low-rating",                                           // 2, 1, 2
		"ADR-0012 upgrade-conflicts svc11,svc12,svc13",                  // deployment.yaml, governed by ADR-0012's **/*.yaml
		"ADR-0012 desire-path-against-rule limits demo00,demo01,demo02", // in the composed projects' service
		"ADR-0015 revisit-by-passed",                                    // from the registry
		// The unpinned version's failure is the blueprint's, never the
		// teams': pin00-pin02 edited the Dockerfile and it still fails as
		// on the clean render; pin06 is unedited; pin07 is at Go 1.25.
		"go-service baseline-failure build-stages-pinned pin00,pin01,pin02,pin06",
		// Passed in each of their three scans; svc17 was scanned twice.
		"ADR-0013/team-set unneeded-exception team-set svc14,svc15,svc16",
	}, reasons)
	for _, r := range rep.Revisit {
		for _, why := range r.Reasons {
			if why.Reason == report.ReasonBaselineFailure {
				assert.Equal(t, "go-service 2.0.0 violates ADR-0007 build-stages-pinned on a clean render, in 4 projects", why.Summary)
				assert.Equal(t, "2.0.0", why.Version)
			}
			if why.Reason == report.ReasonDesirePathAgainstRule && why.Projects[0] == "pin03" {
				assert.Contains(t, why.Summary, "which makes ADR-0007/build-stages-pinned pass there while a clean render fails it")
			}
		}
	}

	byID := map[string]report.DecisionReport{}
	for _, d := range rep.Decisions {
		byID[d.ID] = d
	}
	adr13 := byID["ADR-0013"]
	assert.Equal(t, 14, adr13.Exceptions.Active)
	assert.Equal(t, 3, adr13.Exceptions.Unneeded)
	assert.Equal(t, 2, adr13.Exceptions.Expired)
	assert.Equal(t, 10, adr13.Checks.Exempt)
	assert.Equal(t, 2, adr13.Checks.Warn, "the two expired exceptions no longer apply")
	adr7 := byID["ADR-0007"]
	for _, r := range adr7.Rules {
		switch r.Name {
		case "runtime-image":
			assert.Equal(t, 4, r.Checks.Fail)
		case "build-stages-pinned":
			// 50 go-service projects and the 6 composed ones' services:
			// svc07-svc10 fail, and pin00-02 and pin06 as on the clean
			// render.
			assert.Equal(t, report.Counts{Total: 56, Pass: 48, Fail: 8, Baseline: 4}, r.Checks)
		}
	}
	assert.Equal(t, 8, adr7.Modes.Audit.Fail)
	assert.Equal(t, 4, adr7.Modes.Audit.Baseline)
	assert.Equal(t, 4, adr7.Modes.Enforce.Fail)

	var gs report.BlueprintReport
	for _, b := range rep.Blueprints {
		if b.Name == "go-service" {
			gs = b
		}
	}
	assert.Equal(t, 50, gs.Projects)
	assert.Equal(t, []report.VersionCount{{Version: "2.0.0", Projects: 17}, {Version: "1.4.0", Projects: 33}}, gs.Versions)
	require.NotNil(t, gs.Lag)
	assert.Equal(t, 33, gs.Lag.Behind)
	assert.Equal(t, 33, gs.Lag.DaysKnown)
	assert.Equal(t, 45.0, gs.Lag.MaxDays, "2.0.0 was released on 2026-10-01")
	require.NotEmpty(t, gs.Conflicts)
	assert.Equal(t, "deploy/k8s/deployment.yaml.tmpl", gs.Conflicts[0].File)
	assert.Equal(t, 3, gs.Conflicts[0].Count)
	assert.Equal(t, []string{"svc11", "svc12", "svc13"}, gs.Conflicts[0].Projects)

	// The JSON form decodes back into a Report.
	var buf strings.Builder
	require.NoError(t, rep.JSON(&buf))
	var back report.Report
	require.NoError(t, json.Unmarshal([]byte(buf.String()), &back))
	assert.Equal(t, rep.Revisit, back.Revisit)
	assert.Equal(t, rep.DesirePaths, back.DesirePaths)
	assert.Equal(t, len(rep.Decisions), len(back.Decisions))

	// The JSON form keeps every signal ID behind a reason (up to
	// MaxSignals); the Markdown shows five of them and the count.
	var md strings.Builder
	require.NoError(t, rep.Markdown(&md, nil))
	for _, r := range back.Revisit {
		for _, why := range r.Reasons {
			assert.Len(t, why.Signals, min(why.SignalCount, rep.Settings.MaxSignals), "%s %s", r.Decision, why.Reason)
			if why.SignalCount > 5 {
				assert.Contains(t, md.String(), fmt.Sprintf("%d signals, for example %s.\n", why.SignalCount,
					"`"+strings.Join(why.Signals[:5], "`, `")+"`"), "five examples in Markdown")
			}
		}
	}

	// The Markdown report says it to people.
	for _, want := range []string{"ADR-0013", "exemption", "periodSeconds: 30", "svc07",
		"### demo-environment: `service/deploy/k8s/deployment.yaml` — 3 projects (shared)",
		"go-service 2.0.0 violates ADR-0007 build-stages-pinned on a clean render, in 4 projects",
		"exceptions to ADR-0013/team-set",
		"| svc14 | 2027-03-31 | active, unneeded |",
		// Which rule the failures are, in which mode, and how many of them
		// are the clean render's.
		"| ADR-0007/build-stages-pinned | audit | 56 | 48 | 8 | 0 | 0 | 0 | 4 |",
	} {
		assert.Contains(t, md.String(), want)
	}
	assert.NotRegexp(t, `\b1 (projects|signals|checks)\b`, md.String())
	assert.NotContains(t, md.String(), "{{.", "headings name files as projects have them")
}

// resolveOurs resolves every conflict of a marked file by keeping the
// project's side.
func resolveOurs(s string) string {
	var out strings.Builder
	state := 0 // 0 outside, 1 ours, 2 base, 3 theirs
	for _, l := range strings.SplitAfter(s, "\n") {
		switch {
		case strings.HasPrefix(l, "<<<<<<< "):
			state = 1
		case strings.HasPrefix(l, "||||||| ") && state == 1:
			state = 2
		case l == "=======\n" && state > 0:
			state = 3
		case strings.HasPrefix(l, ">>>>>>> ") && state == 3:
			state = 0
		case state == 0 || state == 1:
			out.WriteString(l)
		}
	}
	return out.String()
}

func localSources(t *testing.T) *blueprint.Sources {
	t.Helper()
	s, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir()})
	require.NoError(t, err)
	return s
}

// go126Digest pins the Go 1.26 build image of go-service 2.0.0.
const go126Digest = "7a3e50096189ad57c9f9f865e7e4aa8585ed1585248513dc5cda498e2f41812c"
