package decision

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/encoding/yaml"

	"github.com/goldenpath-dev/goldenpath/internal/yamlcheck"
)

// MaxFileBytes is the largest decision file Parse accepts.
const MaxFileBytes = 1 << 20

// Parse reads one decision record. name is the file's name: positions use
// it, and it gives the ID of a file without an id in its front matter
// ("0007-use-postgres.md" is ADR-0007). Links to other files stay as
// written until a Registry resolves them.
//
// Parse returns a *LoadError listing every problem when the file cannot be
// used: front matter that is not YAML, an unknown status, a field of the
// wrong type, a rule that does not compile. Problems that do not keep the
// decision from being used are kept for Lint.
//
// The CUE evaluation of front matter and rules is bounded by
// DefaultEvalTimeout; LoadDir, LoadFS and Load take Options.EvalTimeout.
func Parse(name string, data []byte) (*Decision, error) {
	d, probs := parseBounded(context.Background(), name, data, DefaultEvalTimeout)
	if d == nil {
		return nil, &LoadError{Problems: probs}
	}
	var errs []Problem
	for _, p := range probs {
		if p.Warning {
			d.warnings = append(d.warnings, p)
		} else {
			errs = append(errs, p)
		}
	}
	if len(errs) > 0 {
		return nil, &LoadError{Problems: errs}
	}
	return d, nil
}

// DefaultEvalTimeout bounds the CUE evaluation of one decision file when
// no other bound is given.
const DefaultEvalTimeout = 10 * time.Second

// parseBounded parses in a fresh CUE context within timeout. CUE
// evaluation cannot be interrupted: on timeout the evaluation is abandoned
// and d is nil.
func parseBounded(ctx context.Context, name string, data []byte, timeout time.Duration) (*Decision, []Problem) {
	var d *Decision
	var probs []Problem
	err := bounded(ctx, timeout, func() error {
		d, probs = parse(cuecontext.New(), name, data)
		return nil
	})
	if err != nil {
		return nil, []Problem{problemf(Position{Filename: name, Line: 1, Column: 1}, "", Syntax, "evaluating the file: %v", err)}
	}
	return d, probs
}

// block is a fenced code block.
type block struct {
	info string // the info string's first word
	line int    // line of the first content line
	text string
}

var (
	headingRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$`) })
	numberedRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d+)\.\s+(.*)$`) })
	adrIDRE    = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([A-Za-z][A-Za-z]*[- ]?\d+)\s*[:.\-–—]\s+(.*)$`)
	})
	fileNumRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d+)-`) })
	keyLineRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\s{0,3}(?:[*-]\s+)?(?:\*\*)?([A-Za-z][A-Za-z -]{0,30}?)(?:\*\*)?\s*:(?:\*\*)?\s*(.*?)\s*(?:<!--.*-->)?\s*$`)
	})
	mdLinkRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	})
	plainIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b[A-Z][A-Z0-9]*-\d+\b`) })
)

func parse(ctx *cue.Context, name string, data []byte) (*Decision, []Problem) {
	sum := sha256.Sum256(data)
	d := &Decision{
		File:   name,
		Digest: "sha256:" + hex.EncodeToString(sum[:]),
		Pos:    Position{Filename: name, Line: 1, Column: 1},
		fields: map[string]Position{},
	}
	var probs []Problem
	if len(data) > MaxFileBytes {
		return d, []Problem{problemf(d.Pos, "", Syntax, "larger than %d bytes", MaxFileBytes)}
	}
	if !utf8.Valid(data) {
		return d, []Problem{problemf(d.Pos, "", Syntax, "not UTF-8 text")}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	pos := func(line, col int) Position { return Position{Filename: name, Line: line, Column: col} }

	// Front matter: lines[0] is "---", up to the next "---" or "...".
	bodyStart := 0
	var fm *frontMatter
	if len(lines) > 0 && strings.TrimRight(lines[0], " \t") == "---" {
		end := -1
		for i := 1; i < len(lines); i++ {
			if l := strings.TrimRight(lines[i], " \t"); l == "---" || l == "..." {
				end = i
				break
			}
		}
		if end < 0 {
			return d, []Problem{problemf(pos(1, 1), "", Syntax, "front matter starts with --- and never ends")}
		}
		bodyStart = end + 1
		d.Format = FrontMatter
		// One leading newline makes YAML line N line N of the file.
		src := "\n" + strings.Join(lines[1:end], "\n")
		var p []Problem
		fm, p = parseFrontMatter(ctx, name, src)
		probs = append(probs, p...)
	}
	d.Body = strings.Join(lines[bodyStart:], "\n")

	// Sections and fenced blocks.
	var blocks []block
	var cur *Section
	var curBody []string
	flush := func() {
		if cur != nil {
			cur.Body = strings.TrimSpace(strings.Join(curBody, "\n"))
			d.Sections = append(d.Sections, *cur)
		}
		curBody = nil
	}
	var preamble []int // line indexes between the title and the next heading
	inPreamble := false
	for i := bodyStart; i < len(lines); i++ {
		l := lines[i]
		if fch, n, info, ok := fenceOpen(l); ok {
			j := i + 1
			for ; j < len(lines); j++ {
				if fenceClose(lines[j], fch, n) {
					break
				}
			}
			blocks = append(blocks, block{info: info, line: i + 2, text: strings.Join(lines[i+1:min(j, len(lines))], "\n")})
			curBody = append(curBody, lines[i:min(j+1, len(lines))]...)
			i = j
			continue
		}
		if m := headingRE().FindStringSubmatch(l); m != nil {
			flush()
			cur = &Section{Level: len(m[1]), Title: strings.TrimSpace(m[2]), Line: i + 1}
			inPreamble = false
			if cur.Level == 1 && d.Title == "" {
				d.Title = cur.Title
				d.Pos = pos(i+1, 1)
				inPreamble = true
			}
			continue
		}
		if inPreamble || cur == nil {
			preamble = append(preamble, i)
		}
		curBody = append(curBody, l)
	}
	flush()

	// The title: "7. Use PostgreSQL" (adr-tools), "ADR-0007: Use PostgreSQL".
	number := ""
	if m := numberedRE().FindStringSubmatch(d.Title); m != nil {
		number, d.Title = m[1], strings.TrimSpace(m[2])
		if d.Format == "" {
			d.Format = ADRTools
		}
	} else if m := adrIDRE().FindStringSubmatch(d.Title); m != nil && fm == nil {
		d.ID = normaliseID(m[1])
		d.Title = strings.TrimSpace(m[2])
	}
	if d.Format == "" {
		d.Format = MADR
	}

	// "Key: value" lines under the title: adr-tools' "Date:", MADR 2's
	// "* Status:", "* Deciders:", "* Date:".
	keys := map[string]keyLine{}
	for _, i := range preamble {
		m := keyLineRE().FindStringSubmatch(lines[i])
		if m == nil || m[2] == "" {
			continue
		}
		k := strings.ToLower(strings.TrimSpace(m[1]))
		if _, seen := keys[k]; !seen {
			keys[k] = keyLine{value: m[2], pos: pos(i+1, strings.Index(lines[i], m[2])+1)}
		}
	}

	if fm != nil {
		probs = append(probs, fm.apply(d)...)
	}
	probs = append(probs, applyKeyLines(d, keys)...)

	// The Status section: the status word, and links such as "Supersedes
	// [1. Record architecture decisions](0001-record-architecture-decisions.md)".
	if s, ok := sectionIndex(d, "status"); ok {
		probs = append(probs, parseStatusSection(d, lines, s)...)
	}
	if s, ok := sectionIndex(d, "links"); ok {
		parseLinkLines(d, lines, s, false)
	}

	if d.ID == "" {
		base := path.Base(strings.ReplaceAll(name, `\`, "/"))
		if m := fileNumRE().FindStringSubmatch(base); m != nil {
			d.ID = adrID(m[1])
		} else if number != "" {
			d.ID = adrID(number)
		} else {
			d.ID = strings.TrimSuffix(base, path.Ext(base))
		}
	}
	if d.Title == "" {
		probs = append(probs, warningf(d.Pos, d.ID, Field, "no title: the file has no level-1 heading and no title field"))
	}
	if d.Status == "" {
		d.Status = Accepted
		probs = append(probs, warningf(d.Pos, d.ID, Field, "no status: taken as accepted"))
	}
	for i := range probs {
		if probs[i].Decision == "" {
			probs[i].Decision = d.ID
		}
	}
	for i := range d.Links {
		d.Links[i].Target = guessTarget(d.Links[i].Ref)
	}
	probs = append(probs, parseRules(ctx, d, blocks)...)
	return d, probs
}

// keyLine is a "Key: value" line of the preamble.
type keyLine struct {
	value string
	pos   Position
}

func applyKeyLines(d *Decision, keys map[string]keyLine) []Problem {
	var probs []Problem
	for _, k := range []string{"status", "date", "deciders", "decision-makers", "owner", "tags", "revisit-by", "revisit by"} {
		kl, ok := keys[k]
		if !ok {
			continue
		}
		field := strings.ReplaceAll(k, " ", "-")
		if _, set := d.fields[field]; set {
			continue // the front matter wins
		}
		d.fields[field] = kl.pos
		switch k {
		case "status":
			probs = append(probs, setStatus(d, kl.value, kl.pos)...)
		case "date":
			t, err := parseDate(kl.value)
			if err != nil {
				probs = append(probs, problemf(kl.pos, "", Field, "date %q: %v", kl.value, err))
			}
			d.Decided = t
		case "revisit-by", "revisit by":
			t, err := parseDate(kl.value)
			if err != nil {
				probs = append(probs, problemf(kl.pos, "", Field, "revisit-by %q: %v", kl.value, err))
			}
			d.RevisitBy = t
		case "deciders", "decision-makers":
			d.Deciders = splitList(kl.value)
		case "owner":
			d.Owner = kl.value
		case "tags":
			d.Tags = splitList(kl.value)
		}
	}
	return probs
}

// setStatus sets the status from text such as "Accepted" or "superseded by
// [ADR-0005](0005-example.md)".
func setStatus(d *Decision, text string, p Position) []Problem {
	word := strings.ToLower(strings.TrimSpace(text))
	if strings.HasPrefix(word, "superseded by") {
		d.Status = Superseded
		addLinks(d, SupersededBy, text[len("superseded by"):], p)
		return nil
	}
	word = strings.Trim(strings.Fields(word + " x")[0], "*_.,;:`")
	s := Status(word)
	if !s.Valid() {
		return []Problem{problemf(p, "", Field, "unknown status %q (want %s)", strings.TrimSpace(text), statusList())}
	}
	d.Status = s
	return nil
}

func statusList() string {
	s := make([]string, len(Statuses()))
	for i, st := range Statuses() {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

// sectionIndex returns the first section titled title, compared without
// case.
func sectionIndex(d *Decision, title string) (Section, bool) { return d.Section(title) }

// parseStatusSection reads the status word and the links of a Status
// section, as adr-tools writes it.
func parseStatusSection(d *Decision, lines []string, s Section) []Problem {
	_, statusSet := d.fields["status"]
	var probs []Problem
	for i := s.Line; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if headingRE().MatchString(lines[i]) {
			break
		}
		if l == "" {
			continue
		}
		p := Position{Filename: d.File, Line: i + 1, Column: strings.Index(lines[i], l) + 1}
		if !statusSet {
			statusSet = true
			d.fields["status"] = p
			lower := strings.ToLower(l)
			if !strings.HasPrefix(lower, "supersedes") && !strings.HasPrefix(lower, "amend") {
				if kind, _ := linkKindOf(l); kind != SupersededBy {
					probs = append(probs, setStatus(d, l, p)...)
					continue
				}
				d.Status = Superseded
			}
		}
		parseLinkLine(d, lines[i], p, true)
	}
	return probs
}

// parseLinkLines reads links from every line of section s.
func parseLinkLines(d *Decision, lines []string, s Section, plainIDs bool) {
	for i := s.Line; i < len(lines); i++ {
		if headingRE().MatchString(lines[i]) {
			break
		}
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		parseLinkLine(d, lines[i], Position{Filename: d.File, Line: i + 1, Column: strings.Index(lines[i], l) + 1}, plainIDs)
	}
}

// linkKindOf classifies a line by the words before its first link.
func linkKindOf(line string) (LinkKind, string) {
	l := strings.TrimSpace(line)
	l = strings.TrimLeft(l, "*-+ \t")
	lower := strings.ToLower(l)
	for _, k := range []struct {
		prefix string
		kind   LinkKind
	}{
		{"superseded by", SupersededBy},
		{"supersedes", Supersedes},
		{"amended by", AmendedBy},
		{"amends", Amends},
	} {
		if strings.HasPrefix(lower, k.prefix) {
			return k.kind, l[len(k.prefix):]
		}
	}
	return Relates, l
}

func parseLinkLine(d *Decision, line string, p Position, plainIDs bool) {
	kind, rest := linkKindOf(line)
	if kind == Relates && !mdLinkRE().MatchString(rest) {
		if !plainIDs {
			return
		}
		if !strings.HasPrefix(strings.ToLower(strings.TrimLeft(strings.TrimSpace(line), "*-+ ")), "relate") {
			return
		}
	}
	addLinks(d, kind, rest, p)
}

// addLinks adds a link of kind for every Markdown link in text, or for
// every ID when it has none.
func addLinks(d *Decision, kind LinkKind, text string, p Position) {
	ms := mdLinkRE().FindAllStringSubmatch(text, -1)
	for _, m := range ms {
		ref := m[2]
		if i := strings.IndexByte(ref, '#'); i >= 0 {
			ref = ref[:i]
		}
		if ref == "" || strings.Contains(ref, "://") {
			continue
		}
		d.Links = append(d.Links, Link{Kind: kind, Ref: ref, Pos: p})
	}
	if len(ms) > 0 {
		return
	}
	for _, id := range plainIDRE().FindAllString(text, -1) {
		d.Links = append(d.Links, Link{Kind: kind, Ref: id, Pos: p})
	}
}

// guessTarget is the ID a link names before a registry resolves it: the ID
// of a file named like adr-tools', or the reference itself.
func guessTarget(ref string) string {
	base := path.Base(ref)
	if strings.HasSuffix(base, ".md") {
		if m := fileNumRE().FindStringSubmatch(base); m != nil {
			return adrID(m[1])
		}
		return strings.TrimSuffix(base, ".md")
	}
	return ref
}

func adrID(number string) string {
	n, err := strconv.Atoi(number)
	if err != nil || n > 999999 {
		return "ADR-" + number
	}
	return fmt.Sprintf("ADR-%04d", n)
}

// normaliseID turns "ADR 7" or "adr-0007" into ADR-0007.
func normaliseID(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	prefix := strings.ToUpper(strings.TrimRight(s[:i], "- "))
	n, err := strconv.Atoi(s[i:])
	if err != nil || n > 999999 {
		return prefix + "-" + s[i:]
	}
	return fmt.Sprintf("%s-%04d", prefix, n)
}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > 10 {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not a date: want YYYY-MM-DD")
	}
	return t, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// fenceOpen reports whether l opens a fenced code block, with its fence
// character, length and info word.
func fenceOpen(l string) (byte, int, string, bool) {
	t := strings.TrimLeft(l, " ")
	if len(l)-len(t) > 3 || len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return 0, 0, "", false
	}
	c := t[0]
	n := 0
	for n < len(t) && t[n] == c {
		n++
	}
	if n < 3 {
		return 0, 0, "", false
	}
	info := strings.TrimSpace(t[n:])
	if c == '`' && strings.Contains(info, "`") {
		return 0, 0, "", false
	}
	word, _, _ := strings.Cut(info, " ")
	word = strings.Trim(word, "{}.")
	return c, n, strings.ToLower(word), true
}

func fenceClose(l string, c byte, n int) bool {
	t := strings.TrimSpace(l)
	if len(l)-len(strings.TrimLeft(l, " ")) > 3 || len(t) < n {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] != c {
			return false
		}
	}
	return true
}

// frontMatter is the front matter, evaluated.
type frontMatter struct {
	name string
	v    cue.Value
}

func parseFrontMatter(ctx *cue.Context, name, src string) (*frontMatter, []Problem) {
	if err := yamlcheck.Check(name, []byte(src), yamlcheck.Limits{}); err != nil {
		p := limitProblem(err)
		p.Message = "front matter: " + p.Message
		return nil, []Problem{p}
	}
	f, err := yaml.Extract(name, src)
	if err != nil {
		return nil, []Problem{yamlProblem(name, err, 2)}
	}
	v := ctx.BuildFile(f)
	if err := v.Err(); err != nil {
		return nil, []Problem{yamlProblem(name, err, 2)}
	}
	if k := v.IncompleteKind(); k != cue.StructKind && k != cue.NullKind {
		return nil, []Problem{problemf(Position{Filename: name, Line: 2, Column: 1}, "", Syntax, "front matter is not a YAML mapping")}
	}
	return &frontMatter{name: name, v: v}, nil
}

// yamlProblem turns a YAML error, whose message carries "name:LINE:", into
// a Problem at that line.
func yamlProblem(name string, err error, minLine int) Problem {
	msg := err.Error()
	p := Position{Filename: name}
	if rest, ok := strings.CutPrefix(msg, name+":"); ok {
		num, after, _ := strings.Cut(rest, ":")
		if n, err := strconv.Atoi(num); err == nil {
			// The YAML parser reports some errors a line early; line 1 is
			// the opening --- of front matter.
			p.Line, p.Column = max(n, minLine), 1
			msg = strings.TrimSpace(after)
		}
	}
	return Problem{Pos: p, Kind: Syntax, Message: "front matter: " + msg}
}

// limitProblem turns a YAML document refused by internal/yamlcheck into a
// syntax problem at the node where the limit was crossed.
func limitProblem(err error) Problem {
	var le *yamlcheck.Error
	if !errors.As(err, &le) {
		return Problem{Kind: Syntax, Message: err.Error()}
	}
	return Problem{Pos: Position{Filename: le.File, Line: le.Line, Column: le.Column}, Kind: Syntax, Message: le.Msg}
}

// The front matter keys and their aliases.
var fmKeys = map[string]string{
	"id": "id", "title": "title", "status": "status",
	"date": "date", "decided": "date",
	"revisit-by": "revisit-by", "revisit_by": "revisit-by", "revisitBy": "revisit-by", "review-by": "revisit-by",
	"owner": "owner", "deciders": "deciders", "decision-makers": "deciders",
	"tags": "tags", "scope": "scope", "version": "version",
	"supersedes": "supersedes", "superseded-by": "superseded-by", "superseded_by": "superseded-by", "supersededBy": "superseded-by",
	"amends": "amends", "amended-by": "amended-by", "amended_by": "amended-by", "amendedBy": "amended-by",
	"relates": "relates", "related": "relates", "relates-to": "relates",
	// MADR 4 fields kept in the body's spirit but not used here.
	"consulted": "", "informed": "",
}

func (fm *frontMatter) apply(d *Decision) []Problem {
	var probs []Problem
	it, err := fm.v.Fields()
	if err != nil {
		return nil // null front matter
	}
	for it.Next() {
		key := it.Selector().Unquoted()
		v := it.Value()
		p := toPos(v.Pos())
		if !p.IsValid() {
			p = Position{Filename: d.File, Line: 2, Column: 1}
		}
		canon, known := fmKeys[key]
		if !known {
			probs = append(probs, warningf(p, "", Field, "unknown front matter key %q", key))
			continue
		}
		if canon == "" {
			continue
		}
		d.fields[canon] = p
		bad := func(want string) {
			probs = append(probs, problemf(p, "", Field, "%s: want %s", key, want))
		}
		switch canon {
		case "id", "title", "owner", "version", "status", "date", "revisit-by":
			s, ok := scalarString(v)
			if !ok {
				bad("a string")
				continue
			}
			switch canon {
			case "id":
				if s == "" || strings.ContainsAny(s, " \t\n/") {
					bad("an ID without spaces or slashes, such as ADR-0012")
					continue
				}
				d.ID = s
				d.Pos = p
			case "title":
				d.Title = s
			case "owner":
				d.Owner = s
			case "version":
				d.Version = s
			case "status":
				probs = append(probs, setStatus(d, s, p)...)
			case "date", "revisit-by":
				t, err := parseDate(s)
				if err != nil {
					probs = append(probs, problemf(p, "", Field, "%s %q: %v", key, s, err))
					continue
				}
				if canon == "date" {
					d.Decided = t
				} else {
					d.RevisitBy = t
				}
			}
		case "deciders", "tags":
			l, ok := stringList(v)
			if !ok {
				bad("a list of strings")
				continue
			}
			if canon == "tags" {
				d.Tags = l
			} else {
				d.Deciders = l
			}
		case "supersedes", "superseded-by", "amends", "amended-by", "relates":
			l, ok := stringList(v)
			if !ok {
				bad("an ID or a list of IDs")
				continue
			}
			for i, id := range l {
				lp := p
				if e := v.LookupPath(cue.MakePath(cue.Index(i))); e.Exists() && toPos(e.Pos()).IsValid() {
					lp = toPos(e.Pos())
				}
				d.Links = append(d.Links, Link{Kind: LinkKind(canon), Ref: id, Pos: lp})
			}
		case "scope":
			probs = append(probs, applyScope(d, v, key, p)...)
		}
	}
	return probs
}

func applyScope(d *Decision, v cue.Value, key string, p Position) []Problem {
	if v.IncompleteKind() != cue.StructKind {
		return []Problem{problemf(p, "", Field, "%s: want a mapping with blueprints and tags", key)}
	}
	var probs []Problem
	it, _ := v.Fields()
	for it.Next() {
		k := it.Selector().Unquoted()
		fp := toPos(it.Value().Pos())
		if !fp.IsValid() {
			fp = p
		}
		l, ok := stringList(it.Value())
		switch {
		case k != "blueprints" && k != "tags":
			probs = append(probs, problemf(fp, "", Field, "scope: unknown key %q (want blueprints or tags)", k))
		case !ok:
			probs = append(probs, problemf(fp, "", Field, "scope.%s: want a list of strings", k))
		case k == "blueprints":
			d.Scope.Blueprints = l
		default:
			d.Scope.Tags = l
		}
	}
	return probs
}

// scalarString returns a YAML scalar as a string: strings as they are,
// numbers and booleans as written.
func scalarString(v cue.Value) (string, bool) {
	switch v.Kind() {
	case cue.StringKind:
		s, _ := v.String()
		return strings.TrimSpace(s), true
	case cue.IntKind, cue.FloatKind, cue.NumberKind, cue.BoolKind:
		b, err := v.MarshalJSON()
		return string(b), err == nil
	}
	return "", false
}

// stringList returns a list of scalars, a single scalar, or a
// comma-separated string as a list.
func stringList(v cue.Value) ([]string, bool) {
	if v.Kind() == cue.ListKind {
		var out []string
		it, _ := v.List()
		for it.Next() {
			s, ok := scalarString(it.Value())
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	if v.Kind() == cue.NullKind {
		return nil, true
	}
	s, ok := scalarString(v)
	if !ok {
		return nil, false
	}
	return splitList(s), true
}
