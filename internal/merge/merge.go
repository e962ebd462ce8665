// Package merge computes 3-way merges of files, as an upgrade of a
// generated project needs them: base is a file as the old blueprint
// version rendered it, ours is the file on disk, with the team's edits,
// and theirs is the same file as the new version renders it (git's
// convention: ours is what is checked out).
//
// The guarantee is that no change is lost silently: every change either
// side made relative to base is in the merged output, or is inside a
// reported [Conflict], marked in the text. The structured merge of [File],
// used where the line merge has conflicts or does not give a valid
// document, keeps it for data and comments; it writes the file in ours'
// layout (the team's), so a change of key order or white space alone that
// theirs made is not kept, and it is not used when it cannot keep ours'
// layout.
//
// # Line merges
//
// [Lines] is the diff3 algorithm of GNU diff3 -m and git merge-file. It
// computes the line edit scripts from base to ours and from base to theirs
// with [diff.Lines] and walks them together. Each edit replaces a range of
// base lines; edits of the two sides whose base ranges overlap or touch are
// grouped, transitively, into one block. A block with edits of one side
// only takes that side's lines; a block where both sides produced the same
// lines takes them once; any other block is a conflict. Base lines outside
// every block are kept.
//
// "Touch" includes adjacency, as in git and GNU diff3: an edit of the base
// lines [i, j) conflicts with an edit of the other side that starts at
// line j or ends at line i, and two insertions at the same place conflict.
// So changes of two neighbouring lines on different sides conflict: a line
// merge cannot tell whether one change was made with the other line in
// mind. [File] merges many such cases in YAML and JSON cleanly by
// structure.
//
// A conflict is written with git's markers:
//
//	<<<<<<< ours
//	the lines of ours
//	||||||| base
//	the lines of base (only with Options.Diff3)
//	=======
//	the lines of theirs
//	>>>>>>> theirs
//
// Without Options.Diff3, as in git's default "merge" style, lines that
// both sides of a conflict start or end with are taken out of the
// conflict and written once before or after it; the conflict's Base is
// still the whole base range. With Diff3 the sections are written whole,
// as git does in its diff3 style, so the base section stays meaningful.
// Unlike git, Lines neither splits a conflict at lines common to both sides
// in its middle nor joins conflicts fewer than four lines apart.
//
// Lines keep their endings, so "\r\n" lines are merged intact. The markers
// end in "\r\n" when the lines before the conflict in ours, theirs and
// base (or their first lines) do, and in "\n" otherwise, as in git. Only the
// last line of a text may lack a newline; when a conflict section ends
// with such a line, a line ending is added inside the markers so that the
// next marker starts a line. [Conflict] holds the sections as they are in
// the texts, without that ending, so a conflict can be resolved exactly.
//
// # Why not a library
//
// The Go three-way merge packages that exist were looked at first and none
// fits: github.com/epiclabs-io/diff3 has no release (pseudo-versions only),
// merges through io.Readers and reports only whether there was a conflict,
// with two labels and no base section; github.com/nasdf/diff3 returns one
// string, configures its markers through package variables and diffs
// characters with diff-match-patch's time-based cut-off, so its result
// depends on the machine's speed; github.com/charlesvdv/go-three-way-merge
// has not changed since 2018 and returns a bool. An upgrade needs typed
// conflicts (to report, store as feedback and withhold), git's markers,
// line endings kept, a bounded worst case and structure-aware YAML and JSON
// merges — hence this package, on the linear-space Myers diff of
// internal/diff.
//
// # Structured merges
//
// [File] merges files named *.yaml, *.yml and *.json (in any case) by
// structure when the line merge cannot do it cleanly, and checks the line
// merge against the structure when it can. This needs all three versions
// to parse as a single document whose root is a mapping, without anchors,
// aliases, merge keys ("<<"), keys that are not scalars or duplicate keys;
// otherwise the result is the line merge's, except that a clean line merge
// of two well-formed files (several YAML documents, say) into one that is
// not well-formed is a conflict of the whole file. JSON is parsed by
// encoding/json, YAML by go.yaml.in/yaml/v3 into its node tree, comments
// included.
//
// The structured merge is recursive. A node changed on one side only
// takes that side; one changed on both sides the same way is taken once.
// Where both sides changed a mapping, or both added one under the same
// key, the mappings are merged key by key: a key added, changed or
// deleted on one side is added, changed or deleted. Any other change of
// both sides is a conflict whose Path is the data path of the value, like
// "spec.replicas" or `metadata.labels["app.kubernetes.io/name"]`:
// different scalars, different sequences (which are atomic: they are not
// merged item by item), a value deleted on one side and changed on the
// other. Values compare as written, with their tags and quoting styles, so
// "1.0" and "1" differ. Comments are part of the nodes they are attached
// to, so a comment edited on one side is kept like a value, but they are
// merged apart from the value: one side may change a value and the other
// its comment.
//
// The merged document is written in the layout of ours, the file on
// disk. Keys keep ours' order, and a key only theirs has goes after the
// key that precedes it in theirs (first if none does). The tree is ours',
// so its comments and scalar styles (quoting, flow or block) are kept,
// and the encoder follows ours' indentation step (tabs or spaces in
// JSON), compact or indented block sequences, line endings, final newline
// and leading "---". Then, where the encoded text differs from ours in
// white space only (blank lines, indentation, trailing blanks, line
// endings, line breaks in folded scalars or JSON arrays), ours' lines are
// put back, provided the value stays the same; if not, only blank lines
// are put back, under the same proviso. The merged text must parse back
// to the merged value and, for YAML, hold every comment either side
// changed. It must also keep ours' layout: the same final newline, the
// same line endings where ours has one kind, and every line of ours, as
// it is, that theirs did not change (but for line endings and trailing
// blanks). Otherwise the structured merge is not used: a team's layout is
// never rewritten silently.
//
// File chooses among the line merge L and the structured merge S; when
// one side equals base, or both sides are equal, it is L, which is then
// the other side as it is:
//
//   - L clean, and its text parses (as above) to the value of S, or S has
//     conflicts: L, which keeps both sides' layout. So the merge of
//     sequences edited in different places, which S takes as a conflict,
//     is L's clean one.
//   - S clean and in ours' layout: S, with Structured set. This is how
//     changes of adjacent keys on different sides merge cleanly.
//   - Otherwise — L conflicts, or its text does not parse, or not to the
//     value of S; and S has conflicts or could not keep ours' layout —
//     the conflicts are marked in L's text, and Structured is set: L's own
//     conflicts, and for each conflict of S the lines of the entry holding
//     the conflicting value (from its key, head comment included, to the
//     next key of its mapping) in each version, with the lines L aligned
//     with them, as one conflict whose Path is the value's data path.
//     Taking every conflict's ours, or every conflict's theirs, must give
//     a document that parses; where it does not, the regions grow to the
//     entries of the parent mappings, up to the whole file. So a YAML or
//     JSON file is never left unparsable without markers: as when both
//     sides add the same key in different places, or one side deletes an
//     item of a sequence the other extends.
//
// Lines and File may be called concurrently; they neither modify nor keep
// their inputs, except that a binary conflict's regions are the inputs.
package merge

import (
	"bytes"
	"reflect"

	"github.com/goldenpath-dev/goldenpath/internal/diff"
)

// Options configure a merge. The zero value, like a nil *Options, gives
// the defaults.
type Options struct {
	// OursLabel, BaseLabel and TheirsLabel follow the conflict markers
	// "<<<<<<<", "|||||||" and ">>>>>>>". Empty labels default to "ours",
	// "base" and "theirs".
	OursLabel, BaseLabel, TheirsLabel string

	// Diff3 includes the base section, starting with "|||||||", in
	// conflict markers, like git's merge.conflictStyle=diff3.
	Diff3 bool
}

func (o *Options) labels() (ours, base, theirs string) {
	ours, base, theirs = "ours", "base", "theirs"
	if o == nil {
		return ours, base, theirs
	}
	if o.OursLabel != "" {
		ours = o.OursLabel
	}
	if o.BaseLabel != "" {
		base = o.BaseLabel
	}
	if o.TheirsLabel != "" {
		theirs = o.TheirsLabel
	}
	return ours, base, theirs
}

// Conflict is a region that both sides changed differently.
type Conflict struct {
	// Line is the 1-based line of the merged text where the conflict's
	// "<<<<<<<" marker is, or 0 for a binary conflict, which has no
	// markers.
	Line int

	// Base, Ours and Theirs are the conflicting regions of each version:
	// lines for a line merge, the encoded values for a structured merge
	// (nil for a key a version lacks), the whole files for binary data.
	Base, Ours, Theirs []byte

	// Path is, for a conflict the structured merge found, the data path
	// of the conflicting value, such as "spec.replicas", or the paths,
	// joined by ", " (ten, then "and N more"), of the values whose marked
	// regions were joined; it is "" for other line conflicts and binary
	// conflicts.
	Path string
}

// Result is the outcome of a merge.
type Result struct {
	// Merged is the merged text, with conflict markers for the conflicts
	// whose Line is not 0.
	Merged []byte

	// Conflicts are the conflicts, in the order of Merged.
	Conflicts []Conflict

	// Structured reports that the structure-aware merge of [File] was
	// used rather than the line merge.
	Structured bool
}

// Clean reports whether the merge has no conflicts.
func (r *Result) Clean() bool { return len(r.Conflicts) == 0 }

// Lines merges ours and theirs, two descendants of base, line by line with
// the diff3 algorithm described in the package comment. opts may be nil.
func Lines(base, ours, theirs []byte, opts *Options) *Result {
	return mergeLines(base, ours, theirs, opts)
}

// File merges ours and theirs, two versions of the file name descending
// from base, choosing the method by the name's extension and the content.
// opts may be nil.
//
// Binary data (see [diff.IsBinary]) in any version is merged whole: when
// only one side changed, or both made the same change, the result is that
// side, clean; otherwise it is one conflict without markers, with Merged
// set to ours.
//
// Other files are merged by [Lines], and YAML and JSON files by structure
// where the line merge has conflicts, as the package comment details;
// every conflict of a text file is marked.
func File(name string, base, ours, theirs []byte, opts *Options) *Result {
	if diff.IsBinary(base) || diff.IsBinary(ours) || diff.IsBinary(theirs) {
		return mergeBinary(base, ours, theirs)
	}
	lm := splitMerge(base, ours, theirs, opts)
	l := lm.result(lm.cs, opts)
	f := formatOf(name)
	if f == formatNone || bytes.Equal(base, ours) || bytes.Equal(base, theirs) || bytes.Equal(ours, theirs) {
		// When a side is unchanged, or both are the same, the line
		// merge's result is that side, as it is.
		return l
	}
	s, ok := mergeStructured(f, base, ours, theirs)
	if !ok {
		// Not documents the structured merge handles (several YAML
		// documents, anchors, a root that is not a mapping): still, lines
		// that merge cleanly into a file that is not YAML or JSON any
		// more are a conflict.
		if l.Clean() && wellFormed(f, ours) && wellFormed(f, theirs) && !wellFormed(f, l.Merged) {
			return markConflicts(f, lm, &structState{}, opts)
		}
		return l
	}
	if l.Clean() {
		if got, ok := parsedValue(f, l.Merged); ok && (!s.res.Clean() || reflect.DeepEqual(got, s.want)) {
			return l
		}
	}
	if s.res.Clean() && s.usable {
		return s.res
	}
	// The lines did not merge into the document, or conflict, and the
	// structure has conflicts too or could not be written in ours'
	// layout: mark the conflicts.
	return markConflicts(f, lm, s.structState, opts)
}

func mergeBinary(base, ours, theirs []byte) *Result {
	switch {
	case bytes.Equal(ours, theirs), bytes.Equal(base, theirs):
		return &Result{Merged: bytes.Clone(ours)}
	case bytes.Equal(base, ours):
		return &Result{Merged: bytes.Clone(theirs)}
	}
	return &Result{
		Merged:    bytes.Clone(ours),
		Conflicts: []Conflict{{Base: base, Ours: ours, Theirs: theirs}},
	}
}
