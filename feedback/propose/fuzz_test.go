package propose

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/goldenpath-dev/goldenpath/render"
)

// FuzzParseHunk: any input either parses into a hunk whose counts match
// its lines, or is refused with an error; never a panic.
func FuzzParseHunk(f *testing.F) {
	for _, s := range []string{
		"@@ -18,0 +19,3 @@\n+logs:\n+\tkubectl logs\n+\n",
		"@@ -3 +3 @@\n-a\n+b\n",
		"@@ -3 +3 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n",
		"@@ -1,2 +0,0 @@\n-a\n-b\n",
		"@@ -1,1 +1,1 @@\n a\n",
		"@@ -x +1 @@\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHunk(s)
		if err != nil {
			return
		}
		if len(h.before)+len(h.del)+len(h.after) != h.oldLines || len(h.before)+len(h.ins)+len(h.after) != h.newLines || h.pos() < 0 {
			t.Fatalf("%q parsed as %+v", s, h)
		}
		for _, l := range slices.Concat(h.before, h.del, h.ins, h.after) {
			if strings.Count(l, "\n") > 1 {
				t.Fatalf("%q: line %q holds a newline", s, l)
			}
		}
	})
}

func TestParseHunk(t *testing.T) {
	h, err := parseHunk("@@ -3 +3,2 @@\n-a\n+b\n+c\n\\ No newline at end of file\n")
	if err != nil {
		t.Fatal(err)
	}
	if h.pos() != 2 || len(h.del) != 1 || h.del[0] != "a\n" || len(h.ins) != 2 || h.ins[1] != "c" {
		t.Fatalf("%+v", h)
	}
	h, err = parseHunk("@@ -4,4 +4,5 @@\n a\n b\n-c\n+C\n+D\n d\n")
	if err != nil {
		t.Fatal(err)
	}
	if h.pos() != 5 || len(h.before) != 2 || len(h.after) != 1 || len(h.del) != 1 || len(h.ins) != 2 {
		t.Fatalf("%+v", h)
	}
	for _, bad := range []string{"@@ -3 +3 @@\n-a\n", "@@ -1 +1 @@\n a\n", "x", "@@ -1 +1 @@\n*a\n+b\n", "@@ -1,3 +1,3 @@\n-a\n+A\n b\n-c\n+C\n"} {
		if _, err := parseHunk(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// FuzzPatchSchema: setting the version and release date of any
// blueprint.cue source either fails or yields one version line with the
// new version and one released line with the new date.
func FuzzPatchSchema(f *testing.F) {
	f.Add("package blueprint\n\nname:    \"go-service\"\nversion: \"2.0.0\"\nreleased: \"2026-10-01\"\n")
	f.Add("name: \"x\"\nversion: \"1.0.0\" // the version\n")
	f.Add("version:\"1\"")
	f.Add("parameters: {\n\tversion: \"1.0.0\"\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		out, err := patchSchema([]byte(src), "9.8.7", "2030-01-02")
		if err != nil {
			return
		}
		if n := len(fieldRe("version").FindAll(out, -1)); n != 1 {
			t.Fatalf("%q -> %q: %d version lines", src, out, n)
		}
		if !strings.Contains(string(out), `"9.8.7"`) || !strings.Contains(string(out), `"2030-01-02"`) {
			t.Fatalf("%q -> %q", src, out)
		}
	})
}

// FuzzTemplated: a line written as template text, with a value's
// occurrences as an expression, renders back to the line exactly with
// that value — whatever braces, quotes or joiners it holds.
func FuzzTemplated(f *testing.F) {
	f.Add("\tkubectl logs -l app=orders -f", "orders", false)
	f.Add("uses: ${{ secrets.TOKEN }} for orders", "orders", true)
	f.Add("module github.com/acme/orders/v2", "orders", true)
	f.Add("{{{{ }} {{- x -}}", "x", false)
	f.Fuzz(func(t *testing.T, line, v string, loose bool) {
		if strings.Contains(line, "\n") || v == "" || !utf8.ValidString(line) || !utf8.ValidString(v) {
			return
		}
		text := templated(line, []value{{text: v, expr: "{{.p}}"}}, loose)
		p, err := render.Template().(render.Preparer).Prepare("t", []byte(text))
		if err != nil {
			t.Fatalf("%q as %q does not parse: %v", line, text, err)
		}
		var b strings.Builder
		if err := p.Execute(context.Background(), &b, map[string]any{"p": v}); err != nil {
			t.Fatalf("%q as %q: %v", line, text, err)
		}
		if b.String() != line {
			t.Fatalf("%q as %q renders %q", line, text, b.String())
		}
	})
}
