// Package values holds helpers for the map[string]any trees that parameter
// values and template data are made of.
package values

import "math/big"

// DeepCopy copies a tree of maps, []any slices, []byte and *big.Int values;
// other values (strings, numbers, booleans) are immutable and shared, so it
// suits decoded JSON, YAML and CUE values.
func DeepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = DeepCopyValue(v)
	}
	return out
}

// DeepCopyValue copies one value of such a tree.
func DeepCopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return DeepCopy(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = DeepCopyValue(e)
		}
		return out
	case []byte:
		return append([]byte(nil), x...)
	case *big.Int:
		return new(big.Int).Set(x)
	}
	return v
}
