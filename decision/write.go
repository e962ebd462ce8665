package decision

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// adrToolsPhrases are the words adr-tools writes for each kind of link:
// its own keywords as released ("Supercedes", "Superceded by"), which
// Parse reads as it reads the Debian package's "Supersedes".
var adrToolsPhrases = map[LinkKind]string{
	Supersedes:   "Supercedes",
	SupersededBy: "Superceded by",
	Amends:       "Amends",
	AmendedBy:    "Amended by",
	Relates:      "Relates to",
}

// Markdown returns d as a record in adr-tools' layout, so that adr-tools
// (adr new -s, adr link, adr generate) and this package read the file
// alike: "# N. Title" (N from an ID such as ADR-0007), "Date:", then a
// Status section holding the status word and one line per link written
// in the record, in adr-tools' keywords ("Superceded by [7. …](0007-….md)"),
// then the other sections of the body, rules included. Owner, deciders,
// tags and revisit-by are written as "Key: value" lines under the date,
// which adr-tools leaves alone. Scope and version have no place in the
// layout and are not written: a record that needs them keeps its front
// matter. Links the registry inferred are not written.
func (d *Decision) Markdown() []byte {
	var b bytes.Buffer
	title := d.Title
	if i := strings.LastIndexByte(d.ID, '-'); i > 0 {
		if n, err := strconv.Atoi(d.ID[i+1:]); err == nil {
			title = fmt.Sprintf("%d. %s", n, d.Title)
		}
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	if !d.Decided.IsZero() {
		fmt.Fprintf(&b, "Date: %s\n", formatDate(d.Decided))
	}
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	line("Owner", d.Owner)
	line("Deciders", strings.Join(d.Deciders, ", "))
	line("Tags", strings.Join(d.Tags, ", "))
	if !d.RevisitBy.IsZero() {
		line("Revisit-by", formatDate(d.RevisitBy))
	}
	b.WriteString("\n## Status\n\n")
	// A superseded record's status is its "Superceded by" line, as
	// adr-tools writes it; any other status is its word.
	if d.Status != Superseded || len(d.Linked(SupersededBy)) == 0 {
		word := string(d.Status)
		if d.Status == Unknown {
			word = "Proposed"
		}
		fmt.Fprintf(&b, "%s\n\n", strings.ToUpper(word[:1])+word[1:])
	}
	for _, l := range d.Links {
		if l.Inferred {
			continue
		}
		target := l.Target
		if strings.HasSuffix(strings.ToLower(l.Ref), ".md") || strings.HasSuffix(l.Ref, "/") {
			target = fmt.Sprintf("[%s](%s)", l.Target, l.Ref)
		}
		fmt.Fprintf(&b, "%s %s\n\n", adrToolsPhrases[l.Kind], target)
	}
	for i, s := range d.Sections {
		if (i == 0 && (s.Level == 1 || s.Title == d.Title)) || strings.EqualFold(s.Title, "status") {
			continue // the title, and the status written above
		}
		fmt.Fprintf(&b, "%s %s\n\n", strings.Repeat("#", s.Level), s.Title)
		if s.Body != "" {
			b.WriteString(s.Body)
			b.WriteString("\n\n")
		}
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}
