// Package english writes counts of things in English: "1 file", "2 files",
// "3 entries".
package english

import "strconv"

// Count writes n and noun, made plural unless n is 1: Count(1, "file") is
// "1 file", Count(0, "file") "0 files", Count(2, "entry") "2 entries",
// Count(2, "desire path") "2 desire paths". Only the last word is made
// plural, by the regular rules (-s; -es after s, x, z, ch, sh; -ies after a
// consonant and y); pass an irregular noun's plural with Plural.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + Plural(noun)
}

// Plural makes the last word of noun plural by the regular rules.
func Plural(noun string) string {
	l := len(noun)
	switch {
	case l == 0:
		return noun
	case hasSuffix(noun, "s"), hasSuffix(noun, "x"), hasSuffix(noun, "z"), hasSuffix(noun, "ch"), hasSuffix(noun, "sh"):
		return noun + "es"
	case l >= 2 && noun[l-1] == 'y' && !isVowel(noun[l-2]):
		return noun[:l-1] + "ies"
	}
	return noun + "s"
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}
