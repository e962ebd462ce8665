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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
	"cuelang.org/go/encoding/yaml"

	"github.com/goldenpath-dev/goldenpath/internal/yamlcheck"
)

// MaxFileBytes is the largest decision file Parse accepts.
const MaxFileBytes = 1 << 20

// Parse reads one decision record with the default Options: it is
// ParseWith(name, data, nil).
func Parse(name string, data []byte) (*Decision, error) { return ParseWith(name, data, nil) }

// ParseWith reads one decision record. name is the file's name: positions
// use it, and it gives the ID of a record without a decision ID in its
// front matter ("0007-use-postgres.md" is ADR-0007; see docs/decisions.md
// for every form). Links to other files stay as written until a Registry
// resolves them. opts may be nil; ParseWith uses its status table, ID
// scheme, strictness and evaluation timeout.
//
// ParseWith never refuses a record for what it says: a status the status
// table does not know is Unknown, a date it cannot read is left zero, and
// both are warnings, kept for Lint. Like go/parser, it returns the decision
// together with a *LoadError when the file has errors — a scope of the
// wrong shape or in front matter that is not YAML, a rule that does not
// compile —
// and with opts.Strict when it has warnings. The decision is nil, with a
// *LoadError, when the file is not a decision record at all: unreadable,
// a template, or without a title or an ID; that problem is a note.
//
// The CUE evaluation of front matter and rules is bounded by
// opts.EvalTimeout, default DefaultEvalTimeout.
func ParseWith(name string, data []byte, opts *Options) (*Decision, error) {
	if opts != nil {
		if err := opts.validate(); err != nil {
			return nil, err
		}
	}
	po := opts.parseOptions()
	d, probs := parseBounded(context.Background(), name, data, po, "")
	if d != nil {
		d.problems = probs
	}
	if errs := failures(probs, po.strict); len(errs) > 0 || d == nil {
		if d == nil {
			errs = probs
		}
		return d, &LoadError{Problems: errs}
	}
	return d, nil
}

// failures returns the problems that fail a load: errors, and with strict
// warnings too (notes never).
func failures(probs []Problem, strict bool) []Problem {
	var out []Problem
	for _, p := range probs {
		if !p.Warning || (strict && !p.Note) {
			p.Warning = false
			out = append(out, p)
		}
	}
	return out
}

// DefaultEvalTimeout bounds the CUE evaluation of one decision file when
// no other bound is given.
const DefaultEvalTimeout = 10 * time.Second

// parseOpts is what parsing takes from Options.
type parseOpts struct {
	statuses *statusTable
	scheme   idScheme
	strict   bool
	timeout  time.Duration
}

func (o *Options) parseOptions() *parseOpts {
	po := &parseOpts{statuses: defaultStatusTable(), scheme: o.scheme(), timeout: DefaultEvalTimeout}
	if o == nil {
		return po
	}
	if len(o.Statuses) > 0 {
		po.statuses = newStatusTable(o.Statuses)
	}
	po.strict = o.Strict
	if o.EvalTimeout > 0 {
		po.timeout = o.EvalTimeout
	}
	return po
}

// parseBounded parses in a fresh CUE context within the timeout. CUE
// evaluation cannot be interrupted: on timeout the evaluation is abandoned
// and d is nil. record is the name the record is known by when it is not
// the file's ("0003-x" for 0003-x/index.md).
//
// Only the CUE work — decoding front matter, compiling rules — runs under
// the bound, in the file's remaining time: the rest is linear-time Go, and
// most records have no CUE at all.
func parseBounded(ctx context.Context, name string, data []byte, po *parseOpts, record string) (*Decision, []Problem) {
	deadline := time.Now().Add(po.timeout)
	var stopped error
	run := func(f func()) bool {
		if stopped == nil {
			stopped = bounded(ctx, time.Until(deadline), func() error { f(); return nil })
		}
		return stopped == nil
	}
	d, probs := parse(name, data, po, record, run)
	if stopped != nil {
		if errors.Is(stopped, ErrEvalTimeout) {
			stopped = fmt.Errorf("%w after %v", ErrEvalTimeout, po.timeout)
		}
		return nil, []Problem{problemf(Position{Filename: name, Line: 1, Column: 1}, "", Syntax, "evaluating the file: %v", stopped)}
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
	mdLinkRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	})
	pageIDRE      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._-]*$`) })
	commentRE     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<!--.*?-->`) })
	headingAttrRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\s*\{[#.:][^{}]*\}\s*$`) })
	// A template's title: "{short title …}", "[short title …]", "TITLE",
	// adr-tools' "NUMBER. TITLE".
	templateTitleRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:\{[^}]*\}|\[[^\]]*\]|<[^>]*>|(?:NUMBER\.\s*)?TITLE|(?i:title))$`)
	})
)

// heading returns the parts of an ATX heading line — the line, its "#"
// marks and its text, as a regexp's submatches would be — or nil for any other
// line. It is hand-written: most lines are not headings, and a regexp with
// an optional closing sequence backtracks on every one.
func heading(l string) []string {
	t := strings.TrimLeft(l, " ")
	if len(l)-len(t) > 3 || !strings.HasPrefix(t, "#") {
		return nil
	}
	n := len(t) - len(strings.TrimLeft(t, "#"))
	rest := t[n:]
	if n > 6 || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return nil
	}
	text := strings.TrimRight(rest, " \t")
	// A closing sequence of "#" after a space goes.
	if c := strings.TrimRight(text, "#"); len(c) < len(text) && (c == "" || strings.HasSuffix(c, " ") || strings.HasSuffix(c, "\t")) {
		text = c
	}
	return []string{l, t[:n], strings.TrimSpace(text)}
}

// parsed is a file split into lines, with what each line is part of.
type parsed struct {
	d       *Decision
	po      *parseOpts
	lines   []string
	inFence []bool // the line is inside a fenced block, or its fence
	// pageID is a front matter id that does not look like a decision ID:
	// the ID only when the file name has no number.
	pageID    string
	pageIDPos Position
	implied   []implied
	used      []bool // the line was read for metadata or links already
	probs     []Problem
}

func (ps *parsed) pos(i int, l string) Position {
	col := 1
	if t := strings.TrimSpace(l); t != "" {
		col = strings.Index(l, t) + 1
	}
	return Position{Filename: ps.d.File, Line: i + 1, Column: col}
}

// parse reads one record. run runs CUE work under the file's bound and
// reports whether it finished; when it did not, parse returns at once and
// its caller discards what it returns.
func parse(name string, data []byte, po *parseOpts, record string, run func(func()) bool) (*Decision, []Problem) {
	sum := sha256.Sum256(data)
	d := &Decision{
		File:   name,
		Digest: "sha256:" + hex.EncodeToString(sum[:]),
		Pos:    Position{Filename: name, Line: 1, Column: 1},
		fields: map[string]Position{},
	}
	if len(data) > MaxFileBytes {
		return nil, []Problem{problemf(d.Pos, "", Syntax, "larger than %d bytes", MaxFileBytes)}
	}
	var probs []Problem
	if !utf8.Valid(data) {
		// Records written on Windows in its code page: read as Latin-1,
		// byte for byte, rather than refused.
		probs = append(probs, warningf(d.Pos, "", Syntax, "not UTF-8 text: read as Latin-1 (ISO 8859-1)"))
		runes := make([]rune, len(data))
		for i, b := range data {
			runes[i] = rune(b)
		}
		data = []byte(string(runes))
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	ps := &parsed{d: d, po: po, lines: withoutComments(lines), inFence: make([]bool, len(lines)), used: make([]bool, len(lines)), probs: probs}
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
			ps.probs = append(ps.probs, problemf(pos(1, 1), "", Syntax, "front matter starts with --- and never ends"))
		} else {
			bodyStart = end + 1
			d.Format = FrontMatter
			// One leading newline makes YAML line N line N of the file.
			src := "\n" + strings.Join(lines[1:end], "\n")
			var p []Problem
			if !run(func() { fm, p = parseFrontMatter(name, src) }) {
				return nil, nil
			}
			if fm == nil && len(p) == 1 && p[0].Kind == Syntax {
				// Not YAML, as a template's unfilled placeholders leave it
				// ("status: {proposed | … | superseded by [ADR-0005](…)}"):
				// read what each line says, with a warning.
				var lfm *frontMatter
				if !run(func() { lfm = lenientFrontMatter(name, src) }) {
					return nil, nil
				}
				if lfm != nil && !lfm.has("scope") {
					fm = lfm
					p[0].Warning = true
					p[0].Message += " (read line by line: each value as written)"
				}
			}
			ps.probs = append(ps.probs, p...)
			for i := 0; i <= end; i++ {
				ps.used[i] = true
			}
		}
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
			for k := i; k <= j && k < len(lines); k++ {
				ps.inFence[k] = true
			}
			i = j
			continue
		}
		if m := heading(l); m != nil {
			flush()
			title := commentRE().ReplaceAllString(m[2], "")
			// A heading attribute of Pandoc, kramdown or MkDocs:
			// "Make X a monorepo {#adr_0014}".
			if loc := headingAttrRE().FindStringIndex(title); loc != nil && loc[0] > 0 {
				title = title[:loc[0]]
			}
			cur = &Section{Level: len(m[1]), Title: strings.TrimSpace(title), Line: i + 1}
			ps.used[i] = true
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

	// Without a level-1 heading, a first heading of level 2 that is not
	// one of the template's sections is the title ("## Use Kafka").
	if d.Title == "" && len(d.Sections) > 0 && d.Sections[0].Level == 2 && !sectionNames[strings.ToLower(d.Sections[0].Title)] {
		d.Title = d.Sections[0].Title
		d.Pos = pos(d.Sections[0].Line, 1)
		// Its lines are the preamble, as under a level-1 title.
		for i := d.Sections[0].Line; i < len(lines) && heading(lines[i]) == nil; i++ {
			if !ps.inFence[i] {
				preamble = append(preamble, i)
			}
		}
	}

	// A template is not a record.
	if templateTitleRE().MatchString(d.Title) {
		return nil, append(ps.probs, notef(d.Pos, Layout, "skipped: a template (its title %q is a placeholder)", d.Title))
	}

	// The title: "7. Use PostgreSQL" (adr-tools), "ADR-0007: Use
	// PostgreSQL", "Architecture Decision Record: Use PostgreSQL".
	titlePrefix, titleNumber := "", 0
	if rest, prefix, n, ok := splitTitle(d.Title); ok && rest != "" {
		d.Title, titlePrefix, titleNumber = rest, prefix, n
		if prefix == "" && n > 0 && d.Format == "" {
			d.Format = ADRTools
		}
	}
	if d.Format == "" {
		d.Format = MADR
	}

	// "Key: value" lines under the title: adr-tools' "Date:", MADR 2's
	// "* Status:", "* Deciders:", "* Date:".
	keys := map[string]keyLine{}
	// A table whose header names two fields or more, with one row of
	// values: "| Status | Date | Author(s) |", "|---|---|---|", "| Accepted |
	// 2024-02-03 | … |".
	inTable := map[int]bool{}
	for n, i := range preamble {
		if n+2 >= len(preamble) || preamble[n+1] != i+1 || preamble[n+2] != i+2 {
			continue
		}
		head, sep, row := tableCells(ps.lines[i]), tableCells(ps.lines[i+1]), tableCells(ps.lines[i+2])
		if len(head) < 2 || len(sep) != len(head) || len(row) != len(head) || strings.Trim(strings.Join(sep, ""), "-: ") != "" {
			continue
		}
		known := 0
		for _, h := range head {
			if slices.Contains(keyLineKeys, strings.ToLower(strings.Trim(h, "*_ "))) {
				known++
			}
		}
		if known < 2 {
			continue
		}
		inTable[i], inTable[i+1], inTable[i+2] = true, true, true
		for c, h := range head {
			k := strings.ToLower(strings.Trim(h, "*_ "))
			if _, seen := keys[k]; seen || !slices.Contains(keyLineKeys, k) || row[c] == "" {
				continue
			}
			keys[k] = keyLine{value: row[c], pos: pos(i+3, strings.Index(ps.lines[i+2], row[c])+1), line: i + 2}
		}
	}
	for _, i := range preamble {
		if inTable[i] {
			continue
		}
		k, v, col, ok := keyValue(ps.lines[i])
		if !ok || v == "" {
			continue
		}
		k = strings.ToLower(k)
		if _, seen := keys[k]; !seen && slices.Contains(keyLineKeys, k) {
			keys[k] = keyLine{value: v, pos: pos(i+1, col), line: i}
		}
	}

	if fm != nil {
		ps.probs = append(ps.probs, fm.apply(ps)...)
		// A front matter title loses its ID prefix too ("ADR013: Use
		// node-fetch").
		if _, ok := d.fields["title"]; ok {
			if rest, prefix, n, ok := splitTitle(d.Title); ok && rest != "" && prefix != "" {
				d.Title, titlePrefix, titleNumber = rest, prefix, n
			}
		}
	}
	ps.applyKeyLines(keys)

	// Admonitions first: their lines may sit in any section.
	ps.admonitions(bodyStart)

	// The Status section: every line, for the status and for links such
	// as "Supersedes [1. Record architecture decisions](0001-….md)".
	for _, s := range d.Sections {
		t := strings.ToLower(s.Title)
		switch {
		case t == "status" || t == "statuses" || t == "state" || t == "status:" ||
			t == "decision status" || t == "current status" || t == "adr status":
			ps.statusSection(s)
		case strings.HasPrefix(t, "status:"):
			// "## Status: Accepted"
			if _, set := d.fields["status"]; !set {
				ps.setStatus(strings.TrimSpace(s.Title[len("status:"):]), Position{Filename: name, Line: s.Line, Column: 1})
			}
			ps.statusSection(s)
		case t == "links" || t == "related decisions" || t == "related":
			ps.linkSection(s, true)
		case t == "more information" || t == "see also" || t == "references":
			ps.linkSection(s, false)
		}
	}
	ps.bodyLinks(bodyStart, preamble)
	ps.applyImplied()

	// The ID: the front matter's, else the record's number, else the
	// title's number, else the record's name.
	if record == "" {
		base := path.Base(strings.ReplaceAll(name, `\`, "/"))
		record = strings.TrimSuffix(base, path.Ext(base))
	}
	if d.ID == "" {
		id, fileNumber, numbered := po.scheme.nameID(record)
		switch {
		case numbered:
			d.ID = id
			if titleNumber > 0 && titleNumber != fileNumber {
				ps.probs = append(ps.probs, warningf(d.fieldPos("title"), "", Field, "the title says %d, the file name %d: the file's number is the ID", titleNumber, fileNumber))
			}
		case ps.pageID != "":
			d.ID, d.Pos = ps.pageID, ps.pageIDPos
		case titleNumber > 0 && (titlePrefix == "" || titlePrefix == "ADR"):
			d.ID = po.scheme.id(titleNumber)
		case titleNumber > 0:
			d.ID, _ = po.scheme.normaliseID(titlePrefix + "-" + itoa(titleNumber))
		default:
			d.ID = record
		}
	}
	if d.Title == "" {
		if _, hasID := d.fields["id"]; !hasID {
			return nil, append(ps.probs, notef(Position{Filename: name, Line: 1, Column: 1}, Layout, "skipped: not a decision record (no title and no id)"))
		}
		ps.probs = append(ps.probs, warningf(d.Pos, d.ID, Field, "no title: the file has no level-1 heading and no title field"))
	}
	if d.Status == "" {
		d.Status = Unknown
		ps.probs = append(ps.probs, warningf(d.Pos, d.ID, Field, "no status: the status is unknown (write one in a Status section or a status field)"))
	}
	for i := range ps.probs {
		if ps.probs[i].Decision == "" {
			ps.probs[i].Decision = d.ID
		}
	}
	for i := range d.Links {
		d.Links[i].Target = po.scheme.guessTarget(d.Links[i].Ref)
	}
	if slices.ContainsFunc(blocks, func(b block) bool { return b.info == "cue" }) {
		var p []Problem
		if !run(func() { p = parseRules(cuecontext.New(), d, blocks) }) {
			return nil, nil
		}
		ps.probs = append(ps.probs, p...)
	}
	return d, ps.probs
}

func itoa(n int) string { return strconv.Itoa(n) }

// withoutComments returns the lines with HTML comments blanked out, as
// templates write them ("<!-- optional -->", an example link in a comment),
// so that metadata and links are read from what the record says. Fenced
// code is left alone: a comment marker there is code.
func withoutComments(lines []string) []string {
	out := make([]string, len(lines))
	in := false
	var fch byte
	var fn int
	for i, l := range lines {
		if fch != 0 {
			out[i] = l
			if fenceClose(l, fch, fn) {
				fch = 0
			}
			continue
		}
		if !in {
			if c, n, _, ok := fenceOpen(l); ok {
				fch, fn = c, n
				out[i] = l
				continue
			}
		}
		var b strings.Builder
		for l != "" {
			if in {
				j := strings.Index(l, "-->")
				if j < 0 {
					l = ""
					break
				}
				l, in = l[j+3:], false
				continue
			}
			j := strings.Index(l, "<!--")
			if j < 0 {
				b.WriteString(l)
				break
			}
			b.WriteString(l[:j])
			l, in = l[j+4:], true
		}
		out[i] = strings.TrimRight(b.String(), " \t")
	}
	return out
}

// keyValue reads a "Key: value" line: "Date: 2024-01-02", "* Status:
// accepted", "- **Deciders:** ana", "**Date**: x". key is letters, spaces
// and dashes, at most 31 characters; col is the value's column.
func keyValue(l string) (key, value string, col int, ok bool) {
	// A table row under the title: "| Status | Accepted |".
	if c := strings.TrimSpace(l); strings.HasPrefix(c, "|") && strings.Count(c, "|") >= 3 {
		c = strings.TrimPrefix(c, "|")
		c = strings.TrimSuffix(c, "|")
		cells := strings.Split(c, "|")
		if len(cells) < 2 {
			return "", "", 0, false
		}
		k := strings.Trim(strings.TrimSpace(cells[0]), "*_")
		if k == "" || strings.Trim(k, "-: ") == "" {
			return "", "", 0, false
		}
		key, value, _, ok := keyValue(k + ": " + strings.TrimSpace(cells[1]))
		if value != "" {
			col = strings.Index(l, value) + 1
		}
		return key, value, col, ok
	}
	t := strings.TrimLeft(l, " \t")
	if len(l)-len(t) > 3 {
		return "", "", 0, false
	}
	if len(t) > 1 && (t[0] == '*' || t[0] == '-') && (t[1] == ' ' || t[1] == '\t') {
		t = strings.TrimLeft(t[1:], " \t")
	}
	t = strings.TrimPrefix(strings.TrimPrefix(t, "**"), "__")
	i := strings.IndexByte(t, ':')
	if i <= 0 || i > 40 {
		return "", "", 0, false
	}
	key = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(t[:i], "**"), "__"))
	if key == "" || len(key) > 31 || !isLetter(key[0]) {
		return "", "", 0, false
	}
	for j := 0; j < len(key); j++ {
		if c := key[j]; !isLetter(c) && c != ' ' && c != '-' {
			return "", "", 0, false
		}
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(t[i+1:], "**"), "__")
	value = strings.TrimSpace(rest)
	if value == "" {
		return key, "", 0, true
	}
	return key, value, len(l) - len(rest) + strings.Index(rest, value) + 1, true
}

// tableCells returns the trimmed cells of a Markdown table row, or nil.
func tableCells(l string) []string {
	t := strings.TrimSpace(l)
	if !strings.HasPrefix(t, "|") || !strings.HasSuffix(t, "|") || len(t) < 2 {
		return nil
	}
	cells := strings.Split(t[1:len(t)-1], "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// sectionNames are the sections of the common templates (Nygard's, MADR,
// log4brains, Y-statements), which are never a record's title.
var sectionNames = map[string]bool{
	"status": true, "context": true, "decision": true, "consequences": true,
	"context and problem statement": true, "decision drivers": true, "considered options": true,
	"decision outcome": true, "pros and cons of the options": true, "links": true,
	"more information": true, "summary": true, "problem": true, "problem statement": true,
	"background": true, "options": true, "references": true, "notes": true, "rationale": true,
	"implications": true, "assumptions": true, "constraints": true, "positions": true,
	"arguments": true, "related decisions": true, "issue": true, "motivation": true,
}

// keyLine is a "Key: value" line of the preamble.
type keyLine struct {
	value string
	pos   Position
	line  int
}

// keyLineKeys are the "Key:" lines of the preamble that carry metadata.
var keyLineKeys = []string{"status", "date", "deciders", "decision-makers", "decision makers", "owner", "tags", "revisit-by", "revisit by"}

func (ps *parsed) applyKeyLines(keys map[string]keyLine) {
	d := ps.d
	for _, k := range keyLineKeys {
		kl, ok := keys[k]
		if !ok {
			continue
		}
		ps.used[kl.line] = true
		field := strings.ReplaceAll(k, " ", "-")
		switch field {
		case "decision-makers":
			field = "deciders"
		}
		if _, set := d.fields[field]; set {
			continue // the front matter wins
		}
		switch field {
		case "status":
			ps.setStatus(kl.value, kl.pos)
		case "date":
			ps.setDate(&d.Decided, "date", kl.value, kl.pos)
		case "revisit-by":
			ps.setDate(&d.RevisitBy, "revisit-by", kl.value, kl.pos)
		case "deciders":
			d.fields[field] = kl.pos
			d.Deciders = splitList(kl.value)
		case "owner":
			d.fields[field] = kl.pos
			d.Owner = kl.value
		case "tags":
			d.fields[field] = kl.pos
			d.Tags = splitList(kl.value)
		}
	}
}

// setDate sets *t from text, or warns that it is not a date.
func (ps *parsed) setDate(t *time.Time, field, text string, p Position) {
	ps.d.fields[field] = p
	v, note, ok := parseDate(text)
	if !ok {
		ps.probs = append(ps.probs, warningf(p, "", Field, "%s %q is not a date (want 2021-12-01, December 1, 2021 or 1 Dec 2021): left unset", field, text))
		return
	}
	*t = v
	if field == "date" {
		ps.d.DateNote = note
	}
}

// setStatus sets the status from text such as "Accepted", "**Approved**
// (by vote on 3/25/21)" or "superseded by [ADR-0005](0005-example.md)",
// through the status table.
func (ps *parsed) setStatus(text string, p Position) {
	d := ps.d
	text = strings.TrimSpace(commentRE().ReplaceAllString(text, ""))
	d.fields["status"] = p
	d.StatusText = text
	if ph, rest, ok := phraseAt(text); ok {
		ps.addLinks(ph.kind, rest, p, true)
	}
	if text == "" {
		d.Status = Unknown
		ps.probs = append(ps.probs, warningf(p, "", Field, "empty status: the status is unknown"))
		return
	}
	s, ok := ps.po.statuses.lookup(text)
	d.Status = s
	if !ok {
		if placeholderRE().MatchString(strings.ToLower(text)) || ps.po.statuses.isChoiceList(text) {
			ps.probs = append(ps.probs, warningf(p, "", Field, "status %q is a template's placeholder: the status is unknown", text))
		} else {
			ps.probs = append(ps.probs, warningf(p, "", Field, "status %q is not in the status table: the status is unknown", text))
		}
	}
}

// upgrade applies a status a link line implies ("Superseded by […]"): it
// replaces a status that does not say otherwise — accepted, proposed or
// unknown, and deprecated by superseded — since the link line is the newer
// word.
func (ps *parsed) upgrade(s Status, text string, p Position) {
	if s != "" {
		ps.implied = append(ps.implied, implied{s, strings.TrimSpace(text), p})
	}
}

// implied is a status a link line or an admonition implies.
type implied struct {
	s    Status
	text string
	p    Position
}

// applyImplied applies the implied statuses, in the order they were read,
// once every explicit status has been read.
func (ps *parsed) applyImplied() {
	for _, x := range ps.implied {
		ps.apply(x.s, x.text, x.p)
	}
}

func (ps *parsed) apply(s Status, text string, p Position) {
	d := ps.d
	if s == "" || d.Status == s {
		return
	}
	switch {
	case d.Status == "" || d.Status == Accepted || d.Status == Proposed || d.Status == Unknown:
	case d.Status == Deprecated && s == Superseded: // a deprecated record may be superseded later
	default:
		return
	}
	if d.Status == Unknown {
		// The unknown status's warning no longer holds.
		sp := d.fields["status"]
		ps.probs = slices.DeleteFunc(ps.probs, func(pr Problem) bool { return pr.Pos == sp && pr.Kind == Field && pr.Warning })
	}
	d.Status, d.StatusText = s, strings.TrimSpace(text)
	d.fields["status"] = p
}

// statusSection reads every line of a Status section: the first line that
// is not a link line is the status; link lines ("Superseded by […]",
// "Amends […]") add links, and those that imply a status apply it.
func (ps *parsed) statusSection(s Section) {
	_, set := ps.d.fields["status"]
	first := true
	for i := s.Line; i < len(ps.lines); i++ {
		if heading(ps.lines[i]) != nil {
			break
		}
		if ps.inFence[i] || ps.used[i] {
			continue
		}
		l := strings.TrimSpace(ps.lines[i])
		if l == "" {
			continue
		}
		ps.used[i] = true
		p := ps.pos(i, ps.lines[i])
		if ph, rest, ok := phraseAt(l); ok {
			ps.addLinks(ph.kind, rest, p, true)
			if ph.status != "" {
				ps.upgrade(ph.status, l, p)
			}
			continue
		}
		if first && !set {
			first = false
			ps.setStatus(l, p)
			continue
		}
		first = false
		// Other lines with links to records relate, as adr-tools' custom
		// link phrases ("Informs [3. …](0003-….md)") do; a link to a
		// diagram or a web page is not a link to a decision.
		ps.addRecordLinks(Relates, l, p)
	}
}

// linkSection reads the links of a Links or More Information section:
// lines that start with a link phrase, and in a Links section any other
// line with a Markdown link to a record, which relates.
func (ps *parsed) linkSection(s Section, any bool) {
	for i := s.Line; i < len(ps.lines); i++ {
		if heading(ps.lines[i]) != nil {
			break
		}
		if ps.inFence[i] || ps.used[i] {
			continue
		}
		l := strings.TrimSpace(ps.lines[i])
		if l == "" {
			continue
		}
		p := ps.pos(i, ps.lines[i])
		if ph, rest, ok := phraseAt(l); ok {
			ps.used[i] = true
			n := len(ps.d.Links)
			switch {
			case any || !mdLinkRE().MatchString(rest):
				ps.addLinks(ph.kind, rest, p, true)
			default:
				// More Information links to documents too: "See also
				// [the guide](guide.md)" is not a link to a decision.
				ps.addRecordLinks(ph.kind, rest, p)
			}
			if len(ps.d.Links) > n {
				ps.upgrade(ph.status, l, p)
			}
			continue
		}
		if any {
			ps.used[i] = true
			ps.addLinks(Relates, l, p, false)
		}
	}
}

// admonitions reads admonition blocks — ":::note Superseded" … ":::",
// "!!! warning \"Deprecated\"" and indented lines, "> [!NOTE]" and other
// block quotes — for a status their title or text implies and for links
// ("This record was superseded by [ADR014](./adr014-use-fetch.md)").
func (ps *parsed) admonitions(start int) {
	lines := ps.lines
	for i := start; i < len(lines); i++ {
		if ps.inFence[i] || ps.used[i] {
			continue
		}
		t := strings.TrimSpace(lines[i])
		var title string
		var body []int
		switch {
		case strings.HasPrefix(t, ":::") && len(strings.TrimLeft(t, ":")) > 0:
			title = strings.TrimSpace(strings.TrimLeft(t, ":"))
			j := i + 1
			for ; j < len(lines) && strings.TrimSpace(lines[j]) != strings.Repeat(":", len(t)-len(strings.TrimLeft(t, ":"))); j++ {
				body = append(body, j)
			}
			body = append([]int{i}, body...)
			if j < len(lines) {
				body = append(body, j)
			}
		case strings.HasPrefix(t, "!!!") || strings.HasPrefix(t, "???"):
			title = strings.TrimSpace(t[3:])
			body = []int{i}
			for j := i + 1; j < len(lines) && (strings.TrimSpace(lines[j]) == "" || strings.HasPrefix(lines[j], "    ") || strings.HasPrefix(lines[j], "\t")); j++ {
				body = append(body, j)
			}
		case strings.HasPrefix(t, ">"):
			for j := i; j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), ">"); j++ {
				body = append(body, j)
			}
			// GitHub's alerts: "> [!WARNING]" then the text.
			if m := strings.TrimSpace(strings.TrimLeft(t, ">")); strings.HasPrefix(m, "[!") && strings.HasSuffix(m, "]") {
				title = m
			}
		default:
			continue
		}
		var text []string
		for k, j := range body {
			ps.used[j] = true
			l := strings.TrimSpace(lines[j])
			if k == 0 && title != "" || strings.Trim(l, ":") == "" {
				continue // the opening or closing marker
			}
			if l = strings.TrimSpace(strings.TrimLeft(l, ">")); l != "" {
				text = append(text, l)
			}
		}
		i = body[len(body)-1]
		p := ps.pos(body[0], lines[body[0]])
		joined := strings.Join(text, " ")
		// The admonition's kind and title: "note Superseded", "warning
		// \"Deprecated\"", "[!WARNING] Deprecated".
		implied := len(ps.implied)
		for rest := joined; ; {
			ph, after, ok := phraseIn(rest)
			if !ok {
				break
			}
			n := len(ps.d.Links)
			if clause := firstClause(after); mdLinkRE().MatchString(clause) {
				// A quote may link to anything: only links to records.
				ps.addRecordLinks(ph.kind, clause, p)
			} else {
				ps.addLinks(ph.kind, clause, p, true)
			}
			if len(ps.d.Links) > n {
				ps.upgrade(ph.status, sentence(joined, len(joined)-len(after)), p)
			}
			rest = after
		}
		if len(ps.implied) > implied {
			continue
		}
		// Else the admonition's title may say it: ":::note Superseded",
		// "!!! warning \"Deprecated\"", or after a GitHub alert's kind its
		// first word: "> [!WARNING]", "> Deprecated: …".
		words := strings.Fields(title)
		if strings.HasPrefix(title, "[!") && len(text) > 0 {
			words = append(words, strings.Fields(text[0])[0])
		}
		for _, w := range words {
			w = strings.Trim(w, `"'*_[]!:.`)
			if s, ok := ps.po.statuses.lookup(w); ok && (s == Superseded || s == Deprecated) {
				ps.upgrade(s, w, p)
				break
			}
		}
	}
}

// sentence returns the sentence of text around the byte offset at.
func sentence(text string, at int) string {
	start := strings.LastIndex(text[:at], ". ") + 1
	end := strings.Index(text[at:], ". ")
	if end < 0 {
		return strings.TrimSpace(text[start:])
	}
	return strings.TrimSpace(text[start : at+end+1])
}

// firstClause is text up to the end of its sentence, so that one phrase
// takes only the links that follow it.
func firstClause(s string) string {
	for _, sep := range []string{". ", "; "} {
		if i := strings.Index(s, sep); i >= 0 {
			s = s[:i]
		}
	}
	return s
}

// bodyLinks reads link lines anywhere else in the body: a line that
// starts with a link phrase and holds a Markdown link to a record (a file
// named like one, or a link whose text is "3. Title" or an ID), or, in the
// preamble under the title, any Markdown link or ID.
func (ps *parsed) bodyLinks(start int, preamble []int) {
	inPreamble := map[int]bool{}
	for _, i := range preamble {
		inPreamble[i] = true
	}
	for i := start; i < len(ps.lines); i++ {
		if ps.inFence[i] || ps.used[i] {
			continue
		}
		ph, rest, ok := phraseAt(ps.lines[i])
		if !ok {
			continue
		}
		p := ps.pos(i, ps.lines[i])
		n := len(ps.d.Links)
		if inPreamble[i] {
			ps.addLinks(ph.kind, rest, p, true)
		} else {
			// In prose, only links to records: "Replaces [the design
			// doc](design.md)" is not a link to a decision.
			ps.addRecordLinks(ph.kind, rest, p)
		}
		if len(ps.d.Links) > n {
			ps.upgrade(ph.status, strings.TrimSpace(ps.lines[i]), p)
		}
	}
}

// addLinks adds a link of kind for every Markdown link in text to another
// file (not a web address), or with plainIDs for every ID when it has no
// Markdown link.
func (ps *parsed) addLinks(kind LinkKind, text string, p Position, plainIDs bool) {
	d := ps.d
	ms := mdLinkRE().FindAllStringSubmatch(text, -1)
	for _, m := range ms {
		ref := m[2]
		if i := strings.IndexByte(ref, '#'); i >= 0 {
			ref = ref[:i]
		}
		if ref == "" || strings.Contains(ref, "://") || strings.HasPrefix(ref, "mailto:") {
			continue
		}
		d.Links = append(d.Links, Link{Kind: kind, Ref: ref, Pos: p})
	}
	if len(ms) > 0 || !plainIDs {
		return
	}
	for _, id := range plainIDRE().FindAllString(text, -1) {
		d.Links = append(d.Links, Link{Kind: kind, Ref: id, Pos: p})
	}
}

// addRecordLinks adds a link of kind for every Markdown link in text that
// points at a file named like a record (0003-x.md, 20200925-x.md) or whose
// text is adr-tools' "3. Title" or an ID.
func (ps *parsed) addRecordLinks(kind LinkKind, text string, p Position) {
	for _, m := range mdLinkRE().FindAllStringSubmatch(text, -1) {
		_, numbered, dated := recordName(refName(m[2]))
		if numbered || dated || titleNumberRE().MatchString(m[1]) || plainIDRE().MatchString(m[1]) {
			ps.addLinks(kind, m[0], p, false)
		}
	}
}

// guessTarget is the ID a link names before a registry resolves it: the
// ID of the file it points to by the naming rules, or the reference itself.
func (s idScheme) guessTarget(ref string) string {
	if strings.Contains(ref, "/") || strings.HasSuffix(strings.ToLower(ref), ".md") {
		id, _, _ := s.nameID(refName(ref))
		return id
	}
	if id, ok := s.normaliseID(ref); ok {
		return id
	}
	return ref
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

// frontMatter is the front matter as CUE's YAML decoder reads it, walked
// as syntax: its values are literals, and evaluating them would cost more
// than reading them.
type frontMatter struct {
	name   string
	fields []*ast.Field
}

func parseFrontMatter(name, src string) (*frontMatter, []Problem) {
	if err := yamlcheck.Check(name, []byte(src), yamlcheck.Limits{}); err != nil {
		p := limitProblem(err)
		p.Message = "front matter: " + p.Message
		return nil, []Problem{p}
	}
	f, err := yaml.Extract(name, src)
	if err != nil {
		return nil, []Problem{yamlProblem(name, err, 2)}
	}
	fm := &frontMatter{name: name}
	for _, decl := range f.Decls {
		switch x := decl.(type) {
		case *ast.Field:
			fm.fields = append(fm.fields, x)
		case *ast.EmbedDecl:
			if !(fmNode{x.Expr}).isNull() {
				return nil, []Problem{problemf(Position{Filename: name, Line: 2, Column: 1}, "", Syntax, "front matter is not a YAML mapping")}
			}
		}
	}
	return fm, nil
}

// lenientFrontMatter reads front matter that is not YAML line by line: a
// "key: value" line whose value is not YAML on its own has the value taken
// as a string; other lines stay as written. It returns nil when that is
// not YAML either.
func lenientFrontMatter(name, src string) *frontMatter {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		if !ok || k == "" || k != strings.TrimSpace(k) || strings.HasPrefix(k, "#") || strings.HasPrefix(k, "-") {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		// A value with an anchor or an alias is quoted without a look: no
		// alias can expand here.
		if strings.ContainsAny(v, "&*") {
			lines[i] = k + ": " + strconv.Quote(v)
		} else if _, err := yaml.Extract(name, k+": "+v); err != nil {
			lines[i] = k + ": " + strconv.Quote(v)
		}
	}
	fm, probs := parseFrontMatter(name, strings.Join(lines, "\n"))
	if len(probs) > 0 {
		return nil
	}
	return fm
}

// has reports whether the front matter has a field.
func (fm *frontMatter) has(key string) bool {
	return slices.ContainsFunc(fm.fields, func(f *ast.Field) bool { return fieldName(f) == key })
}

// fmNode is one value of the front matter.
type fmNode struct{ e ast.Expr }

func (n fmNode) pos() Position { return toPos(n.e.Pos()) }

func (n fmNode) isNull() bool {
	l, ok := n.e.(*ast.BasicLit)
	return ok && l.Kind == token.NULL
}

// scalar returns a YAML scalar as a string: strings as they are, numbers
// and booleans as written.
func (n fmNode) scalar() (string, bool) {
	switch x := n.e.(type) {
	case *ast.BasicLit:
		switch x.Kind {
		case token.STRING:
			s, err := literal.Unquote(x.Value)
			return strings.TrimSpace(s), err == nil
		case token.INT, token.FLOAT, token.TRUE, token.FALSE:
			return x.Value, true
		}
	case *ast.UnaryExpr:
		if l, ok := x.X.(*ast.BasicLit); ok && (l.Kind == token.INT || l.Kind == token.FLOAT) {
			return x.Op.String() + l.Value, true
		}
	}
	return "", false
}

// strings returns a list of scalars, a single scalar, or a comma-separated
// string as a list; null is an empty list.
func (n fmNode) strings() ([]string, bool) {
	if l, ok := n.e.(*ast.ListLit); ok {
		var out []string
		for _, e := range l.Elts {
			s, ok := fmNode{e}.scalar()
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	if n.isNull() {
		return nil, true
	}
	s, ok := n.scalar()
	if !ok {
		return nil, false
	}
	return splitList(s), true
}

// elems returns the elements of a list, or the node itself.
func (n fmNode) elems() []fmNode {
	l, ok := n.e.(*ast.ListLit)
	if !ok {
		return []fmNode{n}
	}
	out := make([]fmNode, len(l.Elts))
	for i, e := range l.Elts {
		out[i] = fmNode{e}
	}
	return out
}

// fields returns the fields of a mapping; ok is false for anything else.
func (n fmNode) fields() ([]*ast.Field, bool) {
	st, ok := n.e.(*ast.StructLit)
	if !ok {
		return nil, false
	}
	var out []*ast.Field
	for _, d := range st.Elts {
		if f, ok := d.(*ast.Field); ok {
			out = append(out, f)
		}
	}
	return out, true
}

// fieldName returns a field's label as written.
func fieldName(f *ast.Field) string {
	name, _, _ := ast.LabelName(f.Label)
	return name
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
	"owner": "owner", "deciders": "deciders", "decision-makers": "deciders", "decision_makers": "deciders",
	"tags": "tags", "scope": "scope", "version": "version",
	"supersedes": "supersedes", "supercedes": "supersedes", "replaces": "supersedes",
	"superseded-by": "superseded-by", "superseded_by": "superseded-by", "supersededBy": "superseded-by",
	"superceded-by": "superseded-by", "superceded_by": "superseded-by", "replaced-by": "superseded-by", "replaced_by": "superseded-by",
	"amends": "amends", "extends": "amends",
	"amended-by": "amended-by", "amended_by": "amended-by", "amendedBy": "amended-by", "extended-by": "amended-by",
	"relates": "relates", "related": "relates", "relates-to": "relates", "related-to": "relates",
	"links": "links",
	// MADR 4 fields kept in the body's spirit but not used here.
	"consulted": "", "informed": "",
	// Keys of site generators (Jekyll's Just the Docs, Docusaurus, Hugo,
	// MkDocs, VuePress) and of other ADR tools: not about the decision.
	"parent": "", "grand_parent": "", "nav_order": "", "nav_exclude": "", "has_children": "", "has_toc": "",
	"sidebar_label": "", "sidebar_position": "", "sidebar_class_name": "", "sidebar": "", "displayed_sidebar": "",
	"description": "", "layout": "", "slug": "", "permalink": "", "keywords": "", "image": "",
	"hide_title": "", "hide_table_of_contents": "", "toc": "", "toc_min_heading_level": "", "toc_max_heading_level": "",
	"pagination_label": "", "pagination_prev": "", "pagination_next": "", "custom_edit_url": "", "last_update": "",
	"weight": "", "aliases": "", "categories": "", "category": "", "summary": "", "excerpt": "", "draft": "",
	"author": "", "authors": "", "hide": "", "search": "", "template": "", "lang": "", "last-updated": "",
	"last_updated": "", "updated": "", "number": "", "adr": "",
}

func (fm *frontMatter) apply(ps *parsed) []Problem {
	d := ps.d
	var probs []Problem
	for _, f := range fm.fields {
		key := fieldName(f)
		v := fmNode{f.Value}
		p := toPos(f.Pos())
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
		// Metadata of the wrong shape is a warning: the record loads
		// without it.
		bad := func(want string) {
			probs = append(probs, warningf(p, "", Field, "%s: want %s (ignored)", key, want))
		}
		switch canon {
		case "id", "title", "owner", "version", "status", "date", "revisit-by":
			s, ok := v.scalar()
			if !ok && v.isNull() {
				s, ok = "", true
			}
			if !ok {
				bad("a string")
				continue
			}
			switch canon {
			case "id":
				if !pageIDRE().MatchString(s) {
					bad("an ID of letters, digits, dots, dashes and underscores, such as ADR-0012")
					continue
				}
				d.fields[canon] = p
				// A site generator's page ID ("adrs-adr013") is not a
				// decision ID: a numbered file name gives that.
				if !decisionIDRE().MatchString(s) {
					ps.pageID, ps.pageIDPos = s, p
					continue
				}
				d.ID = s
				d.Pos = p
			case "title":
				d.fields[canon] = p
				d.Title = s
			case "owner":
				d.fields[canon] = p
				d.Owner = s
			case "version":
				d.fields[canon] = p
				d.Version = s
			case "status":
				ps.setStatus(s, p)
			case "date":
				ps.setDate(&d.Decided, key, s, p)
				d.fields["date"] = p
			case "revisit-by":
				ps.setDate(&d.RevisitBy, key, s, p)
				d.fields["revisit-by"] = p
			}
		case "deciders", "tags":
			l, ok := v.strings()
			if !ok {
				bad("a list of strings")
				continue
			}
			d.fields[canon] = p
			if canon == "tags" {
				d.Tags = l
			} else {
				d.Deciders = l
			}
		case "supersedes", "superseded-by", "amends", "amended-by", "relates":
			l, ok := v.strings()
			if !ok {
				bad("an ID or a list of IDs")
				continue
			}
			elems := v.elems()
			for i, id := range l {
				lp := p
				if i < len(elems) && len(elems) == len(l) && elems[i].pos().IsValid() {
					lp = elems[i].pos()
				}
				n := len(d.Links)
				ps.addLinks(LinkKind(canon), id, lp, false)
				if len(d.Links) == n {
					d.Links = append(d.Links, Link{Kind: LinkKind(canon), Ref: id, Pos: lp})
				}
			}
			if canon == "superseded-by" && len(l) > 0 {
				ps.upgrade(Superseded, "superseded by "+strings.Join(l, ", "), p)
			}
		case "links":
			probs = append(probs, fm.applyLinks(ps, key, v, p)...)
		case "scope":
			d.fields[canon] = p
			probs = append(probs, applyScope(d, v, key, p)...)
		}
	}
	return probs
}

// applyLinks reads a links field: a list of link lines ("Supersedes
// [ADR-0003](0003-x.md)", "relates to ADR-0004") or a mapping from link
// phrases to IDs.
func (fm *frontMatter) applyLinks(ps *parsed, key string, v fmNode, p Position) []Problem {
	if fields, ok := v.fields(); ok {
		for _, f := range fields {
			name := fieldName(f)
			k := strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(name))
			l, ok := fmNode{f.Value}.strings()
			if !ok {
				return []Problem{warningf(p, "", Field, "%s.%s: want an ID or a list of IDs (ignored)", key, name)}
			}
			for _, id := range l {
				ps.linkLine(k+" "+id, p)
			}
		}
		return nil
	}
	l, ok := v.strings()
	if !ok {
		return []Problem{warningf(p, "", Field, "%s: want a list of link lines or a mapping (ignored)", key)}
	}
	for _, line := range l {
		ps.linkLine(line, p)
	}
	return nil
}

// linkLine reads one link written in front matter: a link phrase and IDs
// or Markdown links, else a relates link.
func (ps *parsed) linkLine(line string, p Position) {
	if ph, rest, ok := phraseAt(line); ok {
		ps.addLinks(ph.kind, rest, p, true)
		ps.upgrade(ph.status, line, p)
		return
	}
	n := len(ps.d.Links)
	ps.addLinks(Relates, line, p, true)
	if len(ps.d.Links) == n && strings.TrimSpace(line) != "" && !strings.ContainsAny(strings.TrimSpace(line), " \t") {
		ps.d.Links = append(ps.d.Links, Link{Kind: Relates, Ref: strings.TrimSpace(line), Pos: p})
	}
}

func applyScope(d *Decision, v fmNode, key string, p Position) []Problem {
	fields, ok := v.fields()
	if !ok {
		return []Problem{problemf(p, "", Field, "%s: want a mapping with blueprints and tags", key)}
	}
	var probs []Problem
	for _, f := range fields {
		k := fieldName(f)
		fp := toPos(f.Pos())
		if !fp.IsValid() {
			fp = p
		}
		l, ok := fmNode{f.Value}.strings()
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
