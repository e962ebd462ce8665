package feedback

import (
	"context"
	"errors"
	"iter"
	"time"
)

// Store keeps signals. Any of its methods may be called concurrently.
type Store interface {
	// Append validates the signals and stores them, in order. When it
	// returns nil they are durable: on disk, synced, for a store that has a
	// disk. When one signal is invalid, nothing is stored and the error
	// wraps ErrInvalidSignal.
	Append(ctx context.Context, signals ...Signal) error
	// Query streams the signals that match f, in the order they were
	// appended; every signal whose Append returned before Query was called
	// is among them. An error ends the stream, except one matching
	// ErrBadRecord, after which the stream goes on if the loop does.
	// Query holds no lock between two signals.
	Query(ctx context.Context, f Filter) iter.Seq2[Signal, error]
}

// ErrClosed is returned by the methods of a store that was closed.
var ErrClosed = errors.New("feedback: store is closed")

// ErrBadRecord is matched (with errors.Is) by the error a Store's Query
// yields for one stored record it cannot decode and steps over: another
// version, a hand edit. The stream goes on after it if the loop does. A
// reader that tolerates damaged records, such as report.Aggregate, counts
// these errors and goes on; any other error ends a stream. A FileStore's
// *LineError for a line that does not decode matches it.
var ErrBadRecord = errors.New("feedback: stored record does not decode")

// Filter selects signals. The zero value of each field selects all signals;
// set fields must all match.
type Filter struct {
	// Since selects signals made at or after Since.
	Since time.Time
	// Until selects signals made before Until.
	Until time.Time
	// Project selects the signals whose Subject.Project is Project.
	Project string
	// Decision selects the signals whose Decision is Decision.
	Decision string
	// Blueprint selects the signals whose Subject.Blueprint is Blueprint.
	Blueprint string
	// Source selects the signals from Source.
	Source Source
}

// Match reports whether s is selected by f.
func (f Filter) Match(s Signal) bool {
	return (f.Since.IsZero() || !s.Time.Before(f.Since)) &&
		(f.Until.IsZero() || s.Time.Before(f.Until)) &&
		(f.Project == "" || s.Subject.Project == f.Project) &&
		(f.Decision == "" || s.Decision == f.Decision) &&
		(f.Blueprint == "" || s.Subject.Blueprint == f.Blueprint) &&
		(f.Source == "" || s.Source == f.Source)
}

// validate validates the signals for Append.
func validate(signals []Signal) error {
	for i := range signals {
		if err := signals[i].Validate(); err != nil {
			return err
		}
	}
	return nil
}
