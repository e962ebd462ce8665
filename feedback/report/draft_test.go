package report_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// TestDraftContext writes the evidence against a decision as the Context
// of a drafted record: each reason with its signal IDs, the checks and
// exemption rate, the active exceptions, the desire path against its rule
// with its example hunk, and the ratings with their comments.
func TestDraftContext(t *testing.T) {
	f, _ := aggScenario()
	r := aggRun(t, f, aggOpts(t))
	var ratings []feedback.Signal
	for _, s := range f.sigs {
		if s.Source == feedback.SourceRating {
			ratings = append(ratings, s)
		}
	}
	text, err := r.DraftContext("ADR-0100", &report.ContextOptions{Ratings: ratings})
	require.NoError(t, err)
	i := slices.IndexFunc(r.Revisit, func(rv report.Revisit) bool { return rv.Decision == "ADR-0100" })
	require.GreaterOrEqual(t, i, 0, "ADR-0100 is to revisit")
	rv := r.Revisit[i]
	for _, rr := range rv.Reasons {
		assert.Contains(t, text, "**"+string(rr.Reason)+"**: "+rr.Summary)
		for _, id := range rr.Signals {
			assert.Contains(t, text, "`"+id+"`", "every signal ID the report kept")
		}
	}
	assert.Contains(t, text, "exempt.\n")
	assert.Contains(t, text, "30% exempt")
	assert.Contains(t, text, "Active exceptions (3):\n\n- p01, rule tls, until 2027-01-31: \"legacy load balancer\" (signal `s0054`)")
	assert.Contains(t, text, "Ratings: 3 ratings, 2 out of 5 on average")
	assert.Contains(t, text, `"rated `)

	text, err = r.DraftContext("ADR-0200", nil)
	require.NoError(t, err)
	assert.Contains(t, text, "The desire path `")
	assert.Contains(t, text, "against rule port")
	assert.Contains(t, text, "```diff\n")

	_, err = r.DraftContext("ADR-0800", nil)
	var nr *report.NotToRevisitError
	require.ErrorAs(t, err, &nr)
	assert.Equal(t, "ADR-0800 is not in the report's revisit list: there is no evidence to draft from", err.Error())
}
