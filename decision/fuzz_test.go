package decision_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
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
// outcome is a decision (with or without a *LoadError) or a *LoadError
// whose problems all name the file, never a panic; a decision always has an
// ID and a valid status, and every rule a kind, a mode and a position in
// the file.
func FuzzParse(f *testing.F) {
	addExamples(f)
	paths, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.md"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Add("---\nid: X\nstatus: accepted\n---\n# T\n")
	f.Add("---\n")
	f.Add("---\n: [\n---\n")
	f.Add("# 1. T\n\nDate: 2026-01-01\n\n## Status\n\nSuperseded by [2. U](0002-u.md)\n")
	f.Add("* Status: superseded by [ADR-0005](0005-x.md)\n# x\n## Links\n* Relates to [y](y.md)\n")
	f.Add("````cue\nr: {exists: \"a\"}\n````\n```cue\n")
	f.Add("# ADR013: T\n\n:::note Superseded\nsuperseded by [ADR014](./adr014-x.md)\n:::\n")
	f.Add("# T\n\n> [!WARNING]\n> Replaced by ADR-7. Amends [x](0003-y/)\n\n!!! warning \"Deprecated\"\n    x\n")
	f.Add("---\nstatus:\nlinks: {relates-to: [ADR-1]}\ndate: December 1, 2021\n---\n# {title}\n<!-- a\n-->")
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
		}
		if d == nil {
			if err == nil {
				t.Fatal("no decision and no error")
			}
			return
		}
		if d.ID == "" || !d.Status.Valid() {
			t.Fatalf("decision without an ID or a valid status: %q %q", d.ID, d.Status)
		}
		for _, p := range d.Problems() {
			if p.Pos.Filename != "f.md" {
				t.Fatalf("problem outside the file: %s", p)
			}
		}
		for _, l := range d.Links {
			if l.Ref == "" || l.Pos.Filename != "f.md" {
				t.Fatalf("link without a reference or a position: %+v", l)
			}
		}
		for _, r := range d.Rules {
			if r.Kind == "" || !r.Mode.Valid() || !r.Severity.Valid() || r.Pos.Filename != "f.md" || !r.Pos.IsValid() {
				t.Fatalf("incomplete rule: %+v", r)
			}
		}
	})
}

// FuzzLoadLayout loads a folder holding two records and one more file at
// an arbitrary path with arbitrary content: loading ends in a registry
// (with or without a *LoadError), never a panic, and every record the
// registry holds is a file of the folder; the two records are always in it.
func FuzzLoadLayout(f *testing.F) {
	f.Add("0003-x/index.md", "# 3. X\n")
	f.Add("0003-x/README.md", "# X\n\n## Status\n\nAccepted\n")
	f.Add("a/b/c/adr-007-y.md", "# ADR 7: Y\n")
	f.Add("0001-a/notes.md", "# N\n")
	f.Add("20200925-z.md", "- Status: draft\n# Z\n")
	f.Add("x-template.md", "# T\n")
	f.Add("_drafts/0009-q.md", "# Q\n")
	f.Fuzz(func(t *testing.T, name, src string) {
		if !fs.ValidPath(name) || name == "." {
			return
		}
		fsys := fstest.MapFS{
			"0001-a.md": {Data: []byte("# 1. A\n\n## Status\n\nAccepted\n")},
			"0002-b.md": {Data: []byte("# 2. B\n\n## Status\n\nProposed\n")},
		}
		if _, clash := fsys[name]; clash {
			return
		}
		for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
			if _, isFile := fsys[dir]; isFile {
				return
			}
		}
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
		reg, err := decision.LoadFS(context.Background(), fsys, "", nil)
		if reg == nil {
			t.Fatalf("no registry: %v", err)
		}
		if err != nil {
			var le *decision.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %v is not a *LoadError", err)
			}
		}
		for _, d := range reg.List(decision.Filter{}) {
			if _, ok := fsys[d.File]; !ok {
				t.Fatalf("record %s from %q, not a file of the folder", d.ID, d.File)
			}
		}
		if reg.Len() < 1 {
			t.Fatalf("%d records", reg.Len())
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
