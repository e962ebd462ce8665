package blueprint_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// The bundled example blueprints load, resolve their example values and
// reject bad ones.
func TestBundledBlueprints(t *testing.T) {
	cases := []struct {
		dir, values string
		check       func(t *testing.T, p *blueprint.Params)
	}{
		{"go-service", "go-service-prod.yaml", func(t *testing.T, p *blueprint.Params) {
			assert.Equal(t, "ghcr.io/acme/orders:latest", p.Data()["image"])
			assert.True(t, p.Included("deploy/postgres/**"))
		}},
		{"terraform-module", "terraform-module.yaml", func(t *testing.T, p *blueprint.Params) {
			assert.Equal(t, "google", p.Values()["provider"])
		}},
		{"preview-environment", "preview-environment.yaml", func(t *testing.T, p *blueprint.Params) {
			assert.Equal(t, "orders-mr42.preview.acme.dev", p.Data()["host"])
		}},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			b, err := blueprint.LoadDir(context.Background(), filepath.Join("..", "testdata", "blueprints", tc.dir), nil)
			require.NoError(t, err)
			assert.Equal(t, tc.dir, b.Name)
			p, err := b.Resolve(context.Background(), blueprint.ValuesFile(filepath.Join("..", "testdata", "values", tc.values)))
			require.NoError(t, err)
			tc.check(t, p)
			levels := map[blueprint.Level]bool{}
			for _, r := range b.Files {
				levels[r.Level] = true
			}
			assert.True(t, levels[blueprint.Managed] && levels[blueprint.Seeded], "rules of several levels: %v", levels)
		})
	}
}

func TestGoServiceRejectsBadValues(t *testing.T) {
	b, err := blueprint.LoadDir(context.Background(), "../testdata/blueprints/go-service", nil)
	require.NoError(t, err)
	_, err = b.Resolve(context.Background(), blueprint.Set("name=orders", "tier=prod"))
	ve := validationError(t, err)
	fe, ok := ve.Field("replicas")
	require.True(t, ok, ve.Error())
	assert.Equal(t, "prod services need at least 3 replicas (the default 2 breaks it)", fe.Message)
	_, err = b.Resolve(context.Background(), blueprint.Set("name=orders", "port=80", "goVersion=1.20"))
	ve = validationError(t, err)
	require.Len(t, ve.Fields, 2, ve.Error())
	assert.Equal(t, `--set:2:6: port: port must be between 1024 and 65535`, ve.Fields[0].String())
	assert.Equal(t, `--set:3:11: goVersion: must be one of "1.25", "1.26" (got "1.20")`, ve.Fields[1].String())
}
