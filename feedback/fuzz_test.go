package feedback_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/feedback"
)

// Decoding any line never panics, and a signal that decodes is valid and
// encodes to a line that decodes to the same signal and encodes the same.
func FuzzDecodeSignal(f *testing.F) {
	for _, s := range []feedback.Signal{full(), signals("s", 1)[0]} {
		b, err := s.MarshalJSON()
		require.NoError(f, err)
		f.Add(b)
	}
	for _, seed := range []string{
		`{"v":1,"id":"a","time":"2026-11-03T11:15:00+01:00","source":"rating","value":4,"unit":"score","labels":{}}`,
		`{"v":1,"id":"a","time":"0001-01-01T00:30:00+01:00","source":"rule"}`,
		`{"v":1,"id":"a","time":"9999-12-31T23:59:59-01:00","source":"rule"}`,
		`{"v":1,"id":"\u2028<&>","time":"2026-11-03T10:15:00.123456789Z","source":"drift","evidence":{"hunk":"\ud800","line":3}}`,
		`{"v":1,"ID":"a","Time":"2026-11-03T10:15:00Z","SOURCE":"lag","value":-0,"value":1e308}`,
		`{"v":2,"id":"a"}`,
		`{"v":1,"id":"a","time":"2026-11-03T10:15:00Z","source":"rule","mode":"warn","severity":"low","result":"exempt"}`,
		`{"v":1,"subject":{"project":1}}`,
		`{"v":1e0}`,
		`[]`, `null`, `"v"`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		s, err := feedback.DecodeSignal(line)
		if err != nil {
			return
		}
		require.NoError(t, s.Validate())
		b, err := s.MarshalJSON()
		require.NoError(t, err)
		again, err := feedback.DecodeSignal(b)
		require.NoError(t, err, "%s", b)
		require.Equal(t, s, again)
		b2, err := again.MarshalJSON()
		require.NoError(t, err)
		require.Equal(t, string(b), string(b2))
	})
}
