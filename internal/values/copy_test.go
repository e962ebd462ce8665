package values

import (
	"math/big"
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

func TestDeepCopyBytesAndBigInts(t *testing.T) {
	big1 := new(big.Int).Lsh(big.NewInt(1), 80)
	in := map[string]any{"b": []byte("abc"), "n": big1}
	out := DeepCopy(in)
	assert.Equal(t, in, out)
	out["b"].([]byte)[0] = 'X'
	out["n"].(*big.Int).SetInt64(1)
	assert.Equal(t, []byte("abc"), in["b"])
	assert.Equal(t, 0, big1.Cmp(new(big.Int).Lsh(big.NewInt(1), 80)))
}
