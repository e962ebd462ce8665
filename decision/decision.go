// Package decision is the central repository of architectural decisions:
// Markdown records in the MADR and adr-tools traditions, a Registry that
// loads, searches and lints them, and the rules they carry — CUE constraints
// over a blueprint's parameters or over a rendered tree — evaluated in one of
// three modes (audit, warn, enforce), with exceptions that exempt a project
// from a rule until they expire.
//
// A decision is one Markdown file, or the index.md or README.md of a
// record's own folder. YAML front matter, when present, carries its
// metadata; folders written by adr-tools ("adr new", "adr new -s"), MADR
// and log4brains load as they are, their metadata read from the title, the
// Status section, "Key: value" lines, link lines and admonitions. Loading
// never refuses a record for what it says: statuses go through a table
// (StatusWords, Options.Statuses) to the lifecycle, a record without one is
// Unknown, and what could not be read is a warning for Lint, kept apart
// from errors. Every fenced code block whose info string is "cue" holds
// rules: each regular top-level field of the block is one rule.
// docs/decisions.md documents the format, the status table, the ID rules
// and the layouts.
//
// A Registry is immutable once loaded and safe for concurrent use; so are the
// Decisions and Rules it holds, which callers must not modify. Evaluate
// evaluates rules in a fresh CUE context per call, so memory stays flat however
// many projects are checked.
package decision

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// Position is a place in a file: FILE:LINE:COL.
type Position = blueprint.Position

// Status is where a decision is in its lifecycle.
type Status string

// The statuses of a decision.
const (
	// Proposed decisions are under discussion; they are not in force.
	Proposed Status = "proposed"
	// Accepted decisions are in force.
	Accepted Status = "accepted"
	// Rejected decisions were considered and declined.
	Rejected Status = "rejected"
	// Deprecated decisions no longer apply and have no successor.
	Deprecated Status = "deprecated"
	// Superseded decisions were replaced by a successor that names them in
	// its supersedes links.
	Superseded Status = "superseded"
)

// Statuses returns the statuses in lifecycle order, then Unknown.
func Statuses() []Status {
	return []Status{Proposed, Accepted, Rejected, Deprecated, Superseded, Unknown}
}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// CanBecome reports whether a decision with status s may move to status to:
// proposed becomes accepted or rejected; accepted becomes deprecated or
// superseded; deprecated becomes superseded; a rejected decision may be
// proposed again. Superseded is final. A status may always stay what it is.
// An unknown status may become any other.
func (s Status) CanBecome(to Status) bool {
	if s == to {
		return true
	}
	switch s {
	case Proposed:
		return to == Accepted || to == Rejected
	case Accepted:
		return to == Deprecated || to == Superseded
	case Deprecated:
		return to == Superseded
	case Rejected:
		return to == Proposed
	case Unknown:
		return to.Valid()
	}
	return false
}

// Format says which layout a decision file was written in.
type Format string

// The layouts Parse reads.
const (
	// FrontMatter files start with YAML front matter between "---" lines.
	FrontMatter Format = "front-matter"
	// ADRTools files are written by adr-tools: "# N. Title", a "Date:" line
	// and a "## Status" section.
	ADRTools Format = "adr-tools"
	// MADR files follow the MADR template without front matter: "# Title"
	// and "* Status: ..." lines, or a "## Status" section.
	MADR Format = "madr"
)

// Scope says which blueprints a decision governs, besides the blueprints
// that cite it: a blueprint is in scope when its name matches one of
// Blueprints (path.Match patterns, so "*" is every blueprint) or it has one
// of Tags.
type Scope struct {
	// Blueprints are path.Match patterns of blueprint names.
	Blueprints []string `json:"blueprints,omitempty"`
	// Tags are blueprint tags (Blueprint.Tags); one in common puts a
	// blueprint in scope.
	Tags []string `json:"tags,omitempty"`
}

// IsZero reports whether the scope names nothing.
func (s Scope) IsZero() bool { return len(s.Blueprints) == 0 && len(s.Tags) == 0 }

// Section is one heading of a decision's body and the Markdown under it, up
// to the next heading.
type Section struct {
	// Level is the heading level: 1 for "#", 2 for "##".
	Level int `json:"level"`
	// Title is the heading text.
	Title string `json:"title"`
	// Body is the Markdown under the heading, trimmed.
	Body string `json:"body"`
	// Line is the heading's line in the file.
	Line int `json:"line"`
}

// LinkKind is how one decision relates to another.
type LinkKind string

// The kinds of link. The registry keeps every link both ways: a decision
// that supersedes another is listed in the other's SupersededBy, and so on.
const (
	Supersedes   LinkKind = "supersedes"
	SupersededBy LinkKind = "superseded-by"
	Amends       LinkKind = "amends"
	AmendedBy    LinkKind = "amended-by"
	Relates      LinkKind = "relates"
)

// inverse returns the link kind seen from the other end.
func (k LinkKind) inverse() LinkKind {
	switch k {
	case Supersedes:
		return SupersededBy
	case SupersededBy:
		return Supersedes
	case Amends:
		return AmendedBy
	case AmendedBy:
		return Amends
	}
	return Relates
}

// Link is one link from a decision to another, as written in its file.
type Link struct {
	// Kind is how the decision relates to the target (supersedes,
	// amended-by…), read from the decision's side.
	Kind LinkKind `json:"kind"`
	// Target is the ID of the linked decision once the registry resolved it;
	// until then, and when it names no decision, it is Ref.
	Target string `json:"target"`
	// Ref is the link as written: an ID, or the file a Markdown link points
	// to.
	Ref string `json:"ref"`
	// Pos is where the link is written.
	Pos Position `json:"pos"`
	// Inferred is set on links the registry added because the other
	// decision links here.
	Inferred bool `json:"inferred,omitempty"`
}

// Decision is one decision record. Decisions returned by a Registry are
// shared and must not be modified.
type Decision struct {
	// ID is the stable identifier blueprints cite, such as "ADR-0012": the
	// front matter id when it is a decision ID, else "ADR-" and the
	// four-digit number of the file (or record folder) name, else the
	// number in the title, else the file name without ".md"
	// (docs/decisions.md, "IDs").
	ID string
	// Title is the first level-1 heading without its number or ID prefix,
	// or the front matter title.
	Title string
	// Status is the lifecycle status, read through the status table;
	// Unknown when the record says none the table knows.
	Status Status
	// StatusText is the status as the record writes it ("**Approved** (by
	// vote on 3/25/21)", "Superseded by [4. …](…)"), for display.
	StatusText string
	// Decided is the date the decision was taken (front matter date or
	// decided, or a "Date:" line); zero when unknown.
	Decided time.Time
	// DateNote is what the date line says besides the date ("updated
	// 2023-02-05 (clarification)").
	DateNote string
	// RevisitBy is the date by which the decision should be reviewed; zero
	// when none is set.
	RevisitBy time.Time
	// Owner is the person or team accountable for the decision.
	Owner string
	// Deciders are the people who took it.
	Deciders []string
	// Tags classify the decision, for search.
	Tags []string
	// Scope says which blueprints the decision governs besides those citing
	// it.
	Scope Scope
	// Links are the links to other decisions, those written in the file
	// first, then those the registry inferred from the other side.
	Links []Link
	// Version is the front matter version, when the team numbers revisions;
	// Digest identifies the exact content in any case.
	Version string
	// Digest is "sha256:" and the hex SHA-256 of the file.
	Digest string
	// Format is the layout the file was written in.
	Format Format
	// Sections are the headings of the body with their text.
	Sections []Section
	// Body is the Markdown after the front matter.
	Body string
	// Rules are the rules of the cue blocks, in file order.
	Rules []*Rule
	// File is the file's name, as positions show it.
	File string
	// Pos is where the decision is identified: its front matter id or title.
	Pos Position

	fields   map[string]Position // front matter and "Key:" fields
	problems []Problem           // what parsing found: errors, warnings, notes
}

// Linked returns the IDs of the decisions d links to with kind, in order.
func (d *Decision) Linked(kind LinkKind) []string {
	var ids []string
	for _, l := range d.Links {
		if l.Kind == kind && !slices.Contains(ids, l.Target) {
			ids = append(ids, l.Target)
		}
	}
	return ids
}

// Problems returns what parsing found in the decision's file: errors,
// warnings (an unknown status, a date that is not one), sorted by position.
func (d *Decision) Problems() []Problem {
	probs := slices.Clone(d.problems)
	sortProblems(probs)
	return probs
}

// Section returns the first section with the given title, compared without
// case; ok is false when there is none.
func (d *Decision) Section(title string) (Section, bool) {
	for _, s := range d.Sections {
		if strings.EqualFold(s.Title, title) {
			return s, true
		}
	}
	return Section{}, false
}

// Rule returns the rule with the given name, or nil.
func (d *Decision) Rule(name string) *Rule {
	for _, r := range d.Rules {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// InForce reports whether the decision applies: it is accepted.
func (d *Decision) InForce() bool { return d.Status == Accepted }

// String returns "ID: Title (status)".
func (d *Decision) String() string { return fmt.Sprintf("%s: %s (%s)", d.ID, d.Title, d.Status) }

// dateLayout is how dates are written: 2006-01-02.
const dateLayout = "2006-01-02"

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

// decisionJSON is the JSON form of a Decision.
type decisionJSON struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Status     Status    `json:"status"`
	StatusText string    `json:"statusText,omitempty"`
	Decided    string    `json:"decided,omitempty"`
	DateNote   string    `json:"dateNote,omitempty"`
	RevisitBy  string    `json:"revisitBy,omitempty"`
	Owner      string    `json:"owner,omitempty"`
	Deciders   []string  `json:"deciders,omitempty"`
	Tags       []string  `json:"tags,omitempty"`
	Scope      *Scope    `json:"scope,omitempty"`
	Links      []Link    `json:"links,omitempty"`
	Version    string    `json:"version,omitempty"`
	Digest     string    `json:"digest"`
	Format     Format    `json:"format"`
	Sections   []Section `json:"sections,omitempty"`
	Rules      []*Rule   `json:"rules,omitempty"`
	File       string    `json:"file"`
	Pos        Position  `json:"pos"`
}

// MarshalJSON writes the decision with dates as YYYY-MM-DD and without the
// raw body (its sections carry the text).
func (d *Decision) MarshalJSON() ([]byte, error) {
	j := decisionJSON{
		ID: d.ID, Title: d.Title, Status: d.Status, StatusText: d.StatusText,
		Decided: formatDate(d.Decided), DateNote: d.DateNote, RevisitBy: formatDate(d.RevisitBy),
		Owner: d.Owner, Deciders: d.Deciders, Tags: d.Tags, Links: d.Links,
		Version: d.Version, Digest: d.Digest, Format: d.Format, Sections: d.Sections,
		Rules: d.Rules, File: d.File, Pos: d.Pos,
	}
	if !d.Scope.IsZero() {
		j.Scope = &d.Scope
	}
	return json.Marshal(j)
}
