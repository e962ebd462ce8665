package scan

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goldenpath-dev/goldenpath/internal/diff"
	"github.com/goldenpath-dev/goldenpath/internal/token"
)

// hunkKey is the normalised form of a hunk: its changed lines, whitespace
// collapsed, the project's own parameter values replaced by placeholders
// where they stand as whole tokens written by the parameter rather than by
// the blueprint (see normaliser).
func hunkKey(h diff.Hunk, n *normaliser) string {
	type line struct {
		kind diff.Kind
		text string
		own  []span // the blueprint's own text of a deleted line
	}
	var lines []line
	var deleted []int
	for _, l := range h.Lines {
		if l.Kind == diff.Context {
			continue
		}
		x := line{kind: l.Kind, text: strings.Join(strings.Fields(l.Text), " ")}
		if l.Kind == diff.Delete {
			x.own = n.owned(x.text)
			deleted = append(deleted, len(lines))
		}
		lines = append(lines, x)
	}
	var b strings.Builder
	for _, l := range lines {
		own := l.own
		if l.kind == diff.Insert && len(deleted) > 0 {
			// An added line keeps the blueprint's text of the deleted line
			// it rewrites where the two are alike: their common prefix and
			// suffix.
			best, bestLen, bestPre, bestSuf := -1, 0, 0, 0
			for _, i := range deleted {
				pre, suf := common(lines[i].text, l.text)
				if pre+suf > bestLen {
					best, bestLen, bestPre, bestSuf = i, pre+suf, pre, suf
				}
			}
			if best >= 0 {
				own = aligned(lines[best].own, len(lines[best].text), len(l.text), bestPre, bestSuf)
			}
		}
		b.WriteByte(byte(l.kind))
		b.WriteString(n.replace(l.text, own))
		b.WriteByte('\n')
	}
	return b.String()
}

// common returns the lengths of the longest common prefix and suffix of a
// and b that do not overlap in either.
func common(a, b string) (pre, suf int) {
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	return pre, suf
}

// aligned maps the spans own of a deleted line of length from onto the
// added line of length to that shares its first pre and last suf bytes.
func aligned(own []span, from, to, pre, suf int) []span {
	var out []span
	for _, s := range own {
		if a, z := s.start, min(s.end, pre); a < z {
			out = append(out, span{a, z, s.unknown})
		}
		if a, z := max(s.start, from-suf), s.end; a < z {
			out = append(out, span{a + to - from, z + to - from, s.unknown})
		}
	}
	return out
}

// minParamValue is the shortest parameter value a hunk key replaces;
// minParamDigits the fewest digits of a number it replaces.
const (
	minParamValue  = 3
	minParamDigits = 3
)

// paramValue is one parameter value, as text, and its path; number says
// that it is a number, whose tokens are bounded by digits and letters only.
type paramValue struct {
	value, path string
	number      bool
}

// span is a part of a line: the blueprint's own text, or, when unknown,
// a line the template does not show as one line of its own.
type span struct {
	start, end int
	unknown    bool
}

// normaliser replaces a project's parameter values in the lines of one
// file's hunks by {{.path}}. A value is replaced only as a whole token
// (internal/token.Indexes; a number where no digit, letter or decimal
// point continues it), so that "dev" in "(devtools)" or "2>/dev/null"
// stays; longest values first, so that a value that contains another
// wins; never a string shorter than minParamValue or a number of fewer
// than minParamDigits digits; and never where the blueprint wrote the
// value itself. A deleted line is the blueprint's: the template line that
// rendered it (its text around the actions) tells which of its tokens the
// template wrote and which a parameter did. An added line that rewrites a
// deleted one keeps that line's reading where the two are alike; text the
// team wrote is read as parameters. Whether a value is replaced therefore
// depends on the blueprint's line and the place of the value, never on
// which of the parameter's values the project has, so that the same edit
// in projects with different values has one key — "kubectl apply -n dev"
// and "-n prod" are both "-n {{.tier}}" though the Makefile holds
// "TAG ?= dev". A deleted line no template line shows (an action that
// writes several lines) falls back on the whole template: a value it
// holds as a token is kept.
type normaliser struct {
	values   []paramValue // longest first
	template string       // the file's template; "" when unknown
	actions  bool         // the template's {{...}} are actions
	lines    map[string]bool
	patterns []linePattern // built on first use
	built    bool
}

// linePattern is a template line holding actions: the literal text
// around them, in order (the first and last possibly empty), as a line
// matches it when it starts with the first, ends with the last and holds
// the others in order between.
type linePattern struct {
	literals []string
	literal  int // their length
}

// match returns the spans of line that p's literals take, or false. A
// literal between two actions is looked for after the text the action
// before it wrote: when one of values (longest first) starts right there
// and the literal follows it, the action wrote that value, and the literal
// is the one after it even if the value holds the literal's text (an app
// "my app" before " " in "cmd: {{.app}} {{.tier}}"); otherwise the literal
// is the leftmost one. Either way, which spans are the blueprint's does
// not depend on the values themselves.
func (p linePattern) match(line string, values []paramValue) ([]span, bool) {
	first, last := p.literals[0], p.literals[len(p.literals)-1]
	if len(line) < len(first)+len(last) || !strings.HasPrefix(line, first) || !strings.HasSuffix(line, last) {
		return nil, false
	}
	var out []span
	if first != "" {
		out = append(out, span{0, len(first), false})
	}
	at, end := len(first), len(line)-len(last)
	for _, lit := range p.literals[1 : len(p.literals)-1] {
		if lit == "" {
			continue
		}
		i := -1
		for _, v := range values {
			if rest := line[at:end]; strings.HasPrefix(rest, v.value) && strings.HasPrefix(rest[len(v.value):], lit) {
				i = len(v.value)
				break
			}
		}
		if i < 0 {
			i = strings.Index(line[at:end], lit)
		}
		if i < 0 {
			return nil, false
		}
		out = append(out, span{at + i, at + i + len(lit), false})
		at += i + len(lit)
	}
	if last != "" {
		out = append(out, span{end, len(line), false})
	}
	return out, true
}

// paramValues returns the project's string parameter values of
// minParamValue characters or more and number values of minParamDigits
// digits or more, longest first, then by path.
func paramValues(params map[string]any) []paramValue {
	var pairs []paramValue
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		num := ""
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, x)
			}
			return
		case string:
			// Keys collapse whitespace: so do values.
			if v = strings.Join(strings.Fields(v), " "); len(v) >= minParamValue {
				pairs = append(pairs, paramValue{value: v, path: prefix})
			}
			return
		case int64:
			num = strconv.FormatInt(v, 10)
		case int:
			num = strconv.Itoa(v)
		case float64:
			num = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			return
		}
		digits := 0
		for _, r := range num {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits >= minParamDigits {
			pairs = append(pairs, paramValue{value: num, path: prefix, number: true})
		}
	}
	walk("", params)
	slices.SortFunc(pairs, func(a, b paramValue) int {
		if d := len(b.value) - len(a.value); d != 0 {
			return d
		}
		return strings.Compare(a.path, b.path)
	})
	return pairs
}

// newNormaliser returns the normaliser of the values for a file whose
// template text is template (nil: unknown); actions says that the
// template's {{...}} are text/template actions.
func newNormaliser(values []paramValue, template []byte, actions bool) *normaliser {
	return &normaliser{values: values, template: string(template), actions: actions}
}

var actionRE = regexp.MustCompile(`\{\{.*?\}\}`)

// build reads the template's lines once.
func (n *normaliser) build() {
	n.built = true
	n.lines = map[string]bool{}
	type indexed struct {
		linePattern
		at int
	}
	var pats []indexed
	for i, raw := range strings.Split(n.template, "\n") {
		l := strings.Join(strings.Fields(raw), " ")
		if !n.actions || !strings.Contains(l, "{{") {
			n.lines[l] = true
			continue
		}
		locs := actionRE.FindAllStringIndex(l, -1)
		if len(locs) == 0 {
			n.lines[l] = true
			continue
		}
		var lits []string
		literal, at := 0, 0
		for k, loc := range locs {
			lit := l[at:loc[0]]
			if strings.HasPrefix(l[loc[0]:], "{{-") {
				lit = strings.TrimRight(lit, " ")
			}
			if k > 0 && strings.HasSuffix(l[locs[k-1][0]:locs[k-1][1]], "-}}") {
				lit = strings.TrimLeft(lit, " ")
			}
			lits = append(lits, lit)
			literal += len(lit)
			at = loc[1]
		}
		lit := l[at:]
		if strings.HasSuffix(l[locs[len(locs)-1][0]:locs[len(locs)-1][1]], "-}}") {
			lit = strings.TrimLeft(lit, " ")
		}
		lits = append(lits, lit)
		literal += len(lit)
		if literal == 0 {
			continue // only actions: it tells nothing
		}
		pats = append(pats, indexed{linePattern{lits, literal}, i})
	}
	// The most literal line first, then in the template's order.
	slices.SortStableFunc(pats, func(a, b indexed) int { return b.literal - a.literal })
	for _, p := range pats {
		n.patterns = append(n.patterns, p.linePattern)
	}
}

// owned returns the spans of line, a deleted (rendered) line, that the
// blueprint wrote itself: all of it for a literal line of the template,
// the text around the actions of the template line that renders it, or
// one unknown span when no template line does.
func (n *normaliser) owned(line string) []span {
	if n == nil || n.template == "" {
		return nil
	}
	if !n.built {
		n.build()
	}
	if n.lines[line] {
		return []span{{0, len(line), false}}
	}
	for _, p := range n.patterns {
		if out, ok := p.match(line, n.values); ok {
			return out
		}
	}
	return []span{{0, len(line), true}}
}

// replace replaces the whole-token occurrences of n's values in text,
// longest value first, except where they overlap own, the blueprint's own
// text (or, in an unknown span, where the template holds the value);
// text a replacement wrote is never replaced again.
func (n *normaliser) replace(text string, own []span) string {
	if n == nil || len(n.values) == 0 {
		return text
	}
	type repl struct {
		start, end int
		with       string
	}
	var spans []repl
	taken := func(i, j int) bool {
		for _, s := range spans {
			if i < s.end && j > s.start {
				return true
			}
		}
		return false
	}
	for _, v := range n.values {
		idx := token.Indexes(text, v.value)
		if v.number {
			idx = numberIndexes(text, v.value)
		}
		for _, i := range idx {
			j := i + len(v.value)
			if taken(i, j) || n.blueprints(v, own, i, j) {
				continue
			}
			spans = append(spans, repl{i, j, "{{." + v.path + "}}"})
		}
	}
	if len(spans) == 0 {
		return text
	}
	slices.SortFunc(spans, func(a, b repl) int { return a.start - b.start })
	var b strings.Builder
	last := 0
	for _, s := range spans {
		b.WriteString(text[last:s.start])
		b.WriteString(s.with)
		last = s.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// blueprints reports whether the occurrence [i, j) of v is the
// blueprint's own text by own: whether it lies wholly inside one of its
// spans. An occurrence the blueprint's text only overlaps (a value "my
// app" holding the " " between two actions) is the parameter's.
func (n *normaliser) blueprints(v paramValue, own []span, i, j int) bool {
	for _, s := range own {
		if i < s.start || j > s.end {
			continue // a value only partly in the span is a parameter's
		}
		if !s.unknown {
			return true
		}
		if v.number {
			if len(numberIndexes(n.template, v.value)) > 0 {
				return true
			}
		} else if len(token.Indexes(n.template, v.value)) > 0 {
			return true
		}
	}
	return false
}

// numberIndexes returns the offsets in text where the number value occurs
// with no letter, digit, '_' or decimal point and digit continuing it, so
// that 8181 is a token of "localhost:8181/healthz" but not of "v8181",
// "18181" or "8181.5".
func numberIndexes(text, value string) []int {
	var out []int
	if value == "" {
		return nil
	}
	word := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	digit := func(s string, last bool) bool {
		var r rune
		if last {
			r, _ = utf8.DecodeLastRuneInString(s)
		} else {
			r, _ = utf8.DecodeRuneInString(s)
		}
		return r >= '0' && r <= '9'
	}
	for off := 0; off <= len(text); {
		i := strings.Index(text[off:], value)
		if i < 0 {
			return out
		}
		i += off
		j := i + len(value)
		before, after := text[:i], text[j:]
		r, nb := utf8.DecodeLastRuneInString(before)
		r2, na := utf8.DecodeRuneInString(after)
		joined := nb > 0 && (word(r) || r == '.' && digit(before[:len(before)-1], true)) ||
			na > 0 && (word(r2) || r2 == '.' && digit(after[1:], false))
		if !joined {
			out = append(out, i)
		}
		off = i + 1
	}
	return out
}
