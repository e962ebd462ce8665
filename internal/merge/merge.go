// Package merge computes 3-way merges of files, as an upgrade of a
// generated project needs them: base is a file as the old blueprint
// version rendered it, ours is the same file as the new version renders
// it, and theirs is the file on disk, with the team's edits.
//
// The guarantee is that no change is lost silently: every change either
// side made relative to base is in the merged output, or is inside a
// reported [Conflict].
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
package merge

import (
	"bytes"

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
	// "<<<<<<<" marker is, or 0 when no markers were written for it, as
	// for structured and binary conflicts.
	Line int

	// Base, Ours and Theirs are the conflicting regions of each version:
	// lines for a line merge, the encoded values for a structured merge
	// (nil for a key a version lacks), the whole files for binary data.
	Base, Ours, Theirs []byte

	// Path is, for a structured merge, the data path of the conflicting
	// value, such as "spec.replicas" or "ports[0]"; it is "" for line and
	// binary conflicts.
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
// Other files are merged by [Lines]. See the package comment for the
// structure-aware merge of YAML and JSON files.
func File(name string, base, ours, theirs []byte, opts *Options) *Result {
	if diff.IsBinary(base) || diff.IsBinary(ours) || diff.IsBinary(theirs) {
		return mergeBinary(base, ours, theirs)
	}
	return Lines(base, ours, theirs, opts)
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
