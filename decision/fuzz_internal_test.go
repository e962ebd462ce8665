package decision

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzStatusAndDates reads arbitrary text as a status, a date, a title and
// a record's name: never a panic; a status is always one of Statuses; a
// date read is a real day between 1900 and 2999; a title's rest is part of
// the title; a name always gives an ID.
func FuzzStatusAndDates(f *testing.F) {
	for _, s := range []string{
		"**Approved** (by vote on 3/25/21)", "Decided. Open to revisiting.", "{Proposed|Accepted|Deprecated}",
		"Superceded by [4. Use PostgreSQL](0004-use-postgresql.md)", "in review", "2019-05-13, updated 2023-02-05 (clarification)",
		"December 1, 2021", "1 Dec 2021", "3/25/21", "2021-02-30", "ADR 12: Title", "ADR-012 - Title", "[ADR-7] T",
		"Architecture Decision Record: T", "20200925-slug", "adr003-x", "ADR-0003-x", "0003", "7. T", "Sep 31st, 2020",
		"* **Status:** accepted", "- Date: 2020-01-01", "**Deciders**: ana, ben", "   Status:",
		"|a||", "||x|", "| Status | Accepted |",
	} {
		f.Add(s)
	}
	table := newStatusTable(map[string]Status{"parked": Proposed, "Im Einsatz": Accepted})
	scheme := (*Options)(nil).scheme()
	f.Fuzz(func(t *testing.T, s string) {
		if st, _ := table.lookup(s); !st.Valid() {
			t.Fatalf("status %q from %q", st, s)
		}
		if d, note, ok := parseDate(s); ok {
			if d.Year() < 1900 || d.Year() > 2999 {
				t.Fatalf("date %v from %q", d, s)
			}
			if len(note) > len(s) {
				t.Fatalf("note %q longer than %q", note, s)
			}
		}
		if rest, _, _, ok := splitTitle(s); ok && !strings.Contains(s, rest) {
			t.Fatalf("title %q from %q", rest, s)
		}
		if s != "" {
			if id, _, _ := scheme.nameID(s); id == "" {
				t.Fatalf("no ID from %q", s)
			}
		}
		if id, ok := scheme.normaliseID(s); ok && id == "" {
			t.Fatalf("empty ID from %q", s)
		}
		if k, v, col, ok := keyValue(s); ok && v != "" && (col < 1 || col > len(s) || !strings.HasPrefix(s[col-1:], v)) {
			t.Fatalf("key %q value %q at column %d of %q", k, v, col, s)
		}
		_ = refName(s)
		_ = withoutComments(strings.Split(s, "\n"))
		_, _, _ = phraseAt(s)
		_, _, _ = phraseIn(s)
	})
}

// headingRE is what heading does, as a regular expression.
var headingRE = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)

// FuzzHeading compares the hand-written heading reader with headingRE.
func FuzzHeading(f *testing.F) {
	for _, s := range []string{"# T", "## Status", "   ### x ###", "#5", "####### x", "# ", "#", " # a # b #", "#\tx", "# x#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, l string) {
		if strings.ContainsAny(l, "\n\r") {
			return
		}
		got, want := heading(l), headingRE.FindStringSubmatch(l)
		if (got == nil) != (want == nil) {
			t.Fatalf("%q: heading %q, regexp %q", l, got, want)
		}
		// The texts agree, except that heading drops a closing sequence
		// the regexp keeps when nothing else is left ("# #" is empty, as
		// CommonMark has it).
		if got != nil && (got[1] != want[1] || !strings.HasPrefix(strings.TrimSpace(want[2]), got[2]) ||
			strings.Trim(strings.TrimPrefix(strings.TrimSpace(want[2]), got[2]), "# \t") != "") {
			t.Fatalf("%q: heading %q, regexp %q", l, got, want)
		}
	})
}
