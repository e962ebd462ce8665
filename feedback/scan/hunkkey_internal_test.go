package scan

import (
	"strconv"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/internal/diff"
)

func TestNormaliserTokens(t *testing.T) {
	n := newNormaliser(paramValues(map[string]any{
		"name": "orders", "tier": "dev", "database": "none", "short": "ab",
		"nested": map[string]any{"region": "eu-west"}, "spaced": "  big   deal ",
		"port": int64(8181), "replicas": int64(3), "ratio": 12.5,
	}), []byte("TAG ?= none\n"), true)
	for _, tc := range []struct{ in, want string }{
		{"tier: dev", "tier: {{.tier}}"},
		{`"dev"`, `"{{.tier}}"`},
		{"(devtools)", "(devtools)"},
		{"2>/dev/null", "2>/dev/null"},
		{"acme.dev/tier: dev", "acme.dev/tier: {{.tier}}"},
		{"dev.", "{{.tier}}."},
		{"orders-dev", "{{.name}}-{{.tier}}"},
		{"ordersdev", "ordersdev"},
		{"name: orders_v2", "name: orders_v2"},
		{"region: eu-west", "region: {{.nested.region}}"},
		{"eu-west-1", "{{.nested.region}}-1"},
		{"ab ab", "ab ab"}, // shorter than 3: never
		// A line the team wrote: the template's "none" is not this one.
		{"none", "{{.database}}"},
		{"a big deal", "a {{.spaced}}"}, // values' white space collapsed as keys' is
		{"dévelop dev", "dévelop {{.tier}}"},
		{"über-dev", "über-{{.tier}}"},
		// Numbers: whole numbers of 3 digits or more.
		{"curl localhost:8181/healthz", "curl localhost:{{.port}}/healthz"},
		{"v8181 18181 8181.5 1.8181 8181ms", "v8181 18181 8181.5 1.8181 8181ms"},
		{"replicas: 3", "replicas: 3"},
		{"ratio 12.5", "ratio {{.ratio}}"},
	} {
		h := diff.Hunk{Lines: []diff.Line{{Kind: diff.Insert, Text: tc.in + "\n"}}}
		if got, want := hunkKey(h, n), "+"+tc.want+"\n"; got != want {
			t.Errorf("key(+%q) = %q, want %q", tc.in, got, want)
		}
	}
}

// TestNormaliserBlueprintLines: a value is kept where the blueprint's own
// line writes it, and replaced where a parameter or the team does.
func TestNormaliserBlueprintLines(t *testing.T) {
	const tmpl = "BINARY := {{.name}}\nTAG ?= dev\n  {{- toYaml .labels | nindent 4}}\nPORT={{ .port -}} ;go run\ncmd: {{.app}} {{.tier}}\nrun {{.a}} to {{.b}}\nset {{.a}} --env stage {{.b}}\n"
	hunk := func(lines ...string) diff.Hunk {
		var h diff.Hunk
		for _, l := range lines {
			h.Lines = append(h.Lines, diff.Line{Kind: diff.Kind(l[0]), Text: l[1:] + "\n"})
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		params map[string]any
		hunk   diff.Hunk
		want   string
	}{
		{"new line, value of the template's", map[string]any{"tier": "dev"},
			hunk("+kubectl apply -n dev"), "+kubectl apply -n {{.tier}}\n"},
		{"new line, other value", map[string]any{"tier": "prod"},
			hunk("+kubectl apply -n prod"), "+kubectl apply -n {{.tier}}\n"},
		{"literal line rewritten", map[string]any{"tier": "dev"},
			hunk("-TAG ?= dev", "+TAG ?= dev-latest"), "-TAG ?= dev\n+TAG ?= dev-latest\n"},
		{"literal line rewritten, other value", map[string]any{"tier": "prod"},
			hunk("-TAG ?= dev", "+TAG ?= dev-latest"), "-TAG ?= dev\n+TAG ?= dev-latest\n"},
		{"literal line extended by the value", map[string]any{"tier": "dev"},
			hunk("-TAG ?= dev", "+TAG ?= dev -n dev"), "-TAG ?= dev\n+TAG ?= dev -n {{.tier}}\n"},
		{"action line rewritten", map[string]any{"name": "dev-api"},
			hunk("-BINARY := dev-api", "+BINARY := dev-api-server"), "-BINARY := {{.name}}\n+BINARY := {{.name}}-server\n"},
		{"trimmed action", map[string]any{"port": int64(8080)},
			hunk("-PORT=8080;go run", "+PORT=8080;go run -race"), "-PORT={{.port}};go run\n+PORT={{.port}};go run -race\n"},
		// Several actions on a line: the key does not depend on the values,
		// even one that holds the literal text between the actions.
		{"actions rewritten, value holding the literal", map[string]any{"app": "my app", "tier": "prod"},
			hunk("-cmd: my app prod", "+cmd: my app prod --x"), "-cmd: {{.app}} {{.tier}}\n+cmd: {{.app}} {{.tier}} --x\n"},
		{"actions rewritten, value without it", map[string]any{"app": "myapp", "tier": "prod"},
			hunk("-cmd: myapp prod", "+cmd: myapp prod --x"), "-cmd: {{.app}} {{.tier}}\n+cmd: {{.app}} {{.tier}} --x\n"},
		{"actions rewritten, value holding a longer literal", map[string]any{"a": "go to town", "b": "prod"},
			hunk("-run go to town to prod", "+run go to town to prod -v"), "-run {{.a}} to {{.b}}\n+run {{.a}} to {{.b}} -v\n"},
		{"actions rewritten, values overlapping the literal", map[string]any{"a": "go to", "b": "to town"},
			hunk("-run go to to to town", "+run go to to to town -v"), "-run {{.a}} to {{.b}}\n+run {{.a}} to {{.b}} -v\n"},
		{"actions rewritten, value holding a literal that holds a value", map[string]any{"a": "x --env stage", "b": "yyy", "env": "stage"},
			hunk("-set x --env stage --env stage yyy", "+set x --env stage --env stage yyy -v"), "-set {{.a}} --env stage {{.b}}\n+set {{.a}} --env stage {{.b}} -v\n"},
		{"actions rewritten, value not holding it", map[string]any{"a": "xyz", "b": "yyy", "env": "stage"},
			hunk("-set xyz --env stage yyy", "+set xyz --env stage yyy -v"), "-set {{.a}} --env stage {{.b}}\n+set {{.a}} --env stage {{.b}} -v\n"},
		{"line of a multi-line action: the template's tokens kept", map[string]any{"tier": "dev"},
			hunk("-tier: dev", "+tier: dev-eu"), "-tier: dev\n+tier: dev-eu\n"},
		{"line of a multi-line action: others replaced", map[string]any{"tier": "prod"},
			hunk("-tier: prod", "+tier: prod-eu"), "-tier: {{.tier}}\n+tier: {{.tier}}-eu\n"},
	} {
		n := newNormaliser(paramValues(tc.params), []byte(tmpl), true)
		if got := hunkKey(tc.hunk, n); got != tc.want {
			t.Errorf("%s: key %q, want %q", tc.name, got, tc.want)
		}
	}
	// Not a template: {{...}} is text.
	n := newNormaliser(paramValues(map[string]any{"name": "orders"}), []byte("run: ${{ orders }}\n"), false)
	if got, want := hunkKey(hunk("-run: ${{ orders }}", "+run: ${{ orders }} -v"), n), "-run: ${{ orders }}\n+run: ${{ orders }} -v\n"; got != want {
		t.Errorf("verbatim file: key %q, want %q", got, want)
	}
	if got := hunkKey(hunk("+x"), nil); !strings.HasPrefix(got, "+x") {
		t.Errorf("nil normaliser: key %q", got)
	}
}

// FuzzHunkKey: whatever the template and the lines, a key has one line
// per changed line, each starting with its kind, and a number is found
// only where it occurs.
func FuzzHunkKey(f *testing.F) {
	f.Add("TAG ?= dev\nBINARY := {{.name}}\n{{- if .x}}", "TAG ?= dev", "TAG ?= dev -n dev localhost:8181/x", "dev", "8181")
	f.Add("{{ .a -}} b {{- .c }}", "1b2", "1b2 3", "b", "123")
	f.Add("{{", "{{{", "}}", "{{", "1.5")
	f.Fuzz(func(t *testing.T, tmpl, del, ins, value, number string) {
		if strings.ContainsAny(del+ins, "\n") {
			return
		}
		params := map[string]any{"v": value}
		if x, err := strconv.ParseInt(number, 10, 64); err == nil {
			params["n"] = x
		}
		n := newNormaliser(paramValues(params), []byte(tmpl), true)
		key := hunkKey(diff.Hunk{Lines: []diff.Line{{Kind: diff.Delete, Text: del}, {Kind: diff.Context, Text: "ctx"}, {Kind: diff.Insert, Text: ins}}}, n)
		lines := strings.Split(strings.TrimSuffix(key, "\n"), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "-") || !strings.HasPrefix(lines[1], "+") {
			t.Fatalf("key %q of one deleted and one added line", key)
		}
		for _, i := range numberIndexes(ins, number) {
			if !strings.HasPrefix(ins[i:], number) {
				t.Fatalf("numberIndexes(%q, %q): %d is no occurrence", ins, number, i)
			}
		}
	})
}
