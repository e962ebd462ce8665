package merge

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/goldenpath-dev/goldenpath/internal/diff"
)

// pick chooses the resolution of a conflict.
type pick func(Conflict) []byte

func pickOurs(c Conflict) []byte   { return c.Ours }
func pickTheirs(c Conflict) []byte { return c.Theirs }
func pickBase(c Conflict) []byte   { return c.Base }

// resolve checks that the conflict markers of r are well formed and
// returns its merged text with each conflict replaced by the region p
// picks. It fails the test on malformed markers.
func resolve(t testing.TB, r *Result, p pick) string {
	t.Helper()
	out, err := resolveErr(r, nil, p)
	if err != nil {
		t.Fatalf("%v\nmerged:\n%q", err, r.Merged)
	}
	return string(out)
}

// resolveErr is resolve with the options of the merge, returning an error
// for malformed markers. It follows the conflicts' Line fields rather than
// searching for markers, so it also works when the texts themselves have
// lines that look like markers.
func resolveErr(r *Result, opts *Options, p pick) ([]byte, error) {
	ours, base, theirs := opts.labels()
	merged := r.Merged
	// starts[i] is the offset of line i+1 of merged.
	starts := []int{0}
	for i, c := range merged {
		if c == '\n' && i+1 < len(merged) {
			starts = append(starts, i+1)
		}
	}
	var out []byte
	at := 0 // offset in merged of the text not yet copied
	for k, c := range r.Conflicts {
		if c.Line == 0 {
			return nil, fmt.Errorf("conflict %d of a line merge has no line", k)
		}
		if c.Line-1 >= len(starts) || starts[c.Line-1] < at {
			return nil, fmt.Errorf("conflict %d: line %d out of order or past the end", k, c.Line)
		}
		out = append(out, merged[at:starts[c.Line-1]]...)
		rest := merged[starts[c.Line-1]:]
		eol := "\n"
		if i := bytes.IndexByte(rest, '\n'); i > 0 && rest[i-1] == '\r' {
			eol = "\r\n"
		}
		expect := func(what string, s []byte) error {
			if !bytes.HasPrefix(rest, s) {
				return fmt.Errorf("conflict %d at line %d: want %s %q, have %q", k, c.Line, what, s, rest[:min(len(rest), len(s)+20)])
			}
			rest = rest[len(s):]
			return nil
		}
		section := func(what string, text []byte) error {
			if len(text) > 0 && text[len(text)-1] != '\n' {
				text = append(bytes.Clone(text), eol...)
			}
			return expect(what, text)
		}
		steps := []func() error{
			func() error { return expect("ours marker", []byte(markerOurs+" "+ours+eol)) },
			func() error { return section("ours", c.Ours) },
			func() error {
				if opts == nil || !opts.Diff3 {
					return nil
				}
				if err := expect("base marker", []byte(markerBase+" "+base+eol)); err != nil {
					return err
				}
				return section("base", c.Base)
			},
			func() error { return expect("separator", []byte(markerSep+eol)) },
			func() error { return section("theirs", c.Theirs) },
			func() error { return expect("theirs marker", []byte(markerTheirs+" "+theirs+eol)) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return nil, err
			}
		}
		out = append(out, p(c)...)
		at = len(merged) - len(rest)
	}
	out = append(out, merged[at:]...)
	return out, nil
}

// lines joins lines with "\n" after each.
func lines(ls ...string) string {
	var b bytes.Buffer
	for _, l := range ls {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// rebuild applies the chunks cs to the split texts, taking from each
// chunk the range of the version which. It is used to check that the
// chunks cover each version exactly.
func rebuild(a, o, t [][]byte, cs []chunk, which byte) []byte {
	var b []byte
	for _, c := range cs {
		var ls [][]byte
		switch which {
		case 'b':
			ls = a[c.b0:c.b1]
		case 'o':
			ls = o[c.o0:c.o1]
		case 't':
			ls = t[c.t0:c.t1]
		}
		for _, l := range ls {
			b = append(b, l...)
		}
	}
	return b
}

// checkChunks checks the chunks of the merge of base, ours and theirs:
// that they cover each version exactly, in order, and that each chunk's
// kind is true to its ranges. It is the precise form of the promise that
// no change is lost: theirs is the concatenation of its chunk ranges, and
// the merged text takes every theirs range except where theirs equals
// base (oursOnly) or the range is reported in a conflict.
func checkChunks(base, ours, theirs []byte, refine bool) error {
	a, o, t := diff.SplitLines(base), diff.SplitLines(ours), diff.SplitLines(theirs)
	cs := chunks(a, o, t, diff.Lines(base, ours), diff.Lines(base, theirs), refine)
	for which, want := range map[byte][]byte{'b': base, 'o': ours, 't': theirs} {
		if got := rebuild(a, o, t, cs, which); !bytes.Equal(got, want) {
			return fmt.Errorf("chunks rebuild %c as %q, want %q", which, got, want)
		}
	}
	for i, c := range cs {
		if c.b0 > c.b1 || c.o0 > c.o1 || c.t0 > c.t1 {
			return fmt.Errorf("chunk %d: bad ranges %+v", i, c)
		}
		eqBO := equalLines(a[c.b0:c.b1], o[c.o0:c.o1])
		eqBT := equalLines(a[c.b0:c.b1], t[c.t0:c.t1])
		eqOT := equalLines(o[c.o0:c.o1], t[c.t0:c.t1])
		ok := false
		switch c.kind {
		case stable:
			ok = eqBO && eqBT
		case oursOnly:
			ok = eqBT
		case theirsOnly:
			ok = eqBO
		case same:
			ok = eqOT
		case conflict:
			ok = !eqOT
		}
		if !ok {
			return fmt.Errorf("chunk %d: kind %d does not fit %+v", i, c.kind, c)
		}
	}
	return nil
}

// checkMarked checks a structured merge with conflicts: every conflict is
// marked, and resolving them all by ours, or all by theirs, gives a
// document of format f whose root is a mapping, or with mapping unset,
// well-formed YAML or JSON.
func checkMarked(f format, r *Result, opts *Options, mapping bool) error {
	for _, c := range r.Conflicts {
		if c.Line == 0 {
			return fmt.Errorf("structured conflict without markers: %+v", c)
		}
	}
	for _, p := range []pick{pickOurs, pickTheirs} {
		out, err := resolveErr(r, opts, p)
		if err != nil {
			return err
		}
		if _, err := parse(f, out); mapping && err != nil {
			return fmt.Errorf("resolved merge does not parse: %v\n%s", err, out)
		}
		if !wellFormed(f, out) {
			return fmt.Errorf("resolved merge is not well-formed\n%s", out)
		}
	}
	return nil
}
