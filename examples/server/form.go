package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
)

// schemaNode is the part of a JSON Schema (as Blueprint.JSONSchema writes
// it) that a form can use.
type schemaNode struct {
	Description      string            `json:"description"`
	Type             any               `json:"type"` // string or []any
	Const            json.RawMessage   `json:"const"`
	Enum             []json.RawMessage `json:"enum"`
	Default          json.RawMessage   `json:"default"`
	Minimum          *float64          `json:"minimum"`
	ExclusiveMinimum *float64          `json:"exclusiveMinimum"`
	Maximum          *float64          `json:"maximum"`
	ExclusiveMaximum *float64          `json:"exclusiveMaximum"`
	MinLength        *int64            `json:"minLength"`
	MaxLength        *int64            `json:"maxLength"`
	Pattern          string            `json:"pattern"`
	Properties       *orderedProps     `json:"properties"`
	Required         []string          `json:"required"`
	AnyOf            []*schemaNode     `json:"anyOf"`
	AllOf            []*schemaNode     `json:"allOf"`
	XError           string            `json:"x-goldenpath-error"`
}

// orderedProps are the properties of an object schema in the order the
// schema lists them, which is the order blueprint.cue declares them.
type orderedProps struct {
	names []string
	nodes map[string]*schemaNode
}

func (o *orderedProps) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("properties: want an object")
	}
	o.nodes = map[string]*schemaNode{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var n schemaNode
		if err := dec.Decode(&n); err != nil {
			return err
		}
		if _, dup := o.nodes[name]; !dup {
			o.names = append(o.names, name)
		}
		o.nodes[name] = &n
	}
	return nil
}

// types returns the node's JSON types.
func (n *schemaNode) types() []string {
	switch t := n.Type.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, v := range t {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// option is one choice of a select.
type option struct {
	Value    string
	Selected bool
}

// field is one control of a blueprint's form, or a fieldset of nested ones.
type field struct {
	// Path is the parameter's dotted path: the control's name and the key
	// of its value.
	Path string
	// ID is the control's element id; the error's is "e-" and the
	// description's "d-" followed by the same suffix.
	ID          string
	Description string
	// Control is "input", "select", "checkbox", "fieldset" or "unsupported".
	Control string
	// Type is the input's type: "text" or "number".
	Type     string
	Required bool
	// Value is the control's value: the default, or what was submitted.
	Value   string
	Checked bool
	// Default is the default, for display; HasDefault tells "" apart.
	Default    string
	HasDefault bool
	Options    []option
	// The browser-side constraints, as HTML attribute values ("" for none).
	Min, Max, Step, Pattern, MinLength, MaxLength string
	// Hint is shown in the browser's message when the pattern fails: the
	// blueprint author's error message.
	Hint string
	// List fields take comma-separated values.
	List bool
	// Errors are the server's errors for this field.
	Errors   []string
	Children []*field
}

// Suffix returns the part of ID after "f-".
func (f *field) Suffix() string { return strings.TrimPrefix(f.ID, "f-") }

// formFields builds the form of a blueprint from its JSON Schema.
func formFields(jsonSchema []byte) ([]*field, error) {
	var root schemaNode
	if err := json.Unmarshal(jsonSchema, &root); err != nil {
		return nil, fmt.Errorf("json schema: %w", err)
	}
	return objectFields(&root, "", true), nil
}

func objectFields(n *schemaNode, prefix string, required bool) []*field {
	if n.Properties == nil {
		return nil
	}
	req := map[string]bool{}
	for _, r := range n.Required {
		req[r] = true
	}
	var out []*field
	for _, name := range n.Properties.names {
		out = append(out, newField(n.Properties.nodes[name], prefix+name, required && req[name]))
	}
	return out
}

// newField builds the control for one property.
func newField(n *schemaNode, path string, required bool) *field {
	f := &field{Path: path, ID: "f-" + idSafe(path), Description: n.Description, Required: required, Hint: n.XError}
	if len(n.Default) > 0 {
		f.Default, f.HasDefault = rawString(n.Default), true
		f.Value = f.Default
	}
	types := n.types()
	typ := ""
	if len(types) == 1 {
		typ = types[0]
	}

	// Enums, and disjunctions of constants, are selects.
	choices := n.Enum
	if len(choices) == 0 && len(n.AnyOf) > 0 {
		for _, a := range n.AnyOf {
			if len(a.Const) == 0 {
				choices = nil
				break
			}
			choices = append(choices, a.Const)
		}
	}
	if len(choices) > 0 {
		f.Control = "select"
		if !f.HasDefault {
			f.Options = append(f.Options, option{Value: ""})
		}
		for _, c := range choices {
			f.Options = append(f.Options, option{Value: rawString(c)})
		}
		f.selectValue(f.Value)
		return f
	}

	switch typ {
	case "object":
		if n.Properties == nil {
			f.Control = "unsupported"
			return f
		}
		f.Control = "fieldset"
		f.Children = objectFields(n, path+".", required)
		return f
	case "boolean":
		f.Control = "checkbox"
		f.Checked = f.Value == "true"
		return f
	case "integer", "number":
		f.Control, f.Type = "input", "number"
		f.Step = "any"
		if typ == "integer" {
			f.Step = "1"
		}
		lo, hi := bounds(n, typ == "integer")
		f.Min, f.Max = lo, hi
		return f
	case "array":
		f.Control, f.Type, f.List = "input", "text", true
		var items []json.RawMessage
		if json.Unmarshal(n.Default, &items) == nil {
			vs := make([]string, len(items))
			for i, it := range items {
				vs[i] = rawString(it)
			}
			f.Default = strings.Join(vs, ",")
			f.Value = f.Default
		}
		return f
	case "string":
		f.Control, f.Type = "input", "text"
		var patterns []string
		for _, m := range append([]*schemaNode{n}, n.AllOf...) {
			if m.Pattern != "" {
				patterns = append(patterns, m.Pattern)
			}
			if m.MinLength != nil {
				f.MinLength = strconv.FormatInt(*m.MinLength, 10)
			}
			if m.MaxLength != nil {
				f.MaxLength = strconv.FormatInt(*m.MaxLength, 10)
			}
		}
		if p, ok := htmlPattern(patterns); ok {
			f.Pattern = p
		}
		return f
	}
	// Several types, or none the form knows: a text input, checked by
	// the server only.
	f.Control, f.Type = "input", "text"
	return f
}

// bounds returns the min and max attributes of a number input: the
// tightest of the node's bounds and those of its allOf.
func bounds(n *schemaNode, integer bool) (lo, hi string) {
	min, max := math.Inf(-1), math.Inf(1)
	for _, m := range append([]*schemaNode{n}, n.AllOf...) {
		if m.Minimum != nil {
			min = math.Max(min, *m.Minimum)
		}
		if m.Maximum != nil {
			max = math.Min(max, *m.Maximum)
		}
		// An exclusive bound is only expressible for integers.
		if m.ExclusiveMinimum != nil && integer {
			min = math.Max(min, math.Floor(*m.ExclusiveMinimum)+1)
		}
		if m.ExclusiveMaximum != nil && integer {
			max = math.Min(max, math.Ceil(*m.ExclusiveMaximum)-1)
		}
	}
	if !math.IsInf(min, 0) {
		lo = strconv.FormatFloat(min, 'f', -1, 64)
	}
	if !math.IsInf(max, 0) {
		hi = strconv.FormatFloat(max, 'f', -1, 64)
	}
	return lo, hi
}

// rawString returns a JSON value as a form shows it: strings without
// quotes, anything else as JSON.
func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(raw))
}

// idSafe makes a dotted path usable in an element id.
func idSafe(path string) string {
	var b strings.Builder
	for _, r := range path {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteString("_")
		}
	}
	return b.String()
}

func (f *field) selectValue(v string) {
	f.Value = v
	for i := range f.Options {
		f.Options[i].Selected = f.Options[i].Value == v
	}
}

// leaves calls fn for every control that carries a value.
func leaves(fields []*field, fn func(*field)) {
	for _, f := range fields {
		if f.Control == "fieldset" {
			leaves(f.Children, fn)
			continue
		}
		fn(f)
	}
}

// formInput fills the fields with the submitted values and returns them as
// KEY=VALUE pairs for blueprint.Set, which types each value by the schema.
// Empty fields are left out, so that their defaults apply; values posted
// under names that are not parameters are ignored.
func formInput(fields []*field, form url.Values) []string {
	var pairs []string
	leaves(fields, func(f *field) {
		vs := form[f.Path]
		v := ""
		if len(vs) > 0 {
			// A checkbox posts its hidden "false" first and "true" when
			// ticked: the last value wins.
			v = vs[len(vs)-1]
		}
		switch f.Control {
		case "unsupported":
			return
		case "checkbox":
			f.Checked = v == "true"
			v = strconv.FormatBool(f.Checked)
		case "select":
			f.selectValue(v)
		default:
			f.Value = v
		}
		if v == "" {
			return
		}
		if f.List && !strings.HasPrefix(v, "[") {
			v = "[" + v + "]"
		}
		pairs = append(pairs, f.Path+"="+v)
	})
	return pairs
}

// fieldIndex maps paths to fields, fieldsets included.
func fieldIndex(fields []*field) map[string]*field {
	idx := map[string]*field{}
	var walk func([]*field)
	walk = func(fs []*field) {
		for _, f := range fs {
			idx[f.Path] = f
			walk(f.Children)
		}
	}
	walk(fields)
	return idx
}

// attach puts msg on the field for path, or on its nearest enclosing field;
// it reports false when no field encloses path.
func attach(idx map[string]*field, path, msg string) bool {
	for p := path; p != ""; {
		if f, ok := idx[p]; ok {
			f.Errors = append(f.Errors, msg)
			return true
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return false
}

// attachValidation puts each field error next to its field and returns
// those that belong to none (derived values, unknown parameters).
func attachValidation(fields []*field, ve *blueprint.ValidationError) []string {
	idx := fieldIndex(fields)
	var rest []string
	for _, fe := range ve.Fields {
		if !attach(idx, fe.Path, fe.Message) {
			rest = append(rest, fe.Path+": "+fe.Message)
		}
	}
	return rest
}

// attachFindings puts the enforced failures of parameters rules next to
// their fields, naming the decision, and returns the other findings.
func attachFindings(fields []*field, fs []decision.Finding) []decision.Finding {
	idx := fieldIndex(fields)
	var rest []decision.Finding
	for _, f := range fs {
		if f.File == "" && f.Field != "" && f.Mode == decision.Enforce && f.Result == decision.Fail {
			if attach(idx, f.Field, fmt.Sprintf("%s (%s/%s)", f.Message, f.Decision, f.Rule)) {
				continue
			}
		}
		rest = append(rest, f)
	}
	return rest
}
