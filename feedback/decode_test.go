package feedback

import (
	"reflect"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
)

func encoded(t testing.TB, s Signal) []byte {
	b, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// oddSignals are valid signals with every field set and strings that need
// escapes.
func oddSignals() []Signal {
	v, zero := 4.5, -0.0
	return []Signal{
		{ID: "a", Time: time.Date(2026, 11, 3, 10, 15, 0, 1, time.UTC), Source: SourceRule,
			Subject:  Subject{Project: "orders", Dir: "/srv/orders", Owner: "team", Blueprint: "go-service", Version: "1.4.0"},
			Decision: "ADR-0007", Rule: "r", Mode: decision.Enforce, File: "f", Result: ResultExempt,
			Value: &v, Unit: "score", Severity: decision.Critical,
			Evidence: Evidence{Message: "m", Hunk: "@@ -1 +1 @@\n-\ta\n+\tb <&> \"q\" \\ \u2028 \x01 é 😀\n", Path: "p", Line: 12, Link: "https://x/?a=1&b=2"},
			Labels:   map[string]string{"k": "v", "esc\"aped\n": "\u00e9\x7f", "": ""}},
		{ID: "b\xff", Time: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), Source: SourceMetric, Value: &zero},
		{ID: "c", Time: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), Source: "custom", Result: "other", Mode: "m", Severity: "s"},
		{ID: "d", Time: time.Date(2026, 11, 3, 10, 15, 0, 0, time.UTC), Source: SourceScan, Labels: map[string]string{"drift": "2"}},
	}
}

// The fast path takes what this package writes.
func TestDecodeFastTakesWhatIsWritten(t *testing.T) {
	for _, s := range oddSignals() {
		b := encoded(t, s)
		got, ok := decodeFast(b)
		if !ok {
			t.Fatalf("decodeFast refused %s", b)
		}
		want, err := decodeJSON(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("decodeFast(%s)\n got %#v\nwant %#v", b, got, want)
		}
	}
	// Not its shape: encoding/json decides.
	for _, line := range []string{
		`{"v":1,"ID":"a"}`,
		`{"v":1,"id":"a","id":"b"}`,
		`{"v":1,"id":null}`,
		`{"v":1,"future":1}`,
		`{"v":3,"id":"a"}`,
		`{"v":1,"id":"a","source":"scan"}`,
		`{"v":1,"time":"\u0032026-11-03T10:15:00Z"}`,
		`{"v":1,"id":"\ud800"}`,
		"{\"v\":1,\"id\":\"\xff\"}",
		`{"v":1,"subject":{"project":"a","project":"b"}}`,
		`{"v":1,"evidence":{"line":1.0}}`,
		`{"v":1,"value":1e999}`,
		`{"v":1} x`,
		`{"id":"a"}`,
	} {
		if _, ok := decodeFast([]byte(line)); ok {
			t.Errorf("decodeFast took %s", line)
		}
	}
}

// What the fast path takes, it decodes as encoding/json does.
func FuzzDecodeFast(f *testing.F) {
	for _, s := range oddSignals() {
		f.Add(encoded(f, s))
	}
	for _, seed := range []string{
		` { "v" : 1 , "id" : "a" , "time" : "2026-11-03T11:15:00+01:00" , "source" : "rule" , "labels" : { } } `,
		`{"v":1,"value":-0.5e-3,"evidence":{"line":-0},"labels":{"a":"b","a":"c","\u00e9":"\ud83d\ude00"}}`,
		`{"v":1,"id":"\/\b\f\n\r\t\u0000\uFFFD"}`,
		`{"v":1,"time":"2026-11-03T10:15:00.5+25:00"}`,
		`{"v":01}`, `{"v":1,}`, `{"v":1,"id":"a"`, `{"v":1 "id":"a"}`, `{"v":-1}`,
		`{"v":1,"value":1.}`, `{"v":1,"value":.5}`, `{"v":1,"value":1e}`, `{"v":1,"value":-}`,
		`{"v":1,"evidence":{"line":9223372036854775808}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodeFast(data)
		if !ok {
			return
		}
		slow, err := decodeJSON(data)
		if err != nil {
			t.Fatalf("decodeFast took %q, which encoding/json refuses: %v", data, err)
		}
		for _, s := range []*Signal{&fast, &slow} {
			s.Time = s.Time.UTC()
			if len(s.Labels) == 0 {
				s.Labels = nil
			}
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("decodeFast(%q)\n got %#v\nwant %#v", data, fast, slow)
		}
	})
}

// special finds every byte that is not plain, in any position of a word.
func TestSpecial(t *testing.T) {
	for c := range 256 {
		for p := range 8 {
			w := []byte("abcdefgh")
			w[p] = byte(c)
			x := uint64(0)
			for i := 7; i >= 0; i-- {
				x = x<<8 | uint64(w[i])
			}
			if !plain(byte(c)) && !special(x) {
				t.Errorf("special misses byte %#x at %d", c, p)
			}
			if plain(byte(c)) && special(x) {
				t.Errorf("special flags plain byte %#x at %d", c, p)
			}
		}
	}
}
