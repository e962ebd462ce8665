package goldenpath_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/internal/heapwatch"
)

// YAML that expands: the merge bomb (nine levels of anchors, each merging
// the previous one ten times: 1.4 KB that expand past a billion nodes) and
// the 34-byte self-merge that overflows the stack of a recursive decoder.
// Each is read as every kind of YAML the library reads: a values file, a
// fetched catalog.yaml, a project's exceptions file and a decision's front
// matter.
var (
	yamlMergeBomb = mergeBomb()
	yamlSelfMerge = "name: orders\nx: &a {k: 1, <<: *a}\n"
)

func mergeBomb() string {
	var b strings.Builder
	b.WriteString("name: orders\nm0: &m0 {a: 1, b: 2}\n")
	for i := 1; i < 10; i++ {
		b.WriteString("m" + string(rune('0'+i)) + ": &m" + string(rune('0'+i)) + " {")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("k" + string(rune('0'+j)) + ": {<<: *m" + string(rune('0'+i-1)) + "}")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

func TestHostileYAML(t *testing.T) {
	docs := []struct{ name, doc, want string }{
		{"merge bomb", yamlMergeBomb, "YAML expands to more than 100000 nodes"},
		{"self merge", yamlSelfMerge, `anchor "a" refers to itself`},
	}
	readers := []struct {
		name string
		read func(t *testing.T, s *sandbox, doc string) error
	}{
		{"values file", func(t *testing.T, s *sandbox, doc string) error {
			dir := s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt": "{{.name}}"})
			values := filepath.Join(s.root, "values.yaml")
			require.NoError(t, os.WriteFile(values, []byte(doc), 0o644))
			return s.renderDir(dir, blueprint.ValuesFile(values))
		}},
		{"values data", func(t *testing.T, s *sandbox, doc string) error {
			dir := s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt": "{{.name}}"})
			return s.renderDir(dir, blueprint.ValuesData("request.yaml", []byte(doc)))
		}},
		{"fetched catalog.yaml", func(t *testing.T, s *sandbox, doc string) error {
			repo := gitRepo(t, s, map[string]string{"catalog.yaml": doc})
			_, err := blueprint.LoadCatalog(context.Background(), []string{"git::file://" + repo + "?ref=v1.0.0"}, s.sources(blueprint.Local))
			return err
		}},
		{"exceptions file", func(t *testing.T, s *sandbox, doc string) error {
			require.NoError(t, os.MkdirAll(filepath.Join(s.out, ".goldenpath"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(s.out, filepath.FromSlash(decision.ExceptionsFile)), []byte(doc), 0o644))
			_, err := decision.ReadExceptions(os.DirFS(s.out), decision.ExceptionsFile)
			return err
		}},
		{"decision front matter", func(t *testing.T, s *sandbox, doc string) error {
			dir := filepath.Join(s.root, "decisions")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			md := "---\nid: ADR-0001\ntitle: t\nstatus: accepted\n" + strings.TrimPrefix(doc, "name: orders\n") + "---\n# t\n"
			require.NoError(t, os.WriteFile(filepath.Join(dir, "0001-t.md"), []byte(md), 0o644))
			// A record is never refused for what it says: the front
			// matter the pre-pass refuses is read line by line instead,
			// unexpanded, and the problem names the limit. Strict
			// loading turns it into an error.
			reg, err := decision.LoadDir(context.Background(), dir, nil)
			require.NoError(t, err)
			var warned []string
			for _, p := range reg.Problems() {
				warned = append(warned, p.String())
			}
			require.NotEmpty(t, warned)
			_, err = decision.LoadDir(context.Background(), dir, &decision.Options{Strict: true})
			require.Error(t, err, "strict loading refuses the record")
			return fmt.Errorf("%s\n%w", strings.Join(warned, "\n"), err)
		}},
	}
	n := 0
	for _, d := range docs {
		for _, r := range readers {
			n++
			t.Run(d.name+" as "+r.name, func(t *testing.T) {
				s := newSandbox(t)
				goroutines := runtime.NumGoroutine()
				w := heapwatch.Start()
				start := time.Now()
				err := r.read(t, s, d.doc)
				took, peak := time.Since(start), w.Stop()
				require.Error(t, err)
				assert.Contains(t, err.Error(), d.want)
				assert.Less(t, took, 15*time.Second)
				assert.Less(t, peak, 1024.0, "peak heap in MiB")
				// Nothing the check started outlives it: counted against
				// the goroutines before it, not an absolute number.
				settled(t, goroutines)
				s.check()
			})
		}
	}
	t.Logf("%d hostile YAML cases", n)
}

// TestHostileYAMLInProject reads the bombs as YAML files of a rendered
// project that a tree rule checks: the project is untrusted too.
func TestHostileYAMLInProject(t *testing.T) {
	rule := "---\nid: ADR-0001\ntitle: deploy\nstatus: accepted\n---\n# deploy\n\n```cue\ndeploy: {\n\tfiles: \"*.yaml\"\n\tunify: kind: \"Deployment\"\n}\n```\n"
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "0001-deploy.md"), []byte(rule), 0o644))
	reg, err := decision.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	for _, doc := range []string{yamlMergeBomb, yamlSelfMerge} {
		project := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(project, "deploy.yaml"), []byte(doc), 0o644))
		start := time.Now()
		rep, err := decision.Evaluate(context.Background(), reg.List(decision.Filter{}), &decision.Subject{Files: os.DirFS(project)}, nil)
		require.NoError(t, err)
		assert.Less(t, time.Since(start), 15*time.Second)
		var msgs []string
		for _, f := range rep.Findings {
			msgs = append(msgs, f.Message)
		}
		assert.Contains(t, strings.Join(msgs, "\n"), "YAML", "findings: %v", msgs)
	}
}
