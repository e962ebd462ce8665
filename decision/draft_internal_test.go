package decision

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzLinkBack writes a link into any file in each style: it never panics,
// and the link is in the result whenever linkBack returns no error.
func FuzzLinkBack(f *testing.F) {
	f.Add("# 2. X\n\nDate: 2024-01-01\n\n## Status\n\nAccepted\n\n## Context\n\nY\n", 0, true)
	f.Add("---\nstatus: accepted\n---\n# X\n\n## More Information\n\nZ\n", 1, false)
	f.Add("# X\n\n* Status: accepted\n\n## Links\n\n- Relates to [a](b.md)\n", 2, false)
	f.Add("## Status\r\n```\n## Status\n```\nAccepted\r\n", 0, true)
	f.Fuzz(func(t *testing.T, src string, format int, supersede bool) {
		st := Style{Format: []Format{ADRTools, FrontMatter, MADR}[(format%3+3)%3], Supersede: "Supercede"}
		kind := Amends
		if supersede {
			kind = Supersedes
		}
		link := "Amended by [9. New](0009-new.md)"
		out, err := linkBack(st, []byte(src), kind, link)
		if err == nil && !strings.Contains(string(out), link) {
			t.Fatalf("the link is missing from %q", out)
		}
	})
}

// FuzzDraftName names a draft after any title and any record path: the
// name stays in the folder (a relative slash path without ".."), ends in
// the record's extension, and its slug has only letters, digits and the
// separator.
func FuzzDraftName(f *testing.F) {
	f.Add("0007-use-kafka.md", "Use Kafka for events")
	f.Add("adr-007_use_kafka.md", "Ünïcode — title ../../etc")
	f.Add("20240305-use-kafka.md", "a/b\\c")
	f.Add("0003-name/index.md", "x")
	f.Add("cat/sub/0003-x.md", "../..")
	f.Fuzz(func(t *testing.T, rel, title string) {
		if !strings.HasSuffix(strings.ToLower(rel), ".md") || strings.HasPrefix(rel, "/") || strings.Contains(rel, "..") || strings.ContainsAny(rel, "\\\x00") {
			return // the paths a folder's walk gives
		}
		st, newRel, err := draftName(New(), "", rel, Draft{Title: title, Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return
		}
		if strings.HasPrefix(newRel, "/") || strings.Contains("/"+newRel+"/", "/../") || newRel == rel {
			t.Fatalf("%q, %q: the draft's path %q", rel, title, newRel)
		}
		if path.Ext(newRel) != path.Ext(rel) || st.Name == "" {
			t.Fatalf("%q: %q, style %+v", rel, newRel, st)
		}
	})
}

// TestWriteWholeKeepsExisting: creating a record never replaces a file
// that is already there, and leaves no temporary file behind.
func TestWriteWholeKeepsExisting(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "0003-use-postgresql.md")
	if err := os.WriteFile(name, []byte("# 3. Theirs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeWhole(name, []byte("# 3. Ours\n"), true); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("writeWhole over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(name); string(b) != "# 3. Theirs\n" {
		t.Fatalf("the existing file became %q", b)
	}
	fresh := filepath.Join(dir, "0004-new.md")
	if err := writeWhole(fresh, []byte("# 4. New\n"), true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(fresh); string(b) != "# 4. New\n" {
		t.Fatalf("created %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("files left: %v", entries)
	}
}
