package blueprint

import "cuelang.org/go/cue"

// JSONSchema returns a JSON Schema (draft 2020-12) of the parameters.
func (b *Blueprint) JSONSchema() []byte { return append([]byte(nil), b.jsonSchema...) }

func jsonSchema(b *Blueprint, params cue.Value) ([]byte, error) { return []byte("{}"), nil }
