package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

var aggUpdate = flag.Bool("update", false, "rewrite golden files")

// aggGolden compares got with the file testdata/name, or rewrites it with
// -update.
func aggGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *aggUpdate {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to write it", t.Name())
	assert.Equal(t, string(want), got)
}

// TestReportGolden renders the scenario's report in Markdown and JSON; the
// files in testdata show what a platform team reads.
func TestReportGolden(t *testing.T) {
	f, _ := aggScenario()
	opts := aggOpts(t)
	r := aggRun(t, f, opts)
	var md bytes.Buffer
	require.NoError(t, r.Markdown(&md, &report.MarkdownOptions{SignalURL: "https://gp.example.com/signals/{id}"}))
	aggGolden(t, "report.golden.md", md.String())
	aggGolden(t, "report.golden.json", aggJSON(t, r))

	// The same signals in another order make the same report.
	g := &aggFleet{sigs: slices.Clone(f.sigs)}
	slices.Reverse(g.sigs)
	assert.Equal(t, aggJSON(t, r), aggJSON(t, aggRun(t, g, opts)))
}

// TestReportMarkdown checks the order of the sections and the details a
// reader relies on.
func TestReportMarkdown(t *testing.T) {
	f, w := aggScenario()
	opts := aggOpts(t)
	var b strings.Builder
	require.NoError(t, aggRun(t, f, opts).Markdown(&b, &report.MarkdownOptions{SignalURL: "https://gp.example.com/signals/{id}"}))
	md := b.String()

	var at []int
	for _, h := range []string{"# Feedback report", "## Revisit", "### 1. blueprint svc", "### 2. ADR-0100", "### 3. ADR-0200", "## Decisions",
		"### Rollouts", "### Trend", "### Exceptions", "## Desire paths", "## Blueprints", "### Upgrade conflicts", "### Managed files edited"} {
		i := strings.Index(md, "\n"+h)
		if h == "# Feedback report" {
			i = strings.Index(md, h)
		}
		require.GreaterOrEqual(t, i, 0, "no %q in\n%s", h, md)
		at = append(at, i)
	}
	assert.True(t, slices.IsSorted(at), "sections out of order")
	assert.Contains(t, md, "[`"+w.exempt[0]+"`](https://gp.example.com/signals/"+w.exempt[0]+")")
	assert.Contains(t, md, "```diff\n@@ -1 +1 @@\n-port: 8080\n+port: 9090\n```\n")
	assert.Contains(t, md, "| ADR-0100: Decision ADR-0100 | accepted | 10 | 10 | 6 | 1 | 0 | 0 | 3 | 0 | 0 | 60% | 30% | 3 active, 1 expired |")
	assert.Contains(t, md, "| ADR-0200/port | warn | 2026-12-01 (21 days left) | 10 | 6 | 60% | 1 | p01, p02, p03 |")
}

// TestReportMarkdownEscapes: table cells and fences survive what people
// write.
func TestReportMarkdownEscapes(t *testing.T) {
	f := newAggFleet()
	f.scan(aggNow.Add(-time.Hour))
	for _, p := range []string{"p01", "p02", "p03"} {
		f.versions[p] = "1.0.0"
		f.exception(p, "ADR-1", "a|b", "2027-01-01", true, "line one\nline | two")
		f.drift(p, "README.md", "shared", "+```", "@@ -1 +1,4 @@\n+```go\n+x := 1\n+```\n")
	}
	var b strings.Builder
	require.NoError(t, aggRun(t, f, &report.AggregateOptions{Now: func() time.Time { return aggNow }}).Markdown(&b, nil))
	md := b.String()
	assert.Contains(t, md, "| ADR-1/a\\|b | p01 | 2027-01-01 | active | line one line \\| two | cto |")
	assert.Contains(t, md, "````diff\n@@ -1 +1,4 @@\n+```go\n+x := 1\n+```\n````\n")
}

// TestReportJSON pins the names of the JSON form's fields: renaming one
// breaks the readers docs/feedback.md promises them to.
func TestReportJSON(t *testing.T) {
	f, _ := aggScenario()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(aggJSON(t, aggRun(t, f, aggOpts(t)))), &m))
	keys := func(v any) []string {
		var out []string
		for k := range v.(map[string]any) {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	assert.Equal(t, []string{"absorptions", "blueprints", "decisions", "desirePaths", "first", "generated", "last", "projects",
		"revisit", "settings", "signals", "sources"}, keys(m))
	assert.Equal(t, []string{"checks", "exceptions", "file", "id", "modes", "rates", "ratings", "rules", "status", "subjects", "title", "trend"},
		keys(m["decisions"].([]any)[0]))
	assert.Equal(t, []string{"blueprint", "count", "example", "file", "hunkID", "key", "level", "projects", "signals"},
		keys(m["desirePaths"].([]any)[0]))
	assert.Equal(t, []string{"conflicts", "lag", "managedEdits", "name", "projects", "ratings", "versions"},
		keys(m["blueprints"].([]any)[0]))
	rv := m["revisit"].([]any)[1].(map[string]any) // ADR-0100, after the blueprint
	assert.Equal(t, []string{"decision", "reasons", "score", "status", "title"}, keys(rv))
	assert.Equal(t, []string{"count", "projects", "reason", "signalCount", "signals", "summary", "threshold", "value"},
		keys(rv["reasons"].([]any)[0]))
}

type aggBrokenWriter struct{}

func (aggBrokenWriter) Write([]byte) (int, error) { return 0, errors.New("pipe closed") }

func TestReportWriteErrors(t *testing.T) {
	f, _ := aggScenario()
	r := aggRun(t, f, &report.AggregateOptions{Now: func() time.Time { return aggNow }, Registry: decision.New()})
	assert.ErrorContains(t, r.Markdown(aggBrokenWriter{}, nil), "pipe closed")
	assert.ErrorContains(t, r.JSON(aggBrokenWriter{}), "pipe closed")
}
