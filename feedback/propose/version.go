package propose

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var versionRe = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)`)

// nextVersion increments the part bump of the semantic version v; a
// pre-release or build suffix is dropped, and so is a leading "v".
func nextVersion(v string, bump Bump) (string, error) {
	m := versionRe.FindStringSubmatch(v)
	if m == nil {
		return "", fmt.Errorf("version %q is not a semantic version: give the next version", v)
	}
	n := [3]int{}
	for i := range n {
		x, err := strconv.Atoi(m[i+1])
		if err != nil {
			return "", fmt.Errorf("version %q: %w", v, err)
		}
		n[i] = x
	}
	switch bump {
	case BumpMajor:
		n = [3]int{n[0] + 1, 0, 0}
	case BumpMinor:
		n = [3]int{n[0], n[1] + 1, 0}
	default:
		n[2]++
	}
	return fmt.Sprintf("%d.%d.%d", n[0], n[1], n[2]), nil
}

// fieldRe matches a top-level field of blueprint.cue holding a string:
// `version: "1.4.0"`, with any spacing and a comment after it.
func fieldRe(name string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^(` + name + `:[ \t]*)"[^"\n]*"`)
}

// patchSchema sets the top-level version and released fields of a
// blueprint.cue source, adding released after version when it has none.
func patchSchema(src []byte, version, released string) ([]byte, error) {
	vre := fieldRe("version")
	loc := vre.FindSubmatchIndex(src)
	if loc == nil {
		return nil, fmt.Errorf(`no top-level line version: "…" to bump`)
	}
	if len(vre.FindAllIndex(src, 2)) > 1 {
		return nil, fmt.Errorf("two top-level version fields")
	}
	out := vre.ReplaceAll(src, []byte(`${1}"`+version+`"`))
	rre := fieldRe("released")
	if rre.Match(out) {
		return rre.ReplaceAll(out, []byte(`${1}"`+released+`"`)), nil
	}
	// Insert released on the line after version, aligned as version is.
	loc = vre.FindIndex(out)
	eol := bytes.IndexByte(out[loc[1]:], '\n')
	if eol < 0 {
		eol = len(out) - loc[1]
	}
	at := loc[1] + eol
	label := string(vre.FindSubmatch(out)[1])
	pad := max(len(label)-len("released:"), 1)
	line := "\nreleased:" + strings.Repeat(" ", pad) + `"` + released + `"`
	return append(out[:at:at], append([]byte(line), out[at:]...)...), nil
}
