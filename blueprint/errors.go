package blueprint

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goldenpath-dev/goldenpath/internal/fetch"
)

// ErrEvalTimeout is returned (wrapped) when evaluating a blueprint's CUE takes
// longer than Options.EvalTimeout. CUE evaluation cannot be interrupted, so the
// evaluation is abandoned and its resources are reclaimed when it ends.
var ErrEvalTimeout = errors.New("cue evaluation timed out")

// ErrTooLarge is returned (wrapped) when an input, a blueprint.cue or a
// template tree exceeds the limits in Options.
var ErrTooLarge = errors.New("too large")

// ErrNotLoaded is returned by Resolve on a Blueprint that was not made by
// Load, LoadDir, LoadFS or Catalog.Load: a zero Blueprint{} (or a nil
// *Blueprint) has no schema to resolve against.
var ErrNotLoaded = errors.New("blueprint not loaded: use Load, LoadDir, LoadFS or Catalog.Load")

// ErrSymlink is returned (wrapped) when a local blueprint holds a symlink:
// at its root, as blueprint.cue, as template/ or anywhere under it. The
// error names the symlink.
var ErrSymlink = errors.New("symlinks are not allowed in a blueprint")

// ErrOffline is returned (wrapped) in offline mode for a source that is not
// in the cache.
var ErrOffline = errors.New("not in the cache, and fetching is off (offline)")

// ErrForbiddenAddress is returned (wrapped) when a download would connect to
// an address the source policy refuses: loopback, private, link-local.
var ErrForbiddenAddress = errors.New("address not allowed")

// ErrDownloadTooLarge is returned (wrapped) when a download, a git fetch or
// an unpacked archive exceeds its size limit.
var ErrDownloadTooLarge = errors.New("download exceeds its size limit")

// ErrTooManyFiles is returned (wrapped) when an archive or a repository
// holds more files than SourceOptions.MaxFiles.
var ErrTooManyFiles = errors.New("too many files")

// sourceError is an error of the fetcher that errors.Is also matches with
// this package's sentinel for it.
type sourceError struct{ err, sentinel error }

func (e *sourceError) Error() string   { return e.err.Error() }
func (e *sourceError) Unwrap() []error { return []error{e.err, e.sentinel} }

// sourceErr makes the fetcher's sentinel errors match this package's.
func sourceErr(err error) error {
	for _, s := range [...]struct{ from, to error }{
		{fetch.ErrOffline, ErrOffline},
		{fetch.ErrForbiddenAddress, ErrForbiddenAddress},
		{fetch.ErrDownloadTooLarge, ErrDownloadTooLarge},
		{fetch.ErrTooManyFiles, ErrTooManyFiles},
		{fetch.ErrSymlink, ErrSymlink},
	} {
		if errors.Is(err, s.from) {
			return &sourceError{err, s.to}
		}
	}
	return err
}

// UnknownRendererError is returned when a files rule names a renderer that
// is not among the known ones: by Load, LoadDir and LoadFS when
// Options.Renderers is set, by Blueprint.CheckRenderers, and by rendering.
type UnknownRendererError struct {
	// Blueprint is the name of the blueprint (its source while loading).
	Blueprint string
	// Glob is the files rule's glob.
	Glob string
	// Renderer is the unknown name.
	Renderer string
	// Pos is where blueprint.cue names the renderer.
	Pos Position
	// Known are the names that were expected, sorted.
	Known []string
}

// Error returns "POS: files.GLOB.renderer: unknown renderer "NAME" (known:
// A, B)".
func (e *UnknownRendererError) Error() string {
	var b strings.Builder
	if e.Pos.IsValid() {
		b.WriteString(e.Pos.String())
		b.WriteString(": ")
	} else if e.Blueprint != "" {
		b.WriteString(e.Blueprint)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "files.%q.renderer: unknown renderer %q (known: %s)", e.Glob, e.Renderer, strings.Join(e.Known, ", "))
	return b.String()
}

// Position is a place in a file: a blueprint.cue, a values file, or the
// pseudo-file "--set" whose line N is the N-th key=value pair. A Position
// with no line (Line 0) names a file or a folder as a whole — a folder
// where no decision record loads, a file too large to read: it prints as
// FILE alone, and its JSON has no "line" and no "column".
type Position struct {
	// Filename names the file as it was given to the loader or the
	// resolver.
	Filename string `json:"file"`
	// Line and Column are 1-based. Line 0 is no position (IsValid): the
	// file or folder as a whole. Column 0 is the whole line. Both are left
	// out of the JSON when 0.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// IsValid reports whether p names a line.
func (p Position) IsValid() bool { return p.Line > 0 }

// String formats p as FILE:LINE:COL, FILE:LINE when p has no column, or
// FILE when p has no line.
func (p Position) String() string {
	if !p.IsValid() {
		return p.Filename
	}
	if p.Column <= 0 {
		return fmt.Sprintf("%s:%d", p.Filename, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// FieldError is one failing field.
type FieldError struct {
	// Path is the field path as the user wrote it: "replicas", "db.size".
	Path string `json:"path"`
	// Message says what is wrong, in the blueprint author's words when the
	// schema gives an @error("...") attribute for the failing constraint.
	Message string `json:"message"`
	// Input is where the offending value was given, if it was given.
	Input *Position `json:"input,omitempty"`
	// Schema lists the positions in blueprint.cue of the constraints involved.
	Schema []Position `json:"schema,omitempty"`
	// Missing reports that the field has no value: it is required and none
	// was given, or every value it could default to is ruled out. A prompt
	// or a form can ask for it.
	Missing bool `json:"missing,omitempty"`
}

// Pos returns the position to show first: the input position if there is
// one, else the first schema position, else the zero Position.
func (e FieldError) Pos() Position {
	if e.Input != nil {
		return *e.Input
	}
	if len(e.Schema) > 0 {
		return e.Schema[0]
	}
	return Position{}
}

// String formats e in the compiler convention FILE:LINE:COL: FIELD: MESSAGE.
func (e FieldError) String() string {
	var b strings.Builder
	if p := e.Pos(); p.Filename != "" {
		b.WriteString(p.String())
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// ValidationError reports every failing field of one validation: of the
// parameters given to Resolve, or of a blueprint.cue given to Load.
type ValidationError struct {
	// Blueprint names the blueprint (its name, or its source when the name is
	// not known).
	Blueprint string `json:"blueprint"`
	// Fields holds one entry per failing field, sorted by position.
	Fields []FieldError `json:"fields"`
}

// Error returns one line per field in the compiler convention.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		lines[i] = f.String()
	}
	return strings.Join(lines, "\n")
}

// Field returns the entry for path, if any.
func (e *ValidationError) Field(path string) (FieldError, bool) {
	for _, f := range e.Fields {
		if f.Path == path {
			return f, true
		}
	}
	return FieldError{}, false
}
