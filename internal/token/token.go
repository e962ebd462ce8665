// Package token finds parameter values in text as whole tokens, the way
// feedback/scan turns a downstream edit into its hunk key and
// feedback/propose turns it back into template expressions
// (docs/feedback.md, hunk.key).
package token

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Indexes returns the offsets in text where value occurs as a whole
// token: the characters either side of it, if any, are not word characters
// (letters, digits, '_'), and not a joiner ('.', '/', '@') with a word
// character beyond it — so "dev" is a token of "tier: dev", "(dev)" and
// "dev-tools" (a hyphenated name built from a value: "orders-postgres"),
// but not of "(devtools)", "2>/dev/null" or "acme.dev/tier".
func Indexes(text, value string) []int {
	var out []int
	if value == "" {
		return nil
	}
	for off := 0; off <= len(text); {
		i := strings.Index(text[off:], value)
		if i < 0 {
			return out
		}
		i += off
		j := i + len(value)
		if !joinedBefore(text[:i], value) && !joinedAfter(text[j:], value) {
			out = append(out, i)
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		off = i + max(size, 1)
	}
	return out
}

// joinedBefore reports whether value, preceded by before, continues a word.
func joinedBefore(before, value string) bool {
	r, n := utf8.DecodeLastRuneInString(before)
	if n == 0 {
		return false
	}
	if wordRune(r) {
		first, _ := utf8.DecodeRuneInString(value)
		return wordRune(first)
	}
	if joiner(r) {
		r2, n2 := utf8.DecodeLastRuneInString(before[:len(before)-n])
		return n2 > 0 && wordRune(r2)
	}
	return false
}

// joinedAfter reports whether value, followed by after, continues a word.
func joinedAfter(after, value string) bool {
	r, n := utf8.DecodeRuneInString(after)
	if n == 0 {
		return false
	}
	if wordRune(r) {
		last, _ := utf8.DecodeLastRuneInString(value)
		return wordRune(last)
	}
	if joiner(r) {
		r2, n2 := utf8.DecodeRuneInString(after[n:])
		return n2 > 0 && wordRune(r2)
	}
	return false
}

// wordRune reports whether r continues a word: a letter, a digit or '_'.
func wordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// joiner reports whether r joins words into one token: a host name, a
// path, an address.
func joiner(r rune) bool { return r == '.' || r == '/' || r == '@' }

// LooseIndexes returns the offsets in text where value occurs with no word
// character joined to it either side.
func LooseIndexes(text, value string) []int {
	var out []int
	if value == "" {
		return nil
	}
	for off := 0; off <= len(text); {
		i := strings.Index(text[off:], value)
		if i < 0 {
			return out
		}
		i += off
		r, n := utf8.DecodeLastRuneInString(text[:i])
		first, _ := utf8.DecodeRuneInString(value)
		last, _ := utf8.DecodeLastRuneInString(value)
		r2, n2 := utf8.DecodeRuneInString(text[i+len(value):])
		if !(n > 0 && wordRune(r) && wordRune(first)) && !(n2 > 0 && wordRune(r2) && wordRune(last)) {
			out = append(out, i)
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		off = i + max(size, 1)
	}
	return out
}
