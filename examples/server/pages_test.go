package main

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

// form encodes KEY, VALUE pairs as a form body; keys may repeat.
func form(kv ...string) *strings.Reader {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return strings.NewReader(v.Encode())
}

const formType = "application/x-www-form-urlencoded"

// fieldHTML returns the HTML of the form field with the given id suffix.
func fieldHTML(t *testing.T, page, suffix string) string {
	t.Helper()
	start := strings.Index(page, `<div class="field`)
	i := strings.Index(page, `id="field-`+suffix+`"`)
	if start < 0 || i < 0 {
		t.Fatalf("no field %s in the page", suffix)
	}
	end := strings.Index(page[i:], "\n</div>")
	return page[i : i+end]
}

func TestCatalogPage(t *testing.T) {
	s, _ := newTestServer(t, nil)
	w := do(t, s, "GET", "/", nil)
	page := w.Body.String()
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	for _, want := range []string{
		`<a href="/blueprints/go-service">go-service</a> <span class="version">2.0.0</span>`,
		`<a href="/blueprints/go-service?version=1.4.0">1.4.0</a>`,
		`HTTP service in Go with CI`,
		`platform-team`,
		`href="/decisions/ADR-0007"`,
		`href="/blueprints/terraform-module"`,
		`href="/blueprints/demo-environment"`,
		`<a href="/api/blueprints/preview-environment/schema">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the catalog page lacks %s", want)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if w := do(t, s, "GET", "/static/style.css", nil); w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
		t.Errorf("GET /static/style.css: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if w := do(t, s, "GET", "/nope", nil); w.Code != http.StatusNotFound {
		t.Errorf("GET /nope: %d", w.Code)
	}
}

func TestBlueprintPage(t *testing.T) {
	s, _ := newTestServer(t, nil)
	w := do(t, s, "GET", "/blueprints/go-service", nil)
	page := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("GET /blueprints/go-service: %d", w.Code)
	}
	for suffix, want := range map[string][]string{
		"name": {`name="name" type="text" value="" required pattern="`, `title="name must start with a letter`,
			`Service name: a DNS label`},
		"tier":     {`<select id="f-tier" name="tier"`, `<option value="dev" selected>dev</option>`, `<option value="prod">prod</option>`},
		"replicas": {`type="number" value="2" min="1" max="10" step="1"`, `Default: <code>2</code>`},
		"httpPort": {`min="1024" max="65535"`},
		"team":     {`name="team" type="text" value="" pattern=`},
	} {
		f := fieldHTML(t, page, suffix)
		for _, w := range want {
			if !strings.Contains(f, w) {
				t.Errorf("field %s lacks %s:\n%s", suffix, w, f)
			}
		}
	}
	if strings.Contains(fieldHTML(t, page, "team"), "required") {
		t.Error("the optional team is required")
	}
	for _, want := range []string{`<input type="hidden" name="_version" value="2.0.0">`, `value="download"`, `value="preview"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}

	// An older version, and a boolean.
	page = do(t, s, "GET", "/blueprints/go-service?version=1.4.0", nil).Body.String()
	if !strings.Contains(page, `value="1.4.0"`) || !strings.Contains(page, `name="port"`) {
		t.Error("the 1.4.0 form lacks its version or port")
	}
	page = do(t, s, "GET", "/blueprints/preview-environment", nil).Body.String()
	f := fieldHTML(t, page, "seedData")
	if !strings.Contains(f, `<input type="hidden" name="seedData" value="false">`) || !strings.Contains(f, `type="checkbox" id="f-seedData" name="seedData" value="true"`) || strings.Contains(f, "checked") {
		t.Errorf("seedData:\n%s", f)
	}

	for _, target := range []string{"/blueprints/nope", "/blueprints/go-service?version=3.0.0", "/blueprints/..%2Fgo-service-v2", "/blueprints/go-service?version=..%2F..%2Fetc"} {
		if w := do(t, s, "GET", target, nil); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", target, w.Code)
		}
	}
}

func TestBlueprintSubmitInvalid(t *testing.T) {
	s, tmp := newTestServer(t, nil)
	w := do(t, s, "POST", "/blueprints/go-service", form("_version", "2.0.0", "_action", "download",
		"name", "orders", "tier", "prod", "replicas", "2", "team", ""), "Content-Type", formType)
	page := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("POST: %d, want 422", w.Code)
	}
	f := fieldHTML(t, page, "replicas")
	for _, want := range []string{`value="2"`, `aria-invalid="true"`, `aria-describedby="d-replicas e-replicas"`,
		`<div class="error" id="e-replicas" role="alert"><p>prod services need at least 3 replicas</p></div>`} {
		if !strings.Contains(f, want) {
			t.Errorf("replicas lacks %s:\n%s", want, f)
		}
	}
	if n := strings.Count(page, `class="error" id="e-`); n != 1 {
		t.Errorf("%d fields show errors, want 1", n)
	}
	// The submitted values are kept.
	if !strings.Contains(fieldHTML(t, page, "tier"), `<option value="prod" selected>`) || !strings.Contains(fieldHTML(t, page, "name"), `value="orders"`) {
		t.Error("the form lost the submitted values")
	}

	// Several fields at once, and a value the browser would have refused.
	w = do(t, s, "POST", "/blueprints/go-service", form("_version", "1.4.0", "name", "Bad_Name", "port", "80", "replicas", "many"), "Content-Type", formType)
	page = w.Body.String()
	for suffix, want := range map[string]string{
		"name":     "name must start with a letter",
		"port":     "port must be between 1024 and 65535",
		"replicas": `want an integer, got &#34;many&#34;`,
	} {
		if f := fieldHTML(t, page, suffix); !strings.Contains(f, want) {
			t.Errorf("%s lacks %s:\n%s", suffix, want, f)
		}
	}
	assertEmptyDir(t, tmp)
}

func TestBlueprintSubmitRefused(t *testing.T) {
	s, tmp := newTestServer(t, nil)
	w := do(t, s, "POST", "/blueprints/preview-environment", form("service", "shop", "mergeRequest", "12", "ttl", "100h", "seedData", "false"), "Content-Type", formType)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("POST: %d, want 422", w.Code)
	}
	if f := fieldHTML(t, w.Body.String(), "ttl"); !strings.Contains(f, "preview environments live at most 72h") || !strings.Contains(f, "ADR-0015/max-ttl") {
		t.Errorf("ttl lacks ADR-0015's finding:\n%s", f)
	}
	assertEmptyDir(t, tmp)
}

func TestBlueprintSubmitPreview(t *testing.T) {
	s, tmp := newTestServer(t, nil)
	w := do(t, s, "POST", "/blueprints/go-service", form("_version", "2.0.0", "_action", "preview", "name", "orders", "database", "postgres"), "Content-Type", formType)
	page := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("preview: %d", w.Code)
	}
	for _, want := range []string{
		`<section class="preview" id="preview">`,
		`<li class="file" data-path="deploy/postgres/statefulset.yaml"><span class="name">statefulset.yaml</span> <span class="level level-shared">shared</span>`,
		`<li class="file" data-path="Dockerfile"><span class="name">Dockerfile</span> <span class="level level-managed">managed</span>`,
		`<li class="file" data-path="README.md"><span class="name">README.md</span> <span class="level level-seeded">seeded</span>`,
		`<li class="dir" data-path="docs/adr"><span class="name">adr/</span>`,
		`ADR-0013</a>/team-set`, // a warning: no team
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the preview lacks %s", want)
		}
	}
	if m := regexp.MustCompile(`(\d+) files, `).FindStringSubmatch(page); m == nil || m[1] != "16" {
		t.Errorf("preview counts %v files, want 16", m)
	}
	assertEmptyDir(t, tmp)
}

func TestBlueprintSubmitDownload(t *testing.T) {
	s, tmp := newTestServer(t, nil)
	for _, tc := range []struct {
		seed []string // the posted values of seedData: the hidden field, then the checkbox
		want bool
	}{
		{[]string{"false"}, false},
		{[]string{"false", "true"}, true},
		{nil, false},
	} {
		kv := []string{"_action", "download", "service", "orders", "mergeRequest", "42", "database", "postgres"}
		for _, v := range tc.seed {
			kv = append(kv, "seedData", v)
		}
		w := do(t, s, "POST", "/blueprints/preview-environment", form(kv...), "Content-Type", formType)
		if w.Code != http.StatusOK || w.Header().Get("Content-Disposition") != "attachment; filename=preview-environment.tar.gz" {
			t.Fatalf("download: %d %s %.300q", w.Code, w.Header().Get("Content-Disposition"), w.Body)
		}
		files := readArchive(t, w.Body)
		if _, ok := files["preview-environment/k8s/seed-job.yaml"]; ok != tc.want {
			t.Errorf("seedData=%v: k8s/seed-job.yaml in the archive: %v, want %v", tc.seed, ok, tc.want)
		}
	}
	assertEmptyDir(t, tmp)
}

func TestBlueprintSubmitLimits(t *testing.T) {
	s, tmp := newTestServer(t, func(c *config) { c.MaxBody, c.MaxRenders, c.RenderWait = 1<<10, 1, 1 })
	w := do(t, s, "POST", "/blueprints/go-service", form("name", strings.Repeat("a", 2<<10)), "Content-Type", formType)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize form: %d, want 413", w.Code)
	}
	s.renders <- struct{}{}
	w = do(t, s, "POST", "/blueprints/go-service", form("name", "orders"), "Content-Type", formType)
	<-s.renders
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "too many renders") {
		t.Errorf("busy: %d", w.Code)
	}
	// A cross-site form post is refused before it reaches the handler.
	w = do(t, s, "POST", "/blueprints/go-service", form("name", "orders"), "Content-Type", formType, "Sec-Fetch-Site", "cross-site")
	if w.Code != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", w.Code)
	}
	if w := do(t, s, "POST", "/blueprints/nope", form("name", "orders"), "Content-Type", formType); w.Code != http.StatusNotFound {
		t.Errorf("post to an unknown blueprint: %d", w.Code)
	}
	assertEmptyDir(t, tmp)
}

func TestDecisionPages(t *testing.T) {
	s, _ := newTestServer(t, nil)
	page := do(t, s, "GET", "/decisions", nil).Body.String()
	for _, want := range []string{
		`<td class="id"><a href="/decisions/ADR-0015">ADR-0015</a></td>`,
		`<span class="status status-superseded">superseded</span>`,
		`<span class="status status-accepted">accepted</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the decisions page lacks %s", want)
		}
	}
	w := do(t, s, "GET", "/decisions/ADR-0007", nil)
	page = w.Body.String()
	for _, want := range []string{
		`<h1>ADR-0007: Service runtime baseline`,
		`<span class="status status-accepted" id="status">accepted</span>`,
		`supersedes <a href="/decisions/ADR-0005">ADR-0005</a>`,
		`<code>runtime-image</code>`,
		`<span class="mode mode-enforce">enforce</span>`,
		`Cited by</dt><dd><a href="/blueprints/go-service">go-service</a>`,
		`<h2>Context and Problem Statement</h2>`,
		// The record's Markdown is rendered: lists, emphasis, paragraphs.
		`<li>Reproducible builds: the same commit gives the same image.</li>`,
		`<p>Chosen option: distroless runtime images pinned by digest`,
		`The rules written here are in the <a href="#rules">Rules</a> table above.`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("ADR-0007's page lacks %s", want)
		}
	}
	// Each rule is shown once, in the table; no Markdown shows as text.
	if n := strings.Count(page, "the runtime stage must be a distroless image pinned by digest"); n != 1 {
		t.Errorf("the runtime-image rule's message is on the page %d times", n)
	}
	for _, raw := range []string{"```", "* Good:", "## "} {
		if strings.Contains(page, raw) {
			t.Errorf("ADR-0007's page shows raw Markdown %q", raw)
		}
	}
	// ADR-0012 is enforced from 2026-09-01 by its schedule.
	if page := do(t, s, "GET", "/decisions/ADR-0012", nil).Body.String(); !strings.Contains(page, `<span class="mode mode-enforce">enforce</span><br><small>enforce from 2026-09-01</small>`) {
		t.Error("ADR-0012's page does not show its schedule")
	}
	page = do(t, s, "GET", "/decisions/ADR-0005", nil).Body.String()
	if !strings.Contains(page, "today <a href=\"/decisions/ADR-0007\">") {
		t.Error("ADR-0005's page does not name its successor")
	}
	if w := do(t, s, "GET", "/decisions/ADR-9999", nil); w.Code != http.StatusNotFound {
		t.Errorf("GET an unknown decision: %d", w.Code)
	}
}

func TestRenderSection(t *testing.T) {
	md := "Some *text* and `code`.\n\n<script>alert(1)</script>\n\n```go\nfmt.Println(\"<b>\")\n```\n\n```cue\nrule: {mode: \"audit\"}\n```\n\n| a | b |\n| - | - |\n| 1 | 2 |\n"
	sv := renderSection(2, "Notes", md)
	html := string(sv.HTML)
	for _, want := range []string{
		"<em>text</em>", "<code>code</code>",
		// Code is highlighted with classes (the CSP allows no inline
		// style), its text escaped.
		`<pre class="chroma"><code>`,
		`<span class="nx">fmt</span><span class="p">.</span><span class="nf">Println</span><span class="p">(</span><span class="s">&#34;&lt;b&gt;&#34;</span><span class="p">)</span>`,
		"<td>1</td>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered section lacks %s:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "alert(1)") {
		t.Errorf("raw HTML reached the page:\n%s", html)
	}
	if strings.Contains(html, "style=") {
		t.Errorf("inline styles, which the pages' CSP refuses:\n%s", html)
	}
	// An unknown language, or none, is plain text in the same frame.
	for _, md := range []string{"```klingon\na < b\n```\n", "    a < b\n"} {
		if html := string(renderSection(2, "x", md).HTML); !strings.Contains(html, `<pre class="chroma"><code>`) || !strings.Contains(html, "a &lt; b") {
			t.Errorf("%q renders as\n%s", md, html)
		}
	}
	if strings.Contains(html, "rule:") || !sv.Rules {
		t.Errorf("the cue rule block was not taken out (Rules=%v):\n%s", sv.Rules, html)
	}
}

// TestCodeCSS keeps static/code.css, the classes of highlighted code, in
// step with the chroma style markdown.go uses.
func TestCodeCSS(t *testing.T) {
	file, err := os.ReadFile("static/code.css")
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := writeCodeCSS(&want); err != nil {
		t.Fatal(err)
	}
	if _, css, _ := strings.Cut(string(file), "*/\n"); css != want.String() {
		t.Errorf("static/code.css is not chroma's %q style as writeCodeCSS writes it: write it again from writeCodeCSS, below its first comment", codeStyle)
	}
}
