package blueprint_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// schemaBlueprint returns a blueprint.cue whose parameters struct has the
// given body. The list and strings packages are imported when it uses them.
func schemaBlueprint(params string) string {
	var imports string
	for _, pkg := range []string{"list", "strings"} {
		if strings.Contains(params, pkg+".") {
			imports += "import \"" + pkg + "\"\n"
		}
	}
	return "package blueprint\n\n" + imports + `
name:        "schema-test"
version:     "1.0.0"
description: "Blueprint for JSON Schema tests"
owner:       "platform-team"

parameters: {
` + params + `
}
`
}

// loadSchemaBlueprint writes blueprint.cue to a temporary directory and
// loads it.
func loadSchemaBlueprint(t *testing.T, src string) *blueprint.Blueprint {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blueprint.cue"), []byte(src), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "template"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "template", "README.md"), []byte("# {{.name}}\n"), 0o644))
	b, err := blueprint.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	return b
}

// decodeSchema checks that raw is valid JSON and decodes it.
func decodeSchema(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	require.True(t, json.Valid(raw), "not valid JSON:\n%s", raw)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

// paramSchema returns the schema of the blueprint with the given parameters.
func paramSchema(t *testing.T, params string) map[string]any {
	t.Helper()
	return decodeSchema(t, loadSchemaBlueprint(t, schemaBlueprint(params)).JSONSchema())
}

// prop returns the schema at a path of property names.
func prop(t *testing.T, s map[string]any, path ...string) map[string]any {
	t.Helper()
	cur := s
	for _, name := range path {
		props, ok := cur["properties"].(map[string]any)
		require.True(t, ok, "no properties on the way to %v in %v", path, cur)
		next, ok := props[name].(map[string]any)
		require.True(t, ok, "no property %q on the way to %v in %v", name, path, cur)
		cur = next
	}
	return cur
}

func requiredOf(s map[string]any) []string {
	var out []string
	if r, ok := s["required"].([]any); ok {
		for _, x := range r {
			out = append(out, x.(string))
		}
	}
	return out
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestJSONSchemaTopLevel(t *testing.T) {
	b := loadSchemaBlueprint(t, schemaBlueprint(`
	// Service name.
	name: string & =~"^[a-z]+$"
	tier: *"dev" | "prod"
	port: int
	note?: string
`))
	raw := b.JSONSchema()
	s := decodeSchema(t, raw)

	require.Equal(t, "https://json-schema.org/draft/2020-12/schema", s["$schema"])
	require.Equal(t, "schema-test", s["title"])
	require.Equal(t, "Blueprint for JSON Schema tests", s["description"])
	require.Equal(t, "object", s["type"])
	require.Equal(t, false, s["additionalProperties"])
	require.Equal(t, []string{"name", "port"}, requiredOf(s))
	props := s["properties"].(map[string]any)
	require.Len(t, props, 4)

	// Two-space indentation, keywords and properties in a stable order.
	require.True(t, bytes.HasPrefix(raw, []byte("{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n  \"title\": \"schema-test\",\n")), "%s", raw)
	order := []string{`"name": {`, `"tier": {`, `"port": {`, `"note": {`}
	last := -1
	for _, key := range order {
		i := bytes.Index(raw, []byte(key))
		require.Greater(t, i, last, "properties not in schema order:\n%s", raw)
		last = i
	}
}

func TestJSONSchemaNoParameters(t *testing.T) {
	s := paramSchema(t, ``)
	require.Equal(t, "object", s["type"])
	require.Equal(t, map[string]any{}, s["properties"])
	require.Nil(t, s["required"])
	require.Equal(t, false, s["additionalProperties"])
}

// TestJSONSchemaParameterKinds checks the schema of each kind of parameter.
func TestJSONSchemaParameterKinds(t *testing.T) {
	cases := []struct {
		name     string
		params   string
		want     string // the schema of parameter "p"
		required bool   // whether "p" is listed in required
	}{
		{
			name:     "string with regex",
			params:   `p: string & =~"^[a-z]+$"`,
			want:     `{"type": "string", "pattern": "^[a-z]+$"}`,
			required: true,
		},
		{
			name:     "regex alone",
			params:   `p: =~"^v[0-9]+$"`,
			want:     `{"type": "string", "pattern": "^v[0-9]+$"}`,
			required: true,
		},
		{
			name:     "several regexes and a negated one",
			params:   `p: =~"^[a-z]+$" & =~"x" & !~"^admin$"`,
			want:     `{"type": "string", "pattern": "^[a-z]+$", "allOf": [{"pattern": "x"}, {"not": {"pattern": "^admin$"}}]}`,
			required: true,
		},
		{
			name:   "string enum with default",
			params: `p: *"dev" | "staging" | "prod"`,
			want:   `{"type": "string", "enum": ["dev", "staging", "prod"], "default": "dev"}`,
		},
		{
			name:     "string enum without default",
			params:   `p: "a" | "b"`,
			want:     `{"type": "string", "enum": ["a", "b"]}`,
			required: true,
		},
		{
			name:     "int enum",
			params:   `p: 1 | 2 | 3`,
			want:     `{"type": "integer", "enum": [1, 2, 3]}`,
			required: true,
		},
		{
			name:   "int with bounds and default",
			params: `p: int & >=1 & <=10 | *2`,
			want:   `{"type": "integer", "minimum": 1, "maximum": 10, "default": 2}`,
		},
		{
			name:   "default first",
			params: `p: *2 | int & >=1 & <=10`,
			want:   `{"type": "integer", "minimum": 1, "maximum": 10, "default": 2}`,
		},
		{
			name:     "exclusive bounds",
			params:   `p: number & >0 & <100`,
			want:     `{"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100}`,
			required: true,
		},
		{
			name:     "tightest bounds win",
			params:   `p: int & >=1 & >=3 & <=10 & <=7`,
			want:     `{"type": "integer", "minimum": 3, "maximum": 7}`,
			required: true,
		},
		{
			name:     "predeclared integer type",
			params:   `p: uint16`,
			want:     `{"type": "integer", "minimum": 0, "maximum": 65535}`,
			required: true,
		},
		{
			name:     "int not equal",
			params:   `p: int & !=3`,
			want:     `{"type": "integer", "allOf": [{"not": {"const": 3}}]}`,
			required: true,
		},
		{
			name:     "decimal bounds",
			params:   `p: >=0.5 & <=1e3`,
			want:     `{"type": "number", "minimum": 0.5, "maximum": 1000}`,
			required: true,
		},
		{
			name:     "number",
			params:   `p: number`,
			want:     `{"type": "number"}`,
			required: true,
		},
		{
			name:   "float with default",
			params: `p: float | *1.5`,
			want:   `{"type": "number", "default": 1.5}`,
		},
		{
			name:   "bool with default",
			params: `p: bool | *true`,
			want:   `{"type": "boolean", "default": true}`,
		},
		{
			name:     "bool",
			params:   `p: bool`,
			want:     `{"type": "boolean"}`,
			required: true,
		},
		{
			name:   "optional",
			params: `p?: string`,
			want:   `{"type": "string"}`,
		},
		{
			name:   "optional with bounds",
			params: `p?: int & >0`,
			want:   `{"type": "integer", "exclusiveMinimum": 0}`,
		},
		{
			name:   "string with default",
			params: `p: string | *"hello"`,
			want:   `{"type": "string", "default": "hello"}`,
		},
		{
			name:   "regex with default",
			params: `p: =~"^[a-z]+$" | *"abc"`,
			want:   `{"type": "string", "pattern": "^[a-z]+$", "default": "abc"}`,
		},
		{
			name:     "non-empty string",
			params:   `p: string & !=""`,
			want:     `{"type": "string", "minLength": 1}`,
			required: true,
		},
		{
			name:     "rune counts",
			params:   `p: string & strings.MinRunes(3) & strings.MaxRunes(12)`,
			want:     `{"type": "string", "minLength": 3, "maxLength": 12}`,
			required: true,
		},
		{
			name:   "concrete value",
			params: `p: "fixed"`,
			want:   `{"type": "string", "const": "fixed"}`,
		},
		{
			name:   "null",
			params: `p: null`,
			want:   `{"type": "null", "const": null}`,
		},
		{
			name:     "nullable string",
			params:   `p: null | string`,
			want:     `{"type": ["null", "string"]}`,
			required: true,
		},
		{
			name:   "nullable string defaulting to null",
			params: `p: string | *null`,
			want:   `{"type": ["null", "string"], "default": null}`,
		},
		{
			name:     "several kinds",
			params:   `p: int | string`,
			want:     `{"type": ["integer", "string"]}`,
			required: true,
		},
		{
			name:     "disjunction of constraints",
			params:   `p: int & (>10 | < -10)`,
			want:     `{"type": "integer", "anyOf": [{"type": "number", "exclusiveMinimum": 10}, {"type": "number", "exclusiveMaximum": -10}]}`,
			required: true,
		},
		{
			name:     "literal next to a constraint",
			params:   `p: "auto" | int & >0`,
			want:     `{"type": ["integer", "string"], "anyOf": [{"type": "integer", "exclusiveMinimum": 0}, {"const": "auto"}]}`,
			required: true,
		},
		{
			name:   "default outside the constraint",
			params: `p: *"" | =~"^[a-z]+$"`,
			want:   `{"type": "string", "default": "", "anyOf": [{"type": "string", "pattern": "^[a-z]+$"}, {"const": ""}]}`,
		},
		{
			name:   "literal within a type",
			params: `p: *1 | 2 | int`,
			want:   `{"type": "integer", "default": 1}`,
		},
		{
			name:     "any value",
			params:   `p: _`,
			want:     `{}`,
			required: true,
		},
		{
			name:   "list of strings",
			params: `p: [...string]`,
			// An open list is concrete in CUE: left out, it is [].
			want: `{"type": "array", "items": {"type": "string"}, "default": []}`,
		},
		{
			name:   "list with default",
			params: `p: [...string] | *["a", "b"]`,
			want:   `{"type": "array", "items": {"type": "string"}, "default": ["a", "b"]}`,
		},
		{
			name:   "list of bounded ints",
			params: `p: [...int & >0]`,
			want:   `{"type": "array", "items": {"type": "integer", "exclusiveMinimum": 0}, "default": []}`,
		},
		{
			name:     "non-empty list",
			params:   `p: [...string] & list.MinItems(1)`,
			want:     `{"type": "array", "items": {"type": "string"}, "minItems": 1}`,
			required: true,
		},
		{
			name:   "list length and uniqueness",
			params: `p: [...int] & list.MaxItems(3) & list.UniqueItems()`,
			want:   `{"type": "array", "items": {"type": "integer"}, "maxItems": 3, "uniqueItems": true, "default": []}`,
		},
		{
			name:     "tuple with a tail",
			params:   `p: [string, ...int]`,
			want:     `{"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}, "minItems": 1}`,
			required: true,
		},
		{
			name:     "closed tuple",
			params:   `p: [string, int]`,
			want:     `{"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false, "minItems": 2}`,
			required: true,
		},
		{
			name:   "concrete list",
			params: `p: [1, 2]`,
			want:   `{"type": "array", "const": [1, 2]}`,
		},
		{
			name:   "list of structs",
			params: `p: [...{host: string, port: int | *80}]`,
			want: `{"type": "array", "default": [], "items": {
				"type": "object",
				"properties": {"host": {"type": "string"}, "port": {"type": "integer", "default": 80}},
				"required": ["host"],
				"additionalProperties": false}}`,
		},
		{
			name:   "map of strings",
			params: `p: [string]: string`,
			want:   `{"type": "object", "properties": {}, "additionalProperties": {"type": "string"}}`,
		},
		{
			name:   "open struct",
			params: `p: {a?: int, ...}`,
			want:   `{"type": "object", "properties": {"a": {"type": "integer"}}}`,
		},
		{
			name: "struct with a pattern constraint is left open",
			// JSON Schema is not told about [=~"^x-"]: string, so it must
			// not reject the fields the pattern allows.
			params: `p: {[=~"^x-"]: string, a?: int}`,
			want:   `{"type": "object", "properties": {"a": {"type": "integer"}}}`,
		},
		{
			name:     "reference to a definition",
			params:   "#Port: int & >=1024 & <=65535\n\tp: #Port",
			want:     `{"type": "integer", "minimum": 1024, "maximum": 65535}`,
			required: true,
		},
		{
			name:   "reference to a definition with a default",
			params: "#Port: int & >=1024 & <=65535\n\tp: #Port | *8080",
			want:   `{"type": "integer", "minimum": 1024, "maximum": 65535, "default": 8080}`,
		},
		{
			name:     "reference narrowed further",
			params:   "#Port: int & >=1024 & <=65535\n\tp: #Port & <2000",
			want:     `{"type": "integer", "minimum": 1024, "maximum": 65535, "exclusiveMaximum": 2000}`,
			required: true,
		},
		{
			name:     "let",
			params:   "let slug = =~\"^[a-z][a-z0-9-]*$\"\n\tp: string & slug",
			want:     `{"type": "string", "pattern": "^[a-z][a-z0-9-]*$"}`,
			required: true,
		},
		{
			name:     "let alone",
			params:   "let small = int & <5\n\tp: small",
			want:     `{"type": "integer", "exclusiveMaximum": 5}`,
			required: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := paramSchema(t, "\t"+tc.params)
			require.JSONEq(t, tc.want, jsonOf(t, prop(t, s, "p")))
			if tc.required {
				require.Equal(t, []string{"p"}, requiredOf(s))
			} else {
				require.Empty(t, requiredOf(s))
			}
		})
	}
}

func TestJSONSchemaNestedStruct(t *testing.T) {
	s := paramSchema(t, `
	// Database settings.
	db: {
		// Size in GiB.
		size: int & >=1
		engine: *"postgres" | "mysql"
		backup?: bool
		pool: {
			max: int | *10
		}
	}
	// Optional, but with required fields once given.
	cache?: {
		url: string
	}
	// Every field has a default.
	log: {
		level: *"info" | "debug"
	}
`)
	require.Equal(t, []string{"db"}, requiredOf(s), "db has a required field; cache is optional; log has only defaults")
	require.JSONEq(t, `{
		"description": "Database settings.",
		"type": "object",
		"properties": {
			"size": {"description": "Size in GiB.", "type": "integer", "minimum": 1},
			"engine": {"type": "string", "enum": ["postgres", "mysql"], "default": "postgres"},
			"backup": {"type": "boolean"},
			"pool": {
				"type": "object",
				"properties": {"max": {"type": "integer", "default": 10}},
				"additionalProperties": false
			}
		},
		"required": ["size"],
		"additionalProperties": false
	}`, jsonOf(t, prop(t, s, "db")))
	require.Equal(t, []string{"url"}, requiredOf(prop(t, s, "cache")))
	require.Equal(t, "Optional, but with required fields once given.", prop(t, s, "cache")["description"])
	require.Empty(t, requiredOf(prop(t, s, "log")))
	require.Equal(t, "info", prop(t, s, "log", "level")["default"])
}

func TestJSONSchemaStructWithDefault(t *testing.T) {
	s := paramSchema(t, `	p: *{size: 1} | {size: int}`)
	require.JSONEq(t, `{
		"type": "object",
		"default": {"size": 1},
		"properties": {"size": {"type": "integer"}},
		"required": ["size"],
		"additionalProperties": false
	}`, jsonOf(t, prop(t, s, "p")))
	require.Empty(t, requiredOf(s))
}

func TestJSONSchemaDescriptions(t *testing.T) {
	s := paramSchema(t, `
	// Service name.
	name: string
	// Number of replicas,
	// at most ten.
	replicas: int & <=10 | *1
	undocumented: string
	db: {
		// Size in GiB.
		size: int
	}
`)
	require.Equal(t, "Service name.", prop(t, s, "name")["description"])
	require.Equal(t, "Number of replicas,\nat most ten.", prop(t, s, "replicas")["description"])
	require.NotContains(t, prop(t, s, "undocumented"), "description")
	require.Equal(t, "Size in GiB.", prop(t, s, "db", "size")["description"])
}

func TestJSONSchemaErrorAttribute(t *testing.T) {
	s := paramSchema(t, `
	name: =~"^[a-z]+$" @error("name must be lowercase letters")
	port: int & >=1024 | *8080 @error("port must be 1024 or more")
	plain: string
	db: {
		size: int & >0 @error("size must be positive")
	}
`)
	require.Equal(t, "name must be lowercase letters", prop(t, s, "name")["x-goldenpath-error"])
	require.Equal(t, "port must be 1024 or more", prop(t, s, "port")["x-goldenpath-error"])
	require.NotContains(t, prop(t, s, "plain"), "x-goldenpath-error")
	require.Equal(t, "size must be positive", prop(t, s, "db", "size")["x-goldenpath-error"])
}

// TestJSONSchemaIgnoresConditionalRules checks that constraints added by
// if ... {} rules, which JSON Schema cannot express, do not show, even when
// the defaults make them apply.
func TestJSONSchemaIgnoresConditionalRules(t *testing.T) {
	s := paramSchema(t, `
	tier: *"dev" | "prod"
	replicas: int & >=1 & <=10 | *2 @error("replicas must be between 1 and 10")
	if tier == "dev" {
		replicas: <=3 @error("dev services run at most 3 replicas")
	}
	if tier == "prod" {
		replicas: >=3 @error("prod services need at least 3 replicas")
	}
	db: {
		size: int & >=1
		if tier == "dev" {
			size: <=5
		}
	}
`)
	require.JSONEq(t, `{
		"type": "integer",
		"minimum": 1,
		"maximum": 10,
		"default": 2,
		"x-goldenpath-error": "replicas must be between 1 and 10"
	}`, jsonOf(t, prop(t, s, "replicas")))
	require.JSONEq(t, `{"type": "integer", "minimum": 1}`, jsonOf(t, prop(t, s, "db", "size")))
	require.Equal(t, []string{"db"}, requiredOf(s))
}

func TestJSONSchemaGoService(t *testing.T) {
	b, err := blueprint.LoadDir(context.Background(), "../testdata/blueprints/go-service", nil)
	require.NoError(t, err)
	s := decodeSchema(t, b.JSONSchema())
	require.Equal(t, "go-service", s["title"])
	require.Equal(t, b.Description, s["description"])
	require.Equal(t, []string{"name"}, requiredOf(s))
	require.JSONEq(t, `{
		"description": "Number of pod replicas.",
		"type": "integer",
		"minimum": 1,
		"maximum": 10,
		"default": 2
	}`, jsonOf(t, prop(t, s, "replicas")))
	require.JSONEq(t, `{
		"description": "Service name: a DNS label used for the binary, image and Kubernetes objects.",
		"type": "string",
		"pattern": "^[a-z][a-z0-9-]{2,30}$",
		"x-goldenpath-error": "name must start with a letter and use 3-31 lowercase letters, digits or '-'"
	}`, jsonOf(t, prop(t, s, "name")))
	require.JSONEq(t, `{
		"description": "Container registry the image is pushed to, without a trailing slash.",
		"type": "string",
		"pattern": "^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$",
		"default": "ghcr.io/acme",
		"x-goldenpath-error": "registry must look like ghcr.io/acme, without a trailing slash"
	}`, jsonOf(t, prop(t, s, "registry")))
	require.Equal(t, []any{"dev", "prod"}, prop(t, s, "tier")["enum"])
	require.NotContains(t, requiredOf(s), "team")
}

// TestJSONSchemaAgreesWithParameters checks that the schema and
// Parameters() agree on what is required and on defaults.
func TestJSONSchemaAgreesWithParameters(t *testing.T) {
	b := loadSchemaBlueprint(t, schemaBlueprint(`
	name: string & =~"^[a-z]+$"
	tier: *"dev" | "prod"
	replicas: int & >=1 & <=10 | *2
	ratio: number | *0.5
	debug: bool | *false
	owner?: string
	tags: [...string]
	ports: [...int] | *[8080]
	fixed: "x"
	db: {
		size: int & >=1 | *10
		name: string
		user?: string
	}
`))
	s := decodeSchema(t, b.JSONSchema())
	for _, p := range b.Parameters() {
		path := strings.Split(p.Path, ".")
		parent := s
		if len(path) > 1 {
			parent = prop(t, s, path[:len(path)-1]...)
		}
		ps := prop(t, s, path...)
		if p.Kind != "struct" {
			require.Equal(t, p.Required, contains(requiredOf(parent), path[len(path)-1]), "required of %s", p.Path)
		}
		if p.Default != nil {
			got, ok := ps["default"]
			if !ok {
				got = ps["const"]
			}
			require.JSONEq(t, jsonOf(t, p.Default), jsonOf(t, got), "default of %s", p.Path)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestJSONSchemaRequiredMatchesResolve checks the required list against
// Resolve: the required parameters are enough, and each one is needed.
func TestJSONSchemaRequiredMatchesResolve(t *testing.T) {
	b := loadSchemaBlueprint(t, schemaBlueprint(`
	name: string & =~"^[a-z]+$"
	tier: *"dev" | "prod"
	replicas: int & >=1 & <=10 | *2
	owner?: string
	tags: [...string]
	hosts: [...string] & list.MinItems(1)
	db: {
		size: int & >=1 | *10
		name: string
	}
	log: {
		level: *"info" | "debug"
	}
`))
	s := decodeSchema(t, b.JSONSchema())
	required := requiredOf(s)
	require.Equal(t, []string{"name", "hosts", "db"}, required)
	valid := map[string]any{"name": "orders", "hosts": []any{"a"}, "db": map[string]any{"name": "orders"}}
	ctx := context.Background()
	_, err := b.Resolve(ctx, blueprint.ValuesMap(valid))
	require.NoError(t, err)
	for _, name := range required {
		in := map[string]any{}
		for k, v := range valid {
			if k != name {
				in[k] = v
			}
		}
		_, err := b.Resolve(ctx, blueprint.ValuesMap(in))
		require.Error(t, err, "resolved without %s", name)
	}
}

func TestJSONSchemaDeterministic(t *testing.T) {
	src := schemaBlueprint(`
	// Service name.
	name: string & =~"^[a-z]+$" @error("lowercase letters only")
	tier: *"dev" | "prod"
	replicas: int & >=1 & <=10 | *2
	z: int | string
	a: [...{x: int, y: *"b" | "c"}]
	labels: [string]: string
	db: {size: int & >=1, engine: *"pg" | "mysql"}
`)
	first := loadSchemaBlueprint(t, src).JSONSchema()
	second := loadSchemaBlueprint(t, src).JSONSchema()
	fsys := fstest.MapFS{
		"blueprint.cue":      {Data: []byte(src)},
		"template/README.md": {Data: []byte("# {{.name}}\n")},
	}
	b, err := blueprint.LoadFS(context.Background(), fsys, "mem", nil)
	require.NoError(t, err)
	third := b.JSONSchema()
	require.True(t, json.Valid(first), "%s", first)
	require.Equal(t, string(first), string(second))
	require.Equal(t, string(first), string(third))
	require.Equal(t, string(first), string(b.JSONSchema()), "same blueprint, second call")

	// Re-indenting with two spaces changes nothing.
	var buf bytes.Buffer
	require.NoError(t, json.Indent(&buf, first, "", "  "))
	require.Equal(t, string(first), buf.String())
}

func TestJSONSchemaReturnsACopy(t *testing.T) {
	b := loadSchemaBlueprint(t, schemaBlueprint(`	name: string`))
	js := b.JSONSchema()
	want := string(js)
	for i := range js {
		js[i] = 'x'
	}
	require.Equal(t, want, string(b.JSONSchema()))
}

func TestJSONSchemaNoHTMLEscaping(t *testing.T) {
	b := loadSchemaBlueprint(t, `package blueprint

name:        "escape"
version:     "1.0.0"
description: "Tools & <things>"
owner:       "o"
parameters: {
	// a < b & c > d
	p: =~"^[<>&]+$"
}
`)
	js := string(b.JSONSchema())
	require.Contains(t, js, `"description": "Tools & <things>"`)
	require.Contains(t, js, `"pattern": "^[<>&]+$"`)
	require.Contains(t, js, `"description": "a < b & c > d"`)
}

func TestJSONSchemaRecursiveDefinition(t *testing.T) {
	src := `package blueprint

name:        "tree"
version:     "1.0.0"
description: "d"
owner:       "o"
#Node: {
	name: string
	children?: [...#Node]
	left?: #Node
}
parameters: {
	root: #Node
}
`
	start := time.Now()
	b := loadSchemaBlueprint(t, src)
	require.Less(t, time.Since(start), 5*time.Second)
	s := decodeSchema(t, b.JSONSchema())
	require.Equal(t, []string{"name"}, requiredOf(prop(t, s, "root")))
	require.Equal(t, "string", prop(t, s, "root", "name")["type"])
}

func TestJSONSchemaMultipleParameterBlocks(t *testing.T) {
	b := loadSchemaBlueprint(t, `package blueprint

name:        "split"
version:     "1.0.0"
description: "d"
owner:       "o"
parameters: {
	// Port to listen on.
	port: int
}
parameters: {
	port: >=1024 & <=65535
	name: string
}
`)
	s := decodeSchema(t, b.JSONSchema())
	require.JSONEq(t, `{"description": "Port to listen on.", "type": "integer", "minimum": 1024, "maximum": 65535}`, jsonOf(t, prop(t, s, "port")))
	require.Equal(t, []string{"port", "name"}, requiredOf(s))
}
