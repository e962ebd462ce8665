package decision

import (
	"strings"
	"testing"
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
