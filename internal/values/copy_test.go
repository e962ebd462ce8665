package values

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDeepCopy(t *testing.T) {
	in := map[string]any{"a": map[string]any{"b": []any{1, map[string]any{"c": "d"}}}, "e": "f"}
	out := DeepCopy(in)
	assert.Equal(t, in, out)
	out["a"].(map[string]any)["b"].([]any)[1].(map[string]any)["c"] = "changed"
	out["e"] = "changed"
	assert.Equal(t, "d", in["a"].(map[string]any)["b"].([]any)[1].(map[string]any)["c"])
	assert.Equal(t, "f", in["e"])
	assert.Nil(t, DeepCopy(nil))
}
