package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// simBaselineDecision is a decision added to a copy of the bundled ones for
// the simulation: its audit rule fails on the clean render of every
// blueprint that has a Makefile, which none has a help target in.
const simBaselineDecision = `---
id: ADR-0099
title: Every Makefile has a help target
status: accepted
date: 2026-11-01
owner: platform-team
deciders: [ana]
scope:
  blueprints: ["*"]
---
# Every Makefile has a help target

## Decision

` + "```cue" + `
"makefile-help": {
	message:  "every Makefile has a help target"
	severity: "low"
	mode:     "audit"
	files:    "Makefile"
	matches:  "(?m)^help:"
}
` + "```\n"

// simServiceEdit is appended to the Service of some go-service projects:
// the values "dev", "prod" and "postgres" inside words, in a file whose
// template holds none of them.
const simServiceEdit = "# scraped by /dev/null-exporter (devtools) at prod.example.com, never postgresql\n"

// simGP runs gp as a process (the test binary, TestMain) in dir and returns
// its exit code, stdout and stderr.
func simGP(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), asGPEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("gp %s: %v", strings.Join(args, " "), err)
	return 0, "", ""
}

// simProject is one project of the simulated fleet and what was done to it.
type simProject struct {
	name, blueprint, tier string
	makefileEdit          bool   // the same Makefile edit, with "dev" inside words
	makefileReverted      bool   // ... undone before the second scan
	deploymentEdit        bool   // a composed project's service deployment edited
	limitsStripped        bool   // ... its CPU limit removed, against ADR-0012
	serviceEdit           bool   // the Service edited, "dev" and "prod" inside words where the template has neither
	dockerfileEdit        bool   // the managed Dockerfile edited
	conflict              bool   // main.go edited where 2.0.0 changes it, then upgraded
	merge                 bool   // main.go edited where 2.0.0 does not, then upgraded
	exception             string // "active" or "expired": an exception to ADR-0099 makefile-help
	passingException      bool   // an active exception to ADR-0012 limits, which passes
}

// TestFleetSimulation renders a fleet of 210 projects from the bundled
// blueprints — go-service 1.4.0 and 2.0.0, the composed demo-environment,
// terraform-module — with gp fleet render, injects known edits (one of them
// holding a parameter value inside words: "2>/dev/null" in tier-dev
// projects), upgrades some through gp upgrade --store with real conflicts,
// scans the fleet twice with gp scan --store under decisions that include a
// rule failing on every clean render, and checks that gp report --json finds
// every injected pattern in exactly the projects it was injected in, nothing
// else, and counts the fleet's projects.
func TestFleetSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("a fleet of 210 projects")
	}
	work := t.TempDir()
	t.Setenv("GP_CACHE", filepath.Join(work, "cache"))
	t.Setenv("GP_STORE", "")
	t.Setenv("GP_DECISIONS", "")
	t.Setenv("GP_CATALOG", "")
	bps := filepath.Join(work, "blueprints")
	decisions := filepath.Join(work, "decisions")
	if err := os.CopyFS(bps, os.DirFS("../../testdata/blueprints")); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(decisions, os.DirFS("../../testdata/decisions")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(decisions, "_projects")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(decisions, "0099-every-makefile-has-a-help-target.md"), []byte(simBaselineDecision), 0o644); err != nil {
		t.Fatal(err)
	}
	fleet := filepath.Join(work, "fleet")
	if err := os.Mkdir(fleet, 0o755); err != nil {
		t.Fatal(err)
	}

	// The fleet.
	var projects []*simProject
	var targets strings.Builder
	add := func(bp, src string, n int, values func(i int, p *simProject) string) {
		for i := range n {
			p := &simProject{name: fmt.Sprintf("%s-%03d", bp, i), blueprint: bp}
			v := values(i, p)
			fmt.Fprintf(&targets, `{"id":%q,"dir":%q,"source":%q,"values":%s}`+"\n", p.name, p.name, filepath.Join(bps, src), v)
			projects = append(projects, p)
		}
	}
	teams := []string{"payments", "search", "identity", "growth", "platform-tools"}
	add("gs", "go-service", 130, func(i int, p *simProject) string {
		p.tier = []string{"dev", "prod"}[i%2]
		db := []string{"none", "postgres"}[i/2%2]
		return fmt.Sprintf(`{"name":"gs-%03d","tier":%q,"replicas":3,"database":%q,"team":%q}`, i, p.tier, db, teams[i%len(teams)])
	})
	add("gs2", "go-service-v2", 30, func(i int, p *simProject) string {
		p.tier = []string{"dev", "prod"}[i%2]
		return fmt.Sprintf(`{"name":"gs2-%03d","tier":%q,"replicas":3,"team":%q}`, i, p.tier, teams[i%len(teams)])
	})
	add("demo", "demo-environment", 30, func(i int, p *simProject) string {
		return fmt.Sprintf(`{"name":"demo-%03d","team":%q,"mergeRequest":%d}`, i, teams[i%len(teams)], i+1)
	})
	add("tf", "terraform-module", 20, func(i int, p *simProject) string {
		return fmt.Sprintf(`{"name":"tf_%03d","provider":%q}`, i, []string{"aws", "google", "azurerm"}[i%3])
	})
	if err := os.WriteFile(filepath.Join(fleet, "targets.jsonl"), []byte(targets.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := simGP(t, fleet, "fleet", "render", "--targets", filepath.Join(fleet, "targets.jsonl")); code != 0 {
		t.Fatalf("fleet render: exit %d\n%s\n%s", code, out, errOut)
	}
	byName := map[string]*simProject{}
	for _, p := range projects {
		byName[p.name] = p
	}
	edit := func(p *simProject, file string, f func(string) string) {
		t.Helper()
		path := filepath.Join(fleet, p.name, filepath.FromSlash(file))
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(f(string(data))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const makefileEdit = "\nlint-local:\n\tgolangci-lint run ./... 2>/dev/null || echo \"(devtools) not installed\"\n"
	const deploymentEdit = "# scaled by the team's autoscaler, not by replicas\n"
	const dockerfileEdit = "LABEL org.opencontainers.image.vendor=acme\n"
	const mergeEdit = "\n// The service also answers on the intranet.\n"
	const cpuLimit = `limits: {cpu: "250m", memory: "128Mi"}`

	// Go-service 1.4.0: 16 projects, half dev, half prod, make the same
	// Makefile edit (shared in 1.4.0); 12 others edit main.go's first line
	// and upgrade into a conflict, 6 more edit its end and upgrade cleanly.
	for i := range 16 {
		p := byName[fmt.Sprintf("gs-%03d", 3+i*5)]
		p.makefileEdit = true
		p.makefileReverted = i < 3
		edit(p, "Makefile", func(s string) string { return s + makefileEdit })
	}
	var conflicted, merged []string
	for i := range 18 {
		p := byName[fmt.Sprintf("gs-%03d", 100+i)]
		main := "cmd/" + p.name + "/main.go"
		if i < 12 {
			p.conflict = true
			conflicted = append(conflicted, p.name)
			edit(p, main, func(s string) string {
				return strings.Replace(s, "// Command "+p.name+" serves the "+p.name+" HTTP API.", "// Command "+p.name+" serves the API of team "+p.name+".", 1)
			})
		} else {
			p.merge = true
			merged = append(merged, p.name)
			edit(p, main, func(s string) string { return s + mergeEdit })
		}
	}
	// Go-service 1.4.0: 8 more, half dev, half prod, edit the Service, whose
	// template holds none of the values the edit holds inside words.
	for i := range 8 {
		p := byName[fmt.Sprintf("gs-%03d", 80+i)]
		p.serviceEdit = true
		edit(p, "deploy/k8s/service.yaml", func(s string) string { return s + simServiceEdit })
	}
	// Go-service 2.0.0: 6 edit the managed Dockerfile.
	for i := range 6 {
		p := byName[fmt.Sprintf("gs2-%03d", i*4)]
		p.dockerfileEdit = true
		edit(p, "Dockerfile", func(s string) string { return s + dockerfileEdit })
	}
	// Demo environments: 10 edit their service's deployment, a file of the
	// composed go-service.
	for i := range 10 {
		p := byName[fmt.Sprintf("demo-%03d", i*3)]
		p.deploymentEdit = true
		edit(p, "service/deploy/k8s/deployment.yaml", func(s string) string { return s + deploymentEdit })
	}
	// Five others strip their service's CPU limit, which ADR-0012 requires.
	for i := range 5 {
		p := byName[fmt.Sprintf("demo-%03d", 1+i*3)]
		p.limitsStripped = true
		edit(p, "service/deploy/k8s/deployment.yaml", func(s string) string {
			if !strings.Contains(s, cpuLimit) {
				t.Fatalf("%s: no %s in its service's deployment", p.name, cpuLimit)
			}
			return strings.Replace(s, cpuLimit, `limits: {memory: "128Mi"}`, 1)
		})
	}

	// Exceptions to the rule that fails on the clean render: four active,
	// two expired; and one to a rule the project passes.
	exception := func(decision, rule, expires string) string {
		return fmt.Sprintf("exceptions:\n  - decision: %s\n    rule: %s\n    justification: the team's own reasons\n    requested-by: dev@acme.dev\n    approved-by: ana\n    expires: %s\n", decision, rule, expires)
	}
	for i := range 7 {
		p := byName[fmt.Sprintf("gs-%03d", 120+i)]
		var x string
		switch {
		case i < 4:
			p.exception, x = "active", exception("ADR-0099", "makefile-help", "2099-12-31")
		case i < 6:
			p.exception, x = "expired", exception("ADR-0099", "makefile-help", "2026-01-31")
		default:
			p.passingException, x = true, exception("ADR-0012", "limits", "2099-12-31")
		}
		if err := os.WriteFile(filepath.Join(fleet, p.name, ".goldenpath", "exceptions.yaml"), []byte(x), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The upgrades, each recorded in the store.
	store := filepath.Join(work, "signals.jsonl")
	for _, p := range projects {
		if !p.conflict && !p.merge {
			continue
		}
		code, out, errOut := simGP(t, fleet, "upgrade", p.name, "--to", filepath.Join(bps, "go-service-v2"), "--store", store)
		want := 0
		if p.conflict {
			want = exitConflicts
		}
		if code != want {
			t.Fatalf("upgrade %s: exit %d, want %d\n%s\n%s", p.name, code, want, out, errOut)
		}
		if p.conflict && !strings.Contains(out, "conflict") {
			t.Errorf("upgrade %s: no conflict printed:\n%s", p.name, out)
		}
	}

	stripped := 0
	for _, p := range projects {
		if p.limitsStripped {
			stripped++
		}
	}
	// Three scans of the whole fleet; between the first two, three projects
	// undo their Makefile edit. Projects upgraded into a conflict are listed.
	dirs := make([]string, len(projects))
	for i, p := range projects {
		dirs[i] = p.name
	}
	scan := func() {
		t.Helper()
		args := append([]string{"scan", "--decisions", decisions, "--catalog", bps, "--store", store}, dirs...)
		code, out, errOut := simGP(t, fleet, args...)
		// The stripped CPU limits fail ADR-0012, enforced: that exit code
		// wins over the conflicts'.
		if code != exitInvalid || !strings.Contains(errOut, fmt.Sprintf("gp: %d enforced rules fail\n", stripped)) {
			t.Fatalf("scan: exit %d, want %d (%d enforced rules failing, unresolved conflicts)\n%s", code, exitInvalid, stripped, errOut)
		}
		for _, name := range conflicted {
			if !strings.Contains(errOut, name+": 1 file in conflict since an upgrade") {
				t.Errorf("scan: %s's unresolved conflict not listed", name)
			}
		}
		if n := len(regexp.MustCompile(`: \d+ signals?\n`).FindAllString(out, -1)); n != len(projects) {
			t.Errorf("scan printed %d projects, want %d", n, len(projects))
		}
	}
	scan()
	for _, p := range projects {
		if p.makefileReverted {
			edit(p, "Makefile", func(s string) string { return strings.TrimSuffix(s, makefileEdit) })
		}
	}
	scan()
	scan() // a third scan: an exception whose rule passed in each is unneeded

	// Ratings: three low ones of ADR-0012, one of go-service.
	for _, by := range []string{"ana", "sam", "lee"} {
		if code, _, errOut := simGP(t, fleet, "feedback", "rate", "ADR-0012", "--score", "1", "--by", by, "--store", store); code != 0 {
			t.Fatalf("feedback rate: exit %d\n%s", code, errOut)
		}
	}
	if code, _, errOut := simGP(t, fleet, "feedback", "rate", "go-service", "--score", "5", "--by", "ana", "--store", store); code != 0 {
		t.Fatalf("feedback rate: exit %d\n%s", code, errOut)
	}

	// Each scan stamps all of one project's signals with one time, and the
	// next scan of it is another process, so scans are told apart with a
	// gap far below the default minute.
	code, out, errOut := simGP(t, fleet, "report", "--json", "--store", store, "--decisions", decisions, "--min-projects", "3", "--scan-gap", "10ms")
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, errOut)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	for _, rv := range r.Revisit {
		for _, rs := range rv.Reasons {
			t.Logf("revisit %s%s: %s %s %s %s: %s", rv.Decision, rv.Blueprint, rs.Reason, rs.Blueprint, rs.File, rs.Rule, rs.Summary)
		}
	}
	checkSimReport(t, &r, fleet, projects, conflicted, merged)
}

// checkSimReport checks the report of the simulated fleet against what was
// injected.
func checkSimReport(t *testing.T, r *report.Report, fleet string, projects []*simProject, conflicted, merged []string) {
	t.Helper()
	byName := map[string]*simProject{}
	for _, p := range projects {
		byName[p.name] = p
	}
	names := func(f func(p *simProject) bool) []string {
		var out []string
		for _, p := range projects {
			if f(p) {
				out = append(out, p.name)
			}
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

	// Every project is counted once, whatever it holds and however often it
	// was scanned.
	if r.Projects != len(projects) {
		t.Errorf("report: %d projects, the fleet has %d", r.Projects, len(projects))
	}
	wantBlueprints := map[string]int{"go-service": 160, "demo-environment": 30, "terraform-module": 20}
	wantVersions := map[string][]report.VersionCount{"go-service": {{Version: "2.0.0", Projects: 48}, {Version: "1.4.0", Projects: 112}}}
	for _, b := range r.Blueprints {
		want, ok := wantBlueprints[b.Name]
		if !ok {
			t.Errorf("report: blueprint %s, which the fleet does not use", b.Name)
			continue
		}
		delete(wantBlueprints, b.Name)
		if b.Projects != want {
			t.Errorf("report: %s has %d projects, the fleet %d", b.Name, b.Projects, want)
		}
		if v, ok := wantVersions[b.Name]; ok && !slices.Equal(b.Versions, v) {
			t.Errorf("report: %s versions %+v, want %+v", b.Name, b.Versions, v)
		}
		if b.Name == "go-service" {
			if b.Lag == nil || b.Lag.Behind != 112 {
				t.Errorf("report: go-service lag %+v, want 112 projects behind", b.Lag)
			}
			// The conflicts: main.go, in exactly the projects upgraded into one;
			// the clean merges of the same file counted beside them.
			if len(b.Conflicts) != 1 {
				t.Errorf("report: go-service conflicts %+v, want main.go only", b.Conflicts)
			}
			for _, c := range b.Conflicts {
				if !strings.Contains(c.File, "main.go") || c.Count != len(conflicted) || c.Conflicts != len(conflicted) || c.Merged != len(merged) ||
					!slices.Equal(sorted(c.Projects), sorted(conflicted)) {
					t.Errorf("report: conflicts in %s: %d projects %v, %d conflicts, %d merged; want %v, %d merged", c.File, c.Count, c.Projects, c.Conflicts, c.Merged, conflicted, len(merged))
				}
			}
			// The managed edits: the Dockerfile, in exactly the projects
			// that edited it.
			if len(b.ManagedEdits) != 1 {
				t.Errorf("report: go-service managed edits %+v, want the Dockerfile only", b.ManagedEdits)
			}
			for _, m := range b.ManagedEdits {
				if !strings.Contains(m.File, "Dockerfile") || !slices.Equal(sorted(m.Projects), names(func(p *simProject) bool { return p.dockerfileEdit })) {
					t.Errorf("report: managed edits of %s in %v", m.File, m.Projects)
				}
			}
		}
	}
	for name := range wantBlueprints {
		t.Errorf("report: no blueprint %s", name)
	}

	// The desire paths: the Makefile edit as one path over tiers dev and
	// prod, in the projects that still have it; the Service edit, one path
	// over both tiers too; the composed projects' two deployment edits; the
	// merged main.go edit. Nothing else.
	want := map[string][]string{
		"go-service Makefile":                     names(func(p *simProject) bool { return p.makefileEdit && !p.makefileReverted }),
		"go-service service.yaml":                 names(func(p *simProject) bool { return p.serviceEdit }),
		"demo-environment deployment.yaml":        names(func(p *simProject) bool { return p.deploymentEdit }),
		"demo-environment deployment.yaml limits": names(func(p *simProject) bool { return p.limitsStripped }),
		"go-service main.go":                      sorted(merged),
		"go-service Dockerfile":                   names(func(p *simProject) bool { return p.dockerfileEdit }),
	}
	got := map[string][]string{}
	for _, d := range r.DesirePaths {
		k := d.Blueprint + " " + strings.TrimSuffix(path2base(d.File), ".tmpl")
		if strings.Contains(d.Key, "limits") {
			k += " limits"
		}
		if _, dup := got[k]; dup {
			t.Errorf("report: two desire paths for %s: the same edit split", k)
		}
		got[k] = sorted(d.Projects)
		if d.Count != len(d.Projects) {
			t.Errorf("report: desire path %s counts %d projects but lists %d", k, d.Count, len(d.Projects))
		}
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("report: desire path %s in %v, injected in %v", k, got[k], w)
		}
		delete(got, k)
	}
	for k, g := range got {
		t.Errorf("report: desire path %s in %v, none injected", k, g)
	}
	for _, d := range r.DesirePaths {
		if d.Blueprint == "go-service" && strings.Contains(d.File, "Makefile") && (strings.Contains(d.Key, "{{.tier}}") || !strings.Contains(d.Key, "2>/dev/null") || !strings.Contains(d.Key, "(devtools)")) {
			t.Errorf("report: the Makefile edit's key replaced a parameter value inside a word: %q", d.Key)
		}
		if strings.Contains(d.File, "service.yaml") && !strings.Contains(d.Key, strings.TrimSpace(simServiceEdit)) {
			t.Errorf("report: the Service edit's key replaced a parameter value inside a word: %q", d.Key)
		}
	}

	// The composed projects' stripped CPU limit is a desire path against
	// ADR-0012's limits rule (which the clean render passes), on the file as
	// the projects have it.
	limits := names(func(p *simProject) bool { return p.limitsStripped })
	var limitsPath *report.DesirePath
	for i, d := range r.DesirePaths {
		if d.Blueprint == "demo-environment" && strings.Contains(d.Key, "limits") {
			limitsPath = &r.DesirePaths[i]
		}
	}
	if limitsPath == nil {
		t.Errorf("report: no desire path of the stripped CPU limit")
	} else if limitsPath.Example.Path != "service/deploy/k8s/deployment.yaml" {
		t.Errorf("report: the stripped CPU limit's desire path is in %q, want service/deploy/k8s/deployment.yaml", limitsPath.Example.Path)
	}
	foundAgainst := false
	for _, rv := range r.Revisit {
		for _, rs := range rv.Reasons {
			if rs.Reason != report.ReasonDesirePathAgainstRule {
				continue
			}
			foundAgainst = true
			if rv.Decision != "ADR-0012" || rs.Rule != "limits" || rs.Blueprint != "demo-environment" || !slices.Equal(rs.Projects, limits) ||
				rs.File != "deploy/k8s/deployment.yaml.tmpl" || !strings.Contains(rs.Summary, " service/deploy/k8s/deployment.yaml ") ||
				limitsPath == nil || rs.HunkID != limitsPath.HunkID {
				t.Errorf("report: desire path against %s/%s of %s %s in %v (%s); want ADR-0012/limits of demo-environment deploy/k8s/deployment.yaml.tmpl in %v, named service/deploy/k8s/deployment.yaml",
					rv.Decision, rs.Rule, rs.Blueprint, rs.File, rs.Projects, rs.Summary, limits)
			}
		}
	}
	if !foundAgainst {
		t.Errorf("report: no desire path against ADR-0012/limits")
	}

	// The reasons to revisit that the signals give: the managed Dockerfile
	// edits against the blueprint (a LABEL line leaves the rules of the
	// decision governing the Dockerfile as a clean render has them), the conflicts of
	// main.go against the blueprint, the low ratings, the exception to a
	// rule its project passes; and the rule failing on the clean render, a
	// reason against each blueprint version (and composed part) that fails
	// it, never against the teams whose edits leave its outcome as it is:
	// no desire path "against" it. The registry's own reasons (a
	// revisit-by date passed) are not the fleet's.
	onVersion := func(bp, version string) float64 {
		n := 0
		for _, p := range projects {
			v := map[string]string{"gs": "1.4.0", "gs2": "2.0.0", "demo": "1.0.0"}[p.blueprint]
			if p.conflict || p.merge {
				v = "2.0.0"
			}
			if map[string]string{"gs": "go-service", "gs2": "go-service", "demo": "demo-environment"}[p.blueprint] == bp && v == version {
				n++
			}
		}
		return float64(n)
	}
	wantReasons := map[string]float64{
		"go-service managed-edits Dockerfile":                                    6,
		"ADR-0012 desire-path-against-rule deployment.yaml":                      5, // checked in full above
		"go-service upgrade-conflicts main.go":                                   float64(len(conflicted)),
		"ADR-0012 low-rating ":                                                   1,
		"unneeded-exception ADR-0012/limits":                                     1,
		"go-service baseline-failure ADR-0099 makefile-help 1.4.0 ":              onVersion("go-service", "1.4.0"),
		"go-service baseline-failure ADR-0099 makefile-help 2.0.0 ":              onVersion("go-service", "2.0.0"),
		"demo-environment baseline-failure ADR-0099 makefile-help 1.0.0 ":        onVersion("demo-environment", "1.0.0"),
		"demo-environment baseline-failure ADR-0099 makefile-help 1.0.0 service": onVersion("demo-environment", "1.0.0"),
	}
	for _, rv := range r.Revisit {
		for _, rs := range rv.Reasons {
			if rs.Reason == report.ReasonRevisitByPassed || rs.Reason == report.ReasonProposedTooLong {
				continue
			}
			k := rv.Decision + rv.Blueprint + " " + string(rs.Reason) + " " + strings.TrimSuffix(path2base(rs.File), ".tmpl")
			value := rs.Value
			switch rs.Reason {
			case report.ReasonBaselineFailure:
				k = rv.Decision + rv.Blueprint + " " + string(rs.Reason) + " " + rs.Decision + " " + rs.Rule + " " + rs.Version + " " + rs.Part
				value = float64(rs.Count)
			case report.ReasonUnneededException:
				// A reason against the exception, not the decision.
				k = string(rs.Reason) + " " + rv.Exception
				value = float64(rs.Count)
				if !slices.Equal(rs.Projects, names(func(p *simProject) bool { return p.passingException })) {
					t.Errorf("report: unneeded exceptions in %v", rs.Projects)
				}
			}
			want, ok := wantReasons[k]
			if !ok {
				t.Errorf("report: revisit %s, none injected: %s", k, rs.Summary)
				continue
			}
			delete(wantReasons, k)
			if value != want {
				t.Errorf("report: revisit %s: %v, want %v: %s", k, value, want, rs.Summary)
			}
		}
	}
	for k := range wantReasons {
		t.Errorf("report: no revisit %s", k)
	}

	// The rule that fails on every clean render fails in every project
	// with a Makefile, and passes in the others (no Makefile to read).
	withMakefile := 0
	for _, p := range projects {
		if _, err := os.Stat(filepath.Join(fleet, p.name, "Makefile")); err == nil {
			withMakefile++
		}
	}
	found := false
	for _, d := range r.Decisions {
		for _, rule := range d.Rules {
			if d.ID == "ADR-0099" && rule.Name == "makefile-help" {
				found = true
				exempt := len(names(func(p *simProject) bool { return p.exception == "active" }))
				if rule.Subjects != len(projects) || rule.Checks.Fail != withMakefile-exempt || rule.Checks.Exempt != exempt || rule.Checks.Pass != len(projects)-withMakefile ||
					rule.Checks.Baseline != withMakefile || rule.Mode != "audit" {
					t.Errorf("report: ADR-0099 makefile-help in %d projects, %+v; want %d failing (those with a Makefile), %d exempt, the others passing", rule.Subjects, rule.Checks, withMakefile-exempt, exempt)
				}
			}
		}
	}
	if !found {
		t.Errorf("report: no ADR-0099 makefile-help")
	}
	// ADR-0099 has one rule, in audit mode: its checks are audit checks,
	// none enforced; ADR-0012's one exception is unneeded.
	for _, d := range r.Decisions {
		switch d.ID {
		case "ADR-0099":
			if d.Modes.Audit != d.Checks || d.Modes.Enforce.Total != 0 || d.Modes.Warn.Total != 0 {
				t.Errorf("report: ADR-0099 checks by mode %+v, all %+v are audit", d.Modes, d.Checks)
			}
		case "ADR-0012":
			if d.Exceptions.Unneeded != 1 || d.Exceptions.Active != 1 {
				t.Errorf("report: ADR-0012 exceptions %d active, %d unneeded; want 1 and 1", d.Exceptions.Active, d.Exceptions.Unneeded)
			}
		}
	}

	// The exceptions, each in its project, active or expired.
	wantExc := map[string]string{}
	for _, p := range projects {
		switch {
		case p.exception != "":
			wantExc["ADR-0099 makefile-help "+p.name] = p.exception
		case p.passingException:
			wantExc["ADR-0012 limits "+p.name] = "active"
		}
	}
	for _, d := range r.Decisions {
		for _, x := range d.Exceptions.List {
			k := d.ID + " " + x.Rule + " " + x.Project
			state := map[bool]string{true: "active", false: "expired"}[x.Active]
			if x.Unneeded {
				state = "unneeded"
			}
			if want := wantExc[k]; want != state && !(want == "active" && state == "unneeded" && byName[x.Project].passingException) {
				t.Errorf("report: exception %s %s, injected %q", k, state, wantExc[k])
			}
			delete(wantExc, k)
		}
	}
	for k, v := range wantExc {
		t.Errorf("report: no %s exception %s", v, k)
	}

	// The ratings.
	for _, d := range r.Decisions {
		if d.ID == "ADR-0012" && (d.Ratings == nil || d.Ratings.Count != 3 || d.Ratings.Mean != 1) {
			t.Errorf("report: ADR-0012 ratings %+v, want 3 of 1", d.Ratings)
		}
	}
	for _, b := range r.Blueprints {
		if b.Name == "go-service" && (b.Ratings == nil || b.Ratings.Count != 1 || b.Ratings.Mean != 5) {
			t.Errorf("report: go-service ratings %+v, want 1 of 5", b.Ratings)
		}
	}
}

// path2base returns the last element of a slash-separated path.
func path2base(p string) string {
	return p[strings.LastIndex(p, "/")+1:]
}
