package main

import (
	"context"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

// scannedFleet renders n go-service 2.0.0 projects under root, lets edit
// change each, and scans them into a store.
func scannedFleet(t *testing.T, root string, n int, edit func(i int, name, dir string)) feedback.Store {
	t.Helper()
	e, ok := testCatalog.Latest("go-service")
	if !ok {
		t.Fatal("the test catalog has no go-service")
	}
	return scannedFleetOn(t, e.Version, root, n, edit)
}

// scannedFleetOn is scannedFleet on a version of go-service.
func scannedFleetOn(t *testing.T, version, root string, n int, edit func(i int, name, dir string)) feedback.Store {
	t.Helper()
	ctx := context.Background()
	e, ok := testCatalog.Entry("go-service", version)
	if !ok {
		t.Fatalf("the test catalog has no go-service %s", version)
	}
	bp, err := testCatalog.Load(ctx, e.Name, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	st := feedback.NewMemoryStore()
	var engine render.Engine
	for i := range n {
		name := fmt.Sprintf("svc-%02d", i)
		dir := filepath.Join(root, name)
		params, err := bp.Resolve(ctx, blueprint.Set("name="+name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := engine.Render(ctx, bp, params, dir, nil); err != nil {
			t.Fatal(err)
		}
		edit(i, name, dir)
		p, err := render.OpenProjectFS(os.DirFS(dir), dir)
		if err != nil {
			t.Fatal(err)
		}
		sigs, err := scan.Project(ctx, p, &scan.Options{Blueprint: bp, Engine: &engine, Recorder: testRecorder(name, testNow.Add(-time.Hour))})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Append(ctx, sigs...); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// The report page shows each desire path's proposal: the template diff,
// with the project's name as {{.name}}, and its verification against
// every project under --projects; an edit that differs per project in a
// way no parameter explains is shown refused, with the reason. Without
// --projects, the page says why there is no proposal.
func TestReportPageProposals(t *testing.T) {
	root := t.TempDir()
	st := scannedFleet(t, root, 6, func(i int, name, dir string) {
		edit := func(file, old, new string) {
			p := filepath.Join(dir, file)
			data, err := os.ReadFile(p)
			if err != nil || !strings.Contains(string(data), old) {
				t.Fatalf("%s: %v", p, err)
			}
			os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644)
		}
		if i < 3 {
			edit("Makefile", "tidy:\n", "logs:\n\tkubectl logs -l app="+name+" -f\n\ntidy:\n")
		}
		if i >= 3 {
			indent := "  "
			if i == 4 {
				indent = "\t"
			}
			edit("cmd/"+name+"/main.go", "package main\n", "package main\n\n"+indent+"// Built by the platform.\n")
		}
	})
	s, _ := newTestServer(t, func(c *config) {
		withStore(st)(c)
		c.Projects = root
	})
	page := do(t, s, "GET", "/report", nil).Body.String()
	text := html.UnescapeString(page)
	for _, want := range []string{
		`<div class="proposal proposal-applied">`,
		`Proposal for 2.1.0</strong>, verified: the new template reproduces the edit exactly in 3 projects, and 3 other projects render as before apart from the proposed lines.`,
		`<span class="add">+	kubectl logs -l app={{.name}} -f</span>`,
		`<div class="proposal proposal-refused">`,
		`no parameter explains`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report page lacks %q", want)
		}
	}
	if strings.Contains(text, "--- a/template") {
		t.Error("the proposal's diff shows the file names")
	}

	// Projects on an older version: the proposal starts from it.
	old := t.TempDir()
	st14 := scannedFleetOn(t, "1.4.0", old, 4, func(i int, name, dir string) {
		if i < 3 {
			p := filepath.Join(dir, "Makefile")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(data), "tidy:\n", "logs:\n\tkubectl logs -l app="+name+" -f\n\ntidy:\n", 1)), 0o644)
		}
	})
	s14, _ := newTestServer(t, func(c *config) {
		withStore(st14)(c)
		c.Projects = old
	})
	if text := html.UnescapeString(do(t, s14, "GET", "/report", nil).Body.String()); !strings.Contains(text, "Proposal for 1.5.0</strong>, verified: the new template reproduces the edit exactly in 3 projects") {
		t.Error("projects on 1.4.0 get no proposal of 1.5.0")
	}

	// Without --projects: no proposal, and the page says why.
	s, _ = newTestServer(t, withStore(st))
	text = html.UnescapeString(do(t, s, "GET", "/report", nil).Body.String())
	if !strings.Contains(text, "no proposal: the server reads no projects (start it with --projects DIR") || strings.Contains(text, "proposal-applied") {
		t.Error("without --projects, the page does not say why there is no proposal")
	}

	// Projects outside --projects are not read.
	s, _ = newTestServer(t, func(c *config) {
		withStore(st)(c)
		c.Projects = t.TempDir()
	})
	text = html.UnescapeString(do(t, s, "GET", "/report", nil).Body.String())
	if strings.Contains(text, "proposal-applied") || !strings.Contains(text, "is not under the server's projects directory") {
		t.Error("projects outside --projects were read, or the page does not say so")
	}
}

// FuzzReadManifest: whatever directory a signal names, the server reads a
// manifest under --projects only.
func FuzzReadManifest(f *testing.F) {
	base := f.TempDir()
	root, outside := filepath.Join(base, "projects"), filepath.Join(base, "outside")
	manifest := func(dir, name string) {
		if err := os.MkdirAll(filepath.Join(dir, ".goldenpath"), 0o755); err != nil {
			f.Fatal(err)
		}
		m := `{"schema":1,"generator":"test","blueprint":{"name":"` + name + `","version":"1.0.0","source":"x","digest":"sha256:00"},"parameters":{},"decisions":[],"files":[]}`
		if err := os.WriteFile(filepath.Join(dir, render.ManifestPath), []byte(m), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	manifest(filepath.Join(root, "orders"), "inside")
	manifest(outside, "outside")
	manifest(base, "outside")
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		f.Fatal(err)
	}
	s := &server{cfg: config{Projects: root}}
	for _, d := range []string{"orders", filepath.Join(root, "orders")} {
		if m, err := s.readManifest(context.Background(), feedback.Subject{Dir: d}); err != nil || m.Blueprint.Name != "inside" {
			f.Fatalf("Dir %q: %v", d, err)
		}
	}
	for _, d := range []string{"orders", filepath.Join(root, "orders"), "../outside", outside, "link", filepath.Join(root, "link"), "..", base, "", "orders/../../outside", "/"} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, dir string) {
		m, err := s.readManifest(context.Background(), feedback.Subject{Dir: dir})
		if err == nil && m.Blueprint.Name != "inside" {
			t.Fatalf("Dir %q read the manifest of %s", dir, m.Blueprint.Name)
		}
	})
}
