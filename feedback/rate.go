package feedback

import (
	"errors"
	"fmt"
)

// Rate records a person's rating of a blueprint or a decision: score 1 to 5
// and a comment. Exactly one of blueprintName and decisionID is set.
func Rate(rec *Recorder, blueprintName, decisionID string, score int, comment, by string) (Signal, error) {
	if (blueprintName == "") == (decisionID == "") {
		return Signal{}, errors.New("feedback: rate a blueprint or a decision, not both or neither")
	}
	if score < 1 || score > 5 {
		return Signal{}, fmt.Errorf("feedback: score %d: want 1 to 5", score)
	}
	s := rec.New(SourceRating, Subject{Blueprint: blueprintName})
	s.Decision = decisionID
	v := float64(score)
	s.Value, s.Unit = &v, "score"
	s.Evidence.Message = comment
	if by != "" {
		s.Labels = map[string]string{"by": by}
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
