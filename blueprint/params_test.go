package blueprint_test

import (
	"encoding/json"
	"io/fs"
	"math/big"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

const typesCUE = `package blueprint

name:        "types"
version:     "1.0.0"
description: "every kind of value"
owner:       "platform-team"
parameters: {
	count:   int | *3
	huge:    int | *123456789012345678901234567890
	ratio:   number | *1.5
	whole:   float | *2.0
	label:   string | *"x"
	raw:     bytes | *'abc'
	on:      bool | *true
	nothing: null | *null
	list:    [...int] | *[1, 2]
	nested: {port: int | *8080}
}
derived: {image: "acme/\(parameters.label)"}
`

func loadTypes(t *testing.T) *blueprint.Blueprint {
	t.Helper()
	bp, err := blueprint.LoadFS(t.Context(), fstest.MapFS{
		"blueprint.cue":           {Data: []byte(typesCUE)},
		"template/README.md.tmpl": {Data: []byte("{{.label}}\n")},
	}, "types", nil)
	require.NoError(t, err)
	return bp
}

// The Go types parameter values decode to are those Params documents.
func TestParamsValueTypes(t *testing.T) {
	p, err := loadTypes(t).Resolve(t.Context())
	require.NoError(t, err)
	v := p.Values()
	assert.IsType(t, int64(0), v["count"])
	assert.IsType(t, (*big.Int)(nil), v["huge"])
	assert.IsType(t, float64(0), v["ratio"])
	assert.IsType(t, float64(0), v["whole"])
	assert.IsType(t, "", v["label"])
	assert.IsType(t, []byte(nil), v["raw"])
	assert.IsType(t, true, v["on"])
	assert.Nil(t, v["nothing"])
	assert.Contains(t, v, "nothing")
	assert.Equal(t, []any{int64(1), int64(2)}, v["list"])
	assert.Equal(t, map[string]any{"port": int64(8080)}, v["nested"])
}

// Data is a copy: changing it, however deep, changes neither later Lookups
// nor later Data, Values or the JSON form.
func TestParamsDataIsACopy(t *testing.T) {
	p, err := loadTypes(t).Resolve(t.Context())
	require.NoError(t, err)
	before, err := json.Marshal(p)
	require.NoError(t, err)

	d := p.Data()
	assert.Equal(t, "acme/x", d["image"])
	d["label"] = "changed"
	d["image"] = "changed"
	d["nested"].(map[string]any)["port"] = int64(1)
	d["list"].([]any)[0] = int64(99)
	d["raw"].([]byte)[0] = 'X'
	d["huge"].(*big.Int).SetInt64(0)

	for path, want := range map[string]any{"label": "x", "image": "acme/x", "nested.port": int64(8080)} {
		got, ok := p.Lookup(path)
		assert.True(t, ok, path)
		assert.Equal(t, want, got, path)
	}
	again := p.Data()
	assert.Equal(t, []any{int64(1), int64(2)}, again["list"])
	assert.Equal(t, []byte("abc"), again["raw"])
	assert.Equal(t, "123456789012345678901234567890", again["huge"].(*big.Int).String())
	after, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
}

// A Blueprint not made by a loader is not usable, and says so.
func TestZeroBlueprint(t *testing.T) {
	var zero blueprint.Blueprint
	_, err := zero.Resolve(t.Context(), blueprint.Set("name=x"))
	assert.ErrorIs(t, err, blueprint.ErrNotLoaded)
	var nilBP *blueprint.Blueprint
	_, err = nilBP.Resolve(t.Context())
	assert.ErrorIs(t, err, blueprint.ErrNotLoaded)

	// Fields set by hand make no blueprint either.
	_, err = (&blueprint.Blueprint{Name: "hand-made", Version: "1.0.0"}).Resolve(t.Context())
	assert.ErrorIs(t, err, blueprint.ErrNotLoaded)

	entries, err := fs.ReadDir(zero.Template(), ".")
	assert.Error(t, err)
	assert.Empty(t, entries)
	assert.Empty(t, zero.Parameters())
	assert.Empty(t, zero.Schema())
	assert.Empty(t, zero.Includes())
	assert.True(t, json.Valid(zero.JSONSchema()))
}
