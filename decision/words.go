package decision

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// StatusWords returns the default table from the words teams write as a
// status to the lifecycle status they mean. Keys are lower case; a key of
// several words matches those words in order ("in review"). Parse looks up
// the longest key the status text starts with, after dropping Markdown
// emphasis, links and punctuation, so "**Approved** (by vote on 3/25/21)"
// is accepted and "Superceded by [4. …](…)" superseded. Options.Statuses
// adds entries or replaces these. Each call returns a new map.
func StatusWords() map[string]Status {
	m := map[string]Status{}
	for s, words := range map[Status][]string{
		Accepted: {"accepted", "approved", "implemented", "decided", "adopted", "done", "agreed",
			"active", "complete", "completed", "final", "in effect", "in force", "valid"},
		Proposed: {"proposed", "draft", "drafted", "pending", "in review", "under review", "review",
			"on hold", "open", "rfc", "in progress", "wip", "work in progress", "discussion",
			"under discussion", "in discussion", "suggested", "new", "planned", "tentative", "blocked",
			"paused", "deferred", "postponed"},
		Rejected: {"rejected", "declined", "refused", "abandoned", "withdrawn", "dismissed", "not accepted"},
		Deprecated: {"deprecated", "reverted", "reverted by", "retired", "obsolete", "obsoleted",
			"archived", "sunset", "cancelled", "canceled", "expired", "outdated"},
		Superseded: {"superseded", "superceded", "superseded by", "superceded by", "partly superseded",
			"partially superseded", "partly superseded by", "partially superseded by", "replaced",
			"replaced by"},
	} {
		for _, w := range words {
			m[w] = s
		}
	}
	return m
}

// Unknown is the status of a record that says none, or whose status the
// status table does not know: it is not in force, and lint warns.
const Unknown Status = "unknown"

// statusTable is the status table of one load: StatusWords with
// Options.Statuses over it, and the longest key in words.
type statusTable struct {
	words    map[string]Status
	maxWords int
}

func newStatusTable(extra map[string]Status) *statusTable {
	words := StatusWords()
	for k, v := range extra {
		words[strings.ToLower(strings.Join(strings.Fields(k), " "))] = v
	}
	t := &statusTable{words: words}
	for k := range words {
		t.maxWords = max(t.maxWords, len(strings.Fields(k)))
	}
	return t
}

var defaultStatusTable = sync.OnceValue(func() *statusTable { return newStatusTable(nil) })

var (
	placeholderRE = sync.OnceValue(func() *regexp.Regexp {
		// {proposed | accepted}, [draft | proposed], <status>, ?, TBD.
		return regexp.MustCompile(`^\s*(?:[{\[<][^}\]>]*[}\]>]|\?+|tbd|todo|status|n/?a|-+)\s*$|\{[^}]*\|[^}]*\}|\[[^\]]*\|[^\]]*\]|\w\s*\|\s*\w`)
	})
	struckRE     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`~~[^~]*~~`) })
	boldRE       = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?:\*\*|__)([^*_|]+)(?:\*\*|__)`) })
	statusWordRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[\p{L}\p{N}']+`) })
)

// lookup maps status text to a status. ok is false for a placeholder or a
// status the table does not know.
func (t *statusTable) lookup(text string) (Status, bool) {
	// "~~Proposed~~ Accepted": a struck-out status is the old one.
	if strings.Contains(text, "~~") {
		text = struckRE().ReplaceAllString(text, " ")
	}
	// "Proposed | **Accepted** | Deprecated": the choice is the bold one.
	if strings.Contains(text, "|") {
		if m := boldRE().FindAllStringSubmatch(text, 2); len(m) == 1 {
			text = m[0][1]
		}
	}
	if placeholderRE().MatchString(strings.ToLower(text)) || t.isChoiceList(text) {
		return Unknown, false
	}
	clean := mdLinkRE().ReplaceAllString(text, " ")
	words := statusWordRE().FindAllString(strings.ToLower(clean), 9)
	// The longest entry the text starts with; else, in a short line
	// ("The team accepted it"), the first entry anywhere.
	for start := 0; start < len(words) && (start == 0 || len(words) <= 8); start++ {
		if start > 0 && slices.Contains([]string{"not", "no", "never", "yet", "nor"}, words[start-1]) {
			return Unknown, false // "not yet accepted" says no status the table knows
		}
		for n := min(len(words)-start, t.maxWords); n > 0; n-- {
			if s, ok := t.words[strings.Join(words[start:start+n], " ")]; ok {
				return s, true
			}
		}
	}
	return Unknown, false
}

// isChoiceList reports whether text lists the choices of a template rather
// than a status: "Proposed, Accepted, Rejected, Deprecated, Superseded" —
// three or more words of the table, meaning two or more statuses.
func (t *statusTable) isChoiceList(text string) bool {
	parts := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return r == ',' || r == '/' })
	if len(parts) < 3 {
		return false
	}
	seen := map[Status]bool{}
	for _, p := range parts {
		s, ok := t.words[strings.Trim(strings.TrimSpace(p), "*_.`")]
		if !ok {
			return false
		}
		seen[s] = true
	}
	return len(seen) >= 2
}

// linkPhrase is a phrase that starts a linking line, and the kind of link
// it makes.
type linkPhrase struct {
	phrase string
	kind   LinkKind
	// status is the status the phrase gives the linking decision, if any.
	status Status
}

// linkPhrases are the phrases of linking lines, the longer of two phrases
// with a common start first ("partly superseded by" before "superseded
// by"). adr-tools writes "Supersedes"/"Superseded by" (Debian's package)
// or "Supercedes"/"Superceded by" (3.0.0 as released); both are read.
var linkPhrases = []linkPhrase{
	{"partially superseded by", SupersededBy, Superseded},
	{"partly superseded by", SupersededBy, Superseded},
	{"superseded by", SupersededBy, Superseded},
	{"superceded by", SupersededBy, Superseded},
	{"replaced by", SupersededBy, Superseded},
	{"supersedes", Supersedes, ""},
	{"supercedes", Supersedes, ""},
	{"replaces", Supersedes, ""},
	{"amended by", AmendedBy, ""},
	{"extended by", AmendedBy, ""},
	{"amends", Amends, ""},
	{"extends", Amends, ""},
	{"reverted by", Relates, Deprecated},
	{"relates to", Relates, ""},
	{"related to", Relates, ""},
	{"clarified by", Relates, ""},
	{"clarifies", Relates, ""},
	{"refined by", Relates, ""},
	{"refines", Relates, ""},
	{"see also", Relates, ""},
	{"depends on", Relates, ""},
}

// phraseAt returns the link phrase text starts with (after list markers
// and emphasis), and the text after it.
func phraseAt(text string) (linkPhrase, string, bool) {
	l := strings.TrimLeft(strings.TrimSpace(text), "*-+>_ \t")
	lower := strings.ToLower(l)
	for _, p := range linkPhrases {
		if strings.HasPrefix(lower, p.phrase) {
			rest := strings.TrimLeft(l[len(p.phrase):], "*_")
			if rest != "" && !strings.ContainsAny(rest[:1], " \t:[(") {
				continue // "supersedesX"
			}
			return p, rest, true
		}
	}
	return linkPhrase{}, "", false
}

// phraseIn returns the first link phrase anywhere in text, as in an
// admonition's "This record has been superseded by [ADR014](…)".
func phraseIn(text string) (linkPhrase, string, bool) {
	lower := strings.ToLower(text)
	best, at := linkPhrase{}, -1
	for _, p := range linkPhrases {
		if i := strings.Index(lower, p.phrase); i >= 0 && (at < 0 || i < at) {
			best, at = p, i
		}
	}
	if at < 0 {
		return linkPhrase{}, "", false
	}
	return best, text[at+len(best.phrase):], true
}

// Dates.

var (
	isoDateRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b`)
	})
	// December 1, 2021 / Dec 1st 2021 / Dec. 1, 2021
	monthDayYearRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b(` + monthNames + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`)
	})
	// 1 December 2021 / 1st Dec, 2021 / 1. Dezember is not read.
	dayMonthYearRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?\s+(` + monthNames + `)\.?,?\s+(\d{4})\b`)
	})
)

const monthNames = `jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?`

func monthOf(name string) time.Month {
	name = strings.ToLower(name)
	for m := time.January; m <= time.December; m++ {
		if strings.HasPrefix(strings.ToLower(m.String()), name[:3]) {
			return m
		}
	}
	return 0
}

// parseDate reads the first date in s: ISO (2021-12-01, 2021/12/01,
// RFC 3339), or written (December 1, 2021; 1 Dec 2021). note is the rest
// of s, trimmed of separators ("updated 2023-02-05 (clarification)"). ok is
// false when s holds no date of those forms, or an impossible one.
func parseDate(s string) (t time.Time, note string, ok bool) {
	s = strings.TrimSpace(s)
	type found struct {
		at, end int
		t       time.Time
	}
	var best *found
	try := func(loc []int, y, m, d int) {
		if loc == nil || (best != nil && best.at <= loc[0]) {
			return
		}
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if m < 1 || m > 12 || d < 1 || t.Day() != d || y < 1900 || y > 2999 {
			return
		}
		best = &found{loc[0], loc[1], t}
	}
	if m := isoDateRE().FindStringSubmatchIndex(s); m != nil {
		try(m, atoi(s[m[2]:m[3]]), atoi(s[m[4]:m[5]]), atoi(s[m[6]:m[7]]))
	}
	if best != nil && best.at == 0 {
		// An ISO date first: no written date can come before it.
	} else if m := monthDayYearRE().FindStringSubmatchIndex(s); m != nil {
		try(m, atoi(s[m[6]:m[7]]), int(monthOf(s[m[2]:m[3]])), atoi(s[m[4]:m[5]]))
	}
	if best != nil && best.at == 0 {
	} else if m := dayMonthYearRE().FindStringSubmatchIndex(s); m != nil {
		try(m, atoi(s[m[6]:m[7]]), int(monthOf(s[m[4]:m[5]])), atoi(s[m[2]:m[3]]))
	}
	if best == nil {
		return time.Time{}, "", false
	}
	note = strings.TrimSpace(s[:best.at] + " " + s[best.end:])
	note = strings.TrimSpace(strings.Trim(note, ",;:–—- \t"))
	return best.t, note, true
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' || n > 1e6 {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// parseISODate reads a date of our own formats (exception expiry, rule
// schedules): YYYY-MM-DD, or RFC 3339 (the day is kept).
func parseISODate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > 10 {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, errors.New("not a date: want YYYY-MM-DD")
	}
	return t, nil
}
