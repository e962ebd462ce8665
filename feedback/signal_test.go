package feedback_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
)

var t0 = time.Date(2026, 11, 3, 10, 15, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// full returns a signal with every field set.
func full() feedback.Signal {
	return feedback.Signal{
		ID:     "0193f8a2c4e17b3f9d2a6c41e0b5d7a8",
		Time:   t0.Add(123456789 * time.Nanosecond),
		Source: feedback.SourceRule,
		Subject: feedback.Subject{
			Project: "orders", Dir: "/srv/orders", Owner: "team-orders",
			Blueprint: "go-service", Version: "1.4.0",
		},
		Decision: "ADR-0007",
		Rule:     "postgres-16",
		Mode:     decision.Enforce,
		File:     "deploy/postgres/values.yaml.tmpl",
		Result:   feedback.ResultFail,
		Value:    ptr(15.0),
		Unit:     "major",
		Severity: decision.High,
		Evidence: feedback.Evidence{
			Message: "postgres major version is 15, want 16",
			Hunk:    "@@ -1,2 +1,2 @@\n image: postgres\n-tag: \"16\"\n+tag: \"15\" # <pinned> & kept\n",
			Path:    "deploy/postgres/values.yaml",
			Line:    2,
			Link:    "https://ci.example.com/runs/42",
		},
		Labels: map[string]string{"exception": "EX-12", "approvedBy": "alice"},
	}
}

func TestSignalJSONRoundTrip(t *testing.T) {
	for name, s := range map[string]feedback.Signal{
		"full":    full(),
		"minimal": {ID: "x", Time: t0, Source: feedback.SourceMetric},
		"zero value": {ID: "y", Time: t0, Source: feedback.SourceLag,
			Value: ptr(0.0), Unit: "versions"},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(s)
			require.NoError(t, err)
			assert.NotContains(t, string(b), "\n", "one line")
			got, err := feedback.DecodeSignal(b)
			require.NoError(t, err)
			assert.Equal(t, s, got)

			var viaJSON feedback.Signal
			require.NoError(t, json.Unmarshal(b, &viaJSON))
			assert.Equal(t, s, viaJSON)
		})
	}
}

func TestSignalJSONForm(t *testing.T) {
	s := feedback.Signal{
		ID:       "0193f8a2c4e17b3f9d2a6c41e0b5d7a8",
		Time:     time.Date(2026, 11, 3, 11, 15, 0, 0, time.FixedZone("CET", 3600)),
		Source:   feedback.SourceDrift,
		Subject:  feedback.Subject{Project: "orders", Blueprint: "go-service", Version: "1.4.0"},
		File:     "Makefile",
		Result:   feedback.ResultFail,
		Evidence: feedback.Evidence{Hunk: "@@ -1 +1 @@\n-a\n+a && b <c>\n"},
	}
	b, err := s.MarshalJSON()
	require.NoError(t, err)
	// "v" first, time in UTC, empty fields left out, HTML characters kept.
	assert.Equal(t, `{"v":1,"id":"0193f8a2c4e17b3f9d2a6c41e0b5d7a8","time":"2026-11-03T10:15:00Z",`+
		`"source":"drift","subject":{"project":"orders","blueprint":"go-service","version":"1.4.0"},`+
		`"file":"Makefile","result":"fail","evidence":{"hunk":"@@ -1 +1 @@\n-a\n+a && b <c>\n"}}`, string(b))
}

func TestDecodeSignalNormalizes(t *testing.T) {
	s, err := feedback.DecodeSignal([]byte(`{"v":1,"id":"a","time":"2026-11-03T11:15:00+01:00","source":"rating","labels":{},"future":{"x":[1,2]}}`))
	require.NoError(t, err, "unknown fields are ignored")
	assert.Equal(t, time.UTC, s.Time.Location())
	assert.True(t, s.Time.Equal(t0))
	assert.Nil(t, s.Labels)
}

func TestDecodeSignalVersions(t *testing.T) {
	for _, tc := range []struct {
		line, err string
		version   bool
	}{
		{line: `{"v":3,"id":"a","time":"2026-11-03T10:15:00Z","source":"rule"}`, err: "unsupported signal version 3: this reader knows versions 1 to 2", version: true},
		// scan is new in version 2: a version-1 line cannot hold it.
		{line: `{"v":1,"id":"a","time":"2026-11-03T10:15:00Z","source":"scan"}`, err: `source "scan" needs version 2, the line says 1`},
		// A newer version may change the shape; the version is still named.
		{line: `{"v":3,"id":{"new":true},"subject":"orders"}`, err: "unsupported signal version 3", version: true},
		{line: `{"v":0,"id":"a","time":"2026-11-03T10:15:00Z","source":"rule"}`, err: "unsupported signal version 0", version: true},
		{line: `{"id":"a","time":"2026-11-03T10:15:00Z","source":"rule"}`, err: `no "v" field`},
		{line: `{"v":"1","id":"a"}`, err: "v: unexpected JSON string"},
		{line: `{"v":1.5,"id":"a"}`, err: "v: unexpected JSON number 1.5"},
		{line: `null`, err: `no "v" field`},
		{line: `[1]`, err: "signal: unexpected JSON array"},
		{line: `{"v":1,`, err: "unexpected end of JSON input"},
		{line: ``, err: "unexpected end of JSON input"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			_, err := feedback.DecodeSignal([]byte(tc.line))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
			assert.Equal(t, tc.version, isVersionError(err))
		})
	}
}

func isVersionError(err error) bool {
	return err != nil && strings.Contains(err.Error(), "unsupported") && errors.Is(err, feedback.ErrUnsupportedVersion)
}

func TestSignalValidate(t *testing.T) {
	ok := func() feedback.Signal { return feedback.Signal{ID: "a", Time: t0, Source: feedback.SourceRule} }
	for _, tc := range []struct {
		edit func(*feedback.Signal)
		err  string
	}{
		{func(s *feedback.Signal) { s.ID = "" }, "invalid signal: no id"},
		{func(s *feedback.Signal) { s.Time = time.Time{} }, `invalid signal "a": no time`},
		{func(s *feedback.Signal) { s.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "time 10000-01-01T00:00:00Z is out of range"},
		{func(s *feedback.Signal) { s.Source = "" }, `source "" is not one of drift, rule, exception, upgrade, lag, rating, metric`},
		{func(s *feedback.Signal) { s.Source = "Rule" }, `source "Rule" is not one of`},
		{func(s *feedback.Signal) { s.Result = "ok" }, `result "ok" is not one of pass, fail, warn, exempt, error`},
		{func(s *feedback.Signal) { s.Mode = "strict" }, `mode "strict" is not one of audit, warn, enforce`},
		{func(s *feedback.Signal) { s.Severity = "huge" }, `severity "huge" is not one of low, medium, high, critical`},
		{func(s *feedback.Signal) { s.Value = ptr(math.Inf(1)) }, "value +Inf is not finite"},
		{func(s *feedback.Signal) { s.Evidence.Line = -1 }, "evidence line -1 is negative"},
	} {
		s := ok()
		tc.edit(&s)
		err := s.Validate()
		if assert.Error(t, err, tc.err) {
			assert.Contains(t, err.Error(), tc.err)
			assert.ErrorIs(t, err, feedback.ErrInvalidSignal)
		}
	}
	s := ok()
	assert.NoError(t, s.Validate())

	// Decoding validates.
	_, err := feedback.DecodeSignal([]byte(`{"v":1,"id":"a","time":"2026-11-03T10:15:00Z","source":"gossip"}`))
	assert.ErrorIs(t, err, feedback.ErrInvalidSignal)
	// A time whose UTC year is 0 cannot be written back.
	_, err = feedback.DecodeSignal([]byte(`{"v":1,"id":"a","time":"0001-01-01T00:30:00+01:00","source":"rule"}`))
	assert.ErrorIs(t, err, feedback.ErrInvalidSignal)
}

func TestRecorder(t *testing.T) {
	n := 0
	r := &feedback.Recorder{
		Now:   func() time.Time { return t0 },
		NewID: func() string { n++; return fmt.Sprintf("sig-%d", n) },
	}
	s := r.New(feedback.SourceRating, feedback.Subject{Blueprint: "go-service"})
	assert.Equal(t, feedback.Signal{ID: "sig-1", Time: t0, Source: feedback.SourceRating,
		Subject: feedback.Subject{Blueprint: "go-service"}}, s)
	kept := r.Stamp(feedback.Signal{ID: "mine", Time: t0.Add(time.Hour)})
	assert.Equal(t, "mine", kept.ID)
	assert.Equal(t, t0.Add(time.Hour), kept.Time)

	// The defaults: the current time, and an ID for that time.
	var zero *feedback.Recorder
	before := time.Now()
	d := zero.Stamp(feedback.Signal{Source: feedback.SourceMetric})
	assert.False(t, d.Time.Before(before))
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), d.ID)
	assert.Equal(t, fmt.Sprintf("%012x", d.Time.UnixMilli()), d.ID[:12])
	assert.NoError(t, d.Validate())
	// A fixed clock gives IDs of that millisecond, still unique.
	fixed := (&feedback.Recorder{Now: func() time.Time { return t0 }}).New(feedback.SourceMetric, feedback.Subject{})
	assert.Equal(t, fmt.Sprintf("%012x", t0.UnixMilli()), fixed.ID[:12])
}

func TestNewIDUniqueAndSortable(t *testing.T) {
	seen := make(map[string]bool)
	var ids []string
	for i := range 10000 {
		id := feedback.NewIDAt(t0.Add(time.Duration(i/10) * time.Millisecond))
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
		ids = append(ids, id)
	}
	// IDs of different milliseconds sort by time.
	for i := 10; i < len(ids); i += 10 {
		assert.Less(t, ids[i-1], ids[i])
	}
	assert.True(t, slices.IsSortedFunc(ids, func(a, b string) int { return strings.Compare(a[:12], b[:12]) }))
	assert.Equal(t, "000000000000", feedback.NewIDAt(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))[:12])
}

// TestScanSignalVersion: a scan signal is written in version 2, every other
// source in version 1, and both read back; a version-2 line of another
// source reads too.
func TestScanSignalVersion(t *testing.T) {
	at := time.Date(2026, 11, 3, 10, 15, 0, 0, time.UTC)
	n := 3.0
	for _, tc := range []struct {
		s feedback.Signal
		v string
	}{
		{feedback.Signal{ID: "s", Time: at, Source: feedback.SourceScan, Value: &n, Unit: "count", Labels: map[string]string{"drift": "3"}}, `{"v":2,`},
		{feedback.Signal{ID: "r", Time: at, Source: feedback.SourceRule, Result: feedback.ResultPass}, `{"v":1,`},
	} {
		b, err := json.Marshal(tc.s)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(b), tc.v), "%s", b)
		got, err := feedback.DecodeSignal(b)
		require.NoError(t, err)
		assert.Equal(t, tc.s, got)
	}
	got, err := feedback.DecodeSignal([]byte(`{"v":2,"id":"a","time":"2026-11-03T10:15:00Z","source":"rule"}`))
	require.NoError(t, err)
	assert.Equal(t, feedback.SourceRule, got.Source)
}

func TestSourcesAndResults(t *testing.T) {
	for _, s := range feedback.Sources() {
		assert.True(t, s.Valid(), s)
	}
	for _, r := range feedback.Results() {
		assert.True(t, r.Valid(), r)
	}
	assert.Len(t, feedback.Sources(), 8)
	assert.Len(t, feedback.Results(), 5)
	assert.False(t, feedback.Source("").Valid())
	assert.False(t, feedback.Result("skip").Valid())
}
