package decision

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// idScheme makes IDs from record numbers: Prefix-0007.
type idScheme struct {
	prefix string
	digits int
}

func (o *Options) scheme() idScheme {
	s := idScheme{prefix: "ADR", digits: 4}
	if o != nil && o.IDPrefix != "" {
		s.prefix = o.IDPrefix
	}
	if o != nil && o.IDDigits > 0 {
		s.digits = min(o.IDDigits, 9)
	}
	return s
}

func (s idScheme) id(n int) string { return fmt.Sprintf("%s-%0*d", s.prefix, s.digits, n) }

var (
	// 20200925-slug, 2020-09-25-slug
	datedNameRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^((?:19|20)\d\d)-?(\d\d)-?(\d\d)(?:[-_. ].*)?$`)
	})
	// 0003-slug, 3-slug, adr-003-slug, adr003-slug, ADR-0003-slug, adr_3_slug, 0003
	numberedNameRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?i:adr)?[-_ ]?(\d{1,6})(?:[-_. ].*)?$`)
	})
	// "Architecture Decision Record: Title", "ADR: Title"
	titleWordsRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?i:architecture\s+decision\s+record|adr)\s*[:\-–—]\s*(.+)$`)
	})
	// "ADR 12: Title", "ADR-012 - Title", "ADR013: Title", "[ADR-7] Title",
	// "DB-3. Title", "Architecture Decision Record 4: Title"
	titleIDRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\[?((?i:architecture\s+decision\s+record|adr))\s*[-#]?\s*(\d{1,6})\]?(?:\s*[:.\-–—)|]\s*|\s+)(.+)$`)
	})
	titleOtherIDRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\[?([A-Z][A-Za-z]{0,9})[- ]?(\d{1,6})\]?\s*[:.\-–—|]\s+(.+)$`)
	})
	// "12. Title" (adr-tools), "12: Title", "012 - Title"
	titleNumberRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(\d{1,6})(?:\s*[.:)]\s+|\s+[-–—]\s+)(.+)$`)
	})
	idPrefixRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`) })
	// A plain ID cited in text: ADR-0012, ADR-12, ADR 12, ADR012, DB-3.
	plainIDRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b(?:(?i:adr)[- ]?\d{1,6}|[A-Z][A-Z0-9]*-\d{1,6})\b`)
	})
	// A front matter id that is a decision ID rather than a site
	// generator's page ID: letters, a dash, digits (ADR-0012, DB-1).
	decisionIDRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*-\d+$`)
	})
)

// recordName splits the name a record is known by (its file name without
// ".md", or its folder's name) into the number it carries, if any. dated
// is set for log4brains' date prefixes, which are not numbers.
func recordName(name string) (number int, numbered, dated bool) {
	if m := datedNameRE().FindStringSubmatch(name); m != nil {
		if _, err := time.Parse("20060102", m[1]+m[2]+m[3]); err == nil {
			return 0, false, true
		}
	}
	if m := numberedNameRE().FindStringSubmatch(name); m != nil {
		n, err := strconv.Atoi(m[1])
		if err == nil {
			return n, true, false
		}
	}
	return 0, false, false
}

// nameID is the ID of a record known by name: the scheme's ID of its
// number, else the name itself (log4brains' slug "20200925-use-kafka", or
// "use-kafka").
func (s idScheme) nameID(name string) (id string, number int, numbered bool) {
	n, numbered, _ := recordName(name)
	if numbered {
		return s.id(n), n, true
	}
	return name, 0, false
}

// splitTitle strips an ID or number from a title: "ADR 12: Use X" is
// "Use X" with number 12 and prefix "ADR"; "7. Use X" is "Use X" with 7.
func splitTitle(title string) (rest, prefix string, number int, ok bool) {
	if m := titleNumberRE().FindStringSubmatch(title); m != nil {
		n, _ := strconv.Atoi(m[1])
		return strings.TrimSpace(m[2]), "", n, true
	}
	m := titleIDRE().FindStringSubmatch(title)
	if m == nil {
		m = titleOtherIDRE().FindStringSubmatch(title)
	}
	if m != nil {
		n, _ := strconv.Atoi(m[2])
		p := m[1]
		if strings.Contains(p, " ") || strings.EqualFold(p, "adr") {
			p = "ADR"
		}
		return strings.TrimSpace(m[3]), strings.ToUpper(p), n, true
	}
	if m := titleWordsRE().FindStringSubmatch(title); m != nil {
		return strings.TrimSpace(m[1]), "", -1, true
	}
	return title, "", 0, false
}

// normaliseID turns a cited ID into the scheme's form: "ADR 7", "adr007",
// "ADR-7" are ADR-0007 (with the default scheme); other prefixes keep
// theirs ("DB-3" is DB-0003). ok is false when ref is not of that form.
func (s idScheme) normaliseID(ref string) (string, bool) {
	i := strings.IndexFunc(ref, func(r rune) bool { return r >= '0' && r <= '9' })
	if i <= 0 {
		return "", false
	}
	prefix := strings.TrimRight(ref[:i], "- ")
	n, err := strconv.Atoi(ref[i:])
	if err != nil || prefix == "" || n > 999999 {
		return "", false
	}
	if strings.EqualFold(prefix, "adr") {
		prefix = s.prefix
	}
	return fmt.Sprintf("%s-%0*d", strings.ToUpper(prefix), s.digits, n), true
}

// refName is the record name a link to a file points at: the file name
// without ".md", or the folder of an index.md or README.md.
func refName(ref string) string {
	ref = strings.TrimSuffix(ref, "/")
	base := path.Base(ref)
	switch strings.ToLower(base) {
	case "index.md", "readme.md":
		base = path.Base(path.Dir(ref))
	}
	if strings.EqualFold(path.Ext(base), ".md") {
		base = base[:len(base)-3]
	}
	return base
}
