package scan

import (
	"testing"
)

func TestNormaliserTokens(t *testing.T) {
	n := newNormaliser(paramValues(map[string]any{
		"name": "orders", "tier": "dev", "database": "none", "short": "ab",
		"nested": map[string]any{"region": "eu-west"}, "spaced": "  big   deal ",
	}), []byte("TAG ?= none\n"))
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
		{"ab ab", "ab ab"},              // shorter than 3: never
		{"none", "none"},                // a token of the file's template: never
		{"a big deal", "a {{.spaced}}"}, // values' white space collapsed as keys' is
		{"dévelop dev", "dévelop {{.tier}}"},
		{"über-dev", "über-{{.tier}}"},
	} {
		if got := n.replace(tc.in); got != tc.want {
			t.Errorf("replace(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
