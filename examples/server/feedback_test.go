package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// testRecorder returns a Recorder whose IDs are prefix01, prefix02… and
// whose clock starts at start and advances a millisecond per signal.
func testRecorder(prefix string, start time.Time) *feedback.Recorder {
	n, now := 0, start
	return &feedback.Recorder{
		Now:   func() time.Time { now = now.Add(time.Millisecond); return now },
		NewID: func() string { n++; return fmt.Sprintf("%s%02d", prefix, n) },
	}
}

// fleetLimitsKey is the normalised hunk of the desire path against
// ADR-0012: the resource limits removed from the deployment.
const fleetLimitsKey = "-resources:\n-limits: {cpu: 250m, memory: 128Mi}\n"

// fleet returns the signals of a small fleet scanned an hour before
// testNow, made by hand as scan.Project, scan.Upgrade and feedback.Rate
// make them (docs/signals.md; the labels Aggregate reads):
//
//   - go-service projects orders and billing on 2.0.0, search on 1.4.0
//     (lagging 1 version, 40 days), payments on 1.2.0 (lagging 2, a lag
//     signal only); terraform-module's bucket on 1.0.0;
//   - ADR-0012/limits fails in orders and billing and is exempt in search,
//     where an exception covers it; all three removed the limits from
//     their deployment the same way: a desire path in a shared file,
//     against the rule (ReasonDesirePathAgainstRule);
//   - the three added the same lint target to the Makefile: a desire path
//     against nothing; orders and billing edited .gitignore alike: two
//     projects, not a desire path;
//   - ADR-0007/runtime-image passes in orders and billing and fails in
//     search; ADR-0013/team-set passes, warns and could not be checked;
//     ADR-0014/dotenv passes everywhere;
//   - go-service is rated 2, 1 and 2 (ReasonLowRating), ADR-0014 5.
func fleet(rec *feedback.Recorder) []feedback.Signal {
	var out []feedback.Signal
	subject := func(p, bp, v string) feedback.Subject {
		return feedback.Subject{Project: p, Owner: "team-" + p, Blueprint: bp, Version: v}
	}
	rule := func(sub feedback.Subject, dec, name string, mode decision.Mode, res feedback.Result, path string) {
		s := rec.New(feedback.SourceRule, sub)
		s.Decision, s.Rule, s.Mode, s.Severity, s.Result = dec, name, mode, decision.High, res
		if res != feedback.ResultPass {
			s.Evidence = feedback.Evidence{Message: name + " is not followed", Path: path}
		}
		out = append(out, s)
	}
	drift := func(sub feedback.Subject, file, path, key, hunk string) {
		s := rec.New(feedback.SourceDrift, sub)
		s.File = file
		s.Evidence = feedback.Evidence{Path: path, Hunk: hunk}
		s.Labels = map[string]string{"level": "shared", "change": "changed", "hunk.key": key}
		out = append(out, s)
	}
	lag := func(sub feedback.Subject, versions float64, days string) {
		s := rec.New(feedback.SourceLag, sub)
		s.Value, s.Unit = &versions, "versions"
		s.Labels = map[string]string{"latest": "2.0.0"}
		if days != "" {
			s.Labels["days"] = days
		}
		out = append(out, s)
	}
	for _, p := range []struct {
		name, version string
		limits        feedback.Result
		runtime       feedback.Result
		team          feedback.Result
		behind        float64
	}{
		{"orders", "2.0.0", feedback.ResultFail, feedback.ResultPass, feedback.ResultPass, 0},
		{"billing", "2.0.0", feedback.ResultFail, feedback.ResultPass, feedback.ResultWarn, 0},
		{"search", "1.4.0", feedback.ResultExempt, feedback.ResultFail, feedback.ResultError, 1},
	} {
		sub := subject(p.name, "go-service", p.version)
		rule(sub, "ADR-0012", "limits", decision.Enforce, p.limits, "deploy/k8s/deployment.yaml")
		if p.limits == feedback.ResultExempt {
			x := rec.New(feedback.SourceException, sub)
			x.Decision, x.Rule, x.Result = "ADR-0012", "limits", feedback.ResultExempt
			x.Evidence.Message = "search sizes itself"
			x.Labels = map[string]string{"status": "active", "expires": "2027-01-31"}
			out = append(out, x)
		}
		rule(sub, "ADR-0007", "runtime-image", decision.Enforce, p.runtime, "Dockerfile")
		rule(sub, "ADR-0013", "team-set", decision.Warn, p.team, "")
		rule(sub, "ADR-0014", "dotenv", decision.Warn, feedback.ResultPass, "")
		drift(sub, "deploy/k8s/deployment.yaml.tmpl", "deploy/k8s/deployment.yaml", fleetLimitsKey,
			"@@ -31,2 +30,0 @@\n-          resources:\n-            limits: {cpu: 250m, memory: 128Mi}\n")
		drift(sub, "Makefile", "", "+lint:\n+golangci-lint run\n", "@@ -20,0 +21,2 @@\n+lint:\n+\tgolangci-lint run\n")
		if p.name != "search" {
			drift(sub, ".gitignore", "", "+/tmp\n", "@@ -3,0 +4 @@\n+/tmp\n")
		}
		days := ""
		if p.behind > 0 {
			days = "40"
		}
		lag(sub, p.behind, days)
	}
	lag(subject("payments", "go-service", "1.2.0"), 2, "")
	lag(subject("bucket", "terraform-module", "1.0.0"), 0, "")
	for _, r := range []struct {
		bp, dec string
		score   int
		by      string
	}{{"go-service", "", 2, "alice"}, {"go-service", "", 1, "bob"}, {"go-service", "", 2, "carol"}, {"", "ADR-0014", 5, "alice"}} {
		s, err := feedback.Rate(rec, feedback.Rating{Blueprint: r.bp, Decision: r.dec, Score: r.score, Comment: "rated by " + r.by, By: r.by})
		if err != nil {
			panic(err)
		}
		out = append(out, s)
	}
	return out
}

// fleetJSON encodes signals as a JSON array of their JSON form.
func fleetJSON(t *testing.T, signals []feedback.Signal) []byte {
	t.Helper()
	b, err := json.Marshal(signals)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storeSignals returns every signal of st.
func storeSignals(t *testing.T, st feedback.Store) []feedback.Signal {
	t.Helper()
	var out []feedback.Signal
	for s, err := range st.Query(context.Background(), feedback.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// withStore gives the server st and a recorder whose IDs start with "r".
func withStore(st feedback.Store) func(*config) {
	return func(c *config) {
		c.Signals = st
		c.Recorder = testRecorder("r", testNow)
	}
}

func TestAPISignals(t *testing.T) {
	st := feedback.NewMemoryStore()
	s, _ := newTestServer(t, withStore(st))
	post := func(body string, header ...string) *httptest.ResponseRecorder {
		t.Helper()
		if len(header) == 0 {
			header = []string{"Content-Type", "application/json"}
		}
		return do(t, s, "POST", "/api/signals", strings.NewReader(body), header...)
	}
	type created struct {
		Stored int
		IDs    []string
	}
	stored := func(w *httptest.ResponseRecorder) created {
		t.Helper()
		var c created
		decodeJSON(t, w.Body, &c)
		if w.Code != http.StatusCreated {
			t.Fatalf("status %d, want 201: %s", w.Code, w.Body)
		}
		return c
	}

	// One signal in its JSON form, as gp scan writes them.
	one := `{"v":1,"id":"x1","time":"2026-11-03T10:15:00Z","source":"rule","subject":{"project":"orders","blueprint":"go-service","version":"2.0.0"},"decision":"ADR-0012","rule":"limits","mode":"enforce","result":"fail","severity":"high"}`
	if c := stored(post(one)); c.Stored != 1 || !slices.Equal(c.IDs, []string{"x1"}) {
		t.Errorf("one signal: %+v", c)
	}
	// Without an ID and a time, the server stamps them; an ID alone is
	// made for the signal's own time.
	if c := stored(post(`{"v":1,"source":"metric","subject":{"blueprint":"go-service"},"value":42,"unit":"s","labels":{"name":"first-render"}}`, "Content-Type", "application/json; charset=utf-8")); !slices.Equal(c.IDs, []string{"r01"}) {
		t.Errorf("a signal without ID: %+v", c)
	}
	if c := stored(post(`{"v":1,"id":"","time":"2026-11-04T08:00:00Z","source":"lag","value":1,"unit":"versions"}`, "Content-Type", "application/x-www-form-urlencoded")); !slices.Equal(c.IDs, []string{"r02"}) {
		t.Errorf("a signal with an empty ID: %+v", c)
	}
	// The fleet as an array, then two signals as JSON Lines.
	fleetSigs := fleet(testRecorder("s", testNow.Add(-time.Hour)))
	if c := stored(post(string(fleetJSON(t, fleetSigs)))); c.Stored != len(fleetSigs) || c.IDs[0] != "s01" || c.IDs[len(c.IDs)-1] != fleetSigs[len(fleetSigs)-1].ID {
		t.Errorf("an array: %+v", c)
	}
	lines := `{"v":1,"id":"l1","time":"2026-11-05T00:00:00Z","source":"rating","subject":{"blueprint":"go-service"},"value":3,"unit":"score"}` + "\n" +
		`{"v":1,"id":"l2","time":"2026-11-05T00:00:00+01:00","source":"upgrade","file":"Dockerfile","result":"pass"}` + "\n"
	if c := stored(post(lines, "Content-Type", "application/x-ndjson")); !slices.Equal(c.IDs, []string{"l1", "l2"}) {
		t.Errorf("JSON Lines: %+v", c)
	}
	// Ratings in their short form, alone or mixed with signals.
	if c := stored(post(`{"blueprint": "go-service", "score": 4, "comment": "fast to start", "by": "dana"}`)); !slices.Equal(c.IDs, []string{"r03"}) {
		t.Errorf("a rating: %+v", c)
	}
	if c := stored(post(`[{"decision": "ADR-0014", "score": 5}, ` + strings.Replace(one, `"x1"`, `"x2"`, 1) + `]`)); !slices.Equal(c.IDs, []string{"r04", "x2"}) {
		t.Errorf("a rating and a signal: %+v", c)
	}

	all := storeSignals(t, st)
	byID := map[string]feedback.Signal{}
	for _, sg := range all {
		byID[sg.ID] = sg
	}
	if len(all) != 8+len(fleetSigs) {
		t.Errorf("the store holds %d signals, want %d", len(all), 8+len(fleetSigs))
	}
	if sg := byID["x1"]; sg.Decision != "ADR-0012" || sg.Result != feedback.ResultFail || sg.Subject.Project != "orders" {
		t.Errorf("x1: %+v", sg)
	}
	if sg := byID["r01"]; !sg.Time.Equal(testNow.Add(time.Millisecond)) || sg.Source != feedback.SourceMetric {
		t.Errorf("r01 is stamped %v: %+v", sg.Time, sg)
	}
	if sg := byID["r02"]; !sg.Time.Equal(time.Date(2026, 11, 4, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("r02 lost its time: %+v", sg)
	}
	if sg := byID["l2"]; !sg.Time.Equal(time.Date(2026, 11, 4, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("l2: %v", sg.Time)
	}
	if sg := byID["r03"]; sg.Source != feedback.SourceRating || sg.Subject.Blueprint != "go-service" || sg.Value == nil || *sg.Value != 4 ||
		sg.Unit != "score" || sg.Evidence.Message != "fast to start" || sg.Labels["by"] != "dana" {
		t.Errorf("the rating r03: %+v", sg)
	}
	if sg := byID["r04"]; sg.Decision != "ADR-0014" || sg.Subject.Blueprint != "" || *sg.Value != 5 {
		t.Errorf("the rating r04: %+v", sg)
	}
}

func TestAPISignalsInvalid(t *testing.T) {
	st := feedback.NewMemoryStore()
	s, _ := newTestServer(t, func(c *config) { withStore(st)(c); c.MaxBody = 2048 })
	valid := `{"v":1,"id":"ok","time":"2026-11-03T10:15:00Z","source":"drift","file":"Makefile"}`
	for _, tc := range []struct {
		name, body, ct string
		status         int
		want           string
	}{
		{"not JSON", `signals!`, "", 400, "signal 0 is not JSON"},
		{"truncated", `{"v":1,`, "", 400, "signal 0 is not JSON"},
		{"empty", ``, "", 400, "no signals in the body"},
		{"empty array", `[]`, "", 400, "no signals in the body"},
		{"two arrays", `[` + valid + `] []`, "", 400, "more than one JSON array"},
		{"not objects", `[1, 2]`, "", 400, "signal 0: want a JSON object"},
		{"neither", `{"source":"drift"}`, "", 400, `signal 0: want a signal in its JSON form`},
		{"null", `null`, "", 400, "signal 0: want a JSON object"},
		{"unknown source", `{"v":1,"source":"gossip"}`, "", 422, "signal 0: "},
		{"unknown result", `{"v":1,"id":"a","time":"2026-11-03T10:15:00Z","source":"rule","result":"meh"}`, "", 422, "signal 0: "},
		{"bad time", `{"v":1,"id":"a","time":"yesterday","source":"rule"}`, "", 422, "signal 0: "},
		{"version 3", `{"v":3,"id":"a","time":"2026-11-03T10:15:00Z","source":"rule"}`, "", 422, "unsupported signal version 3"},
		{"scan in version 1", `{"v":1,"id":"a","time":"2026-11-03T10:15:00Z","source":"scan"}`, "", 422, `source "scan" needs version 2`},
		{"second invalid", `[` + valid + `, {"v":1,"source":"drift","value":"high"}]`, "", 422, "signal 1: "},
		{"score too high", `{"blueprint":"go-service","score":6}`, "", 422, "score 6: want a whole number from 1 to 5"},
		{"score not whole", `{"blueprint":"go-service","score":2.5}`, "", 422, "score 2.5"},
		{"score not a number", `{"blueprint":"go-service","score":"5"}`, "", 422, "rating: "},
		{"score null", `{"blueprint":"go-service","score":null}`, "", 422, "score is required"},
		{"unknown blueprint", `{"blueprint":"nope","score":3}`, "", 422, `no blueprint "nope" in the catalog`},
		{"unknown decision", `{"decision":"ADR-9999","score":3}`, "", 422, `no decision "ADR-9999" in the registry`},
		{"both", `{"blueprint":"go-service","decision":"ADR-0014","score":3}`, "", 422, "not both or neither"},
		{"unknown field", `{"blueprint":"go-service","score":3,"file":"/etc/passwd"}`, "", 422, `unknown field "file"`},
		{"long comment", `{"blueprint":"go-service","score":3,"comment":"` + strings.Repeat("é", maxComment+1) + `"}`, "", 413, "larger than 2048 bytes"},
		{"oversize", `[` + strings.Repeat(valid+",", 40) + valid + `]`, "", 413, "request body larger than 2048 bytes"},
		{"content type", valid, "text/plain", 415, "application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.ct
			if ct == "" {
				ct = "application/json"
			}
			w := do(t, s, "POST", "/api/signals", strings.NewReader(tc.body), "Content-Type", ct)
			var p struct {
				Error string
				Index *int
			}
			decodeJSON(t, w.Body, &p)
			if w.Code != tc.status || !strings.Contains(p.Error, tc.want) {
				t.Errorf("status %d %q, want %d and %q", w.Code, p.Error, tc.status, tc.want)
			}
			if tc.status == 422 && strings.HasPrefix(tc.want, "signal 1") && (p.Index == nil || *p.Index != 1) {
				t.Errorf("index %v, want 1", p.Index)
			}
		})
	}
	if n := st.Len(); n != 0 {
		t.Errorf("invalid requests stored %d signals", n)
	}

	// A comment over the limit, in a body under it.
	s, _ = newTestServer(t, withStore(st))
	w := do(t, s, "POST", "/api/signals", strings.NewReader(`{"blueprint":"go-service","score":3,"comment":"`+strings.Repeat("x", maxComment+1)+`"}`))
	if w.Code != 422 || !strings.Contains(w.Body.String(), "more than 2000") {
		t.Errorf("a long comment: %d %s", w.Code, w.Body)
	}
	if n := st.Len(); n != 0 {
		t.Errorf("invalid requests stored %d signals", n)
	}
}

func TestAPIFeedbackOff(t *testing.T) {
	s, _ := newTestServer(t, nil)
	for _, tc := range []struct{ method, target, body string }{
		{"POST", "/api/signals", `{"blueprint":"go-service","score":3}`},
		{"GET", "/api/report", ""},
	} {
		w := do(t, s, tc.method, tc.target, strings.NewReader(tc.body))
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "--store") {
			t.Errorf("%s %s without a store: %d %s", tc.method, tc.target, w.Code, w.Body)
		}
	}
	var h struct{ Feedback bool }
	decodeJSON(t, do(t, s, "GET", "/healthz", nil).Body, &h)
	if h.Feedback {
		t.Error("healthz says feedback is on")
	}
}

// reportJSON is the part of GET /api/report's body the tests read. (A
// report.Report does not decode its own JSON: decision.Step writes its
// date as YYYY-MM-DD and has no UnmarshalJSON.)
type reportJSON struct {
	Generated  time.Time
	Signals    int
	Projects   int
	Skipped    int
	SkipErrors []string
	Settings   struct {
		Registry    string
		MinProjects int
	}
	Revisit     []report.Revisit
	DesirePaths []report.DesirePath
	Blueprints  []report.BlueprintReport
}

func TestAPIReport(t *testing.T) {
	st := feedback.NewMemoryStore()
	s, _ := newTestServer(t, withStore(st))
	// The fleet through the API, as a scanner would post it.
	sigs := fleet(testRecorder("s", testNow.Add(-time.Hour)))
	if w := do(t, s, "POST", "/api/signals", bytes.NewReader(fleetJSON(t, sigs))); w.Code != http.StatusCreated {
		t.Fatalf("POST the fleet: %d %s", w.Code, w.Body)
	}
	report := func(query string) *reportJSON {
		t.Helper()
		w := do(t, s, "GET", "/api/report"+query, nil)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("GET /api/report%s: %d %s", query, w.Code, w.Body)
		}
		var r reportJSON
		decodeJSON(t, w.Body, &r)
		return &r
	}
	r := report("")
	if r.Signals != len(sigs) || r.Projects != 5 || !r.Generated.Equal(testNow) {
		t.Errorf("report of %d signals, %d projects, at %v", r.Signals, r.Projects, r.Generated)
	}
	if r.Settings.Registry != "" {
		t.Errorf("the report names the registry's source: %q", r.Settings.Registry)
	}
	// The desire paths, in three projects each, by file: the lint target
	// in the Makefile, the limits removed from the deployment; .gitignore,
	// edited in two, is not one.
	if len(r.DesirePaths) != 2 {
		t.Fatalf("desire paths %+v, want 2", r.DesirePaths)
	}
	dp := r.DesirePaths[1]
	if dp.Blueprint != "go-service" || dp.File != "deploy/k8s/deployment.yaml.tmpl" || dp.Key != fleetLimitsKey || dp.Count != 3 ||
		!slices.Equal(dp.Projects, []string{"billing", "orders", "search"}) || !strings.Contains(dp.Example.Hunk, "-            limits: {cpu: 250m") {
		t.Errorf("the desire path of the limits: %+v", dp)
	}
	if r.DesirePaths[0].File != "Makefile" || r.DesirePaths[0].Count != 3 {
		t.Errorf("the first desire path: %+v", r.DesirePaths[0])
	}
	// ADR-0012 comes first, for the desire path against its rule; the
	// blueprint's low rating and ADR-0015's revisit-by date follow.
	var got []string
	for _, rv := range r.Revisit {
		for _, rr := range rv.Reasons {
			got = append(got, rv.Decision+rv.Blueprint+":"+string(rr.Reason))
		}
	}
	want := []string{"ADR-0012:desire-path-against-rule", "ADR-0012:exemption-rate", "go-service:low-rating", "ADR-0015:revisit-by-passed"}
	if !slices.Equal(got, want) {
		t.Errorf("revisit %v, want %v", got, want)
	}
	against := r.Revisit[0].Reasons[0]
	if against.HunkID != dp.HunkID || against.Rule != "limits" || against.Count != 3 || len(against.Signals) != 6 {
		t.Errorf("the reason against ADR-0012: %+v", against)
	}
	// The evidence is the rule and drift signals of the three projects.
	for _, id := range against.Signals {
		i := slices.IndexFunc(sigs, func(sg feedback.Signal) bool { return sg.ID == id })
		if i < 0 || (sigs[i].Source != feedback.SourceRule && sigs[i].Source != feedback.SourceDrift) {
			t.Errorf("evidence %s is not a rule or drift signal of the fleet", id)
		}
	}
	var blueprints []string
	for _, b := range r.Blueprints {
		blueprints = append(blueprints, fmt.Sprintf("%s:%v", b.Name, b.Versions))
	}
	if got := strings.Join(blueprints, " "); got != "go-service:[{2.0.0 2} {1.4.0 1} {1.2.0 1}] terraform-module:[{1.0.0 1}]" {
		t.Errorf("blueprints %s", got)
	}

	// The query: since and until by day (until exclusive), min-projects.
	for query, n := range map[string]int{
		"?since=2026-11-15":                    len(sigs),
		"?since=2026-11-16":                    0,
		"?until=2026-11-15":                    0,
		"?since=2026-11-01&until=2026-11-16":   len(sigs),
		"?until=2026-11-16&min-projects=3":     len(sigs),
		"?since=2026-11-15&unknown=parameters": len(sigs),
	} {
		if r := report(query); r.Signals != n {
			t.Errorf("GET /api/report%s: %d signals, want %d", query, r.Signals, n)
		}
	}
	if r := report("?min-projects=4"); len(r.DesirePaths) != 0 || r.Settings.MinProjects != 4 {
		t.Errorf("min-projects=4: %d desire paths", len(r.DesirePaths))
	}
	if r := report("?min-projects=2"); len(r.DesirePaths) != 3 {
		t.Errorf("min-projects=2: %d desire paths, want 3", len(r.DesirePaths))
	}
	for _, query := range []string{"?since=yesterday", "?until=2026-13-01", "?since=2026-11-15&until=2026-11-15", "?min-projects=0", "?min-projects=three", "?min-projects=99999"} {
		if w := do(t, s, "GET", "/api/report"+query, nil); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"error"`) {
			t.Errorf("GET /api/report%s: %d %s, want 400", query, w.Code, w.Body)
		}
	}
}

// TestAPIReportFileStore: the report of a file store does not show where
// the file is, even in the errors of lines it could not read.
func TestAPIReportFileStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "signals.jsonl")
	if err := os.WriteFile(path, []byte(`{"v":9,"id":"future","time":"2030-01-01T00:00:00Z","source":"oracle"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := feedback.OpenFileStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, _ := newTestServer(t, withStore(st))
	if w := do(t, s, "POST", "/api/signals", strings.NewReader(`{"blueprint":"go-service","score":5}`)); w.Code != http.StatusCreated {
		t.Fatalf("POST a rating: %d %s", w.Code, w.Body)
	}
	w := do(t, s, "GET", "/api/report", nil)
	var r reportJSON
	decodeJSON(t, w.Body, &r)
	if r.Signals != 1 || r.Skipped != 1 || len(r.SkipErrors) != 1 || !strings.HasPrefix(r.SkipErrors[0], "signals.jsonl:1: ") {
		t.Errorf("report: %d signals, %d skipped %q", r.Signals, r.Skipped, r.SkipErrors)
	}
	if strings.Contains(w.Body.String(), dir) {
		t.Errorf("the report shows the store's directory %s:\n%s", dir, w.Body)
	}
}

// FuzzDecodeSignals: whatever the body of POST /api/signals, decoding it
// does not panic, fails with a 400 or a 422, or gives signals that are
// valid and, encoded and decoded again, the same.
func FuzzDecodeSignals(f *testing.F) {
	for _, seed := range []string{
		`{"v":1,"id":"x1","time":"2026-11-03T10:15:00Z","source":"rule","decision":"ADR-0012","result":"fail"}`,
		`[{"v":1,"source":"drift","file":"Makefile"},{"blueprint":"go-service","score":4,"by":"dana"}]`,
		`{"v":1,"source":"lag","value":1,"unit":"versions"}` + "\n" + `{"decision":"ADR-0014","score":5}`,
		`{"v":1,"id":7,"time":null,"source":"metric"}`,
		`{"v":2}`, `[]`, `[[]]`, `{"score":"5"}`, `null`, `"v"`, `{"v":1,"time":"","id":""}`,
	} {
		f.Add([]byte(seed))
	}
	st := feedback.NewMemoryStore()
	s, _ := newTestServer(f, withStore(st))
	f.Fuzz(func(t *testing.T, body []byte) {
		sigs, err := s.decodeSignals(body)
		if err != nil {
			var (
				bad     *badRequest
				invalid *invalidSignal
			)
			if !errors.As(err, &bad) && !errors.As(err, &invalid) {
				t.Fatalf("an error that is neither 400 nor 422: %T %v", err, err)
			}
			return
		}
		if len(sigs) == 0 {
			t.Fatal("no signals and no error")
		}
		for _, sg := range sigs {
			if err := sg.Validate(); err != nil {
				t.Fatalf("decoded an invalid signal %+v: %v", sg, err)
			}
			b, err := sg.MarshalJSON()
			if err != nil {
				t.Fatalf("encoding %+v: %v", sg, err)
			}
			again, err := feedback.DecodeSignal(b)
			if err != nil || !reflect.DeepEqual(again, sg) {
				t.Fatalf("%s decodes to %+v (%v), want %+v", b, again, err, sg)
			}
		}
	})
}

// TestAPISignalsToken: with a signals token, posting signals needs it.
func TestAPISignalsToken(t *testing.T) {
	st := feedback.NewMemoryStore()
	s, _ := newTestServer(t, func(c *config) {
		withStore(st)(c)
		c.SignalsToken = "s3cret-token"
	})
	body := `{"blueprint": "go-service", "score": 4}`
	for _, auth := range []string{"", "Bearer wrong", "s3cret-token", "Basic s3cret-token"} {
		h := []string{"Content-Type", "application/json"}
		if auth != "" {
			h = append(h, "Authorization", auth)
		}
		w := do(t, s, "POST", "/api/signals", strings.NewReader(body), h...)
		if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: status %d, want 401 with a challenge", auth, w.Code)
		}
	}
	if st.Len() != 0 {
		t.Fatalf("%d signals stored without the token", st.Len())
	}
	w := do(t, s, "POST", "/api/signals", strings.NewReader(body), "Content-Type", "application/json", "Authorization", "Bearer s3cret-token")
	if w.Code != http.StatusCreated || st.Len() != 1 {
		t.Fatalf("with the token: status %d, %d stored: %s", w.Code, st.Len(), w.Body)
	}
}
