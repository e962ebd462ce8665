package decision_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

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
