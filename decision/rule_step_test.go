package decision

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStepJSONRoundTrip(t *testing.T) {
	in := []Step{{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Mode: Enforce}}
	data, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `[{"from":"2026-09-01","mode":"enforce"}]`, string(data))
	var out []Step
	require.NoError(t, json.Unmarshal(data, &out))
	assert.Equal(t, in, out)
	assert.Error(t, json.Unmarshal([]byte(`{"from":"September","mode":"warn"}`), &out[0]))
}
