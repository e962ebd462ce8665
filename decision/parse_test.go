package decision_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/decision"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestADRToolsFolderLoadsUnchanged loads a folder as adr init, adr new,
// adr new -s 2 and adr new -l "3:Amends:Amended by" write it.
func TestADRToolsFolderLoadsUnchanged(t *testing.T) {
	reg, err := decision.LoadDir(context.Background(), "testdata/adr-tools", nil)
	require.NoError(t, err)
	require.Equal(t, 4, reg.Len())

	d1, ok := reg.Get("ADR-0001")
	require.True(t, ok)
	assert.Equal(t, "Record architecture decisions", d1.Title)
	assert.Equal(t, decision.Accepted, d1.Status)
	assert.Equal(t, decision.ADRTools, d1.Format)
	assert.Equal(t, date("2026-03-02"), d1.Decided)
	assert.Equal(t, "testdata/adr-tools/0001-record-architecture-decisions.md:1:1", d1.Pos.String())
	assert.Empty(t, d1.Links, "the links to articles are not links to decisions")

	d2, _ := reg.Get("ADR-0002")
	assert.Equal(t, decision.Superseded, d2.Status)
	assert.Equal(t, []string{"ADR-0003"}, d2.Linked(decision.SupersededBy))

	d3, _ := reg.Get("ADR-0003")
	assert.Equal(t, decision.Accepted, d3.Status)
	assert.Equal(t, []string{"ADR-0002"}, d3.Linked(decision.Supersedes))
	assert.Equal(t, []string{"ADR-0004"}, d3.Linked(decision.AmendedBy))
	s, ok := d3.Section("Decision")
	require.True(t, ok)
	assert.Equal(t, "We publish events to Kafka topics, one per aggregate.", s.Body)

	d4, _ := reg.Get("ADR-0004")
	assert.Equal(t, decision.Proposed, d4.Status)
	assert.Equal(t, []string{"ADR-0003"}, d4.Linked(decision.Amends))

	assert.Equal(t, []string{"ADR-0002", "ADR-0003"}, ids(reg.History("ADR-0002")))
	cur, ok := reg.Current("ADR-0002")
	require.True(t, ok)
	assert.Equal(t, "ADR-0003", cur.ID)

	// Both sides are written, so the folder lints clean.
	assert.Empty(t, reg.Lint(context.Background(), &decision.LintOptions{Now: clock("2026-11-30")}))
}

func ids(ds []*decision.Decision) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func TestParseMADRWithoutFrontMatter(t *testing.T) {
	d, err := decision.Parse("decisions/0021-use-grpc.md", []byte(`# Use gRPC between services

* Status: superseded by [ADR-0030](0030-use-connect.md)
* Deciders: ana, ben
* Date: 2025-02-03

## Context and Problem Statement

Services call each other over JSON/HTTP.

## Decision Outcome

Chosen option: "gRPC".

## Links

* Refined by [ADR-0022](0022-grpc-deadlines.md)
`))
	require.NoError(t, err)
	assert.Equal(t, "ADR-0021", d.ID)
	assert.Equal(t, "Use gRPC between services", d.Title)
	assert.Equal(t, decision.MADR, d.Format)
	assert.Equal(t, decision.Superseded, d.Status)
	assert.Equal(t, []string{"ana", "ben"}, d.Deciders)
	assert.Equal(t, date("2025-02-03"), d.Decided)
	assert.Equal(t, []string{"ADR-0030"}, d.Linked(decision.SupersededBy))
	assert.Equal(t, []string{"ADR-0022"}, d.Linked(decision.Relates))
	assert.Equal(t, []string{"Use gRPC between services", "Context and Problem Statement", "Decision Outcome", "Links"}, titles(d.Sections))
}

func titles(ss []decision.Section) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Title)
	}
	return out
}

func TestParseFrontMatter(t *testing.T) {
	d, err := decision.Parse("x/db.md", []byte(`---
id: DB-0001
title: One database per service
status: Accepted
date: 2025-01-02
revisit-by: 2026-01-02
owner: data-team
decision-makers: [ana, ben]
tags: [database]
scope:
  blueprints: [go-*]
  tags: [service]
supersedes: DB-0000
relates: [ADR-0001, ADR-0002]
version: 4
---
# Ignored heading title

Body text.
`))
	require.NoError(t, err)
	assert.Equal(t, "DB-0001", d.ID)
	assert.Equal(t, "One database per service", d.Title)
	assert.Equal(t, decision.FrontMatter, d.Format)
	assert.Equal(t, decision.Accepted, d.Status)
	assert.Equal(t, date("2026-01-02"), d.RevisitBy)
	assert.Equal(t, "data-team", d.Owner)
	assert.Equal(t, []string{"ana", "ben"}, d.Deciders)
	assert.Equal(t, decision.Scope{Blueprints: []string{"go-*"}, Tags: []string{"service"}}, d.Scope)
	assert.Equal(t, []string{"DB-0000"}, d.Linked(decision.Supersedes))
	assert.Equal(t, []string{"ADR-0001", "ADR-0002"}, d.Linked(decision.Relates))
	assert.Equal(t, "4", d.Version)
	assert.Equal(t, "x/db.md:2:1", d.Pos.String())
	assert.True(t, strings.HasPrefix(d.Digest, "sha256:"))
	assert.Contains(t, d.Body, "Body text.")
}

// TestParseProblemsHavePositions checks that every problem names the line
// it is on.
func TestParseProblemsHavePositions(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unclosed", "---\nid: x\n", "unclosed.md:1:1: front matter starts with --- and never ends"},
		// Front matter that is not YAML is read line by line, unless it
		// holds a scope, which decides where rules apply.
		{"bad-yaml-scope", "---\nid: X-9\nscope: {blueprints: [a}\n---\n# T\n", "bad-yaml-scope.md:2:1: bad-yaml-scope: front matter: did not find expected"},
		{"bad-scope", "---\nid: X-2\nscope: [a]\n---\n# T\n", "bad-scope.md:3:1: X-2: scope: want a mapping with blueprints and tags"},
		{"rule-syntax", "---\nid: X-3\n---\n# T\n\n```cue\nr: {mode: \"warn\" params: x: 1\n```\n", "rule-syntax.md:7:"},
		{"rule-two-targets", "---\nid: X-4\n---\n# T\n\n```cue\nr: {\n\tparams: x: 1\n\texists: \"a\"\n}\n```\n", "rule-two-targets.md:7:1: X-4: rule r: want exactly one of params, exists, absent and files, found 2"},
		{"rule-mode", "---\nid: X-5\n---\n```cue\nr: {mode: \"block\", absent: \"x\"}\n```\n", `rule-mode.md:5:5: X-5: rule r: unknown mode "block"`},
		{"rule-regexp", "---\nid: X-6\n---\n```cue\nr: {files: \"a\", matches: \"(\"}\n```\n", "rule-regexp.md:5:17: X-6: rule r: matches: error parsing regexp"},
		{"rule-glob", "---\nid: X-7\n---\n```cue\nr: {exists: \"../etc/passwd\"}\n```\n", "rule-glob.md:5:5: X-7: rule r: exists:"},
		{"rule-unknown", "---\nid: X-8\n---\n```cue\nr: {absent: \"x\", severity: \"low\", mdoe: \"warn\"}\n```\n", `rule-unknown.md:5:35: X-8: rule r: unknown field "mdoe"`},
		{"rule-schedule", "---\nid: X-9\n---\n```cue\nr: {absent: \"x\", schedule: \"soon\": \"enforce\"}\n```\n", `rule-schedule.md:5:28: X-9: rule r: schedule: "soon" is not a date`},
		{"rule-where", "---\nid: X-10\n---\n```cue\nr: {params: x: 1, where: x: 1}\n```\n", "X-10: rule r: where goes with files, not with params"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decision.Parse(tc.name+".md", []byte(tc.src))
			var le *decision.LoadError
			require.True(t, errors.As(err, &le), "error %v", err)
			require.NotEmpty(t, le.Problems)
			assert.Contains(t, le.Error(), tc.want)
			for _, p := range le.Problems {
				assert.True(t, p.Pos.IsValid() || tc.name == "rule-where", "problem without a line: %s", p)
			}
		})
	}
}

// TestParseWarnings checks that what a record says is never refused: a
// status or a date Parse cannot read, metadata of the wrong shape, are
// warnings at their line, and the record loads.
func TestParseWarnings(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"bad-status", "---\nid: X-1\nstatus: maybe\n---\n# T\n", `bad-status.md:3:1: X-1: warning: status "maybe" is not in the status table: the status is unknown`},
		{"bad-date", "# 3. T\n\nDate: 12/03/2025\n\n## Status\n\nAccepted\n", `bad-date.md:3:7: ADR-0003: warning: date "12/03/2025" is not a date`},
		{"bad-status-section", "# 3. T\n\n## Status\n\nSomeday, perhaps\n", `bad-status-section.md:5:1: ADR-0003: warning: status "Someday, perhaps" is not in the status table`},
		{"bad-list", "---\nid: X-2\ntags: {a: 1}\n---\n# T\n", "bad-list.md:3:1: X-2: warning: tags: want a list of strings"},
		{"no-status", "# 3. T\n", "no-status.md:1:1: ADR-0003: warning: no status: the status is unknown"},
		{"bad-yaml", "---\nid: [x\nstatus: accepted\n---\n# T\n", "bad-yaml.md:2:1: bad-yaml: warning: front matter: did not find expected ',' or ']' (read line by line: each value as written)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decision.Parse(tc.name+".md", []byte(tc.src))
			require.NoError(t, err)
			var got []string
			for _, p := range d.Problems() {
				got = append(got, p.String())
				assert.True(t, p.Warning, "%s", p)
			}
			assert.Contains(t, strings.Join(got, "\n"), tc.want)

			_, err = decision.ParseWith(tc.name+".md", []byte(tc.src), &decision.Options{Strict: true})
			var le *decision.LoadError
			require.True(t, errors.As(err, &le), "strict: error %v", err)
			assert.Contains(t, le.Error(), strings.Replace(tc.want, "warning: ", "", 1))
		})
	}
}

func TestParseRules(t *testing.T) {
	d, err := decision.Parse("r.md", []byte("---\nid: R-1\n---\n# R\n\n"+
		"```cue\n"+
		"#Kinds: \"Deployment\" | \"StatefulSet\"\n"+
		"\"max-replicas\": {params: replicas: <=10, mode: \"enforce\", severity: \"high\", message: \"at most ten\"}\n"+
		"manifest: {exists: \"deploy/**/*.yaml\", mode: \"warn\", schedule: {\"2027-01-01\": \"enforce\", \"2026-06-01\": \"warn\"}}\n"+
		"limits: {files: \"**/*.yaml\", where: kind: #Kinds, unify: spec: replicas: >=1}\n"+
		"```\n\n"+
		"```go\nnot: a rule\n```\n"+
		"```cue\nno: {absent: \"**/.env\", mode: \"audit\"}\n```\n"))
	require.NoError(t, err)
	require.Len(t, d.Rules, 4)
	r := d.Rule("max-replicas")
	require.NotNil(t, r)
	assert.Equal(t, decision.Params, r.Kind)
	assert.Equal(t, decision.Enforce, r.Mode)
	assert.Equal(t, decision.High, r.Severity)
	assert.Equal(t, "at most ten", r.Message)
	assert.Equal(t, "replicas: <=10", r.Constraint)
	assert.Equal(t, "r.md:8:1", r.Pos.String())

	m := d.Rule("manifest")
	assert.Equal(t, decision.Exists, m.Kind)
	assert.Equal(t, decision.Warn, m.ModeAt(date("2026-12-31")))
	assert.Equal(t, decision.Enforce, m.ModeAt(date("2027-01-01")))
	assert.True(t, m.EverEnforced(date("2026-01-01")))

	l := d.Rule("limits")
	assert.Equal(t, decision.Unify, l.Kind)
	assert.Equal(t, "kind: #Kinds", l.Where)
	assert.Equal(t, decision.Warn, l.Mode, "warn is the default mode")
	assert.Equal(t, decision.Medium, l.Severity, "medium is the default severity")

	assert.Equal(t, decision.Audit, d.Rule("no").Mode)
	assert.Nil(t, d.Rule("not"))
}

func TestStatusTransitions(t *testing.T) {
	ok := [][2]decision.Status{
		{decision.Proposed, decision.Accepted}, {decision.Proposed, decision.Rejected},
		{decision.Accepted, decision.Superseded}, {decision.Accepted, decision.Deprecated},
		{decision.Deprecated, decision.Superseded}, {decision.Rejected, decision.Proposed},
	}
	for _, from := range decision.Statuses() {
		for _, to := range decision.Statuses() {
			want := from == to || from == decision.Unknown || slices.Contains(ok, [2]decision.Status{from, to})
			assert.Equal(t, want, from.CanBecome(to), "%s -> %s", from, to)
		}
	}
}
