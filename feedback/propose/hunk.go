package propose

import (
	"fmt"
	"strconv"
	"strings"
)

// hunk is one edit as a scan records it (feedback.Evidence.Hunk): a
// unified diff hunk of the rendered file against the project's.
type hunk struct {
	oldStart, oldLines int
	newStart, newLines int
	del, ins           []string // the removed and added lines, each with its "\n" unless the file ends without one
	before, after      []string // the context lines around them (a scan with Options.Context)
}

// pos returns the index of the first removed line in the old text, or of
// the line the additions go before when nothing is removed.
func (h *hunk) pos() int {
	if h.oldLines == 0 {
		return h.oldStart
	}
	return h.oldStart - 1 + len(h.before)
}

// parseHunk reads one hunk: a header "@@ -l[,s] +l[,s] @@" and its lines,
// ' ', '-' or '+' then the text, a "\ No newline at end of file" line
// marking the line before it as the file's last without a newline. Context
// lines may stand before and after the changed lines, not between two runs
// of them (one edit per hunk). The counts of the header must match the
// lines.
func parseHunk(s string) (*hunk, error) {
	header, body, _ := strings.Cut(s, "\n")
	h := &hunk{}
	rest, ok := strings.CutPrefix(header, "@@ -")
	if !ok {
		return nil, fmt.Errorf("line 1: want a hunk header @@ -l,s +l,s @@, got %q", clip(header))
	}
	old, rest, ok := strings.Cut(rest, " +")
	if !ok {
		return nil, fmt.Errorf("line 1: no new range in %q", clip(header))
	}
	nw, _, ok := strings.Cut(rest, " @@")
	if !ok {
		return nil, fmt.Errorf("line 1: header %q does not end with @@", clip(header))
	}
	var err error
	if h.oldStart, h.oldLines, err = parseRange(old); err != nil {
		return nil, fmt.Errorf("line 1: old range: %w", err)
	}
	if h.newStart, h.newLines, err = parseRange(nw); err != nil {
		return nil, fmt.Errorf("line 1: new range: %w", err)
	}
	if h.oldLines > 0 && h.oldStart < 1 || h.newLines > 0 && h.newStart < 1 {
		return nil, fmt.Errorf("line 1: a range of lines starts at line 0")
	}
	var nold, nnew int
	var last *[]string // the list the previous line went to
	lines := strings.SplitAfter(body, "\n")
	for i, l := range lines {
		if l == "" {
			continue // after the final newline
		}
		n := i + 2
		if strings.HasPrefix(l, `\`) {
			if last == nil || len(*last) == 0 {
				return nil, fmt.Errorf("line %d: %q follows no line", n, clip(l))
			}
			(*last)[len(*last)-1] = strings.TrimSuffix((*last)[len(*last)-1], "\n")
			continue
		}
		text := l[1:]
		if !strings.HasSuffix(text, "\n") {
			text += "\n" // the evidence ends without a newline: the line has one
		}
		changed := len(h.del)+len(h.ins) > 0
		if l[0] != ' ' && len(h.after) > 0 {
			return nil, fmt.Errorf("line %d: a second change in one hunk: propose needs one edit per hunk", n)
		}
		switch l[0] {
		case ' ':
			nold++
			nnew++
			if changed {
				h.after = append(h.after, text)
				last = &h.after
			} else {
				h.before = append(h.before, text)
				last = &h.before
			}
		case '-':
			nold++
			h.del = append(h.del, text)
			last = &h.del
		case '+':
			nnew++
			h.ins = append(h.ins, text)
			last = &h.ins
		default:
			return nil, fmt.Errorf("line %d: %q is not a hunk line (' ', '-' or '+')", n, clip(l))
		}
	}
	if nold != h.oldLines || nnew != h.newLines {
		return nil, fmt.Errorf("the header counts %d old and %d new lines, the hunk has %d and %d", h.oldLines, h.newLines, nold, nnew)
	}
	if len(h.del)+len(h.ins) == 0 {
		return nil, fmt.Errorf("the hunk changes no line")
	}
	return h, nil
}

// parseRange reads "l,s" or "l" (s = 1).
func parseRange(s string) (start, n int, err error) {
	a, b, hasCount := strings.Cut(s, ",")
	if start, err = strconv.Atoi(a); err != nil || start < 0 {
		return 0, 0, fmt.Errorf("%q is not a line number", clip(a))
	}
	n = 1
	if hasCount {
		if n, err = strconv.Atoi(b); err != nil || n < 0 {
			return 0, 0, fmt.Errorf("%q is not a line count", clip(b))
		}
	}
	return start, n, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
