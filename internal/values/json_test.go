package values

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeJSON(t *testing.T) {
	m, err := DecodeJSON([]byte(`{"replicas": 3, "ratio": 0.5, "big": 12345678901234567890, "ports": [80, 443], "db": {"size": 10}, "name": "orders"}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"replicas": int64(3), "ratio": 0.5, "big": 12345678901234567890.0,
		"ports": []any{int64(80), int64(443)}, "db": map[string]any{"size": int64(10)}, "name": "orders",
	}, m)
	m, err = DecodeJSON(nil)
	require.NoError(t, err)
	assert.Empty(t, m)
	m, err = DecodeJSON([]byte("null"))
	require.NoError(t, err)
	assert.Empty(t, m)
	_, err = DecodeJSON([]byte(`[1]`))
	assert.Error(t, err)
}
