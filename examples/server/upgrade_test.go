package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/render"
)

// packArchive packs files (by entry name, as readArchive gives them) into a
// .tar.gz, in name order.
func packArchive(t testing.TB, files map[string]entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		e := files[n]
		h := &tar.Header{Name: n, Mode: e.mode, Typeflag: e.typ, Size: int64(len(e.body))}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postBody sends body to the server at url and returns the response and its
// body.
func postBody(t *testing.T, url, contentType string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestAPIUpgrade renders two go-service 1.4.0 projects through the API,
// edits them as teams do and upgrades them to 2.0.0 through the API: one
// conflicts (409, the markers in the archive), one merges (200); the store
// records every file's outcome and the report counts the conflict.
func TestAPIUpgrade(t *testing.T) {
	st := feedback.NewMemoryStore()
	s, tmp := newTestServer(t, withStore(st))
	srv := httptest.NewServer(s)
	defer srv.Close()

	legacy := func(name string) map[string]entry {
		resp, body := postBody(t, srv.URL+"/api/blueprints/go-service/render?version=1.4.0", "application/json", []byte(`{"name":"`+name+`","tier":"prod","replicas":3}`))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("render %s: %d %s", name, resp.StatusCode, body)
		}
		return readArchive(t, bytes.NewReader(body))
	}
	edit := func(files map[string]entry, name string, f func(string) string) {
		t.Helper()
		e, ok := files[name]
		if !ok {
			t.Fatalf("no %s in the archive: %v", name, keys(files))
		}
		e.body = f(e.body)
		files[name] = e
	}

	// orders: the first line of main.go, which 2.0.0 rewrites too, and the
	// managed Dockerfile.
	orders := legacy("orders")
	edit(orders, "orders/cmd/orders/main.go", func(s string) string {
		return strings.Replace(s, "// Command orders serves the orders HTTP API.", "// Command orders serves the orders API of the payments team.", 1)
	})
	edit(orders, "orders/Dockerfile", func(s string) string { return s + "LABEL team=payments\n" })
	resp, body := postBody(t, srv.URL+"/api/blueprints/go-service/upgrade?to=2.0.0", "application/gzip", packArchive(t, orders))
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("upgrade orders: %d %s", resp.StatusCode, body)
	}
	if u, c := resp.Header.Get("Goldenpath-Upgrade"), resp.Header.Get("Goldenpath-Conflicts"); u != "go-service 1.4.0 2.0.0" || c != "1" {
		t.Errorf("Goldenpath-Upgrade %q, Goldenpath-Conflicts %q", u, c)
	}
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != "application/gzip" || cd != "attachment; filename=orders.tar.gz" {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	upgraded := readArchive(t, bytes.NewReader(body))
	if main := upgraded["orders/cmd/orders/main.go"].body; !strings.Contains(main, "<<<<<<< project\n// Command orders serves the orders API of the payments team.\n") || !strings.Contains(main, ">>>>>>> go-service 2.0.0") {
		t.Errorf("main.go holds no conflict markers:\n%s", main)
	}
	if _, ok := upgraded["orders/internal/metrics/metrics.go"]; !ok {
		t.Errorf("the upgraded archive lacks 2.0.0's internal/metrics/metrics.go: %v", keys(upgraded))
	}
	m, err := render.DecodeManifest(strings.NewReader(upgraded["orders/.goldenpath/manifest.json"].body))
	if err != nil {
		t.Fatal(err)
	}
	if m.Blueprint.Version != "2.0.0" || len(m.Conflicts) != 1 || m.Conflicts[0].Path != "cmd/orders/main.go" {
		t.Errorf("manifest: version %s, conflicts %+v", m.Blueprint.Version, m.Conflicts)
	}

	// The archive answered, uploaded again while its conflict is not
	// resolved, is refused, and nothing is recorded.
	before := len(storeSignals(t, st))
	resp, body = postBody(t, srv.URL+"/api/blueprints/go-service/upgrade", "application/gzip", packArchive(t, upgraded))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), "cmd/orders/main.go") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("a second upgrade with the conflict unresolved: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if n := len(storeSignals(t, st)); n != before {
		t.Errorf("a refused upgrade recorded %d signals", n-before)
	}

	// billing: a line added at the end of main.go merges.
	billing := legacy("billing")
	edit(billing, "billing/cmd/billing/main.go", func(s string) string { return s + "\n// Billing runs in every region.\n" })
	resp, body = postBody(t, srv.URL+"/api/blueprints/go-service/upgrade", "application/gzip", packArchive(t, billing))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Goldenpath-Conflicts") != "0" {
		t.Fatalf("upgrade billing: %d %q %s", resp.StatusCode, resp.Header.Get("Goldenpath-Conflicts"), body)
	}
	upgraded = readArchive(t, bytes.NewReader(body))
	if main := upgraded["billing/cmd/billing/main.go"].body; !strings.Contains(main, "// Billing runs in every region.") || !strings.Contains(main, "METRICS_PORT") || strings.Contains(main, "<<<<<<<") {
		t.Errorf("billing's main.go, merged:\n%s", main)
	}

	// The store holds every file's outcome, as gp upgrade --store records it.
	outcomes := map[string]string{}
	for _, sg := range storeSignals(t, st) {
		if sg.Source != feedback.SourceUpgrade {
			t.Errorf("a %s signal recorded by an upgrade", sg.Source)
			continue
		}
		if sg.Labels["from"] != "1.4.0" || sg.Labels["to"] != "2.0.0" || sg.Subject.Blueprint != "go-service" {
			t.Errorf("signal %+v", sg)
		}
		path := sg.Evidence.Path
		if path == "" {
			path = sg.File
		}
		outcomes[sg.Subject.Project+" "+path] = sg.Labels["change"] + " " + string(sg.Result)
	}
	for k, want := range map[string]string{
		"orders cmd/orders/main.go":   "conflict fail",
		"orders Dockerfile":           "overwritten warn",
		"billing cmd/billing/main.go": "merged pass",
	} {
		if outcomes[k] != want {
			t.Errorf("%s: recorded %q, want %q (all: %v)", k, outcomes[k], want, outcomes)
		}
	}

	// The report counts the conflict and the merge of the same file.
	w := do(t, s, "GET", "/api/report?min-projects=1", nil)
	var r reportJSON
	decodeJSON(t, w.Body, &r)
	var found bool
	for _, b := range r.Blueprints {
		for _, c := range b.Conflicts {
			if strings.Contains(c.File, "main.go") {
				found = true
				if c.Count != 1 || c.Conflicts != 1 || c.Merged != 1 || !slices.Equal(c.Projects, []string{"orders"}) {
					t.Errorf("report: conflicts of %s: %+v", c.File, c)
				}
			}
		}
	}
	if !found {
		t.Errorf("the report counts no conflict in main.go: %+v", r.Blueprints)
	}
	if page := do(t, s, "GET", "/report?min-projects=1", nil).Body.String(); !strings.Contains(page, "main.go") || !strings.Contains(page, "1 project") {
		t.Errorf("the report page shows no conflict in main.go")
	}
	srv.Close() // waits for the handlers, which remove their directories
	assertEmptyDir(t, tmp)
}

// TestAPIUpgradeRefused: what is not a project archive of the blueprint is
// refused with the reason, and leaves nothing on disk or in the store.
func TestAPIUpgradeRefused(t *testing.T) {
	st := feedback.NewMemoryStore()
	s, tmp := newTestServer(t, withStore(st))
	w := do(t, s, "POST", "/api/blueprints/go-service/render?version=1.4.0", strings.NewReader(`{"name":"orders"}`))
	if w.Code != http.StatusOK {
		t.Fatalf("render: %d %s", w.Code, w.Body)
	}
	orders := readArchive(t, w.Body)
	link := maps(orders, entry{typ: tar.TypeSymlink})
	outside := maps(orders, entry{})
	outside["other/x"] = entry{typ: tar.TypeReg, mode: 0o644, body: "x"}
	dotdot := maps(orders, entry{})
	dotdot["orders/../x"] = entry{typ: tar.TypeReg, mode: 0o644, body: "x"}
	noManifest := maps(orders, entry{})
	delete(noManifest, "orders/.goldenpath/manifest.json")
	for _, c := range []struct {
		name, target, ctype string
		body                []byte
		status              int
		msg                 string
	}{
		{"not gzip", "go-service", "application/gzip", []byte("hello"), 400, "not a .tar.gz"},
		{"symlink", "go-service", "application/gzip", packArchive(t, link), 400, "not a directory or a regular file"},
		{"two top-level directories", "go-service", "application/gzip", packArchive(t, outside), 400, "one top-level directory"},
		{"dot-dot", "go-service", "application/gzip", packArchive(t, dotdot), 400, "not a relative path inside the project"},
		{"no manifest", "go-service", "application/gzip", packArchive(t, noManifest), 422, "not a project goldenpath rendered"},
		{"another blueprint", "terraform-module", "application/gzip", packArchive(t, orders), 422, "rendered from go-service, not terraform-module"},
		{"unknown version", "go-service?to=9.9.9", "application/gzip", packArchive(t, orders), 404, `no version`},
		{"JSON", "go-service", "application/json", []byte(`{}`), 415, "application/gzip"},
	} {
		t.Run(c.name, func(t *testing.T) {
			target, query, _ := strings.Cut(c.target, "?")
			w := do(t, s, "POST", "/api/blueprints/"+target+"/upgrade?"+query, bytes.NewReader(c.body), "Content-Type", c.ctype)
			if w.Code != c.status || !strings.Contains(w.Body.String(), c.msg) {
				t.Errorf("%d %s, want %d %q", w.Code, w.Body, c.status, c.msg)
			}
		})
	}
	if n := len(storeSignals(t, st)); n != 0 {
		t.Errorf("refused upgrades recorded %d signals", n)
	}
	assertEmptyDir(t, tmp)

	// With a signals token, an upgrade that records needs it.
	s, _ = newTestServer(t, func(c *config) { withStore(st)(c); c.SignalsToken = "s3cret" })
	body := packArchive(t, orders)
	if w := do(t, s, "POST", "/api/blueprints/go-service/upgrade", bytes.NewReader(body)); w.Code != http.StatusUnauthorized {
		t.Errorf("without the token: %d %s", w.Code, w.Body)
	}
	if w := do(t, s, "POST", "/api/blueprints/go-service/upgrade", bytes.NewReader(body), "Authorization", "Bearer s3cret"); w.Code != http.StatusOK {
		t.Errorf("with the token: %d %s", w.Code, w.Body)
	}
}

// maps copies files; with a non-zero over, the first regular file but the
// manifest becomes over.
func maps(files map[string]entry, over entry) map[string]entry {
	out := map[string]entry{}
	done := over.typ == 0
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		e := files[n]
		if !done && e.typ == tar.TypeReg && !strings.Contains(n, ".goldenpath") {
			e, done = over, true
		}
		out[n] = e
	}
	return out
}

// FuzzUnpackProject: whatever the archive, unpacking it writes nothing
// outside its directory and fails, or gives the one top-level directory
// the archive names.
func FuzzUnpackProject(f *testing.F) {
	f.Add(packArchive(f, map[string]entry{"p/": {typ: tar.TypeDir, mode: 0o755}, "p/a.txt": {typ: tar.TypeReg, mode: 0o644, body: "a"}}))
	f.Add(packArchive(f, map[string]entry{"p/../../x": {typ: tar.TypeReg, mode: 0o644, body: "x"}}))
	f.Add(packArchive(f, map[string]entry{"p/l": {typ: tar.TypeSymlink}}))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "in")
		top, err := unpackProject(context.Background(), data, dir)
		ents, rerr := os.ReadDir(parent)
		if rerr != nil {
			t.Fatal(rerr)
		}
		for _, e := range ents {
			if e.Name() != "in" {
				t.Fatalf("unpacking wrote %s outside its directory", e.Name())
			}
		}
		if err != nil {
			return
		}
		inner, rerr := os.ReadDir(dir)
		if rerr != nil || len(inner) != 1 || inner[0].Name() != top || !inner[0].IsDir() {
			t.Fatalf("unpacked %q, the directory holds %v (%v)", top, inner, rerr)
		}
	})
}

// TestAPIUpgradeToolArchives uploads projects packed by the tools teams
// use, not by this test: `git archive` (which writes a pax global header
// first) and `tar czf p.tgz ./billing` (names starting with "./"). Both
// upgrade.
func TestAPIUpgradeToolArchives(t *testing.T) {
	for _, tool := range []string{"git", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			missingSystemPart(t, tool+" is not installed: Debian: apt-get install "+tool)
		}
	}
	s, _ := newTestServer(t, withStore(feedback.NewMemoryStore()))
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, body := postBody(t, srv.URL+"/api/blueprints/go-service/render?version=1.4.0", "application/json", []byte(`{"name":"billing","tier":"prod","replicas":3}`))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("render: %d %s", resp.StatusCode, body)
	}
	work := t.TempDir()
	for name, e := range readArchive(t, bytes.NewReader(body)) {
		p := filepath.Join(work, filepath.FromSlash(name))
		if e.typ == tar.TypeDir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(e.body), os.FileMode(e.mode)&0o777|0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(dir, name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	project := filepath.Join(work, "billing")
	run(project, "git", "init", "-q")
	run(project, "git", "add", "-A")
	run(project, "git", "commit", "-q", "-m", "billing")
	run(project, "git", "archive", "--format=tar.gz", "--prefix=billing/", "-o", filepath.Join(work, "git.tar.gz"), "HEAD")
	run(work, "tar", "czf", "tar.tgz", "--exclude=.git", "./billing")
	for _, a := range []string{"git.tar.gz", "tar.tgz"} {
		data, err := os.ReadFile(filepath.Join(work, a))
		if err != nil {
			t.Fatal(err)
		}
		resp, body := postBody(t, srv.URL+"/api/blueprints/go-service/upgrade?to=2.0.0", "application/gzip", data)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("upgrade of %s: %d %s", a, resp.StatusCode, body)
			continue
		}
		if got := resp.Header.Get("Goldenpath-Upgrade"); got != "go-service 1.4.0 2.0.0" {
			t.Errorf("%s: Goldenpath-Upgrade %q", a, got)
		}
	}
}
