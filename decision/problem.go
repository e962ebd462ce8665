package decision

import (
	"fmt"
	"strings"
)

// ProblemKind classifies a Problem.
type ProblemKind string

// The kinds of problem Parse, Load and Lint report.
const (
	// Syntax problems make a file or a rule unreadable.
	Syntax ProblemKind = "syntax"
	// Field problems are metadata with a wrong type or value.
	Field ProblemKind = "field"
	// Duplicate problems are two files with one ID.
	Duplicate ProblemKind = "duplicate-id"
	// Dangling problems are links to decisions that do not exist.
	Dangling ProblemKind = "dangling-link"
	// OneSided problems are links the other decision does not return; the
	// registry fills in the other side.
	OneSided ProblemKind = "one-sided-link"
	// Transition problems are statuses the links contradict: a superseded
	// decision without a successor, a successor that is not accepted or
	// proposed, an accepted decision an accepted successor supersedes.
	Transition ProblemKind = "status"
	// Citation problems are blueprints citing unknown, superseded or
	// otherwise retired decisions.
	Citation ProblemKind = "citation"
	// Unsatisfiable problems are blueprints whose parameter schema can never
	// satisfy an enforced parameters rule in force for them.
	Unsatisfiable ProblemKind = "unsatisfiable"
	// Dates problems are dates out of order or past.
	Dates ProblemKind = "dates"
	// Layout problems are about the folder: a Markdown file skipped as not
	// a decision record (a note), a folder where no record loads.
	Layout ProblemKind = "layout"
)

// Problem is one thing wrong with a decision, an exception file, or a
// blueprint's use of decisions, at a position.
type Problem struct {
	// Pos is where the problem is.
	Pos Position `json:"pos"`
	// Decision is the ID of the decision concerned, when known.
	Decision string `json:"decision,omitempty"`
	// Kind classifies the problem.
	Kind ProblemKind `json:"kind"`
	// Message says what is wrong.
	Message string `json:"message"`
	// Warning marks problems that do not make the folder wrong: the registry
	// worked around them (one-sided links) or they need attention rather
	// than a fix (a revisit date passed).
	Warning bool `json:"warning,omitempty"`
	// Note marks warnings that only inform: a Markdown file of the folder
	// that is not read as a decision (a template, an index). A note is
	// also a Warning; Options.Strict does not turn notes into errors.
	Note bool `json:"note,omitempty"`
}

// Severity returns "error", "warning" or "note".
func (p Problem) Severity() string {
	switch {
	case p.Note:
		return "note"
	case p.Warning:
		return "warning"
	}
	return "error"
}

// String formats p in the compiler convention FILE:LINE:COL: ID: MESSAGE,
// with "warning: " or "note: " before the message of a warning or a note.
func (p Problem) String() string {
	var b strings.Builder
	if p.Pos.Filename != "" {
		b.WriteString(p.Pos.String())
		b.WriteString(": ")
	}
	if p.Decision != "" {
		b.WriteString(p.Decision)
		b.WriteString(": ")
	}
	switch {
	case p.Note:
		b.WriteString("note: ")
	case p.Warning:
		b.WriteString("warning: ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// LoadError reports the errors of loading decisions or exceptions: a scope
// that cannot be read, rules that do not compile, a folder where no record
// loads, an exceptions file that is not YAML — and with Options.Strict,
// the warnings too. Load, LoadFS
// and ParseWith return it beside what did load.
type LoadError struct {
	// Problems are the errors, each with its position (with
	// Options.Strict, the warnings too).
	Problems []Problem
}

// Error returns one line per problem.
func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func problemf(pos Position, id string, kind ProblemKind, format string, args ...any) Problem {
	return Problem{Pos: pos, Decision: id, Kind: kind, Message: fmt.Sprintf(format, args...)}
}

func warningf(pos Position, id string, kind ProblemKind, format string, args ...any) Problem {
	p := problemf(pos, id, kind, format, args...)
	p.Warning = true
	return p
}

func notef(pos Position, kind ProblemKind, format string, args ...any) Problem {
	p := warningf(pos, "", kind, format, args...)
	p.Note = true
	return p
}
