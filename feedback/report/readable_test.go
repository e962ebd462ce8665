package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// TestMarkdownReadable: counts of one are singular everywhere, a reason
// shows its count and at most five example signals (the JSON form keeps
// them all), and a desire path's heading names the file as the project
// has it.
func TestMarkdownReadable(t *testing.T) {
	var ids []string
	for i := range 12 {
		ids = append(ids, fmt.Sprintf("s%02d", i))
	}
	r := &report.Report{
		Signals: 1, Projects: 1,
		Settings: report.Settings{MinProjects: 1, MinRatings: 1, MinConflicts: 1, ProposedDays: 1, ExemptionRate: 0.2, LowRating: 3},
		Revisit: []report.Revisit{{Decision: "ADR-0012", Score: 1, Reasons: []report.RevisitReason{{
			Reason: report.ReasonExemptionRate, Summary: "many exempt", Count: 1, Projects: []string{"orders"},
			Signals: ids, SignalCount: len(ids),
		}}}},
		Decisions: []report.DecisionReport{{ID: "ADR-0012"}},
		DesirePaths: []report.DesirePath{{
			Blueprint: "go-service", File: "cmd/{{.name}}/main.go.tmpl", Level: "shared", HunkID: "abc", Count: 1,
			Projects: []string{"orders"},
			Example:  report.Example{Project: "orders", Path: "cmd/orders/main.go", Hunk: "@@ -1 +1,2 @@\n+// x\n", Signal: "s00"},
		}},
		Blueprints: []report.BlueprintReport{{Name: "go-service", Projects: 1}},
	}
	var b bytes.Buffer
	require.NoError(t, r.Markdown(&b, nil))
	md := b.String()

	assert.Regexp(t, `(?m)\b1 (projects|signals|decisions|desire paths|blueprints|ratings|days)\b`, "1 projects", "the pattern catches plurals")
	for _, bad := range regexp.MustCompile(`\b1\**\s+(projects|signals|decisions|desire paths|blueprints|ratings|days|lines)\b`).FindAllString(md, -1) {
		t.Errorf("plural after one: %q in\n%s", bad, md)
	}
	assert.Contains(t, md, "from 1 signal about 1 project.")
	assert.Contains(t, md, "**1** decision, **1** desire path, **1** blueprint\n")
	assert.Contains(t, md, "proposed for more than 1 day,")

	assert.Contains(t, md, "12 signals, for example `s00`, `s01`, `s02`, `s03`, `s04`.\n")
	assert.NotContains(t, md, "`s05`")

	assert.Contains(t, md, "### go-service: `cmd/orders/main.go` — 1 project (shared)")
	assert.Contains(t, md, "(template `cmd/{{.name}}/main.go.tmpl`)")

	js, err := json.Marshal(r)
	require.NoError(t, err)
	for _, id := range ids {
		assert.True(t, strings.Contains(string(js), `"`+id+`"`), "JSON keeps %s", id)
	}
}
