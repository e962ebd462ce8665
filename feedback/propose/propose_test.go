package propose_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/propose"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

const goService = "../../testdata/blueprints/go-service-v2"

// fleet is projects rendered from go-service 2.0.0 into a temporary
// directory, edited, and scanned into a store.
type fleet struct {
	t      testing.TB
	ctx    context.Context
	bp     *blueprint.Blueprint
	engine *render.Engine
	dir    string
	names  []string
	sets   map[string][]string // each project's parameters
	store  *feedback.MemoryStore
	clock  time.Time
	hunk   int // context lines of the scan's hunks
}

// newFleet renders n projects: every third one prod, every fourth one with
// PostgreSQL, some with a team.
func newFleet(t testing.TB, n int) *fleet {
	t.Helper()
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, goService, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fleet{t: t, ctx: ctx, bp: bp, engine: &render.Engine{}, dir: t.TempDir(), sets: map[string][]string{},
		store: feedback.NewMemoryStore(), clock: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	teams := []string{"payments-core", "search", "checkout"}
	for i := range n {
		name := fmt.Sprintf("svc-%s-%02d", []string{"orders", "billing", "ledger", "catalog"}[i%4], i)
		set := []string{"name=" + name}
		if i%3 == 0 {
			set = append(set, "tier=prod", "replicas=3")
		}
		if i%4 == 1 {
			set = append(set, "database=postgres")
		}
		if i%5 == 2 {
			set = append(set, "team="+teams[i%3])
		}
		params, err := bp.Resolve(ctx, blueprint.Set(set...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.engine.Render(ctx, bp, params, filepath.Join(f.dir, name), nil); err != nil {
			t.Fatal(err)
		}
		f.names = append(f.names, name)
		f.sets[name] = set
	}
	return f
}

// edit rewrites a file of a project with fn.
func (f *fleet) edit(name, file string, fn func(name, text string) string) {
	f.t.Helper()
	p := filepath.Join(f.dir, name, file)
	data, err := os.ReadFile(p)
	if err != nil {
		f.t.Fatal(err)
	}
	out := fn(name, string(data))
	if out == string(data) {
		f.t.Fatalf("the edit of %s in %s changes nothing", file, name)
	}
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// scan scans every project into the store, with reg if not nil.
func (f *fleet) scan(reg *decision.Registry) {
	f.t.Helper()
	f.clock = f.clock.Add(time.Hour)
	at := f.clock
	for _, name := range f.names {
		dir := filepath.Join(f.dir, name)
		p, err := render.OpenProjectFS(os.DirFS(dir), dir)
		if err != nil {
			f.t.Fatal(err)
		}
		sigs, err := scan.Project(f.ctx, p, &scan.Options{Blueprint: f.bp, Engine: f.engine, Registry: reg, Context: f.hunk,
			Recorder: &feedback.Recorder{Now: func() time.Time { return at }}})
		if err != nil {
			f.t.Fatal(err)
		}
		if err := f.store.Append(f.ctx, sigs...); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fleet) propose(opts *propose.Options) *propose.Proposal {
	f.t.Helper()
	if opts == nil {
		opts = &propose.Options{}
	}
	opts.Now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	pr, err := propose.Propose(f.ctx, f.store, f.bp, opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return pr
}

// renderWith renders the blueprint bp for a project's parameters into a
// new directory and returns it.
func (f *fleet) renderWith(bp *blueprint.Blueprint, name string) string {
	f.t.Helper()
	params, err := bp.Resolve(f.ctx, blueprint.Set(f.sets[name]...))
	if err != nil {
		f.t.Fatal(err)
	}
	out := filepath.Join(f.t.TempDir(), name)
	if _, err := f.engine.Render(f.ctx, bp, params, out, nil); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// addLogs adds a make target naming the project after the lint target.
func addLogs(name, text string) string {
	return strings.Replace(text, "lint:\n\tgolangci-lint run\n", "lint:\n\tgolangci-lint run\n\nlogs:\n\tkubectl logs -l app.kubernetes.io/name="+name+" --tail=100 -f\n", 1)
}

// The same addition, with the project's name in it, in 8 of 20 projects,
// and three one-off edits: one desire path, mapped onto the template with
// {{.name}} in place of each project's name, verified against all 20
// projects; the written 2.1.0 renders each of the 8 projects' Makefiles
// exactly as they edited them, and every other project's as 2.0.0 did
// plus the new target.
func TestProposeAddition(t *testing.T) {
	f := newFleet(t, 20)
	edited := map[string]bool{}
	for _, name := range f.names[:8] {
		f.edit(name, "Makefile", addLogs)
		edited[name] = true
	}
	for i, name := range f.names[10:13] {
		f.edit(name, "cmd/"+name+"/main.go", func(_, text string) string { return text + fmt.Sprintf("\n// one-off %d\n", i) })
	}
	f.scan(nil)

	pr := f.propose(nil)
	if pr.Version != "2.1.0" || pr.From != "2.0.0" || pr.Released != "2026-12-01" || pr.Projects != 20 {
		t.Fatalf("proposal %s -> %s (%s) over %d projects, want 2.0.0 -> 2.1.0 (2026-12-01) over 20", pr.From, pr.Version, pr.Released, pr.Projects)
	}
	if len(pr.Changes) != 1 {
		t.Fatalf("%d changes, want 1: %+v", len(pr.Changes), pr.Changes)
	}
	c := pr.Changes[0]
	if c.Status != propose.Applied || c.Kind != propose.Addition || c.File != "Makefile.tmpl" || c.Count != 8 || len(c.Signals) != 8 {
		t.Fatalf("change %+v", c)
	}
	if c.Verification.Affected != 8 || c.Verification.Unaffected != 12 {
		t.Errorf("verification %+v, want 8 affected and 12 unaffected", c.Verification)
	}
	if !strings.Contains(c.Diff, "+\tkubectl logs -l app.kubernetes.io/name={{.name}} --tail=100 -f\n") {
		t.Errorf("the diff does not template the name:\n%s", c.Diff)
	}

	out := t.TempDir()
	dir, err := pr.Write(f.ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if dir != filepath.Join(out, "go-service-2.1.0") {
		t.Errorf("written to %s", dir)
	}
	next, err := blueprint.LoadDir(f.ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if next.Version != "2.1.0" || next.Released != "2026-12-01" {
		t.Errorf("the written blueprint is %s released %s", next.Version, next.Released)
	}
	changes := readFile(t, filepath.Join(dir, "CHANGES.md"))
	for _, want := range []string{"## 2.1.0 (2026-12-01)", "Makefile.tmpl: lines added", "Made in 8 projects: " + strings.Join(c.Projects, ", "), c.Signals[0], "reproduces the edit exactly in 8 projects"} {
		if !strings.Contains(changes, want) {
			t.Errorf("CHANGES.md lacks %q:\n%s", want, changes)
		}
	}
	for _, name := range f.names {
		got := readFile(t, filepath.Join(f.renderWith(next, name), "Makefile"))
		want := readFile(t, filepath.Join(f.dir, name, "Makefile"))
		if !edited[name] {
			want = addLogs(name, want)
		}
		if got != want {
			t.Errorf("2.1.0 renders %s's Makefile as\n%s\nwant\n%s", name, got, want)
		}
	}
	if _, err := pr.Write(f.ctx, out); err == nil {
		t.Error("a second Write over the same version succeeded")
	}
}

// An edit inside a conditional block, made by the PostgreSQL projects:
// a patch version; the projects without PostgreSQL do not render the
// lines at all and are counted so.
func TestProposeModificationInBranch(t *testing.T) {
	f := newFleet(t, 16)
	var pg []string
	for _, name := range f.names {
		if strings.Contains(strings.Join(f.sets[name], " "), "database=postgres") {
			pg = append(pg, name)
			f.edit(name, "deploy/k8s/deployment.yaml", func(_, text string) string {
				return strings.Replace(text, "                  key: url\n", "                  key: dsn\n", 1)
			})
		}
	}
	f.scan(nil)
	pr := f.propose(nil)
	c := pr.Changes[0]
	if c.Status != propose.Applied || c.Kind != propose.Modification {
		t.Fatalf("change %+v", c)
	}
	if pr.Version != "2.0.1" {
		t.Errorf("version %s, want 2.0.1 for changed lines", pr.Version)
	}
	if c.Verification.Affected != len(pg) || c.Verification.Unaffected != 16-len(pg) || c.Verification.NotApplicable != 16-len(pg) {
		t.Errorf("verification %+v with %d PostgreSQL projects of 16", c.Verification, len(pg))
	}
	if !strings.Contains(c.Diff, "-                  key: url\n+                  key: dsn\n") {
		t.Errorf("diff:\n%s", c.Diff)
	}
	pr = f.propose(&propose.Options{Bump: propose.BumpMajor})
	if pr.Version != "3.0.0" {
		t.Errorf("with BumpMajor, version %s", pr.Version)
	}
}

// Edits that group into one desire path (the same key: white space is
// collapsed) but differ between projects in a way no parameter explains —
// one indented with a tab, the others with spaces — are refused with the
// reason, and nothing is written.
func TestProposeRefusesUntemplatable(t *testing.T) {
	f := newFleet(t, 8)
	for i, name := range f.names[:4] {
		indent := "    "
		if i == 2 {
			indent = "\t"
		}
		f.edit(name, "cmd/"+name+"/main.go", func(_, text string) string {
			return strings.Replace(text, "package main\n", "package main\n\n// Service "+name+" is built from go-service.\n"+indent+"// See docs/adr.\n", 1)
		})
	}
	f.scan(nil)
	pr := f.propose(nil)
	if len(pr.Changes) != 1 {
		t.Fatalf("changes %+v", pr.Changes)
	}
	c := pr.Changes[0]
	if c.Status != propose.Refused || c.Count != 4 {
		t.Fatalf("change %+v, want refused", c)
	}
	for _, want := range []string{"no parameter explains", f.names[2], `"\t// See docs/adr."`} {
		if !strings.Contains(c.Reason, want) {
			t.Errorf("reason %q lacks %q", c.Reason, want)
		}
	}
	out := t.TempDir()
	if _, err := pr.Write(f.ctx, out); !errors.Is(err, propose.ErrNothingApplied) {
		t.Errorf("Write: %v, want ErrNothingApplied", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("Write left %d entries", len(entries))
	}
}

// An edit that fails a decision's rule passing on the clean render is not
// applied: it needs a decision change, named with the rule.
func TestProposeNeedsDecision(t *testing.T) {
	reg, err := decision.LoadDir(context.Background(), "../../testdata/decisions", nil)
	if err != nil {
		t.Fatal(err)
	}
	f := newFleet(t, 6)
	for _, name := range f.names[1:5] {
		f.edit(name, "deploy/k8s/deployment.yaml", func(_, text string) string {
			i := strings.Index(text, "            limits: {")
			j := strings.Index(text[i:], "\n")
			return text[:i] + text[i+j+1:]
		})
	}
	f.scan(reg)
	pr := f.propose(&propose.Options{Registry: reg})
	if len(pr.Changes) != 1 {
		t.Fatalf("changes %+v", pr.Changes)
	}
	c := pr.Changes[0]
	if c.Status != propose.NeedsDecision || c.Decision != "ADR-0012" || c.Rule == "" || !strings.Contains(c.Reason, "ADR-0012") {
		t.Fatalf("change %+v, want needs-decision against ADR-0012", c)
	}
	var buf bytes.Buffer
	if err := pr.Text(&buf); err != nil || !strings.Contains(buf.String(), "needs-decision") {
		t.Errorf("text %q, %v", buf.String(), err)
	}
}

// Only selects desire paths by hunk ID; an unknown ID is refused, named.
func TestProposeOnly(t *testing.T) {
	f := newFleet(t, 6)
	for _, name := range f.names[:3] {
		f.edit(name, "Makefile", addLogs)
	}
	f.scan(nil)
	pr := f.propose(&propose.Options{Only: []string{"0123456789abcdef"}})
	if len(pr.Changes) != 1 || pr.Changes[0].Status != propose.Refused || !strings.Contains(pr.Changes[0].Reason, "no desire path") {
		t.Fatalf("changes %+v", pr.Changes)
	}
	all := f.propose(nil)
	pr = f.propose(&propose.Options{Only: []string{all.Changes[0].HunkID}})
	if len(pr.Changes) != 1 || pr.Changes[0].Status != propose.Applied {
		t.Fatalf("changes %+v", pr.Changes)
	}
	pr = f.propose(&propose.Options{MinProjects: 4})
	if len(pr.Changes) != 0 {
		t.Fatalf("with MinProjects 4, changes %+v", pr.Changes)
	}
}

// Two desire paths in one file, made by overlapping sets of projects:
// both applied, checked together, and the new version renders a project
// that made both edits exactly as it has its file.
func TestProposeTwoInOneFile(t *testing.T) {
	f := newFleet(t, 10)
	addVet := func(_, text string) string {
		return strings.Replace(text, "tidy:\n\tgo mod tidy\n", "tidy:\n\tgo mod tidy\n\nvet:\n\tgo vet ./...\n", 1)
	}
	for _, name := range f.names[:5] {
		f.edit(name, "Makefile", addLogs)
	}
	for _, name := range f.names[3:8] {
		f.edit(name, "Makefile", addVet)
	}
	f.scan(nil)
	pr := f.propose(nil)
	if len(pr.Applied()) != 2 {
		t.Fatalf("changes %+v", pr.Changes)
	}
	dir, err := pr.Write(f.ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	next, err := blueprint.LoadDir(f.ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{f.names[4], f.names[9]} {
		got := readFile(t, filepath.Join(f.renderWith(next, name), "Makefile"))
		want := readFile(t, filepath.Join(f.dir, name, "Makefile"))
		if name == f.names[9] {
			want = addVet(name, addLogs(name, want))
		}
		if got != want {
			t.Errorf("2.1.0 renders %s's Makefile as\n%s\nwant\n%s", name, got, want)
		}
	}
	if n := strings.Count(readFile(t, filepath.Join(dir, "CHANGES.md")), "### Makefile.tmpl: lines added"); n != 2 {
		t.Errorf("CHANGES.md has %d entries for the Makefile, want 2", n)
	}
}

// smallBlueprint writes a blueprint whose ci.yml is copied as it is and
// whose workflow template holds GitHub Actions' own braces.
func smallBlueprint(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"blueprint.cue":              "name: \"app\"\nversion: \"1.2.3\"\ndescription: \"an app\"\nowner: \"platform\"\nparameters: name: string\nfiles: \"ci.yml\": level: \"managed\"\n",
		"CHANGES.md":                 "# Changes\n\n## 1.2.3\n\nThe first.\n",
		"template/ci.yml":            "steps:\n  - test\n",
		"template/workflow.yml.tmpl": "name: {{.name}}\nsteps:\n  - run: echo {{`${{ github.sha }}`}}\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A copied file takes a literal edit, and refuses one that holds each
// project's name; an edit holding an Actions expression and the project's
// name becomes template text that renders it back. The blueprint's own
// CHANGES.md keeps its entries after the new one.
func TestProposeCopyAndBraces(t *testing.T) {
	ctx := context.Background()
	src := smallBlueprint(t)
	bp, err := blueprint.LoadDir(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fleet{t: t, ctx: ctx, bp: bp, engine: &render.Engine{}, dir: t.TempDir(), sets: map[string][]string{},
		store: feedback.NewMemoryStore(), clock: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	for _, name := range []string{"orders", "billing", "search", "ledger", "catalog"} {
		f.sets[name] = []string{"name=" + name}
		f.names = append(f.names, name)
		params, _ := bp.Resolve(ctx, blueprint.Set("name="+name))
		if _, err := f.engine.Render(ctx, bp, params, filepath.Join(f.dir, name), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range f.names[:3] {
		f.edit(name, "ci.yml", func(_, text string) string { return text + "  - lint\n" })
		f.edit(name, "workflow.yml", func(name, text string) string {
			return text + "  - run: deploy " + name + " ${{ secrets.TOKEN }}\n"
		})
	}
	for _, name := range f.names[2:] {
		f.edit(name, "ci.yml", func(name, text string) string { return "# " + name + "\n" + text })
	}
	f.scan(nil)
	pr := f.propose(nil)
	var lint, named, wf propose.Edit
	for _, c := range pr.Changes {
		switch {
		case c.File == "ci.yml" && strings.Contains(c.Key, "{{.name}}"):
			named = c
		case c.File == "ci.yml":
			lint = c
		default:
			wf = c
		}
	}
	if lint.Status != propose.Applied || lint.Count != 3 {
		t.Errorf("the literal edit of the copied file: %+v", lint)
	}
	if named.Status != propose.Refused || named.Count != 3 || !strings.Contains(named.Reason, "ci.yml is copied as it is, not a template") {
		t.Errorf("the named edit of the copied file: %+v", named)
	}
	if wf.Status != propose.Applied || !strings.Contains(wf.Diff, "+  - run: deploy {{.name}} ${{\"{{\"}} secrets.TOKEN }}\n") {
		t.Errorf("the workflow edit: %+v", wf)
	}
	dir, err := pr.Write(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	next, err := blueprint.LoadDir(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range f.names {
		out := f.renderWith(next, name)
		got := readFile(t, filepath.Join(out, "workflow.yml"))
		want := "name: " + name + "\nsteps:\n  - run: echo ${{ github.sha }}\n  - run: deploy " + name + " ${{ secrets.TOKEN }}\n"
		if got != want {
			t.Errorf("%s: workflow.yml is\n%s\nwant\n%s", name, got, want)
		}
		if got := readFile(t, filepath.Join(out, "ci.yml")); got != "steps:\n  - test\n  - lint\n" {
			t.Errorf("%s: ci.yml is %q", name, got)
		}
	}
	changes := readFile(t, filepath.Join(dir, "CHANGES.md"))
	if !strings.HasPrefix(changes, "# Changes\n\n## 1.3.0 (2026-12-01)") || !strings.Contains(changes, "## 1.2.3\n\nThe first.\n") {
		t.Errorf("CHANGES.md:\n%s", changes)
	}
}

// A derived value built from the version would change every file that
// uses it in the next version: Write refuses, and leaves nothing.
func TestProposeVersionInData(t *testing.T) {
	ctx := context.Background()
	src := smallBlueprint(t)
	cue := filepath.Join(src, "blueprint.cue")
	if err := os.WriteFile(cue, []byte(readFile(t, cue)+"derived: release: version\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bp, err := blueprint.LoadDir(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fleet{t: t, ctx: ctx, bp: bp, engine: &render.Engine{}, dir: t.TempDir(), sets: map[string][]string{},
		store: feedback.NewMemoryStore(), clock: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	for _, name := range []string{"orders", "billing", "search"} {
		f.names = append(f.names, name)
		params, _ := bp.Resolve(ctx, blueprint.Set("name="+name))
		if _, err := f.engine.Render(ctx, bp, params, filepath.Join(f.dir, name), nil); err != nil {
			t.Fatal(err)
		}
		f.edit(name, "ci.yml", func(_, text string) string { return text + "  - lint\n" })
	}
	f.scan(nil)
	pr := f.propose(nil)
	if len(pr.Applied()) != 1 {
		t.Fatalf("changes %+v", pr.Changes)
	}
	out := t.TempDir()
	if _, err := pr.Write(ctx, out); err == nil || !strings.Contains(err.Error(), "other template data") {
		t.Fatalf("Write: %v", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("Write left %d entries", len(entries))
	}
}

// Lines added after a block only some projects render (the team label):
// placed after the block's end, so that the new version renders both
// kinds of project as their teams edited them.
func TestProposeAfterBranch(t *testing.T) {
	f := newFleet(t, 12)
	annotate := func(name, text string) string {
		return strings.Replace(text, "\nspec:\n", "\n  annotations:\n    acme.dev/owner: "+name+"\nspec:\n", 1)
	}
	for _, name := range f.names[:8] {
		f.edit(name, "deploy/k8s/deployment.yaml", annotate)
	}
	f.scan(nil)
	pr := f.propose(nil)
	if len(pr.Applied()) != 1 || !strings.Contains(pr.Changes[0].Diff, "    {{- end}}\n+  annotations:\n+    acme.dev/owner: {{.name}}\n spec:\n") {
		t.Fatalf("changes %+v", pr.Changes)
	}
	dir, err := pr.Write(f.ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	next, err := blueprint.LoadDir(f.ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	withTeam := 0
	for _, name := range f.names[:8] {
		if strings.Contains(strings.Join(f.sets[name], " "), "team=") {
			withTeam++
		}
		got := readFile(t, filepath.Join(f.renderWith(next, name), "deploy/k8s/deployment.yaml"))
		if want := readFile(t, filepath.Join(f.dir, name, "deploy/k8s/deployment.yaml")); got != want {
			t.Errorf("%s: 2.1.0 renders\n%s\nwant\n%s", name, got, want)
		}
	}
	if withTeam == 0 || withTeam == 8 {
		t.Fatalf("%d of the 8 projects have a team: the test needs both kinds", withTeam)
	}
}

// Hunks scanned with context lines: the context is checked against each
// project's render, and the edit applied as without it.
func TestProposeWithContext(t *testing.T) {
	f := newFleet(t, 8)
	f.hunk = 3
	for _, name := range f.names[:4] {
		f.edit(name, "Makefile", addLogs)
	}
	f.scan(nil)
	pr := f.propose(nil)
	if len(pr.Applied()) != 1 || pr.Changes[0].Verification.Affected != 4 || !strings.HasPrefix(pr.Changes[0].Example, "@@ -16,6 +16,9 @@\n lint:\n") {
		t.Fatalf("changes %+v", pr.Changes)
	}
}

// BaseVersion: the version the projects are on, not the catalog's newest.
func TestBaseVersion(t *testing.T) {
	ctx := context.Background()
	src, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := blueprint.LoadCatalog(ctx, []string{"../../testdata/blueprints"}, &blueprint.Options{Fetcher: src})
	if err != nil {
		t.Fatal(err)
	}
	rep := &report.Report{Blueprints: []report.BlueprintReport{{Name: "go-service", Versions: []report.VersionCount{{Version: "2.0.0", Projects: 2}, {Version: "1.4.0", Projects: 5}, {Version: "9.9.9", Projects: 50}}}}}
	if e, ok := propose.BaseVersion(rep, c, "go-service"); !ok || e.Version != "1.4.0" {
		t.Errorf("BaseVersion: %s, %v; want 1.4.0, the most projects' among the catalog's versions", e.Version, ok)
	}
	if e, ok := propose.BaseVersion(nil, c, "go-service"); !ok || e.Version != "2.0.0" {
		t.Errorf("BaseVersion without a report: %s, %v; want the newest, 2.0.0", e.Version, ok)
	}
	if _, ok := propose.BaseVersion(rep, c, "nothing"); ok {
		t.Error("BaseVersion found a blueprint the catalog lacks")
	}
}

// TestProposeSameEditInTwoFiles: one line added at the end of the Makefile
// in four projects and of .golangci.yaml in eight (the four among them)
// has one hunk ID but is two desire paths; each is proposed from its own
// file's signals.
func TestProposeSameEditInTwoFiles(t *testing.T) {
	f := newFleet(t, 12)
	add := func(_, text string) string { return text + "# reviewed by the platform team\n" }
	for _, name := range f.names[:4] {
		f.edit(name, "Makefile", add)
	}
	for _, name := range f.names[:8] {
		f.edit(name, ".golangci.yaml", add)
	}
	f.scan(nil)
	pr := f.propose(nil)
	if len(pr.Changes) != 2 {
		t.Fatalf("%d changes, want 2: %+v", len(pr.Changes), pr.Changes)
	}
	if pr.Changes[0].HunkID != pr.Changes[1].HunkID {
		t.Fatalf("hunk IDs %s and %s: the test needs one edit", pr.Changes[0].HunkID, pr.Changes[1].HunkID)
	}
	for _, c := range pr.Changes {
		n := 4
		if c.File == ".golangci.yaml" {
			n = 8
		}
		want := slices.Clone(f.names[:n])
		slices.Sort(want)
		if c.Status != propose.Applied || c.Count != n || len(c.Signals) != n || !slices.Equal(c.Projects, want) {
			t.Errorf("%s: status %s (%s), %d projects %v, %d signals; want applied from %v", c.File, c.Status, c.Reason, c.Count, c.Projects, len(c.Signals), want)
		}
		if c.Verification.Affected != n || c.Verification.Unaffected != 12-n {
			t.Errorf("%s: verification %+v, want %d affected and %d unaffected", c.File, c.Verification, n, 12-n)
		}
		for _, id := range c.Signals {
			if file := f.signalFile(id); file != c.File {
				t.Errorf("%s: evidence %s is a signal about %s", c.File, id, file)
			}
		}
	}
}

// signalFile returns the blueprint file of the stored signal id.
func (f *fleet) signalFile(id string) string {
	f.t.Helper()
	for s, err := range f.store.Query(f.ctx, feedback.Filter{}) {
		if err != nil {
			f.t.Fatal(err)
		}
		if s.ID == id {
			return s.File
		}
	}
	return ""
}
