package main

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// htmlPattern turns the patterns a JSON Schema string must all match into
// one HTML pattern attribute, so that the browser checks them before the
// server does.
//
// The two differ: a JSON Schema pattern is RE2 here (CUE's =~) and matches
// anywhere in the value, while browsers compile the pattern attribute as a
// JavaScript regular expression with the v flag, anchored to the whole
// value. The v flag rejects character classes such as [a-z0-9-] that RE2
// accepts, and a browser silently ignores a pattern it cannot compile. Each
// pattern is therefore rewritten (jsRegexp) and wrapped in a lookahead that
// searches the whole value, as RE2 does:
//
//	(?=[\s\S]*?(?:P1))(?=[\s\S]*?(?:P2))[\s\S]*
//
// ok is false when a pattern uses RE2 syntax that JavaScript lacks (flags,
// \A, \z, \Q…\E, Unicode classes, POSIX classes): the browser then does not
// check it, and the server still does.
func htmlPattern(patterns []string) (string, bool) {
	if len(patterns) == 0 {
		return "", false
	}
	var b strings.Builder
	for _, p := range patterns {
		js, ok := jsRegexp(p)
		if !ok {
			return "", false
		}
		b.WriteString(`(?=[\s\S]*?(?:`)
		b.WriteString(js)
		b.WriteString(`))`)
	}
	b.WriteString(`[\s\S]*`)
	return b.String(), true
}

const (
	// jsSyntax are the characters a JavaScript regular expression in
	// Unicode mode lets a backslash escape outside a character class.
	jsSyntax = `^$\.*+?()[]{}|/`
	// jsClassEscapable are those it lets a backslash escape inside a
	// character class in v mode: the syntax characters and the reserved
	// punctuators, which must be escaped there to be literal.
	jsClassEscapable = jsSyntax + "&-!#%,:;<=>@`~"
)

// jsRegexp rewrites an RE2 regular expression into a JavaScript one with
// the same meaning under the v flag; ok is false when it cannot.
func jsRegexp(re2 string) (js string, ok bool) {
	if _, err := regexp.Compile(re2); err != nil {
		return "", false
	}
	var b strings.Builder
	rs := []rune(re2)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '\\':
			if i+1 >= len(rs) {
				return "", false
			}
			i++
			esc, ok := jsEscape(rs, &i, false)
			if !ok {
				return "", false
			}
			b.WriteString(esc)
		case '[':
			n, class, ok := jsClass(rs[i:])
			if !ok {
				return "", false
			}
			b.WriteString(class)
			i += n - 1
		case '(':
			if i+1 < len(rs) && rs[i+1] == '?' {
				rest := string(rs[i+2:])
				switch {
				case strings.HasPrefix(rest, ":"):
					b.WriteString("(?:")
					i += 2
				case strings.HasPrefix(rest, "P<"):
					b.WriteString("(?<")
					i += 3
				case strings.HasPrefix(rest, "<"):
					b.WriteString("(?<")
					i += 2
				default: // flags: (?i), (?s:…)
					return "", false
				}
				continue
			}
			b.WriteRune(c)
		case '{':
			// RE2 takes a brace that starts no repetition literally;
			// JavaScript in Unicode mode refuses it.
			if m := repetition.FindString(string(rs[i:])); m != "" {
				b.WriteString(m)
				i += len([]rune(m)) - 1
			} else {
				b.WriteString(`\{`)
			}
		case '}', ']':
			b.WriteString(`\` + string(c))
		default:
			b.WriteRune(c)
		}
	}
	return b.String(), true
}

// repetition is a counted repetition RE2 accepts: {n}, {n,} or {n,m}.
var repetition = regexp.MustCompile(`^\{[0-9]+(,[0-9]*)?\}`)

// jsEscape rewrites the escape whose letter is rs[*i], inside a character
// class or not, advancing *i past any of its further runes.
func jsEscape(rs []rune, i *int, inClass bool) (string, bool) {
	c := rs[*i]
	switch {
	case strings.ContainsRune("dDsSwWntrfv", c):
		return `\` + string(c), true
	case c == 'b' || c == 'B':
		// A word boundary outside a class; RE2 has no \b inside one.
		return `\` + string(c), !inClass
	case c == 'x':
		rest := string(rs[*i+1:])
		if m := hexBraces.FindString(rest); m != "" {
			*i += len(m)
			return `\u` + m, true
		}
		if m := hex2.FindString(rest); m != "" {
			*i += 2
			return `\x` + m, true
		}
		return "", false
	case c < utf8.RuneSelf && (unicode.IsPunct(c) || unicode.IsSymbol(c)):
		escapable := jsSyntax
		if inClass {
			escapable = jsClassEscapable
		}
		if strings.ContainsRune(escapable, c) {
			return `\` + string(c), true
		}
		return string(c), true
	}
	// \A, \z, \Q…\E, \p{…}, \C, octal escapes and the like.
	return "", false
}

var (
	hexBraces = regexp.MustCompile(`^\{[0-9A-Fa-f]{1,6}\}`)
	hex2      = regexp.MustCompile(`^[0-9A-Fa-f]{2}`)
)

// jsClass rewrites the character class at the start of rs and returns how
// many runes of rs it spans.
func jsClass(rs []rune) (n int, class string, ok bool) {
	var b strings.Builder
	b.WriteByte('[')
	i := 1
	if i < len(rs) && rs[i] == '^' {
		b.WriteByte('^')
		i++
	}
	// One atom of the class: its JavaScript text, and whether it is a
	// single character (which a range may start or end with).
	atom := func() (string, bool, bool) {
		c := rs[i]
		switch {
		case c == '[' && i+1 < len(rs) && rs[i+1] == ':':
			return "", false, false // POSIX classes
		case c == '\\':
			if i+1 >= len(rs) {
				return "", false, false
			}
			i++
			esc, ok := jsEscape(rs, &i, true)
			single := ok && !(len(esc) == 2 && strings.ContainsAny(esc[1:], "dDsSwW"))
			i++
			return esc, single, ok
		case strings.ContainsRune(jsClassEscapable, c):
			i++
			return `\` + string(c), true, true
		}
		i++
		return string(c), true, true
	}
	first := true
	for {
		if i >= len(rs) {
			return 0, "", false
		}
		// RE2 takes a ] right after [ or [^ literally.
		if rs[i] == ']' && !first {
			b.WriteByte(']')
			return i + 1, b.String(), true
		}
		first = false
		text, single, ok := atom()
		if !ok {
			return 0, "", false
		}
		// A - between two characters is a range; anywhere else it is a
		// literal, which atom has escaped.
		if single && i+1 < len(rs) && rs[i] == '-' && rs[i+1] != ']' {
			i++
			hi, hiSingle, ok := atom()
			if !ok || !hiSingle {
				return 0, "", false
			}
			text += "-" + hi
		}
		b.WriteString(text)
	}
}
