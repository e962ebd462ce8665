package values

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DecodeJSON decodes a JSON object into a tree, keeping integers as int64
// (other numbers become float64), as parameter values need: a recorded
// replicas: 3 must stay an int for CUE. Empty input is an empty tree.
func DecodeJSON(raw []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("parameters: %w", err)
	}
	if m == nil {
		return map[string]any{}, nil
	}
	return numbers(m).(map[string]any), nil
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}
