package feedback

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
)

// Version is the newest version of the JSON form of a signal that this
// package reads and writes, in the "v" field of every encoded signal. A
// signal is written in the oldest version that can express it — version 2
// only for SourceScan, which version 1 does not know — so that readers of
// version 1 read every other line and refuse those clearly. Readers accept
// only the versions they know; see docs/signals.md for the policy.
const Version = 2

// versionOf returns the oldest version of the JSON form that expresses s.
func versionOf(s Source) int {
	if s == SourceScan {
		return 2
	}
	return 1
}

// Source is where a signal comes from.
type Source string

// The sources of signals.
const (
	// SourceDrift: a rendered file differs from what the blueprint renders —
	// an edited managed file, or the hunks a team added to a shared one.
	SourceDrift Source = "drift"
	// SourceRule: the result of one rule of a decision for one subject.
	SourceRule Source = "rule"
	// SourceException: an exception (waiver) that applies to a subject, in
	// force or expired.
	SourceException Source = "exception"
	// SourceUpgrade: the outcome of upgrading a subject, such as a conflict in
	// one file.
	SourceUpgrade Source = "upgrade"
	// SourceLag: how far a subject is behind the newest blueprint version.
	SourceLag Source = "lag"
	// SourceRating: a rating and comment a person gave a blueprint or a
	// decision.
	SourceRating Source = "rating"
	// SourceMetric: any other measured value, such as the time to a first
	// render.
	SourceMetric Source = "metric"
	// SourceScan: one scan of one project, clean or not, with the counts of
	// the other signals it made: what reports count projects by. New in
	// version 2 of the JSON form.
	SourceScan Source = "scan"
)

// Sources returns the known sources, in the order of the constants.
func Sources() []Source {
	return []Source{SourceDrift, SourceRule, SourceException, SourceUpgrade, SourceLag, SourceRating, SourceMetric, SourceScan}
}

// Valid reports whether s is one of [Sources].
func (s Source) Valid() bool {
	switch s {
	case SourceDrift, SourceRule, SourceException, SourceUpgrade, SourceLag, SourceRating, SourceMetric, SourceScan:
		return true
	}
	return false
}

// Result is the outcome a signal records, when it records one.
type Result string

// The results. The empty Result means the signal records a value, or nothing
// that passes or fails.
const (
	// ResultPass: the subject complies.
	ResultPass Result = "pass"
	// ResultFail: the subject does not comply.
	ResultFail Result = "fail"
	// ResultWarn: the subject does not comply with something only reported.
	ResultWarn Result = "warn"
	// ResultExempt: the subject does not comply and an exception covers it;
	// an exempt result is never a pass.
	ResultExempt Result = "exempt"
	// ResultError: the check could not be made.
	ResultError Result = "error"
)

// Results returns the known results, in the order of the constants.
func Results() []Result {
	return []Result{ResultPass, ResultFail, ResultWarn, ResultExempt, ResultError}
}

// Valid reports whether r is one of [Results].
func (r Result) Valid() bool {
	switch r {
	case ResultPass, ResultFail, ResultWarn, ResultExempt, ResultError:
		return true
	}
	return false
}

// Subject is what a signal is about: a rendered project, or only a blueprint
// (a rating, for example). Every field is optional.
type Subject struct {
	// Project identifies the project, stably across scans: a name or a
	// repository address chosen by whoever records the signal.
	Project string `json:"project,omitempty"`
	// Dir is where the project was found, as given to the scan.
	Dir string `json:"dir,omitempty"`
	// Owner is the team that owns the project.
	Owner string `json:"owner,omitempty"`
	// Blueprint is the name of the blueprint the project was rendered from,
	// or the blueprint the signal is about.
	Blueprint string `json:"blueprint,omitempty"`
	// Version is the blueprint version the project was rendered from.
	Version string `json:"version,omitempty"`
}

// Evidence is what a person needs to check a signal.
type Evidence struct {
	// Message says what was observed, in a sentence.
	Message string `json:"message,omitempty"`
	// Hunk is a unified diff hunk ("@@ -l,s +l,s @@" and its lines): for
	// drift, what the project changed relative to the blueprint.
	Hunk string `json:"hunk,omitempty"`
	// Path is the file in the project, relative to Subject.Dir, when it is
	// not Signal.File (a templated path, for example).
	Path string `json:"path,omitempty"`
	// Line is the line in Path, or in File, that the evidence points at;
	// 0 for none.
	Line int `json:"line,omitempty"`
	// Link is a URL with more: a CI run, a pull request, an exception's
	// ticket.
	Link string `json:"link,omitempty"`
}

// Signal is one observation about one subject. A signal records either a
// Result, or a Value with its Unit, or both (a rating of 2 out of 5 can be a
// fail).
//
// The zero Signal is not valid: a signal needs an ID, a Time and a Source
// (see [Signal.Validate]); a [Recorder] provides the first two.
type Signal struct {
	// ID identifies the signal, uniquely; see [NewID].
	ID string `json:"id"`
	// Time is when the observation was made. It is stored in UTC.
	Time time.Time `json:"time"`
	// Source is what kind of observation this is.
	Source Source `json:"source"`
	// Subject is what it is about.
	Subject Subject `json:"subject,omitzero"`
	// Decision is the ID of the decision the signal concerns, if any.
	Decision string `json:"decision,omitempty"`
	// Rule is the name of the decision's rule, if any.
	Rule string `json:"rule,omitempty"`
	// Mode is the rule's mode when it was evaluated: audit, warn or enforce.
	Mode decision.Mode `json:"mode,omitempty"`
	// File is the blueprint file the signal concerns, as a slash-separated
	// path in the blueprint's template tree.
	File string `json:"file,omitempty"`
	// Result is the outcome, if the signal records one.
	Result Result `json:"result,omitempty"`
	// Value is a measured value, if the signal records one: a rating, a
	// number of versions or days behind, a duration.
	Value *float64 `json:"value,omitempty"`
	// Unit is the unit of Value: "score", "versions", "days", "s", "count"…
	Unit string `json:"unit,omitempty"`
	// Severity is how much the signal matters (low, medium, high, critical);
	// for rule signals, the rule's severity.
	Severity decision.Severity `json:"severity,omitempty"`
	// Evidence is what a person needs to check the signal.
	Evidence Evidence `json:"evidence,omitzero"`
	// Labels holds anything else worth grouping or filtering by, such as an
	// exception's expiry or who rated. Keys are free-form; whoever records
	// a signal documents the labels it sets.
	Labels map[string]string `json:"labels,omitempty"`
}

// ErrInvalidSignal is wrapped by the errors [Signal.Validate] returns, and so
// by decoding and appending a signal that is not valid.
var ErrInvalidSignal = errors.New("invalid signal")

// ErrUnsupportedVersion is wrapped by the error decoding a signal whose "v"
// is not a version this package knows.
var ErrUnsupportedVersion = errors.New("unsupported signal version")

// Validate reports whether s can be stored: it has an ID, a Time between the
// years 1 and 9999, a known Source, a known Result or none, a finite Value
// if any, and a known Mode and Severity or none. The error wraps
// [ErrInvalidSignal].
func (s *Signal) Validate() error {
	var problem string
	switch {
	case s.ID == "":
		problem = "no id"
	case s.Time.IsZero():
		problem = "no time"
	case s.Time.UTC().Year() < 1 || s.Time.UTC().Year() > 9999:
		problem = fmt.Sprintf("time %s is out of range", s.Time.UTC().Format(time.RFC3339))
	case !s.Source.Valid():
		problem = fmt.Sprintf("source %q is not one of %s", s.Source, join(Sources()))
	case s.Result != "" && !s.Result.Valid():
		problem = fmt.Sprintf("result %q is not one of %s", s.Result, join(Results()))
	case s.Value != nil && (math.IsNaN(*s.Value) || math.IsInf(*s.Value, 0)):
		problem = fmt.Sprintf("value %v is not finite", *s.Value)
	case s.Mode != "" && !s.Mode.Valid():
		problem = fmt.Sprintf("mode %q is not one of %s", s.Mode, join(decision.Modes()))
	case s.Severity != "" && !s.Severity.Valid():
		problem = fmt.Sprintf("severity %q is not one of %s", s.Severity, join(decision.Severities()))
	case s.Evidence.Line < 0:
		problem = fmt.Sprintf("evidence line %d is negative", s.Evidence.Line)
	default:
		return nil
	}
	if s.ID == "" {
		return fmt.Errorf("%w: %s", ErrInvalidSignal, problem)
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidSignal, s.ID, problem)
}

func join[T ~string](vs []T) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}

// signalFields is Signal without its methods, so that wire can embed it.
type signalFields Signal

// wire is the JSON form: the version first, then the fields.
type wire struct {
	V *int `json:"v"`
	*signalFields
}

// normalize returns s as it reads back from its JSON form: Time in UTC
// without a monotonic reading, empty Labels as nil, and Value and Labels
// copied so that s shares no memory with the original.
func (s Signal) normalize() Signal {
	s.Time = s.Time.UTC()
	if s.Value != nil {
		v := *s.Value
		s.Value = &v
	}
	if len(s.Labels) == 0 {
		s.Labels = nil
	} else {
		s.Labels = maps.Clone(s.Labels)
	}
	return s
}

// MarshalJSON encodes s in its versioned JSON form, on one line, with "v"
// first. It does not validate s; a Time outside the years 0–9999 is an error.
func (s Signal) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := s.encode(&b); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// encode writes s's JSON form and a newline to b, without escaping HTML
// characters so that hunks stay greppable.
func (s Signal) encode(b *bytes.Buffer) error {
	s.Time = s.Time.UTC()
	v := versionOf(s.Source)
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	return enc.Encode(wire{V: &v, signalFields: (*signalFields)(&s)})
}

// UnmarshalJSON decodes a signal's JSON form into s, like [DecodeSignal].
func (s *Signal) UnmarshalJSON(b []byte) error {
	d, err := DecodeSignal(b)
	if err != nil {
		return err
	}
	*s = d
	return nil
}

// DecodeSignal decodes one signal from its JSON form and validates it. It
// rejects a missing "v", and a version it does not know with an error
// wrapping [ErrUnsupportedVersion]; fields it does not know are ignored. The
// signal's Time is in UTC, and empty Labels are nil.
func DecodeSignal(data []byte) (Signal, error) {
	s, ok := decodeFast(data)
	if !ok {
		var err error
		if s, err = decodeJSON(data); err != nil {
			return Signal{}, err
		}
	}
	s.Time = s.Time.UTC()
	if len(s.Labels) == 0 {
		s.Labels = nil
	}
	if err := s.Validate(); err != nil {
		return Signal{}, err
	}
	return s, nil
}

// decodeJSON decodes a signal with encoding/json, checking its version.
func decodeJSON(data []byte) (Signal, error) {
	var s Signal
	w := wire{signalFields: (*signalFields)(&s)}
	if err := json.Unmarshal(data, &w); err != nil {
		// A newer version may not even have this shape: name the version
		// rather than the field that does not fit.
		var v struct {
			V *int `json:"v"`
		}
		if json.Unmarshal(data, &v) == nil && v.V != nil && (*v.V < 1 || *v.V > Version) {
			return Signal{}, versionError(*v.V)
		}
		return Signal{}, fmt.Errorf("decoding signal: %w", jsonError(err))
	}
	switch {
	case w.V == nil:
		return Signal{}, fmt.Errorf("decoding signal: no \"v\" field: this is not a goldenpath signal (version %d)", Version)
	case *w.V < 1 || *w.V > Version:
		return Signal{}, versionError(*w.V)
	case *w.V < versionOf(s.Source):
		return Signal{}, fmt.Errorf("decoding signal: %w: source %q needs version %d, the line says %d", ErrInvalidSignal, s.Source, versionOf(s.Source), *w.V)
	}
	return s, nil
}

func versionError(v int) error {
	return fmt.Errorf("decoding signal: %w %d: this reader knows versions 1 to %d; upgrade goldenpath to read it", ErrUnsupportedVersion, v, Version)
}

// jsonError drops encoding/json's Go type names, which mean nothing to the
// person reading a store file.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "signal"
		}
		return fmt.Errorf("%s: unexpected JSON %s", field, te.Value)
	}
	return err
}

// Recorder makes signals with an ID and a time. Its fields are options; the
// zero Recorder, and a nil *Recorder, use the defaults. A Recorder is safe
// for concurrent use if its functions are.
type Recorder struct {
	// Now returns the time of a new signal. Default time.Now.
	Now func() time.Time
	// NewID returns the ID of a new signal. Default: [NewIDAt] of the
	// signal's time.
	NewID func() string
}

// New returns a signal from source about subject, with an ID and the time.
func (r *Recorder) New(source Source, subject Subject) Signal {
	return r.Stamp(Signal{Source: source, Subject: subject})
}

// Stamp returns s with an ID and a time: it sets s.Time if it is zero, then
// s.ID if it is empty.
func (r *Recorder) Stamp(s Signal) Signal {
	if s.Time.IsZero() {
		if r != nil && r.Now != nil {
			s.Time = r.Now()
		} else {
			s.Time = time.Now()
		}
	}
	if s.ID == "" {
		if r != nil && r.NewID != nil {
			s.ID = r.NewID()
		} else {
			s.ID = NewIDAt(s.Time)
		}
	}
	return s
}

// NewID returns a new signal ID for the current time; see [NewIDAt].
func NewID() string { return NewIDAt(time.Now()) }

// NewIDAt returns a new signal ID for time t: 32 lowercase hex digits, 128
// bits, of which the first 48 are the milliseconds since the Unix epoch (as
// in a ULID) and the other 80 come from crypto/rand. IDs sort by the
// millisecond they were made for; within one millisecond their order is
// random. Times before 1970 count as 1970.
func NewIDAt(t time.Time) string {
	var b [16]byte
	ms := max(t.UnixMilli(), 0)
	binary.BigEndian.PutUint64(b[:8], uint64(ms)<<16)
	rand.Read(b[6:]) // never fails: crypto/rand crashes the program instead
	return hex.EncodeToString(b[:])
}
