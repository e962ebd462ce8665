package blueprint_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// TestBundledDefaultsMeetTheirConstraints resolves every bundled blueprint
// with the values that put a default against a constraint: a default either
// satisfies the constraint or the field is refused with its own message.
func TestBundledDefaultsMeetTheirConstraints(t *testing.T) {
	type tc struct {
		name   string
		set    []string
		field  string // the refused field; "" when the values are valid
		msg    string // its message
		values map[string]any
	}
	cases := map[string][]tc{
		"go-service": {
			{name: "defaults", set: []string{"name=orders"}, values: map[string]any{"replicas": int64(2), "port": int64(8080), "registry": "ghcr.io/acme"}},
			{name: "prod breaks the default replicas", set: []string{"name=orders", "tier=prod"}, field: "replicas", msg: "prod services need at least 3 replicas (the default 2 breaks it)"},
			{name: "prod with replicas", set: []string{"name=orders", "tier=prod", "replicas=3"}, values: map[string]any{"replicas": int64(3)}},
		},
		"go-service-v2": {
			{name: "defaults", set: []string{"name=orders"}, values: map[string]any{"httpPort": int64(8080), "metricsPort": int64(9090)}},
			{name: "httpPort on the default metricsPort", set: []string{"name=orders", "httpPort=9090"}, field: "metricsPort", msg: "metricsPort must be between 1024 and 65535 and differ from httpPort (the default 9090 breaks it)"},
			{name: "metricsPort on the default httpPort", set: []string{"name=orders", "metricsPort=8080"}, field: "metricsPort", msg: "metricsPort must be between 1024 and 65535 and differ from httpPort"},
			{name: "both moved", set: []string{"name=orders", "httpPort=9090", "metricsPort=9091"}, values: map[string]any{"httpPort": int64(9090), "metricsPort": int64(9091)}},
			{name: "prod breaks the default replicas", set: []string{"name=orders", "tier=prod"}, field: "replicas", msg: "prod services need at least 3 replicas (the default 2 breaks it)"},
		},
		"preview-environment": {
			{name: "defaults", set: []string{"service=orders", "mergeRequest=1"}, values: map[string]any{"ttl": "48h", "baseDomain": "preview.acme.dev", "database": "none"}},
			// The constraint rules the default "none" out and leaves one choice.
			{name: "seedData moves the default database", set: []string{"service=orders", "mergeRequest=1", "seedData=true"}, values: map[string]any{"database": "postgres"}},
			{name: "seedData without a database", set: []string{"service=orders", "mergeRequest=1", "seedData=true", "database=none"}, field: "database", msg: "seedData needs database: postgres to load the seed into"},
			{name: "seedData with postgres", set: []string{"service=orders", "mergeRequest=1", "seedData=true", "database=postgres"}, values: map[string]any{"seedData": true}},
		},
		"terraform-module": {
			{name: "defaults", set: []string{"name=bucket"}, values: map[string]any{"region": "eu-central-1", "minTerraformVersion": "1.9.0"}},
			{name: "the default region follows the provider", set: []string{"name=bucket", "provider=azurerm"}, values: map[string]any{"region": "westeurope"}},
			{name: "google", set: []string{"name=bucket", "provider=google"}, values: map[string]any{"region": "europe-west3"}},
		},
		"demo-environment": {
			{name: "defaults", set: []string{"name=shop", "team=payments"}, values: map[string]any{"ttl": "72h", "database": "postgres", "mergeRequest": int64(1)}},
		},
	}
	for dir, tcs := range cases {
		b, err := blueprint.LoadDir(t.Context(), filepath.Join("..", "testdata", "blueprints", dir), nil)
		require.NoError(t, err)
		for _, c := range tcs {
			t.Run(dir+"/"+c.name, func(t *testing.T) {
				p, err := b.Resolve(t.Context(), blueprint.Set(c.set...))
				if c.field == "" {
					require.NoError(t, err)
					for k, v := range c.values {
						assert.Equal(t, v, p.Values()[k], k)
					}
					return
				}
				ve := validationError(t, err)
				fe, ok := ve.Field(c.field)
				require.True(t, ok, "%s not refused:\n%v", c.field, ve)
				assert.Equal(t, c.msg, fe.Message)
			})
		}
	}
}
