package decision_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
)

// addExamples seeds f with the example decisions.
func addExamples(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(decisionsDir, "*.md"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(string(data))
		}
	}
}

// FuzzParse parses arbitrary Markdown, with and without front matter: every
// outcome is a decision or a *LoadError whose problems all name the file,
// never a panic; a decision always has an ID and a valid status, and every
// rule a kind, a mode and a position in the file.
func FuzzParse(f *testing.F) {
	addExamples(f)
	f.Add("---\nid: X\nstatus: accepted\n---\n# T\n")
	f.Add("---\n")
	f.Add("---\n: [\n---\n")
	f.Add("# 1. T\n\nDate: 2026-01-01\n\n## Status\n\nSuperseded by [2. U](0002-u.md)\n")
	f.Add("* Status: superseded by [ADR-0005](0005-x.md)\n# x\n## Links\n* Relates to [y](y.md)\n")
	f.Add("````cue\nr: {exists: \"a\"}\n````\n```cue\n")
	f.Fuzz(func(t *testing.T, src string) {
		d, err := decision.Parse("f.md", []byte(src))
		if err != nil {
			var le *decision.LoadError
			if !errors.As(err, &le) || len(le.Problems) == 0 {
				t.Fatalf("error %v is not a *LoadError with problems", err)
			}
			for _, p := range le.Problems {
				if p.Pos.Filename != "f.md" {
					t.Fatalf("problem outside the file: %s", p)
				}
			}
			return
		}
		if d.ID == "" || !d.Status.Valid() {
			t.Fatalf("decision without an ID or a valid status: %q %q", d.ID, d.Status)
		}
		for _, r := range d.Rules {
			if r.Kind == "" || !r.Mode.Valid() || !r.Severity.Valid() || r.Pos.Filename != "f.md" || !r.Pos.IsValid() {
				t.Fatalf("incomplete rule: %+v", r)
			}
		}
	})
}

// FuzzRules loads arbitrary cue rule blocks and evaluates the rules that
// load against a small tree and parameters: loading and evaluation end in a
// rule, a *LoadError or findings, never a panic or a hang.
func FuzzRules(f *testing.F) {
	f.Add(`r: {params: replicas: >=3, mode: "enforce"}`)
	f.Add(`r: {files: "**/*.yaml", where: kind: "Deployment", unify: spec: replicas: int}`)
	f.Add(`r: {files: "*.txt", matches: "^a"}`)
	f.Add(`r: {files: "*.txt", notMatches: "(?m)^b"}`)
	f.Add(`r: {exists: "**", schedule: "2026-01-01": "enforce"}`)
	f.Add(`#D: x: int
r: {absent: "x/**", severity: "critical"}
s: {params: #D}`)
	f.Add(`r: {params: close({a: 1})}`)
	f.Add(`r: {files: "d.json", unify: [...int]}`)
	tree := fstest.MapFS{
		"a.txt":       {Data: []byte("a\nb\n")},
		"k8s/d.yaml":  {Data: []byte("kind: Deployment\nspec: {replicas: 2}\n---\nkind: Service\n")},
		"d.json":      {Data: []byte(`{"a": [1, 2]}`)},
		"bad.yaml":    {Data: []byte("a: [\n")},
		"x/y/z.pem":   {Data: []byte("k")},
		"empty.yaml":  {Data: []byte("")},
		"nested.json": {Data: []byte(`[[[[1]]]]`)},
	}
	params := map[string]any{"replicas": 2, "name": "orders", "nested": map[string]any{"a": []any{1, "x"}}}
	f.Fuzz(func(t *testing.T, block string) {
		d, err := decision.Parse("r.md", []byte("---\nid: R-1\nstatus: accepted\n---\n```cue\n"+block+"\n```\n"))
		if err != nil {
			var le *decision.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %v is not a *LoadError", err)
			}
			return
		}
		rep, err := decision.Evaluate(context.Background(), []*decision.Decision{d},
			&decision.Subject{Files: tree, Params: params}, &decision.EvalOptions{Timeout: 5 * time.Second})
		if err != nil {
			if errors.Is(err, decision.ErrEvalTimeout) {
				return
			}
			t.Fatalf("evaluate: %v", err)
		}
		if len(rep.Checks) != len(d.Rules) {
			t.Fatalf("%d checks for %d rules", len(rep.Checks), len(d.Rules))
		}
		for _, f := range rep.Findings {
			if !strings.HasPrefix(f.String(), f.Pos.Filename) {
				t.Fatalf("finding does not start with its position: %s", f)
			}
		}
	})
}

// FuzzParseExceptions parses arbitrary exception files: exceptions or a
// *LoadError, never a panic; every exception has the required fields.
func FuzzParseExceptions(f *testing.F) {
	f.Add("exceptions:\n  - decision: A\n    rule: r\n    justification: j\n    requested-by: a\n    approved-by: b\n    expires: 2027-01-01\n")
	f.Add("exceptions: []\n")
	f.Add("exceptions: {}\n")
	f.Add("- a\n")
	f.Fuzz(func(t *testing.T, src string) {
		xs, err := decision.ParseExceptions("x.yaml", []byte(src))
		if err != nil {
			var le *decision.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %v is not a *LoadError", err)
			}
			return
		}
		for _, x := range xs {
			if x.Decision == "" || x.Rule == "" || x.Justification == "" || x.Expires.IsZero() {
				t.Fatalf("incomplete exception: %+v", x)
			}
		}
	})
}
