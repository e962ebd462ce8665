// Package glob matches slash-separated paths against the globs of files
// rules, the one syntax blueprints and decisions share: "*" and the other
// path.Match patterns stay within one segment, and a "**" segment matches
// zero or more segments.
package glob

import (
	"fmt"
	"path"
	"strings"
)

// Check reports whether g is a well-formed glob: a relative,
// slash-separated pattern without empty, "." or ".." segments, whose
// segments are "**" or path.Match patterns.
func Check(g string) error {
	if g == "" || strings.HasPrefix(g, "/") || strings.Contains(g, `\`) {
		return fmt.Errorf("%q is not a relative slash-separated glob", g)
	}
	for _, seg := range strings.Split(g, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf(`%q has an empty, "." or ".." segment`, g)
		}
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("%q: %v", g, err)
		}
	}
	return nil
}

// Match reports whether the slash-separated path name matches g. A
// malformed segment matches nothing. It takes time proportional to the
// product of the segment counts, however many "**" g holds.
func Match(g, name string) bool {
	pat := strings.Split(g, "/")
	segs := strings.Split(name, "/")
	n := len(segs)
	// next[j] says whether pat[i+1:] matches segs[j:]; cur is row i.
	next := make([]bool, n+1)
	cur := make([]bool, n+1)
	next[n] = true
	for i := len(pat) - 1; i >= 0; i-- {
		if pat[i] == "**" {
			cur[n] = next[n]
			for j := n - 1; j >= 0; j-- {
				cur[j] = next[j] || cur[j+1]
			}
		} else {
			cur[n] = false
			for j := n - 1; j >= 0; j-- {
				cur[j] = false
				if next[j+1] {
					ok, _ := path.Match(pat[i], segs[j])
					cur[j] = ok
				}
			}
		}
		next, cur = cur, next
	}
	return next[0]
}
