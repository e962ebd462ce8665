package diff

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind says what a [Line] of a [Hunk] is; its value is the character that
// starts the line in a unified diff.
type Kind byte

// The kinds of hunk lines.
const (
	Context Kind = ' ' // a line present in both texts
	Delete  Kind = '-' // a line only in the old text
	Insert  Kind = '+' // a line only in the new text
)

// Line is one line of a [Hunk].
type Line struct {
	Kind Kind
	// Text is the line including its terminating "\n", which only the last
	// line of a text may lack.
	Text string
}

// Hunk is a group of nearby changes with their surrounding context lines,
// one "@@ ... @@" section of a unified diff.
//
// The line numbers follow the unified diff header: OldStart is the 1-based
// number of the first old line of the hunk and OldLines the number of old
// lines (context and deleted lines); when OldLines is 0, OldStart is the
// number of the line after which the hunk applies (0 at the start of the
// text). NewStart and NewLines are the same for the new text (context and
// inserted lines).
type Hunk struct {
	OldStart, OldLines int
	NewStart, NewLines int
	Lines              []Line
}

// Header returns the hunk header in the format of GNU diff, such as
// "@@ -1,3 +1,4 @@", where a count of 1 is omitted ("@@ -5 +5 @@").
func (h Hunk) Header() string {
	return "@@ -" + unifiedRange(h.OldStart, h.OldLines) + " +" + unifiedRange(h.NewStart, h.NewLines) + " @@"
}

func unifiedRange(start, n int) string {
	if n == 1 {
		return strconv.Itoa(start)
	}
	return strconv.Itoa(start) + "," + strconv.Itoa(n)
}

// String returns the hunk as in a unified diff: the header line, then each
// line prefixed with its kind, a line without a final newline being
// followed by "\ No newline at end of file".
func (h Hunk) String() string {
	var sb strings.Builder
	h.write(&sb)
	return sb.String()
}

func (h Hunk) write(sb *strings.Builder) {
	sb.WriteString(h.Header())
	sb.WriteByte('\n')
	for _, l := range h.Lines {
		sb.WriteByte(byte(l.Kind))
		sb.WriteString(l.Text)
		if !strings.HasSuffix(l.Text, "\n") {
			sb.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// Hunks returns the differences between a and b as hunks with context
// lines of unchanged text around each change (0 if context is negative).
// Changes whose contexts overlap or touch, that is separated by at most
// 2*context unchanged lines, share a hunk, as in GNU diff. Hunks returns
// nil when a and b have the same lines. The input is not checked for
// binary data; see [IsBinary].
//
// The hunks match the output of GNU diff --minimal -U context. Like it,
// Hunks does not slide a change further than context lines into the
// common prefix or suffix of a and b, so where a change could be placed
// at several positions its placement may differ from that of [Lines].
func Hunks(a, b []byte, context int) []Hunk {
	al, bl := SplitLines(a), SplitLines(b)
	return hunks(al, bl, lineEdits(al, bl, max(context, 0)), context)
}

func hunks(a, b [][]byte, edits []Edit, context int) []Hunk {
	context = max(context, 0)
	var out []Hunk
	for i := 0; i < len(edits); {
		// Gather the edits of this hunk.
		j := i + 1
		for j < len(edits) && edits[j].OldStart-edits[j-1].OldEnd <= 2*context {
			j++
		}
		first, last := edits[i], edits[j-1]
		before := min(context, first.OldStart)
		after := min(context, len(a)-last.OldEnd)
		oldStart, newStart := first.OldStart-before, first.NewStart-before
		oldEnd, newEnd := last.OldEnd+after, last.NewEnd+after

		h := Hunk{
			OldStart: oldStart + 1,
			OldLines: oldEnd - oldStart,
			NewStart: newStart + 1,
			NewLines: newEnd - newStart,
			Lines:    make([]Line, 0, (oldEnd-oldStart)+(last.NewEnd-first.NewStart)),
		}
		if h.OldLines == 0 {
			h.OldStart--
		}
		if h.NewLines == 0 {
			h.NewStart--
		}
		add := func(kind Kind, lines [][]byte) {
			for _, l := range lines {
				h.Lines = append(h.Lines, Line{kind, string(l)})
			}
		}
		add(Context, a[oldStart:first.OldStart])
		for k, e := range edits[i:j] {
			if k > 0 {
				add(Context, a[edits[i+k-1].OldEnd:e.OldStart])
			}
			add(Delete, a[e.OldStart:e.OldEnd])
			add(Insert, b[e.NewStart:e.NewEnd])
		}
		add(Context, a[last.OldEnd:oldEnd])
		out = append(out, h)
		i = j
	}
	return out
}

// Unified returns the differences between a and b as a unified diff with
// context lines of context, in the format of GNU diff -u except that the
// "---" and "+++" header lines carry only the names given, no timestamps.
// It returns "" when a and b are equal. When either is binary (see
// [IsBinary]) and they differ, it returns "Binary files OLD and NEW
// differ\n" with the names given, as GNU diff does.
func Unified(oldName, newName string, a, b []byte, context int) string {
	if bytes.Equal(a, b) {
		return ""
	}
	if IsBinary(a) || IsBinary(b) {
		return "Binary files " + oldName + " and " + newName + " differ\n"
	}
	hs := Hunks(a, b, context)
	if len(hs) == 0 {
		return ""
	}
	var sb strings.Builder
	sb.WriteString("--- " + oldName + "\n")
	sb.WriteString("+++ " + newName + "\n")
	for _, h := range hs {
		h.write(&sb)
	}
	return sb.String()
}

// binaryPrefix is how much of the data IsBinary searches for a NUL byte,
// as git does.
const binaryPrefix = 8000

// IsBinary reports whether data looks binary rather than text: it has a
// NUL byte within its first 8000 bytes (git's heuristic) or is not valid
// UTF-8.
func IsBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binaryPrefix)], 0) >= 0 || !utf8.Valid(data)
}

// ErrMismatch is returned, wrapped, by [Apply] when a hunk does not match
// the text it is applied to.
var ErrMismatch = errors.New("diff: hunk does not apply")

// Apply applies hunks, as returned by [Hunks] for some a and b, to a and
// returns b. The hunks must be sorted and must not overlap. Apply is
// strict, as needed to build merges on it: every context and deleted line
// must be found in a at exactly the position the hunk header gives, and
// the line counts of the header must match the lines of the hunk;
// otherwise it returns an error wrapping [ErrMismatch].
func Apply(a []byte, hunks []Hunk) ([]byte, error) {
	lines := SplitLines(a)
	out := make([]byte, 0, len(a))
	pos := 0  // next line of a to copy
	nout := 0 // lines written to out
	for i, h := range hunks {
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%w: hunk %d (%s): %s", ErrMismatch, i+1, h.Header(), fmt.Sprintf(format, args...))
		}
		if h.OldLines < 0 || h.NewLines < 0 {
			return nil, fail("negative line count")
		}
		start := h.OldStart - 1
		if h.OldLines == 0 {
			start = h.OldStart
		}
		if start < pos || start > len(lines) {
			return nil, fail("old start out of order or out of range")
		}
		for _, l := range lines[pos:start] {
			out = append(out, l...)
		}
		nout += start - pos
		pos = start

		newStart := h.NewStart - 1
		if h.NewLines == 0 {
			newStart = h.NewStart
		}
		if newStart != nout {
			return nil, fail("new start %d does not follow the %d lines before it", h.NewStart, nout)
		}
		var nold, nnew int
		for _, l := range h.Lines {
			switch l.Kind {
			case Context, Delete:
				if pos >= len(lines) || string(lines[pos]) != l.Text {
					return nil, fail("old line %d does not match %q", pos+1, l.Text)
				}
				pos++
				nold++
				if l.Kind == Delete {
					continue
				}
			case Insert:
			default:
				return nil, fail("unknown line kind %q", byte(l.Kind))
			}
			if len(out) > 0 && out[len(out)-1] != '\n' {
				return nil, fail("line %q follows a line without newline", l.Text)
			}
			out = append(out, l.Text...)
			nnew++
			nout++
		}
		if nold != h.OldLines || nnew != h.NewLines {
			return nil, fail("has %d old and %d new lines", nold, nnew)
		}
	}
	if pos < len(lines) && len(out) > 0 && out[len(out)-1] != '\n' {
		return nil, fmt.Errorf("%w: text follows a line without newline", ErrMismatch)
	}
	for _, l := range lines[pos:] {
		out = append(out, l...)
	}
	return out, nil
}
