package blueprint_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	v2, err := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service-v2", nil)
	require.NoError(t, err)
	ms := v2.Migrations()
	require.Len(t, ms, 1)
	assert.Equal(t, "2.0.0", ms[0].Before)
	assert.Equal(t, map[string]string{"port": "httpPort"}, ms[0].Rename)

	old := map[string]any{"name": "orders", "port": 8081, "tier": "dev"}
	got, notes := v2.Migrate("1.4.0", old)
	assert.Equal(t, map[string]any{"name": "orders", "httpPort": 8081, "tier": "dev"}, got)
	assert.Equal(t, []string{"renamed port to httpPort (migration before 2.0.0)"}, notes)
	assert.Equal(t, 8081, old["port"], "the input is not modified")

	// The migrated values resolve; the new parameter takes its default.
	p, err := v2.Resolve(ctx, blueprint.ValuesMap(got))
	require.NoError(t, err)
	v, _ := p.Lookup("metricsPort")
	assert.Equal(t, int64(9090), v)

	// From 2.0.0 on, nothing applies.
	got, notes = v2.Migrate("2.0.0", map[string]any{"port": 1})
	assert.Equal(t, map[string]any{"port": 1}, got)
	assert.Empty(t, notes)
}

func TestMigrateNestedAndRemove(t *testing.T) {
	dir := writeBlueprint(t, `name: "m"
version: "3.0.0"
description: "migrations"
owner: "x"
parameters: {
	db: engine: string | *"postgres"
	name: string
}
migrations: [
	{before: "2.0.0", rename: {database: "db.engine"}},
	{before: "3.0.0", remove: ["legacy.flag", "goVersion"]},
]
`)
	bp, err := blueprint.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	got, notes := bp.Migrate("1.9.0", map[string]any{"name": "x", "database": "mysql", "legacy": map[string]any{"flag": true}, "goVersion": "1.25"})
	assert.Equal(t, map[string]any{"name": "x", "db": map[string]any{"engine": "mysql"}, "legacy": map[string]any{}}, got)
	assert.Equal(t, []string{
		"renamed database to db.engine (migration before 2.0.0)",
		"removed legacy.flag (migration before 3.0.0)",
		"removed goVersion (migration before 3.0.0)",
	}, notes)
	got, _ = bp.Migrate("2.5.0", map[string]any{"database": "kept"})
	assert.Equal(t, map[string]any{"database": "kept"}, got, "only steps above the recorded version apply")

	bad := writeBlueprint(t, `name: "m"
version: "1.0.0"
description: "x"
owner: "x"
parameters: {}
migrations: [{before: "soon", rename: {"a..b": "c"}}]
`)
	_, err = blueprint.LoadDir(context.Background(), bad, nil)
	var ve *blueprint.ValidationError
	require.ErrorAs(t, err, &ve)
	f, ok := ve.Field("migrations.0.before")
	require.True(t, ok, "%v", err)
	assert.Equal(t, "before must be a semantic version such as 2.0.0", f.Message)
	assert.Contains(t, err.Error(), filepath.Join(bad, "blueprint.cue")+":6:")
}
