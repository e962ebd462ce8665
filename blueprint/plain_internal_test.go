package blueprint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/format"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const plainCUE = `package blueprint

name:        "svc"
version:     "1.4.0"
description: "HTTP service"
owner:       "platform-team"
tags: ["go"]

parameters: {
	name: string & =~"^[a-z][a-z0-9-]{2,30}$" @error("name must start with a letter and use 3-31 lowercase letters, digits or '-'")
	tier: *"dev" | "prod"
	replicas: int & >=1 & <=10 | *2
	if tier == "prod" {
		replicas: >=3 @error("prod services need at least 3 replicas")
	}
	database: *"none" | "postgres"
	ratio: number | *0.5
	offset: int | *0
	debug: bool | *false
	note?: string | null
	labels: [string]: string
	ports: [...int] | *[8080]
	db: {
		size: int & >=1 | *10
		name?: string
	}
}
derived: {
	image: "ghcr.io/acme/\(parameters.name)"
	scaled: parameters.ratio * 2
	big: parameters.replicas > 5
}
files: {
	"deploy/postgres/**": include: parameters.database == "postgres"
	"debug/**": include: parameters.debug
	"README.md": level: "seeded"
}
`

func loadPlain(t *testing.T, src string) *Blueprint {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, SchemaFile), []byte(src), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, TemplateDir), 0o755))
	b, err := LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	return b
}

// resolveBoth resolves the inputs with the encoded fast path allowed and with
// the input always compiled from its syntax, and returns both outcomes.
func resolveBoth(t *testing.T, b *Blueprint, inputs ...Input) (fast, syntax *Params, fastErr, syntaxErr error) {
	t.Helper()
	in, err := b.inputs(inputs)
	require.NoError(t, err)
	e, err := b.newEvaluator()
	require.NoError(t, err)
	require.True(t, e.plain)
	fast, fastErr = b.resolveWith(e, in)
	slow := *e
	slow.plain = false
	syntax, syntaxErr = b.resolveWith(&slow, in)
	return fast, syntax, fastErr, syntaxErr
}

// TestPlainPathMatchesSyntax checks that encoding an input from Go values
// gives what compiling its syntax gives: the same values, derived values,
// file conditions, and for invalid inputs the same errors, word for word.
func TestPlainPathMatchesSyntax(t *testing.T) {
	b := loadPlain(t, plainCUE)
	cases := map[string][]Input{
		"map":          {ValuesMap(map[string]any{"name": "svc-a", "tier": "prod", "replicas": 4, "db": map[string]any{"name": "main"}})},
		"yaml":         {ValuesData("v.yaml", []byte("name: svc-b\nratio: 0.25\noffset: -3\nnote: null\nlabels:\n  team: pay\n  \"a b\": \"x\\ty\"\nports: [1, 2]\n"))},
		"json":         {ValuesData("v.json", []byte(`{"name": "svc-c", "ratio": 1e+21, "debug": true, "labels": {"zz": "1", "aa": "é"}}`))},
		"float forms":  {ValuesData("v.yaml", []byte("name: svc-d\nratio: 1.50\n"))},
		"big int":      {ValuesData("v.yaml", []byte("name: svc-e\nratio: 123456789012345678901234567890\n"))},
		"layers":       {ValuesData("v.yaml", []byte("name: svc-f\ndb: {size: 3}\n")), Set("db.name=x", "database=postgres", "ratio=2")},
		"bad name":     {ValuesMap(map[string]any{"name": "Bad_Name", "tier": "prod", "replicas": 1})},
		"unknown":      {ValuesData("v.yaml", []byte("name: svc-g\nreplicaz: 3\n"))},
		"wrong type":   {ValuesData("v.yaml", []byte("name: svc-h\ndebug: yes please\nports: [a]\n"))},
		"missing name": {ValuesData("v.yaml", []byte("tier: prod\n"))},
	}
	for name, inputs := range cases {
		t.Run(name, func(t *testing.T) {
			fast, syntax, fastErr, syntaxErr := resolveBoth(t, b, inputs...)
			if syntaxErr != nil {
				require.Error(t, fastErr)
				assert.Equal(t, syntaxErr.Error(), fastErr.Error())
				assert.Equal(t, syntaxErr, fastErr)
				return
			}
			require.NoError(t, fastErr)
			assert.Equal(t, syntax.Values(), fast.Values())
			assert.Equal(t, syntax.Derived(), fast.Derived())
			assert.Equal(t, syntax.include, fast.include)
			assert.Equal(t, syntax.Data(), fast.Data())
		})
	}
}

func TestLeanFile(t *testing.T) {
	lean := func(src string) string {
		b := &Blueprint{schemaSrc: []byte(src), schemaName: SchemaFile}
		f, err := b.parse()
		require.NoError(t, err)
		out, err := format.Node(leanFile(f, map[string]bool{"c/**": true}))
		require.NoError(t, err)
		return strings.Join(strings.Fields(string(out)), " ")
	}
	// Literal metadata nothing refers to goes; a field read by derived
	// stays, and so do hidden fields, lets and non-literal fields.
	got := lean(`name: "svc"
version: "1.0.0"
owner: "team"
tags: ["a", "b"]
_registry: "ghcr.io"
let org = "acme"
check: parameters.n < 5
parameters: {n: int, name: string}
derived: image: "\(_registry)/\(org)/\(name)-\(parameters.name)"
`)
	assert.NotContains(t, got, "version")
	assert.NotContains(t, got, "owner")
	assert.NotContains(t, got, "tags")
	for _, kept := range []string{`name: "svc"`, "_registry", "let org", "check:", "parameters:", "derived:"} {
		assert.Contains(t, got, kept)
	}
	// Literal files entries go, unless conditional or declared twice;
	// a pattern in files keeps every entry.
	got = lean(`parameters: {x: bool}
files: {
	"a/**": level: "managed"
	"b/**": {level: "seeded", include: true}
	"c/**": include: parameters.x
	"d/**": level: "shared"
}
files: "d/**": renderer: "text"
`)
	assert.NotContains(t, got, "a/**")
	assert.NotContains(t, got, "b/**")
	assert.Contains(t, got, "c/**")
	assert.Contains(t, got, `"d/**": level: "shared"`)
	got = lean("parameters: {x: bool}\nfiles: {\"a/**\": level: \"managed\"}\nfiles: [string]: include: parameters.x\n")
	assert.Contains(t, got, "a/**")
	// A top-level comprehension could add to any field: nothing goes.
	src := "name: \"svc\"\nparameters: {x: int}\nif parameters.x > 1 {name: \"other\"}\n"
	assert.Contains(t, lean(src), `name: "svc"`)
	// Nor with a pattern label.
	assert.Contains(t, lean("name: \"svc\"\n[string]: string\nparameters: {}\n"), `name: "svc"`)
}

func TestLeanFileResolves(t *testing.T) {
	b := loadPlain(t, `name: "svc"
version: "1.0.0"
description: "d"
owner: "team"
parameters: {n: string}
derived: image: "\(name)/\(parameters.n)"
`)
	p, err := b.Resolve(context.Background(), Set("n=web"))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"image": "svc/web"}, p.Derived())
}

func TestObservesOrder(t *testing.T) {
	for src, want := range map[string]bool{
		"parameters: {x: int}\n": false,
		"import \"strings\"\nparameters: {x: string}\nd: strings.ToUpper(parameters.x)\n": false,
		"parameters: {l: [string]: string}\nd: [for k, v in parameters.l {k}]\n":          true,
		"import \"encoding/json\"\nparameters: {x: int}\nd: json.Marshal(parameters)\n":   true,
	} {
		b := &Blueprint{schemaSrc: []byte(src), schemaName: SchemaFile}
		f, err := b.parse()
		require.NoError(t, err)
		assert.Equal(t, want, observesOrder(f), src)
	}
}

// TestForClauseKeepsOrder checks that a blueprint iterating over a struct
// of the input sees the input's order, as written, not the sorted order
// encoded values would give.
func TestForClauseKeepsOrder(t *testing.T) {
	b := loadPlain(t, `name: "svc"
version: "1.0.0"
description: "d"
owner: "team"
parameters: {l: [string]: string}
derived: keys: [for k, _ in parameters.l {k}]
`)
	p, err := b.Resolve(context.Background(), ValuesData("v.yaml", []byte("l:\n  zz: a\n  aa: b\n")))
	require.NoError(t, err)
	assert.Equal(t, []any{"zz", "aa"}, p.Derived()["keys"])
}

// FuzzPlainValue checks that whenever plainValue accepts a values document,
// encoding its Go value gives the CUE value compiling its syntax gives,
// printed alike (so 1.50 and 1.5 are told apart).
func FuzzPlainValue(f *testing.F) {
	for _, s := range []string{
		"a: 1\nb: -2\nc: 0.5\nd: 1e+21\ne: \"x\\u00e9\"\nf: [true, false, null]\n",
		"a: 1.50\nb: 007\nc: 0x10\nd: -0\n",
		"a: {b: {c: 'bytes'}}\n",
		"\"_x\": 1\n\"#y\": 2\n",
		"a: |\n  multi\n  line\n",
		"a: 1_000\nb: .5\nc: 5.\n",
	} {
		f.Add(s)
	}
	ctx := cuecontext.New()
	f.Fuzz(func(t *testing.T, src string) {
		in, err := parseValues("v.yaml", []byte(src), 1000)
		if err != nil {
			return
		}
		m, ok := plainValue(in, 0)
		if !ok {
			return
		}
		want := ctx.BuildExpr(in)
		if want.Err() != nil {
			t.Fatalf("plainValue accepted %q, which does not compile: %v", src, want.Err())
		}
		got := ctx.Encode(m)
		if canonical(got) != canonical(want) {
			t.Fatalf("%q: encoded %v, compiled %v", src, got, want)
		}
		if err := got.Unify(want).Validate(cue.Concrete(true)); err != nil {
			t.Fatalf("%q: %v", src, err)
		}
	})
}

// canonical prints v with every struct's fields in sorted order: encoded
// values sort them, compiled ones keep them as written.
func canonical(v cue.Value) string {
	switch v.Kind() {
	case cue.StructKind:
		it, err := v.Fields()
		if err != nil {
			return err.Error()
		}
		var parts []string
		for it.Next() {
			parts = append(parts, fmt.Sprintf("%q: %s", it.Selector().Unquoted(), canonical(it.Value())))
		}
		slices.Sort(parts)
		return "{" + strings.Join(parts, ", ") + "}"
	case cue.ListKind:
		it, err := v.List()
		if err != nil {
			return err.Error()
		}
		var parts []string
		for it.Next() {
			parts = append(parts, canonical(it.Value()))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return v.Kind().String() + " " + fmt.Sprint(v)
}

// TestUnknownFieldsCached resolves inputs with unknown fields, nested ones
// and a map of labels, several times on one evaluator: the answers it
// remembers give the errors the schema gives.
func TestUnknownFieldsCached(t *testing.T) {
	b := loadPlain(t, plainCUE)
	in := ValuesData("v.yaml", []byte("name: svc-a\nreplicaz: 3\ndb: {size: 2, nme: x}\nlabels: {a: b}\n"))
	var first string
	for i := range 3 {
		_, err := b.Resolve(context.Background(), in)
		require.Error(t, err)
		if i == 0 {
			first = err.Error()
			assert.Contains(t, first, "replicaz")
			assert.Contains(t, first, "db.nme")
			assert.NotContains(t, first, "labels.a")
			continue
		}
		assert.Equal(t, first, err.Error())
	}
	_, err := b.Resolve(context.Background(), ValuesData("v.yaml", []byte("name: svc-a\ndb: {size: 2, name: x}\nlabels: {a: b}\n")))
	require.NoError(t, err)
}
