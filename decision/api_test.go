package decision_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/decision"
)

// The lists of modes, severities and statuses are fresh copies: a caller
// that changes one changes neither the next list nor what is valid.
func TestListsAreCopies(t *testing.T) {
	modes := decision.Modes()
	assert.Equal(t, []decision.Mode{decision.Audit, decision.Warn, decision.Enforce}, modes)
	modes[0] = "lenient"
	assert.Equal(t, decision.Audit, decision.Modes()[0])
	assert.False(t, decision.Mode("lenient").Valid())
	assert.True(t, decision.Audit.Valid())

	sev := decision.Severities()
	assert.Equal(t, []decision.Severity{decision.Low, decision.Medium, decision.High, decision.Critical}, sev)
	sev[3] = "apocalyptic"
	assert.Equal(t, decision.Critical, decision.Severities()[3])
	assert.False(t, decision.Severity("apocalyptic").Valid())
	assert.True(t, decision.Critical.Valid())

	st := decision.Statuses()
	assert.Equal(t, decision.Proposed, st[0])
	st[0] = "pondered"
	assert.Equal(t, decision.Proposed, decision.Statuses()[0])
	assert.False(t, decision.Status("pondered").Valid())
	assert.True(t, decision.Proposed.Valid())
}

// clock returns a clock stopped at the start of the day s (YYYY-MM-DD).
func clock(s string) func() time.Time {
	t := date(s)
	return func() time.Time { return t }
}

// Evaluate and Lint read their clock once, and nil means time.Now.
func TestClockIsReadOnce(t *testing.T) {
	ctx := t.Context()
	reg := loadExamples(t)
	var calls int
	day := date("2026-11-30")
	now := func() time.Time { calls++; return day }

	rep, err := decision.Evaluate(ctx, reg.List(decision.Filter{}), &decision.Subject{Name: "empty", Files: fstest.MapFS{}}, &decision.EvalOptions{Now: now})
	require.NoError(t, err)
	assert.Equal(t, 1, calls)
	assert.True(t, rep.Time.Equal(day), "report time %v", rep.Time)

	calls = 0
	reg.Lint(ctx, &decision.LintOptions{Now: now})
	assert.Equal(t, 1, calls)

	before := time.Now()
	rep, err = decision.Evaluate(ctx, reg.List(decision.Filter{}), &decision.Subject{Name: "empty", Files: fstest.MapFS{}}, nil)
	require.NoError(t, err)
	assert.False(t, rep.Time.Before(before.Truncate(time.Second)), "a nil clock is time.Now")
}
