package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
)

// chartSVG returns the chart with the given id in a page, parsed.
func chartSVG(t *testing.T, page, id string) []*svgNode {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("the page has no chart %s", id)
	}
	start := strings.LastIndex(page[:i], "<svg")
	end := strings.Index(page[i:], "</svg>")
	return parseSVG(t, page[start:i+end+len("</svg>")])
}

// segTitles returns the titles of a chart's segments.
func segTitles(ns []*svgNode) []string {
	var out []string
	for _, n := range nodes(ns, "rect", "seg") {
		out = append(out, n.Title)
	}
	return out
}

func TestReportPage(t *testing.T) {
	st := feedback.NewMemoryStore()
	if err := st.Append(t.Context(), fleet(testRecorder("s", testNow.Add(-time.Hour)))...); err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, withStore(st))
	page := reportPage(t, s)
	for _, want := range []string{
		`30 signals from 2026-11-15 to 2026-11-15, 5 projects scanned (drift 8, rule 12, exception 1, lag 5, rating 4)`,
		`<a href="/api/report" id="report-json">`,
		// The revisit list: the decision, its reasons and their signals.
		`<a href="/decisions/ADR-0012">ADR-0012</a> Every deployment sets resource requests and limits`,
		`<span class="reason reason-desire-path-against-rule">desire path against a rule</span> 3 projects of go-service made the same edit to deploy/k8s/deployment.yaml where they fail, warn or are exempt from ADR-0012/limits.`,
		`ADR-0012/limits. <a href="#dp-2">See the edit.</a>`,
		`Signals: <code>s09</code> <code>s13</code> <code>s01</code> <code>s05</code> <code>s17</code> <code>s22</code>`,
		`blueprint <a href="/blueprints/go-service">go-service</a>`,
		`<span class="reason reason-low-rating">low rating</span>`,
		`<span class="reason reason-revisit-by-passed">revisit-by date passed</span> ADR-0015 was to be revisited by 2026-11-05, 10 days ago.`,
		// The decisions, the roll-outs, the desire paths with their hunk.
		`<tr id="dec-ADR-0012">`,
		`ADR-0012/<code>limits</code>: <span class="mode mode-enforce">enforce</span> today, enforced from 2026-09-01; 0 of 3 projects pass (0%), not passing: billing, orders.`,
		`<article class="desire" id="dp-2">`,
		`<code>deploy/k8s/deployment.yaml.tmpl</code> <span class="level level-shared">shared</span>`,
		`the example is from billing (<code>deploy/k8s/deployment.yaml</code>)`,
		`<span class="del">-            limits: {cpu: 250m, memory: 128Mi}</span>`,
		// The blueprints: versions and lag.
		`2.0.0 <small>×2</small><br>1.4.0 <small>×1</small><br>1.2.0 <small>×1</small>`,
		`2 of 4 projects behind; 0.8 versions on average, at most 2.0; 40.0 days on average, at most 40.0`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report page lacks %s", want)
		}
	}

	// Compliance: one bar per decision checked, a segment per outcome
	// present, with a legend of all five.
	ns := chartSVG(t, page, "chart-compliance")
	if n := len(nodes(ns, "g", "bar")); n != 4 {
		t.Errorf("compliance: %d bars, want 4 (ADR-0007, -0012, -0013, -0014)", n)
	}
	titles := segTitles(ns)
	want := []string{
		"ADR-0007: 2 of 3 checks pass (67%)", "ADR-0007: 1 of 3 checks fail (33%)",
		"ADR-0012: 2 of 3 checks fail (67%)", "ADR-0012: 1 of 3 checks are exempt (33%)",
		"ADR-0013: 1 of 3 checks pass (33%)", "ADR-0013: 1 of 3 checks warn (33%)", "ADR-0013: 1 of 3 checks could not be made (33%)",
		"ADR-0014: 3 of 3 checks pass (100%)",
	}
	if strings.Join(titles, "\n") != strings.Join(want, "\n") {
		t.Errorf("compliance segments:\n%s\nwant:\n%s", strings.Join(titles, "\n"), strings.Join(want, "\n"))
	}
	if n := len(nodes(ns, "title", "")); n != 1+4+8 {
		t.Errorf("compliance: %d titles, want 13 (the chart, 4 labels, 8 segments)", n)
	}
	var legend []string
	for _, n := range nodes(ns, "text", "") {
		legend = append(legend, strings.TrimSpace(n.Text))
	}
	if got := strings.Join(legend[:6], ", "); got != "pass, warn, fail, fail (audit), exempt, error" {
		t.Errorf("compliance legend %q", got)
	}
	if ns[0].Title != "Compliance per decision" {
		t.Errorf("compliance chart title %q", ns[0].Title)
	}

	// Desire paths: one bar per path, as long as its projects, linked to
	// its details.
	ns = chartSVG(t, page, "chart-desire")
	if titles := segTitles(ns); len(titles) != 2 ||
		titles[1] != "go-service: deploy/k8s/deployment.yaml.tmpl, edit 4c4790de1376b534: 3 projects (billing, orders, search)" {
		t.Errorf("desire path segments %q", titles)
	}
	var links []string
	for _, a := range nodes(ns, "a", "") {
		links = append(links, a.Attr["href"])
	}
	if strings.Join(links, " ") != "#dp-1 #dp-2" {
		t.Errorf("desire path links %v", links)
	}

	// Version spread: a bar per blueprint, a segment per version,
	// coloured by how far behind the catalog's latest it is.
	ns = chartSVG(t, page, "chart-spread")
	if n := len(nodes(ns, "g", "bar")); n != 2 {
		t.Errorf("version spread: %d bars, want 2", n)
	}
	want = []string{
		"go-service 2.0.0: 2 of 4 projects (50%), the latest",
		"go-service 1.4.0: 1 of 4 projects (25%), 1 version behind 2.0.0",
		"go-service 1.2.0: 1 of 4 projects (25%), 2 versions behind 2.0.0",
		"terraform-module 1.0.0: 1 of 1 project (100%), the latest",
	}
	if got := segTitles(ns); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("version spread segments:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var fills []string
	for _, n := range nodes(ns, "rect", "seg") {
		fills = append(fills, n.Attr["fill"])
	}
	if strings.Join(fills, " ") != strings.Join([]string{behindColors[0], behindColors[1], behindColors[2], behindColors[0]}, " ") {
		t.Errorf("version spread colours %v", fills)
	}

	// The catalog's navigation links the report.
	if home := do(t, s, "GET", "/", nil).Body.String(); !strings.Contains(home, `<a href="/report">Report</a>`) {
		t.Error("the catalog page does not link the report")
	}
}

func TestReportPageQuery(t *testing.T) {
	st := feedback.NewMemoryStore()
	if err := st.Append(t.Context(), fleet(testRecorder("s", testNow.Add(-time.Hour)))...); err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, withStore(st))

	w := do(t, s, "GET", "/report?since=2026-11-16&min-projects=2", nil)
	page := w.Body.String()
	for _, want := range []string{
		`0 signals, 0 projects scanned`,
		`name="since" id="q-since" value="2026-11-16"`,
		`value="2` + `" placeholder="3"`,
		`<a href="/api/report?min-projects=2&amp;since=2026-11-16" id="report-json">`,
		`ADR-0015</a> Preview environments expire`, // from the registry alone
		`None: no edit was made the same way in enough projects.`,
		`No project was scanned.`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report since 2026-11-16 lacks %s", want)
		}
	}
	if w.Code != http.StatusOK || strings.Contains(page, `id="chart-`) {
		t.Errorf("an empty report: %d, or charts of nothing", w.Code)
	}
	if page := do(t, s, "GET", "/report?min-projects=2", nil).Body.String(); strings.Count(page, `<article class="desire"`) != 3 {
		t.Error("min-projects=2 does not give 3 desire paths")
	}

	w = do(t, s, "GET", "/report?since=last+week", nil)
	if page := w.Body.String(); w.Code != http.StatusBadRequest || !strings.Contains(page, `<p class="problem" id="report-error" role="alert">since=last week: want a date, YYYY-MM-DD</p>`) ||
		!strings.Contains(page, `value="last week"`) {
		t.Errorf("a bad query: %d\n%s", w.Code, page)
	}

	s, _ = newTestServer(t, nil)
	w = do(t, s, "GET", "/report", nil)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `id="report-off"`) {
		t.Errorf("the report without a store: %d", w.Code)
	}
}

// TestReportPageEscapes: signals are posted by anyone who can reach the
// API; nothing they carry may become markup in the page or its charts.
func TestReportPageEscapes(t *testing.T) {
	st := feedback.NewMemoryStore()
	rec := testRecorder("x", testNow.Add(-time.Hour))
	evil := `<script>alert(1)</script>`
	var sigs []feedback.Signal
	for _, p := range []string{"a", "b", "c"} {
		sub := feedback.Subject{Project: p + evil, Blueprint: "bp" + evil, Version: `1.0.0"><img src=x>`}
		r := rec.New(feedback.SourceRule, sub)
		r.Decision, r.Rule, r.Result = "ADR"+evil, "rule"+evil, feedback.ResultFail
		r.Evidence.Path = "f" + evil
		d := rec.New(feedback.SourceDrift, sub)
		d.File, d.Evidence.Hunk = "f"+evil, "@@ -1 +1 @@\n+"+evil+"\n"
		d.Labels = map[string]string{"level": "shared", "hunk.key": "+" + evil, "hunk.id": `"><script>`}
		sigs = append(sigs, r, d)
	}
	if err := st.Append(t.Context(), sigs...); err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, withStore(st))
	page := reportPage(t, s)
	if strings.Contains(page, "<script") || strings.Contains(page, "<img") {
		t.Errorf("the report lets markup from signals through:\n%s", page)
	}
	for _, id := range []string{"chart-compliance", "chart-desire", "chart-spread"} {
		ns := chartSVG(t, page, id)
		if len(nodes(ns, "rect", "seg")) == 0 || !strings.Contains(strings.Join(segTitles(ns), " "), evil) {
			t.Errorf("%s does not show the text of the signals, escaped: %q", id, segTitles(ns))
		}
	}
}

// TestReportPageBaselineAndModes: the page tells a rule failing on the
// blueprint's clean render apart from the teams' failures, audit failures
// apart from enforced ones, and names unneeded exceptions.
func TestReportPageBaselineAndModes(t *testing.T) {
	rec := testRecorder("b", testNow.Add(-time.Hour))
	var sigs []feedback.Signal
	for _, p := range []string{"alpha", "bravo", "charlie"} {
		sub := feedback.Subject{Project: p, Blueprint: "go-service", Version: "2.0.0"}
		s := rec.New(feedback.SourceRule, sub)
		s.Decision, s.Rule, s.Mode, s.Result = "ADR-0007", "build-stages-pinned", decision.Audit, feedback.ResultFail
		s.Evidence.Path, s.Labels = "Dockerfile", map[string]string{"baseline": "fail"}
		sigs = append(sigs, s)
		s = rec.New(feedback.SourceRule, sub)
		s.Decision, s.Rule, s.Mode, s.Result = "ADR-0007", "runtime-image", decision.Enforce, feedback.ResultPass
		if p == "alpha" {
			s.Result, s.Evidence.Path, s.Labels = feedback.ResultFail, "Dockerfile", map[string]string{"baseline": "pass"}
		}
		sigs = append(sigs, s)
		sigs = append(sigs, rec.New(feedback.SourceScan, sub))
	}
	st := feedback.NewMemoryStore()
	if err := st.Append(t.Context(), sigs...); err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, withStore(st))
	page := reportPage(t, s)
	for _, want := range []string{
		`<span class="reason reason-baseline-failure">fails on a clean render</span> go-service 2.0.0 violates ADR-0007 build-stages-pinned on a clean render, in 3 projects.`,
		// 6 checks: 2 pass, 1 enforced failure, 3 audit failures, all 3 on
		// the clean render.
		`<td>6</td>
<td>33%</td><td>0</td><td>1</td><td>3</td><td>0</td><td>0</td><td>3</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report page lacks %s", want)
		}
	}
	titles := segTitles(chartSVG(t, page, "chart-compliance"))
	want := []string{
		"ADR-0007: 2 of 6 checks pass (33%)", "ADR-0007: 1 of 6 checks fail (17%)", "ADR-0007: 3 of 6 checks fail an audit rule (50%)",
	}
	if strings.Join(titles, "\n") != strings.Join(want, "\n") {
		t.Errorf("compliance segments:\n%s\nwant:\n%s", strings.Join(titles, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(page, "6 checks, 3 on a clean render") {
		t.Errorf("the compliance bar does not say how many fail on a clean render")
	}
}

// TestReportPageAbsorption: a desire path whose projects upgraded and no
// longer carry the edit is shown absorbed.
func TestReportPageAbsorption(t *testing.T) {
	st := feedback.NewMemoryStore()
	var sigs []feedback.Signal
	for i, at := range []time.Time{testNow.Add(-50 * time.Hour), testNow.Add(-2 * time.Hour)} {
		rec := testRecorder(fmt.Sprintf("a%d-", i), at)
		for _, p := range []string{"orders", "billing", "search"} {
			sub := feedback.Subject{Project: p, Blueprint: "go-service", Version: []string{"2.0.0", "2.1.0"}[i]}
			if i == 0 {
				s := rec.New(feedback.SourceDrift, sub)
				s.File, s.Evidence.Hunk = "deploy/k8s/deployment.yaml.tmpl", "@@ -3 +3,2 @@\n+  annotations: {}\n"
				s.Labels = map[string]string{"level": "shared", "change": "changed", "hunk.key": "+annotations: {}", "hunk.id": "00aa11bb22cc33dd"}
				sigs = append(sigs, s)
			}
			v := 0.0
			s := rec.New(feedback.SourceScan, sub)
			s.Value, s.Unit = &v, "signals"
			sigs = append(sigs, s)
		}
	}
	if err := st.Append(t.Context(), sigs...); err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, withStore(st))
	page := reportPage(t, s)
	want := `<tr id="ab-00aa11bb22cc33dd"><td>go-service</td><td><code>deploy/k8s/deployment.yaml.tmpl</code></td><td><code>00aa11bb22cc33dd</code></td><td>3</td><td>3 <small>to 2.1.0</small></td><td>3</td><td>3</td><td>0</td><td>yes, 2.0 days after the first signal</td></tr>`
	if !strings.Contains(page, want) {
		i := strings.Index(page, `<section id="absorption">`)
		t.Fatalf("the page lacks %s\n%s", want, page[max(i, 0):])
	}
}

// reportPage returns the body of GET /report, which must answer 200.
func reportPage(t *testing.T, s http.Handler) string {
	t.Helper()
	w := do(t, s, "GET", "/report", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /report: %d\n%s", w.Code, w.Body.String())
	}
	return w.Body.String()
}
