package feedback

import (
	"errors"
	"fmt"
)

// Rating is what a person says of a blueprint or a decision.
type Rating struct {
	// Blueprint is the name of the blueprint rated, or Decision the ID of
	// the decision rated: exactly one is set.
	Blueprint string
	Decision  string
	// Score is from 1 (poor) to 5 (excellent).
	Score int
	// Comment is what the person wrote; it may be empty.
	Comment string
	// By identifies the person (the signal's "by" label); it may be empty.
	By string
}

// Rate records a person's rating of a blueprint or a decision: a rating
// signal whose value is the score, with the comment as its message.
func Rate(rec *Recorder, r Rating) (Signal, error) {
	if (r.Blueprint == "") == (r.Decision == "") {
		return Signal{}, errors.New("feedback: rate a blueprint or a decision, not both or neither")
	}
	if r.Score < 1 || r.Score > 5 {
		return Signal{}, fmt.Errorf("feedback: score %d: want 1 to 5", r.Score)
	}
	s := rec.New(SourceRating, Subject{Blueprint: r.Blueprint})
	s.Decision = r.Decision
	v := float64(r.Score)
	s.Value, s.Unit = &v, "score"
	s.Evidence.Message = r.Comment
	if r.By != "" {
		s.Labels = map[string]string{"by": r.By}
	}
	return s, nil
}

// Metric records a measured value about subject, such as the time to the
// first render of a new project.
func Metric(rec *Recorder, subject Subject, name string, value float64, unit string) Signal {
	s := rec.New(SourceMetric, subject)
	s.Value, s.Unit = &value, unit
	s.Labels = map[string]string{"name": name}
	return s
}
