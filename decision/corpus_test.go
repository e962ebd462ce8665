package decision_test

import (
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/decision"
)

var update = flag.Bool("update", false, "rewrite golden files")

// corpusEntry is one record of the corpus as the registry holds it.
type corpusEntry struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Status     string   `json:"status"`
	StatusText string   `json:"statusText,omitempty"`
	Decided    string   `json:"decided,omitempty"`
	DateNote   string   `json:"dateNote,omitempty"`
	Format     string   `json:"format"`
	Links      []string `json:"links,omitempty"`
	Problems   []string `json:"problems,omitempty"`
}

// corpusGolden is the registry of testdata/corpus: every record by file,
// and the problems that belong to no record (skipped files).
type corpusGolden struct {
	Records map[string]corpusEntry `json:"records"`
	Skipped []string               `json:"skipped"`
}

// TestCorpus loads testdata/corpus, one file per variant a real ADR folder
// holds — every status word of the table, every link phrase, every ID
// form and title prefix, record folders and category folders, templates
// and index files, dates in every form, CRLF, a byte order mark, non-ASCII
// titles — and compares the registry entry of each with
// testdata/corpus.golden.json (go test -run TestCorpus -update rewrites
// it). Nothing in the corpus is refused.
func TestCorpus(t *testing.T) {
	const dir = "testdata/corpus"
	reg, err := decision.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err, "the corpus loads without errors")
	got := corpusGolden{Records: map[string]corpusEntry{}, Skipped: []string{}}
	byFile := map[string]*corpusEntry{}
	for _, d := range reg.List(decision.Filter{}) {
		file := strings.TrimPrefix(d.File, dir+"/")
		e := corpusEntry{ID: d.ID, Title: d.Title, Status: string(d.Status), StatusText: d.StatusText,
			DateNote: d.DateNote, Format: string(d.Format)}
		if !d.Decided.IsZero() {
			e.Decided = d.Decided.Format("2006-01-02")
		}
		for _, l := range d.Links {
			s := string(l.Kind) + " " + l.Target
			if l.Inferred {
				s += " (inferred)"
			}
			e.Links = append(e.Links, s)
		}
		got.Records[file] = e
		byFile[d.File] = &e
	}
	for _, p := range reg.Lint(context.Background(), nil) {
		s := strings.TrimPrefix(p.String(), dir+"/")
		if e, ok := byFile[p.Pos.Filename]; ok {
			e.Problems = append(e.Problems, s)
			got.Records[strings.TrimPrefix(p.Pos.Filename, dir+"/")] = *e
			continue
		}
		got.Skipped = append(got.Skipped, s)
	}
	data, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	data = append(data, '\n')
	const golden = "testdata/corpus.golden.json"
	if *update {
		require.NoError(t, os.WriteFile(golden, data, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -run TestCorpus -update to create it")
	assert.Equal(t, string(want), string(data), "the registry of the corpus changed: go test -run TestCorpus -update rewrites the golden file; review its diff")

	// Every Markdown file of the corpus is a record or a skipped file.
	var mds []string
	require.NoError(t, walkMarkdown(dir, &mds))
	for _, f := range mds {
		_, isRecord := got.Records[f]
		skipped := slices.ContainsFunc(got.Skipped, func(s string) bool { return strings.HasPrefix(s, f+":") })
		assert.True(t, isRecord != skipped, "%s is neither a record nor skipped, or both", f)
	}
}

func walkMarkdown(dir string, out *[]string) error {
	return fsWalk(dir, func(rel string) {
		if strings.HasSuffix(strings.ToLower(rel), ".md") {
			*out = append(*out, rel)
		}
	})
}

func fsWalk(dir string, f func(rel string)) error {
	return fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			f(p)
		}
		return nil
	})
}

// TestMarkdownRoundTrip writes every record of the corpus with
// Decision.Markdown and reads it back: the ID, title, status (an unknown
// one is written as Proposed), date and written links survive.
func TestMarkdownRoundTrip(t *testing.T) {
	reg, err := decision.LoadDir(context.Background(), "testdata/corpus", nil)
	require.NoError(t, err)
	for _, d := range reg.List(decision.Filter{}) {
		name := d.File[strings.LastIndex(d.File, "/")+1:]
		if strings.EqualFold(name, "index.md") || strings.EqualFold(name, "readme.md") {
			name = d.ID + ".md"
		}
		md := d.Markdown()
		back, err := decision.Parse(name, md)
		require.NoError(t, err, "%s:\n%s", d.File, md)
		want := d.Status
		if want == decision.Unknown {
			want = decision.Proposed
		}
		if !strings.HasPrefix(d.ID, "ADR-") {
			continue // a slug ID comes from the file name, which Markdown does not choose
		}
		assert.Equal(t, d.ID, back.ID, "%s:\n%s", d.File, md)
		assert.Equal(t, d.Title, back.Title, d.File)
		assert.Equal(t, want, back.Status, "%s:\n%s", d.File, md)
		assert.Equal(t, d.Decided, back.Decided, d.File)
		for _, k := range []decision.LinkKind{decision.Supersedes, decision.SupersededBy, decision.Amends, decision.AmendedBy, decision.Relates} {
			var written []string
			for _, l := range d.Links {
				if l.Kind == k && !l.Inferred {
					written = append(written, l.Target)
				}
			}
			assert.Equal(t, written, back.Linked(k), "%s %s:\n%s", d.File, k, md)
		}
	}
}
