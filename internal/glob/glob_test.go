package glob

import (
	"path"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	cases := []struct {
		glob, name string
		want       bool
	}{
		{"README.md", "README.md", true},
		{"*.md", "README.md", true},
		{"*.md", "docs/README.md", false},
		{"**/*.md", "docs/README.md", true},
		{"**/*.md", "README.md", true},
		{"**", "a/b/c", true},
		{"**", "", true},
		{"deploy/**", "deploy/k8s/a.yaml", true},
		{"deploy/**", "deploy", true},
		{"deploy/**", "deployment/a.yaml", false},
		{"deploy/**/x.yaml", "deploy/x.yaml", true},
		{"deploy/**/x.yaml", "deploy/a/b/x.yaml", true},
		{"deploy/*/x.yaml", "deploy/a/b/x.yaml", false},
		{"a/[bc].txt", "a/c.txt", true},
		{"a/[", "a/[", false},
		{"**/**/b", "a/b", true},
		{"a/**/**", "a", true},
		{"a", "a/b", false},
	}
	for _, tc := range cases {
		if got := Match(tc.glob, tc.name); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.glob, tc.name, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, g := range []string{"README.md", "**", "deploy/**/x.yaml", "a/[bc].txt", ".github/*.yml"} {
		if err := Check(g); err != nil {
			t.Errorf("Check(%q) = %v", g, err)
		}
	}
	for g, want := range map[string]string{
		"":        "not a relative",
		"/etc/x":  "not a relative",
		"a/":      "empty",
		"a//b":    "empty",
		"./a":     `"."`,
		"a/../b":  `".."`,
		`a\b`:     "not a relative",
		"a/[":     "syntax error",
		"a/[]b/c": "syntax error",
	} {
		err := Check(g)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%q) = %v, want an error containing %q", g, err, want)
		}
	}
}

// Many "**" against a long path: a recursive matcher would not finish.
func TestMatchManyDoubleStars(t *testing.T) {
	g := strings.Repeat("**/a/", 40) + "b"
	if Match(g, strings.Repeat("a/", 400)+"c") {
		t.Error("matched a path that does not end in b")
	}
	if !Match(g, strings.Repeat("a/", 400)+"b") {
		t.Error("did not match a path of 400 a and a b")
	}
}

func BenchmarkMatchManyDoubleStars(b *testing.B) {
	g := strings.Repeat("**/a/", 40) + "b"
	name := strings.Repeat("a/", 400) + "c"
	for b.Loop() {
		Match(g, name)
	}
}

// naive is the recursive definition Match must agree with.
func naive(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if naive(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

func FuzzMatch(f *testing.F) {
	f.Add("**/*.md", "docs/README.md")
	f.Add("deploy/**/x.yaml", "deploy/a/b/x.yaml")
	f.Add("a/[bc].txt", "a/c.txt")
	f.Add("**/**", "")
	f.Fuzz(func(t *testing.T, g, name string) {
		pat, segs := strings.Split(g, "/"), strings.Split(name, "/")
		if len(pat) > 8 || len(segs) > 8 {
			return // the reference is exponential
		}
		_ = Check(g)
		if got, want := Match(g, name), naive(pat, segs); got != want {
			t.Fatalf("Match(%q, %q) = %v, the definition says %v", g, name, got, want)
		}
	})
}
