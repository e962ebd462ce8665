package main

import (
	"net/url"
	"slices"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
)

// A schema with what the bundled blueprints lack: nesting, lists,
// disjunctions of constants, exclusive bounds, several patterns, several
// types and maps.
const testSchema = `{
  "type": "object",
  "properties": {
    "zeta": {"type": "string", "pattern": "^[a-z]+$", "allOf": [{"pattern": "^.{2,5}$"}], "minLength": 2, "maxLength": 5},
    "db": {
      "type": "object",
      "properties": {
        "size": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 100, "default": 10},
        "ratio": {"type": "number", "minimum": 0.5, "maximum": 2.5},
        "engine": {"anyOf": [{"const": "postgres"}, {"const": "mysql"}]}
      },
      "required": ["engine"]
    },
    "tags": {"type": "array", "items": {"type": "string"}, "default": ["a", "b"]},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "either": {"type": ["string", "integer"]},
    "on": {"type": "boolean", "default": false},
    "flags": {"type": "string", "pattern": "(?i)^x$"}
  },
  "required": ["zeta", "db"]
}`

func TestFormFields(t *testing.T) {
	fields, err := formFields([]byte(testSchema))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, f := range fields {
		order = append(order, f.Path)
	}
	if want := []string{"zeta", "db", "tags", "labels", "either", "on", "flags"}; !slices.Equal(order, want) {
		t.Fatalf("fields %v, want the schema's order %v", order, want)
	}
	idx := fieldIndex(fields)
	check := func(path string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
	zeta := idx["zeta"]
	check("zeta control", zeta.Control, "input")
	check("zeta required", zeta.Required, true)
	check("zeta pattern", zeta.Pattern, `(?=[\s\S]*?(?:^[a-z]+$))(?=[\s\S]*?(?:^.{2,5}$))[\s\S]*`)
	check("zeta minlength", zeta.MinLength, "2")
	check("zeta maxlength", zeta.MaxLength, "5")
	check("db control", idx["db"].Control, "fieldset")
	size := idx["db.size"]
	check("db.size id", size.ID, "f-db_size")
	check("db.size min", size.Min, "1")
	check("db.size max", size.Max, "99")
	check("db.size value", size.Value, "10")
	check("db.size required", size.Required, false)
	ratio := idx["db.ratio"]
	check("db.ratio step", ratio.Step, "any")
	check("db.ratio min", ratio.Min, "0.5")
	check("db.ratio max", ratio.Max, "2.5")
	engine := idx["db.engine"]
	check("db.engine control", engine.Control, "select")
	check("db.engine required", engine.Required, true)
	check("db.engine options", len(engine.Options), 3) // an empty choice first: no default
	check("db.engine first option", engine.Options[0].Value, "")
	check("tags list", idx["tags"].List, true)
	check("tags value", idx["tags"].Value, "a,b")
	check("labels control", idx["labels"].Control, "unsupported")
	check("either control", idx["either"].Control, "input")
	check("either type", idx["either"].Type, "text")
	check("on control", idx["on"].Control, "checkbox")
	check("on checked", idx["on"].Checked, false)
	check("flags pattern", idx["flags"].Pattern, "") // (?i) has no JavaScript equivalent in a pattern

	pairs := formInput(fields, url.Values{
		"zeta":      {"abc"},
		"db.size":   {""},
		"db.engine": {"mysql"},
		"tags":      {"x,y"},
		"on":        {"false", "true"},
		"either":    {"7"},
		"labels":    {"ignored"},
		"_version":  {"1.0.0"},
		"unknown":   {"1"},
	})
	if want := []string{"zeta=abc", "db.engine=mysql", "tags=[x,y]", "either=7", "on=true"}; !slices.Equal(pairs, want) {
		t.Errorf("pairs %q, want %q", pairs, want)
	}
	check("db.engine selected", engine.Options[2].Selected, true)
	check("on checked after submit", idx["on"].Checked, true)
	check("db.size emptied", size.Value, "")

	// Errors go to their field, or the nearest enclosing one; the rest are
	// returned.
	rest := attachValidation(fields, &blueprint.ValidationError{Fields: []blueprint.FieldError{
		{Path: "db.engine", Message: "bad engine"},
		{Path: "db.size.x", Message: "deep"},
		{Path: "derived.image", Message: "elsewhere"},
	}})
	if !slices.Equal(engine.Errors, []string{"bad engine"}) || !slices.Equal(size.Errors, []string{"deep"}) || !slices.Equal(rest, []string{"derived.image: elsewhere"}) {
		t.Errorf("engine %q, size %q, rest %q", engine.Errors, size.Errors, rest)
	}
	others := attachFindings(fields, []decision.Finding{
		{Decision: "ADR-1", Rule: "r", Field: "zeta", Mode: decision.Enforce, Result: decision.Fail, Message: "no"},
		{Decision: "ADR-2", Rule: "w", Field: "zeta", Mode: decision.Warn, Result: decision.Fail, Message: "hmm"},
		{Decision: "ADR-3", Rule: "t", File: "x.yaml", Mode: decision.Enforce, Result: decision.Fail, Message: "tree"},
	})
	if !slices.Equal(zeta.Errors, []string{"no (ADR-1/r)"}) || len(others) != 2 {
		t.Errorf("zeta %q, others %v", zeta.Errors, others)
	}
}

func TestFormFieldsBadSchema(t *testing.T) {
	if _, err := formFields([]byte(`{"properties": []}`)); err == nil {
		t.Error("no error for properties that are not an object")
	}
	fields, err := formFields([]byte(`{"$comment": "json schema: timed out"}`))
	if err != nil || len(fields) != 0 {
		t.Errorf("an empty schema: %v, %v", fields, err)
	}
}
