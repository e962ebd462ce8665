package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/render"
)

// decodeJSON decodes a response body, failing the test on anything but
// JSON.
func decodeJSON(t *testing.T, body *bytes.Buffer, v any) {
	t.Helper()
	if err := json.Unmarshal(body.Bytes(), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body.String())
	}
}

func TestHealthz(t *testing.T) {
	s, _ := newTestServer(t, nil)
	w := do(t, s, "GET", "/healthz", nil)
	var got struct {
		Status     string
		Blueprints int
		Decisions  int
	}
	decodeJSON(t, w.Body, &got)
	if w.Code != http.StatusOK || got.Status != "ok" || got.Blueprints != 4 || got.Decisions != 12 {
		t.Errorf("GET /healthz: %d %+v", w.Code, got)
	}
}

func TestAPIBlueprints(t *testing.T) {
	s, _ := newTestServer(t, nil)
	w := do(t, s, "GET", "/api/blueprints", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/blueprints: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if strings.Contains(w.Body.String(), "testdata") || strings.Contains(w.Body.String(), `"source"`) {
		t.Errorf("the catalog shows the server's sources:\n%s", w.Body)
	}
	var got struct{ Blueprints []apiBlueprintSummary }
	decodeJSON(t, w.Body, &got)
	var names []string
	for _, b := range got.Blueprints {
		names = append(names, b.Name)
		if b.Name == "go-service" {
			if b.Latest != "2.0.0" || !slices.Equal(b.Versions, []string{"1.4.0", "2.0.0"}) || b.Owner != "platform-team" ||
				!slices.Equal(b.Decisions, []string{"ADR-0001", "ADR-0007", "ADR-0012"}) || b.Links["form"] != "/blueprints/go-service" {
				t.Errorf("go-service: %+v", b)
			}
		}
	}
	if want := []string{"demo-environment", "go-service", "preview-environment", "terraform-module"}; !slices.Equal(names, want) {
		t.Errorf("blueprints %v, want %v", names, want)
	}
}

func TestAPIBlueprint(t *testing.T) {
	s, _ := newTestServer(t, nil)
	for _, tc := range []struct {
		target, version, param string
	}{
		{"/api/blueprints/go-service", "2.0.0", "httpPort"},
		{"/api/blueprints/go-service?version=1.4.0", "1.4.0", "port"},
	} {
		w := do(t, s, "GET", tc.target, nil)
		var got struct {
			Version    string
			Latest     string
			Versions   []apiVersion
			Parameters []apiParameter
		}
		decodeJSON(t, w.Body, &got)
		if w.Code != http.StatusOK || got.Version != tc.version || got.Latest != "2.0.0" || len(got.Versions) != 2 {
			t.Errorf("GET %s: %d %+v", tc.target, w.Code, got)
		}
		i := slices.IndexFunc(got.Parameters, func(p apiParameter) bool { return p.Path == tc.param })
		if i < 0 || got.Parameters[0].Path != "name" || !got.Parameters[0].Required {
			t.Errorf("GET %s: parameters %+v lack %s", tc.target, got.Parameters, tc.param)
		}
	}
	for _, target := range []string{"/api/blueprints/nope", "/api/blueprints/go-service?version=9.9.9", "/api/blueprints/go-service?version=../go-service-v2"} {
		if w := do(t, s, "GET", target, nil); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"error"`) {
			t.Errorf("GET %s: %d %s, want a JSON 404", target, w.Code, w.Body)
		}
	}
}

func TestAPISchema(t *testing.T) {
	s, _ := newTestServer(t, nil)
	w := do(t, s, "GET", "/api/blueprints/go-service/schema?version=1.4.0", nil)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/schema+json" {
		t.Fatalf("GET schema: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var schema struct {
		Title      string
		Properties map[string]map[string]any
		Required   []string
	}
	decodeJSON(t, w.Body, &schema)
	if schema.Title != "go-service" || schema.Properties["port"]["maximum"] != float64(65535) || !slices.Equal(schema.Required, []string{"name"}) {
		t.Errorf("schema: %+v", schema)
	}
	if w := do(t, s, "GET", "/api/blueprints/nope/schema", nil); w.Code != http.StatusNotFound {
		t.Errorf("GET schema of an unknown blueprint: %d", w.Code)
	}
}

func TestAPIValidate(t *testing.T) {
	s, tmp := newTestServer(t, nil)
	type field struct {
		Path    string
		Message string
		Input   *blueprint.Position
		Schema  []blueprint.Position
	}
	type problem struct {
		Error     string
		Blueprint string
		Version   string
		Fields    []field
	}
	t.Run("valid", func(t *testing.T) {
		w := do(t, s, "POST", "/api/blueprints/go-service/validate", strings.NewReader(`{"name": "orders", "tier": "prod", "replicas": 3}`), "Content-Type", "application/json")
		var got struct {
			Valid   bool
			Version string
			Values  map[string]any
			Derived map[string]any
		}
		decodeJSON(t, w.Body, &got)
		if w.Code != http.StatusOK || !got.Valid || got.Version != "2.0.0" || got.Values["httpPort"] != float64(8080) || got.Derived["image"] != "ghcr.io/acme/orders:latest" {
			t.Errorf("validate: %d %s", w.Code, w.Body)
		}
	})
	t.Run("yaml", func(t *testing.T) {
		w := do(t, s, "POST", "/api/blueprints/go-service/validate?version=1.4.0", strings.NewReader("name: orders\nport: 9000\n"), "Content-Type", "application/yaml")
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"port": 9000`) {
			t.Errorf("validate YAML: %d %s", w.Code, w.Body)
		}
	})
	for _, tc := range []struct {
		name, target, body string
		want               []field // path, message substring, input line:column (0: none)
	}{
		{"cross-field rule", "/api/blueprints/go-service/validate", "{\n  \"name\": \"orders\",\n  \"tier\": \"prod\",\n  \"replicas\": 2\n}",
			[]field{{Path: "replicas", Message: "prod services need at least 3 replicas", Input: &blueprint.Position{Filename: "request.json", Line: 4, Column: 15}}}},
		{"pattern and bounds", "/api/blueprints/go-service/validate?version=1.4.0", `{"name": "Orders", "port": 80}`,
			[]field{{Path: "name", Message: "name must start with a letter"}, {Path: "port", Message: "port must be between 1024 and 65535"}}},
		{"unknown parameter", "/api/blueprints/go-service/validate", `{"name": "orders", "bogus": 1}`,
			[]field{{Path: "bogus", Message: "unknown parameter"}}},
		{"missing required", "/api/blueprints/preview-environment/validate", `{}`,
			[]field{{Path: "mergeRequest", Message: "required"}, {Path: "service", Message: "required"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(t, s, "POST", tc.target, strings.NewReader(tc.body))
			var got problem
			decodeJSON(t, w.Body, &got)
			if w.Code != http.StatusUnprocessableEntity || got.Error != "invalid parameters" || got.Blueprint == "" || got.Version == "" {
				t.Fatalf("validate: %d %s", w.Code, w.Body)
			}
			for _, want := range tc.want {
				i := slices.IndexFunc(got.Fields, func(f field) bool {
					return (want.Path == "" || f.Path == want.Path) && strings.Contains(f.Message, want.Message)
				})
				if i < 0 {
					t.Errorf("no field error %s: %s in\n%s", want.Path, want.Message, w.Body)
					continue
				}
				f := got.Fields[i]
				if want.Input != nil && (f.Input == nil || *f.Input != *want.Input) {
					t.Errorf("%s: input position %v, want %v", f.Path, f.Input, want.Input)
				}
				for _, p := range f.Schema {
					if strings.HasPrefix(p.Filename, "/") {
						t.Errorf("%s: schema position names a server path: %v", f.Path, p)
					}
				}
			}
		})
	}
	if w := do(t, s, "POST", "/api/blueprints/nope/validate", strings.NewReader(`{}`)); w.Code != http.StatusNotFound {
		t.Errorf("validate an unknown blueprint: %d", w.Code)
	}
	if w := do(t, s, "POST", "/api/blueprints/go-service/validate", strings.NewReader(`{}`), "Content-Type", "text/plain"); w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("validate text/plain: %d", w.Code)
	}
	if w := do(t, s, "GET", "/api/blueprints/go-service/validate", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET validate: %d", w.Code)
	}
	assertEmptyDir(t, tmp)
}

func TestAPIRender(t *testing.T) {
	s, tmp := newTestServer(t, nil)
	body := `{"name": "orders", "tier": "prod", "replicas": 3, "database": "postgres", "team": "payments"}`
	w := do(t, s, "POST", "/api/blueprints/go-service/render", strings.NewReader(body), "Content-Type", "application/json")
	if w.Code != http.StatusOK {
		t.Fatalf("render: %d %s", w.Code, w.Body)
	}
	if ct, cd := w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"); ct != "application/gzip" || cd != `attachment; filename=orders.tar.gz` {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	if w.Header().Get("Content-Length") != "" && w.Header().Get("Content-Length") != itoa(w.Body.Len()) {
		t.Errorf("Content-Length %s, body %d bytes", w.Header().Get("Content-Length"), w.Body.Len())
	}
	first := append([]byte(nil), w.Body.Bytes()...)
	files := readArchive(t, bytes.NewReader(first))
	for _, name := range []string{
		"orders/", "orders/.goldenpath/manifest.json", "orders/cmd/orders/main.go", "orders/deploy/k8s/deployment.yaml",
		"orders/deploy/postgres/statefulset.yaml", "orders/internal/health/health.go", "orders/Dockerfile", "orders/docs/adr/",
	} {
		if _, ok := files[name]; !ok {
			t.Errorf("the archive lacks %s", name)
		}
	}
	for name, e := range files {
		if !strings.HasPrefix(name, "orders/") || strings.Contains(name, "..") {
			t.Errorf("entry outside the project's directory: %s", name)
		}
		if e.typ != '0' && e.typ != '5' {
			t.Errorf("%s: type %q, want a file or a directory", name, e.typ)
		}
	}
	if d := files["orders/deploy/k8s/deployment.yaml"].body; !strings.Contains(d, "replicas: 3") || !strings.Contains(d, "payments") {
		t.Errorf("deployment.yaml:\n%s", d)
	}
	m, err := render.DecodeManifest(strings.NewReader(files["orders/.goldenpath/manifest.json"].body))
	if err != nil {
		t.Fatal(err)
	}
	if m.Blueprint.Name != "go-service" || m.Blueprint.Version != "2.0.0" || !strings.Contains(string(m.Parameters), `"replicas":3`) {
		t.Errorf("manifest: %+v %s", m.Blueprint, m.Parameters)
	}
	for _, f := range m.Files {
		e, ok := files["orders/"+f.Path]
		if !ok || int64(len(e.body)) != f.Size || e.mode != int64(f.Mode) {
			t.Errorf("%s: in the archive %v (mode %o, %d bytes), the manifest says mode %o, %d bytes", f.Path, ok, e.mode, len(e.body), f.Mode, f.Size)
		}
	}

	// The same render gives the same archive, byte for byte.
	w = do(t, s, "POST", "/api/blueprints/go-service/render", strings.NewReader(body))
	if !bytes.Equal(w.Body.Bytes(), first) {
		t.Error("two renders of the same values gave different archives")
	}

	// An older version, by ?version=.
	w = do(t, s, "POST", "/api/blueprints/go-service/render?version=1.4.0", strings.NewReader(`{"name": "legacy"}`))
	files = readArchive(t, w.Body)
	if _, ok := files["legacy/.golangci.yml"]; !ok || w.Code != http.StatusOK {
		t.Errorf("render 1.4.0: %d, files %v", w.Code, keys(files))
	}
	assertEmptyDir(t, tmp)
}

func TestAPIRenderRefused(t *testing.T) {
	s, tmp := newTestServer(t, nil)
	// The blueprint allows up to 168h; ADR-0015 enforces 72h.
	w := do(t, s, "POST", "/api/blueprints/preview-environment/render", strings.NewReader(`{"service": "shop", "mergeRequest": 12, "ttl": "100h"}`))
	var got struct {
		Error    string
		Findings []decision.Finding
	}
	decodeJSON(t, w.Body, &got)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(got.Error, "enforced") {
		t.Fatalf("render: %d %s", w.Code, w.Body)
	}
	i := slices.IndexFunc(got.Findings, func(f decision.Finding) bool {
		return f.Decision == "ADR-0015" && f.Rule == "max-ttl" && f.Field == "ttl" && f.Mode == decision.Enforce
	})
	if i < 0 {
		t.Errorf("no ADR-0015/max-ttl finding on ttl:\n%s", w.Body)
	}
	// Invalid values are refused before anything is rendered.
	if w := do(t, s, "POST", "/api/blueprints/go-service/render", strings.NewReader(`{"name": "X"}`)); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `"path": "name"`) {
		t.Errorf("render invalid values: %d %s", w.Code, w.Body)
	}
	if w := do(t, s, "POST", "/api/blueprints/nope/render", strings.NewReader(`{}`)); w.Code != http.StatusNotFound {
		t.Errorf("render an unknown blueprint: %d", w.Code)
	}
	assertEmptyDir(t, tmp)
}

func TestAPIRenderBusy(t *testing.T) {
	s, tmp := newTestServer(t, func(c *config) { c.MaxRenders, c.RenderWait = 1, 1 })
	s.renders <- struct{}{} // a render in progress
	w := do(t, s, "POST", "/api/blueprints/go-service/render", strings.NewReader(`{"name": "orders"}`))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("render while saturated: %d %s, Retry-After %q", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	<-s.renders
	if w := do(t, s, "POST", "/api/blueprints/go-service/render", strings.NewReader(`{"name": "orders"}`)); w.Code != http.StatusOK {
		t.Errorf("render once the slot is free: %d %s", w.Code, w.Body)
	}
	if len(s.renders) != 0 {
		t.Errorf("%d render slots still held", len(s.renders))
	}
	assertEmptyDir(t, tmp)
}

func TestAPIBodyLimit(t *testing.T) {
	s, tmp := newTestServer(t, func(c *config) { c.MaxBody = 1 << 10 })
	big := `{"name": "orders", "registry": "` + strings.Repeat("a", 2<<10) + `"}`
	for _, target := range []string{"/api/blueprints/go-service/validate", "/api/blueprints/go-service/render"} {
		w := do(t, s, "POST", target, strings.NewReader(big))
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "larger than 1024 bytes") {
			t.Errorf("POST %s with %d bytes: %d %s", target, len(big), w.Code, w.Body)
		}
	}
	assertEmptyDir(t, tmp)
}

func TestAPIDecisions(t *testing.T) {
	s, _ := newTestServer(t, nil)
	w := do(t, s, "GET", "/api/decisions", nil)
	var got struct {
		Decisions []struct {
			ID     string
			Status string
		}
	}
	decodeJSON(t, w.Body, &got)
	if w.Code != http.StatusOK || len(got.Decisions) != 12 || got.Decisions[0].ID != "ADR-0001" {
		t.Errorf("GET /api/decisions: %d %+v", w.Code, got)
	}
	w = do(t, s, "GET", "/api/decisions/ADR-0005", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"superseded"`) {
		t.Errorf("GET /api/decisions/ADR-0005: %d %s", w.Code, w.Body)
	}
	if w := do(t, s, "GET", "/api/decisions/ADR-9999", nil); w.Code != http.StatusNotFound {
		t.Errorf("GET an unknown decision: %d", w.Code)
	}

	// Without a registry, there are no decisions.
	s, _ = newTestServer(t, func(c *config) { c.Decisions = nil })
	if w := do(t, s, "GET", "/api/decisions", nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"decisions": []`) {
		t.Errorf("GET /api/decisions without a registry: %d %s", w.Code, w.Body)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A body that is not JSON is a bad request (400), as for /api/signals, with
// where the JSON breaks; never a 422 about parameters.
func TestAPIMalformedJSON(t *testing.T) {
	s, _ := newTestServer(t, nil)
	for _, target := range []string{"/api/blueprints/go-service/validate", "/api/blueprints/go-service/render"} {
		w := do(t, s, "POST", target, strings.NewReader("{\"name\": \"orders\",\n \"tier\": }"), "Content-Type", "application/json")
		var got struct {
			Error  string
			Fields []any
		}
		decodeJSON(t, w.Body, &got)
		if w.Code != http.StatusBadRequest || !strings.HasPrefix(got.Error, "malformed JSON: line 2, column ") || len(got.Fields) != 0 {
			t.Errorf("%s: %d %+v", target, w.Code, got)
		}
	}
}

// Positions in API errors name the blueprint's directory and file, never a
// path on the server's disk.
func TestAPIErrorsHideServerPaths(t *testing.T) {
	s, _ := newTestServer(t, nil)
	w := do(t, s, "POST", "/api/blueprints/go-service/validate", strings.NewReader(`{"name": "Orders_1"}`))
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `"file": "go-service-v2/blueprint.cue"`) {
		t.Errorf("validate: %d %s", w.Code, body)
	}
	if strings.Contains(body, "testdata/") {
		t.Errorf("a server path in the reply: %s", body)
	}
}
