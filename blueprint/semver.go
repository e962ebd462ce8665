package blueprint

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

var semverRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$`)
})

// IsVersion reports whether v is a semantic version (a leading "v" is
// allowed, as in git tags).
func IsVersion(v string) bool { return semverRe().MatchString(v) }

// CompareVersions compares two semantic versions by precedence, as
// semver.org defines it: -1 when a < b, 0 when equal, +1 when a > b. A
// leading "v" is ignored and build metadata does not count. A string that is
// not a version sorts before every version, and such strings compare as
// strings among themselves.
func CompareVersions(a, b string) int {
	ma, mb := semverRe().FindStringSubmatch(a), semverRe().FindStringSubmatch(b)
	switch {
	case ma == nil && mb == nil:
		return strings.Compare(a, b)
	case ma == nil:
		return -1
	case mb == nil:
		return 1
	}
	for i := 1; i <= 3; i++ {
		if c := compareNum(ma[i], mb[i]); c != 0 {
			return c
		}
	}
	pa, pb := ma[4], mb[4]
	switch {
	case pa == pb:
		return 0
	case pa == "":
		return 1 // a release is newer than its pre-releases
	case pb == "":
		return -1
	}
	fa, fb := strings.Split(pa, "."), strings.Split(pb, ".")
	for i := 0; i < len(fa) && i < len(fb); i++ {
		na, ea := strconv.ParseUint(fa[i], 10, 64)
		nb, eb := strconv.ParseUint(fb[i], 10, 64)
		switch {
		case ea == nil && eb == nil:
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
		case ea == nil:
			return -1 // numeric identifiers sort before alphanumeric ones
		case eb == nil:
			return 1
		default:
			if c := strings.Compare(fa[i], fb[i]); c != 0 {
				return c
			}
		}
	}
	return compareInt(len(fa), len(fb))
}

func compareNum(a, b string) int {
	if len(a) != len(b) {
		return compareInt(len(a), len(b))
	}
	return strings.Compare(a, b)
}

func compareInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
