package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

func TestJSRegexp(t *testing.T) {
	for _, tc := range []struct {
		re2, js string
		ok      bool
	}{
		{`^[a-z][a-z0-9-]{2,30}$`, `^[a-z][a-z0-9\-]{2,30}$`, true},
		{`^[-a-z]+$`, `^[\-a-z]+$`, true},
		{`^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$`, `^[a-z0-9\.\-]+(:[0-9]+)?(/[a-z0-9\._\-]+)*$`, true},
		{`^1\.([7-9]|[1-9][0-9])(\.[0-9]+)?$`, `^1\.([7-9]|[1-9][0-9])(\.[0-9]+)?$`, true},
		{`[()|{}/]`, `[\(\)\|\{\}\/]`, true},
		{`[&&!!]`, `[\&\&\!\!]`, true},
		{`[]a]`, `[\]a]`, true},
		{`[^]a]`, `[^\]a]`, true},
		{`[\d-z]`, `[\d\-z]`, true},
		{`\-\_\#`, `-_#`, true},
		{`[\-\_]`, `[\-_]`, true},
		{`a{,3}x]`, `a\{,3\}x\]`, true},
		{`a{2}b{1,}c{1,2}`, `a{2}b{1,}c{1,2}`, true},
		{`(?P<year>\d{4})-(?<m>\d\d)(?:x)`, `(?<year>\d{4})-(?<m>\d\d)(?:x)`, true},
		{`\x41\x{1F600}`, `\x41\u{1F600}`, true},
		{`\bword\B\s\S\w\W`, `\bword\B\s\S\w\W`, true},
		{`(?i)abc`, ``, false},
		{`\Aabc\z`, ``, false},
		{`\pL+`, ``, false},
		{`[[:alpha:]]`, ``, false},
		{`\Q.*\E`, ``, false},
		{`[`, ``, false},
	} {
		js, ok := jsRegexp(tc.re2)
		if js != tc.js || ok != tc.ok {
			t.Errorf("jsRegexp(%#q) = %#q, %v; want %#q, %v", tc.re2, js, ok, tc.js, tc.ok)
		}
	}
	if p, ok := htmlPattern(nil); ok || p != "" {
		t.Errorf("htmlPattern(nil) = %q, %v", p, ok)
	}
	if p, ok := htmlPattern([]string{`^a$`, `(?i)b`}); ok || p != "" {
		t.Errorf("htmlPattern with an untranslatable pattern = %q, %v", p, ok)
	}
}

// patternCases are RE2 patterns, the bundled blueprints' among them, and
// values to try each against.
var patternCases = struct {
	patterns [][]string // each entry: the patterns one value must all match
	values   []string
}{
	patterns: [][]string{
		{`^[a-z][a-z0-9-]{2,30}$`},
		{`^[a-z][a-z0-9_]{2,40}$`},
		{`^[0-9]+h$`, `^([1-9]|[1-9][0-9]|1[0-5][0-9]|16[0-8])h$`},
		{`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$`},
		{`^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$`},
		{`^1\.([7-9]|[1-9][0-9])(\.[0-9]+)?$`},
		{`[-_.]`},
		{`ab`},
		{`^(foo|bar)`, `o$`},
		{`a{,3}`},
		{`[]x]`},
		{`[^/]+/[^/]+`},
		{`(?P<y>\d{4})-\d{2}`},
		{`[&|(){}]`},
		{`\-\_\.`},
	},
	values: []string{
		"", "a", "ab", "abc", "orders", "Orders", "orders-api", "-orders", "orders_", "bucket_store", "a b",
		"1.9.0", "1.6", "1.10", "1.9.0.1", "72h", "168h", "169h", "0h", "100h",
		"preview.acme.dev", "acme", "-a.dev", "ghcr.io/acme", "ghcr.io/acme/", "localhost:5000/team/app",
		"foo", "foobar", "bar", "barfoo", "boo", "a{,3}", "x]", "]", "x/y", "/y", "2024-05", "-_.", "_.", "(", "{",
		"a\nb", "é", "😀",
	},
}

// TestPatternsInNode checks with Node.js that every translated pattern
// compiles as browsers compile a pattern attribute (anchored, with the v
// flag) and accepts exactly the values Go's regexp accepts.
func TestPatternsInNode(t *testing.T) {
	node := requireNode(t)
	type check struct {
		Pattern string   `json:"pattern"`
		Values  []string `json:"values"`
	}
	var checks []check
	var want [][]bool
	for _, ps := range patternCases.patterns {
		p, ok := htmlPattern(ps)
		if !ok {
			t.Errorf("%q: not translated", ps)
			continue
		}
		checks = append(checks, check{p, patternCases.values})
		row := make([]bool, len(patternCases.values))
		for i, v := range patternCases.values {
			row[i] = true
			for _, re := range ps {
				row[i] = row[i] && regexp.MustCompile(re).MatchString(v)
			}
		}
		want = append(want, row)
	}
	in, err := json.Marshal(checks)
	if err != nil {
		t.Fatal(err)
	}
	const script = `
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
	const out = JSON.parse(input).map(({ pattern, values }) => {
		try {
			const re = new RegExp('^(?:' + pattern + ')$', 'v');
			return values.map((v) => re.test(v));
		} catch (e) {
			return String(e);
		}
	});
	process.stdout.write(JSON.stringify(out));
});`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "-e", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var got []json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(checks) {
		t.Fatalf("node printed %s (%v)", out, err)
	}
	for i, c := range checks {
		var res []bool
		if err := json.Unmarshal(got[i], &res); err != nil {
			t.Errorf("%q: JavaScript refuses %s: %s", patternCases.patterns[i], c.Pattern, got[i])
			continue
		}
		for j, v := range c.Values {
			if res[j] != want[i][j] {
				t.Errorf("%q on %q: the browser says %v, Go says %v (pattern %s)", patternCases.patterns[i], v, res[j], want[i][j], c.Pattern)
			}
		}
	}
}

// requireNode returns the path of node, for the tests that run JavaScript.
// Without node they skip, naming what to install, or fail when CI is set;
// GP_SKIP_BROWSER=1 skips them too, outside CI: with CI set it fails.
func requireNode(t *testing.T) string {
	t.Helper()
	if os.Getenv("GP_SKIP_BROWSER") == "1" {
		missingSystemPart(t, "GP_SKIP_BROWSER=1 skips the tests that run a browser or node")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missingSystemPart(t, "node is not installed: install Node.js (Debian: nodejs npm; ./test does)")
	}
	return node
}

// missingSystemPart skips a test whose system part is missing, naming what
// to install, or fails it when CI is set: CI must run every test.
func missingSystemPart(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this fails instead of skipping)")
	}
	t.Skip(msg)
}
