package blueprint_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

const serviceCUE = `package blueprint

name:        "svc"
version:     "1.4.0"
description: "HTTP service in Go"
owner:       "platform-team"
tags: ["go", "http"]
decisions: ["ADR-0007"]

parameters: {
	// Service name.
	name: string & =~"^[a-z][a-z0-9-]{2,30}$" @error("name must start with a letter and use 3-31 lowercase letters, digits or '-'")
	// Deployment tier.
	tier: *"dev" | "prod"
	replicas: int & >=1 & <=10 | *2
	if tier == "prod" {
		replicas: >=3 @error("prod services need at least 3 replicas")
	}
	database: *"none" | "postgres"
	owner?: string
	ratio: number | *0.5
	debug: bool | *false
	tags: [...string] | *[]
	ports: [...int] | *[8080]
	db: {
		size: int & >=1 | *10
		name?: string
	}
}
derived: image: "ghcr.io/acme/\(parameters.name)"
files: {
	"deploy/postgres/**": include: parameters.database == "postgres"
	"README.md": level: "seeded"
	"ci/**": {level: "managed", include: true}
}
dirs: ["data"]
`

// writeBlueprint writes a blueprint directory with the given blueprint.cue
// and a small template tree, and returns its path.
func writeBlueprint(t testing.TB, cue string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "blueprint.cue"), cue)
	write(t, filepath.Join(dir, "template", "README.md"), "# {{.name}}\n")
	write(t, filepath.Join(dir, "template", "deploy", "postgres", "db.yaml"), "kind: db\n")
	return dir
}

func write(t testing.TB, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func load(t testing.TB, cue string) *blueprint.Blueprint {
	t.Helper()
	b, err := blueprint.LoadDir(context.Background(), writeBlueprint(t, cue), nil)
	require.NoError(t, err)
	return b
}

func validationError(t *testing.T, err error) *blueprint.ValidationError {
	t.Helper()
	var ve *blueprint.ValidationError
	require.ErrorAs(t, err, &ve, "error: %v", err)
	return ve
}

func TestLoadReadsMetadata(t *testing.T) {
	b := load(t, serviceCUE)
	assert.Equal(t, "svc", b.Name)
	assert.Equal(t, "1.4.0", b.Version)
	assert.Equal(t, "platform-team", b.Owner)
	assert.Equal(t, []string{"go", "http"}, b.Tags)
	assert.Equal(t, []string{"ADR-0007"}, b.Decisions)
	assert.Equal(t, []string{"data"}, b.Dirs)
	assert.True(t, strings.HasPrefix(b.Digest, "sha256:"), b.Digest)
	require.Len(t, b.Files, 3)
	assert.Equal(t, blueprint.FileRule{Glob: "deploy/postgres/**", Conditional: true, Include: true}, b.Files[0])
	assert.Equal(t, blueprint.FileRule{Glob: "README.md", Level: blueprint.Seeded, Include: true}, b.Files[1])
	assert.Equal(t, blueprint.FileRule{Glob: "ci/**", Level: blueprint.Managed, Include: true}, b.Files[2])
}

func TestResolveDefaultsAndDerived(t *testing.T) {
	b := load(t, serviceCUE)
	p, err := b.Resolve(context.Background(), blueprint.Set("name=orders"))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"name": "orders", "tier": "dev", "replicas": int64(2), "database": "none",
		"ratio": 0.5, "debug": false, "tags": []any{}, "ports": []any{int64(8080)},
		"db": map[string]any{"size": int64(10)},
	}, p.Values())
	assert.Equal(t, map[string]any{"image": "ghcr.io/acme/orders"}, p.Derived())
	assert.Equal(t, "ghcr.io/acme/orders", p.Data()["image"])
	assert.False(t, p.Included("deploy/postgres/**"))
	assert.True(t, p.Included("ci/**"))
	v, ok := p.Lookup("db.size")
	require.True(t, ok)
	assert.Equal(t, int64(10), v)
	_, ok = p.Lookup("db.nope")
	assert.False(t, ok)
}

func TestResolveLayersOverrideInOrder(t *testing.T) {
	b := load(t, serviceCUE)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.yaml"), "name: first\ntier: prod\nreplicas: 5\ndb:\n  size: 3\n  name: main\n")
	write(t, filepath.Join(dir, "b.json"), `{"name": "second", "db": {"size": 4}}`)
	p, err := b.Resolve(context.Background(),
		blueprint.ValuesFile(filepath.Join(dir, "a.yaml")),
		blueprint.ValuesFile(filepath.Join(dir, "b.json")),
		blueprint.ValuesMap(map[string]any{"database": "postgres", "ratio": 0.25}),
		blueprint.Set("replicas=7", "tags=[a, b]", "ports=[1,2]", "debug=true", "db.name=other"),
	)
	require.NoError(t, err)
	v := p.Values()
	assert.Equal(t, "second", v["name"])
	assert.Equal(t, "prod", v["tier"])
	assert.Equal(t, int64(7), v["replicas"])
	assert.Equal(t, "postgres", v["database"])
	assert.Equal(t, 0.25, v["ratio"])
	assert.Equal(t, true, v["debug"])
	assert.Equal(t, []any{"a", "b"}, v["tags"])
	assert.Equal(t, []any{int64(1), int64(2)}, v["ports"])
	// Nested structs merge field by field across layers.
	assert.Equal(t, map[string]any{"size": int64(4), "name": "other"}, v["db"])
	assert.True(t, p.Included("deploy/postgres/**"))
}

func TestResolveSetTypesBySchema(t *testing.T) {
	b := load(t, serviceCUE)
	// "123" stays a string where the schema says string: a name cannot start
	// with a digit, so the error is the regexp's, not a type mismatch.
	_, err := b.Resolve(context.Background(), blueprint.Set("name=123"))
	fe, ok := validationError(t, err).Field("name")
	require.True(t, ok)
	assert.Contains(t, fe.Message, "name must start with a letter")

	_, err = b.Resolve(context.Background(), blueprint.Set("name=abc", "replicas=three", "debug=maybe", "novalue"))
	ve := validationError(t, err)
	require.Len(t, ve.Fields, 3, ve.Error())
	assert.Equal(t, "--set:4:1: novalue: \"novalue\" is not KEY=VALUE", ve.Fields[2].String()) // sorted by position
	got := ve.Error()
	assert.Contains(t, got, `--set:2:10: replicas: want an integer, got "three"`)
	assert.Contains(t, got, `--set:3:7: debug: want true or false, got "maybe"`)
}

func TestResolveReportsEveryFieldWithPositions(t *testing.T) {
	dir := writeBlueprint(t, serviceCUE)
	b, err := blueprint.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	values := filepath.Join(dir, "values.yaml")
	write(t, values, "name: Bad_Name\ntier: prod\nreplicas: 1\n")
	_, err = b.Resolve(context.Background(), blueprint.ValuesFile(values))
	ve := validationError(t, err)
	assert.Equal(t, "svc", ve.Blueprint)
	require.Len(t, ve.Fields, 2, ve.Error())

	name := ve.Fields[0]
	assert.Equal(t, "name", name.Path)
	assert.Equal(t, "name must start with a letter and use 3-31 lowercase letters, digits or '-'", name.Message)
	assert.Equal(t, &blueprint.Position{Filename: values, Line: 1, Column: 7}, name.Input)
	require.NotEmpty(t, name.Schema)
	assert.Equal(t, filepath.Join(dir, "blueprint.cue"), name.Schema[0].Filename)
	assert.Equal(t, 12, name.Schema[0].Line)

	replicas := ve.Fields[1]
	assert.Equal(t, "replicas", replicas.Path)
	assert.Equal(t, "prod services need at least 3 replicas", replicas.Message)
	assert.Equal(t, &blueprint.Position{Filename: values, Line: 3, Column: 11}, replicas.Input)
	assert.Equal(t, 17, replicas.Schema[0].Line, "the position of the rule that failed")

	assert.Equal(t, values+":1:7: name: name must start with a letter and use 3-31 lowercase letters, digits or '-'\n"+
		values+":3:11: replicas: prod services need at least 3 replicas", ve.Error())
	assert.NotContains(t, ve.Error(), "#")
	assert.NotContains(t, ve.Error(), "disjunction")
}

func TestResolveMessages(t *testing.T) {
	b := load(t, serviceCUE)
	cases := []struct {
		name  string
		input string
		path  string
		want  string
	}{
		{"enum collapsed", "name: abc\ntier: staging\n", "tier", `must be one of "dev", "prod" (got "staging")`},
		{"bound", "name: abc\nreplicas: 11\n", "replicas", "must be <=10 (got 11)"},
		{"nested bound", "name: abc\ndb: {size: 0}\n", "db.size", "must be >=1 (got 0)"},
		{"type", "name: abc\ndebug: 3\n", "debug", "want true or false, got 3"},
		{"missing", "tier: dev\n", "name", "required (Service name)"},
		{"unknown", "name: abc\nextra: 1\n", "extra", "unknown parameter (known: name, tier, replicas, database, owner, ratio, debug, tags, ports, db)"},
		{"unknown nested", "name: abc\ndb: {zz: 1}\n", "db.zz", "unknown parameter (known: size, name)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Resolve(context.Background(), blueprint.ValuesData("values.yaml", []byte(tc.input)))
			ve := validationError(t, err)
			fe, ok := ve.Field(tc.path)
			require.True(t, ok, "no error for %s in:\n%s", tc.path, ve)
			assert.Contains(t, fe.Message, tc.want)
			assert.Len(t, ve.Fields, 1, ve.Error())
		})
	}
}

func TestResolveMissingRequiredPointsAtDeclaration(t *testing.T) {
	b := load(t, serviceCUE)
	_, err := b.Resolve(context.Background(), blueprint.Set("tier=prod"))
	ve := validationError(t, err)
	require.Len(t, ve.Fields, 2, ve.Error())
	name, _ := ve.Field("name")
	assert.Nil(t, name.Input)
	assert.Equal(t, 12, name.Pos().Line)
	replicas, _ := ve.Field("replicas")
	assert.Equal(t, "prod services need at least 3 replicas (the default 2 breaks it)", replicas.Message)
	assert.Equal(t, 15, replicas.Pos().Line)
}

func TestResolveBadInputShapes(t *testing.T) {
	b := load(t, serviceCUE)
	for name, tc := range map[string]struct{ file, data, want string }{
		"yaml syntax": {"v.yaml", "name: [unclosed\n", "v.yaml:"},
		"json syntax": {"v.json", `{"name": }`, "v.json:1:"},
		"not a map":   {"v.yaml", "- a\n- b\n", "must be a mapping"},
		"scalar":      {"v.json", `3`, "must be a mapping"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := b.Resolve(context.Background(), blueprint.ValuesData(tc.file, []byte(tc.data)))
			ve := validationError(t, err)
			assert.Contains(t, ve.Error(), tc.want)
			assert.Equal(t, 1, strings.Count(ve.Error(), tc.file), "the file is named once: %s", ve)
		})
	}
	_, err := b.Resolve(context.Background(), blueprint.ValuesFile(filepath.Join(t.TempDir(), "missing.yaml")))
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = b.Resolve(context.Background(), blueprint.ValuesMap(map[string]any{"name": make(chan int)}))
	assert.ErrorContains(t, err, "unsupported value")
}

func TestResolveInputSizeCapped(t *testing.T) {
	dir := writeBlueprint(t, serviceCUE)
	b, err := blueprint.LoadDir(context.Background(), dir, &blueprint.Options{MaxInputBytes: 64})
	require.NoError(t, err)
	big := "name: abc\n" + strings.Repeat("# padding\n", 20)
	_, err = b.Resolve(context.Background(), blueprint.ValuesData("v.yaml", []byte(big)))
	assert.ErrorIs(t, err, blueprint.ErrTooLarge)
	write(t, filepath.Join(dir, "big.yaml"), big)
	_, err = b.Resolve(context.Background(), blueprint.ValuesFile(filepath.Join(dir, "big.yaml")))
	assert.ErrorIs(t, err, blueprint.ErrTooLarge)
}

func TestResolveDeterministicJSON(t *testing.T) {
	b := load(t, serviceCUE)
	var first []byte
	for i := 0; i < 20; i++ {
		p, err := b.Resolve(context.Background(), blueprint.ValuesMap(map[string]any{"name": "abc", "db": map[string]any{"name": "x"}, "tags": []string{"z", "a"}}))
		require.NoError(t, err)
		js, err := json.Marshal(p)
		require.NoError(t, err)
		if first == nil {
			first = js
		}
		require.Equal(t, string(first), string(js))
	}
	assert.Equal(t, `{"database":"none","db":{"name":"x","size":10},"debug":false,"name":"abc","ports":[8080],"ratio":0.5,"replicas":2,"tags":["z","a"],"tier":"dev"}`, string(first))
}

func TestResolveConcurrentAndShared(t *testing.T) {
	b := load(t, serviceCUE)
	shared, err := b.Resolve(context.Background(), blueprint.Set("name=shared"))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 25; j++ {
				p, err := b.Resolve(context.Background(), blueprint.Set("name=svc-"+string(rune('a'+i)), "replicas=3"))
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, "svc-"+string(rune('a'+i)), p.Values()["name"])
				assert.Equal(t, "shared", shared.Data()["name"])
				_, err = b.Resolve(context.Background(), blueprint.Set("replicas=30"))
				assert.Error(t, err)
			}
		}()
	}
	wg.Wait()
}

func TestResolveValuesAreCopies(t *testing.T) {
	b := load(t, serviceCUE)
	p, err := b.Resolve(context.Background(), blueprint.Set("name=abc"))
	require.NoError(t, err)
	v := p.Values()
	v["name"] = "changed"
	v["db"].(map[string]any)["size"] = 99
	assert.Equal(t, "abc", p.Values()["name"])
	assert.Equal(t, int64(10), p.Values()["db"].(map[string]any)["size"])
}

func TestEvalTimeout(t *testing.T) {
	// A blueprint whose evaluation takes far longer than the deadline: the
	// error says so instead of hanging.
	slow := strings.Replace(serviceCUE, `derived: image: "ghcr.io/acme/\(parameters.name)"`,
		`derived: {
	image: "ghcr.io/acme/\(parameters.name)"
	big: [for a in list.Range(0, 3000, 1) for b in list.Range(0, 3000, 1) {a * b}]
}`, 1)
	slow = strings.Replace(slow, "package blueprint\n", "package blueprint\n\nimport \"list\"\n", 1)
	dir := writeBlueprint(t, slow)
	start := time.Now()
	b, err := blueprint.LoadDir(context.Background(), dir, &blueprint.Options{EvalTimeout: 200 * time.Millisecond})
	if err == nil {
		// Loading does not evaluate derived values: resolution must time
		// out. (The blueprint loaded is resolved: loading it a second
		// time could itself time out on a loaded machine.)
		_, err = b.Resolve(context.Background(), blueprint.Set("name=abc"))
	}
	require.ErrorIs(t, err, blueprint.ErrEvalTimeout)
	assert.Less(t, time.Since(start), 30*time.Second, "the deadline bounds the wait")
}

func TestResolveHonoursContext(t *testing.T) {
	b := load(t, serviceCUE)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := b.Resolve(ctx, blueprint.Set("name=abc"))
	// Either the evaluation won the race or the cancellation did; a
	// cancelled context must never yield a different error.
	if err != nil {
		assert.True(t, errors.Is(err, context.Canceled), err)
	}
}

func TestLoadFSAndEmbed(t *testing.T) {
	fsys := fstest.MapFS{
		"blueprint.cue":         {Data: []byte(serviceCUE)},
		"template/README.md":    {Data: []byte("# {{.name}}\n")},
		"template/bin/run.sh":   {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"template/empty/.keep":  {Data: nil},
		"template/deploy/x.yml": {Data: []byte("a: 1\n")},
	}
	b, err := blueprint.LoadFS(context.Background(), fsys, "mem", nil)
	require.NoError(t, err)
	assert.Equal(t, "mem", b.Source)
	data, err := fs.ReadFile(b.Template(), "README.md")
	require.NoError(t, err)
	assert.Equal(t, "# {{.name}}\n", string(data))

	// The digest covers the template tree.
	fsys["template/README.md"] = &fstest.MapFile{Data: []byte("# changed\n")}
	b2, err := blueprint.LoadFS(context.Background(), fsys, "mem", nil)
	require.NoError(t, err)
	assert.NotEqual(t, b.Digest, b2.Digest)
	// And the executable bit.
	fsys["template/README.md"] = &fstest.MapFile{Data: []byte("# {{.name}}\n")}
	fsys["template/bin/run.sh"] = &fstest.MapFile{Data: []byte("#!/bin/sh\n"), Mode: 0o644}
	b3, err := blueprint.LoadFS(context.Background(), fsys, "mem", nil)
	require.NoError(t, err)
	assert.NotEqual(t, b.Digest, b3.Digest)
}

func TestResolveReportsEveryLayer(t *testing.T) {
	b := load(t, serviceCUE)
	_, err := b.Resolve(context.Background(),
		blueprint.Set("name=abc", "replicas=x"),
		blueprint.ValuesData("v.yaml", []byte("name: [unclosed\n")),
		blueprint.Set("debug=maybe"),
	)
	ve := validationError(t, err)
	require.Len(t, ve.Fields, 3, ve.Error())
	got := ve.Error()
	assert.Contains(t, got, `--set:2:10: replicas: want an integer, got "x"`)
	assert.Contains(t, got, `--set:3:7: debug: want true or false, got "maybe"`, "pairs are numbered across Set layers")
	assert.Contains(t, got, "v.yaml:")
}

// Resolution checks the input against the parameters alone before it computes
// derived values: an invalid input is reported as parameter errors only, and
// the rules written outside the parameters field still hold.
func TestResolveParametersFirst(t *testing.T) {
	b := load(t, `name: "svc"
version: "1.0.0"
description: "derived values and a rule outside the parameters"
owner: "platform"
parameters: {
	name: string & =~"^[a-z]+$"
	tier: *"dev" | "prod"
	replicas: int | *1
	if tier == "prod" {
		replicas: >=3 @error("prod needs 3 replicas")
	}
}
parameters: replicas: <=10 @error("at most 10 replicas")
derived: labels: {
	"app.kubernetes.io/name": parameters.name
	image: "ghcr.io/acme/\(parameters.name):\(version)"
}
derived: replicasTimesTwo: parameters.replicas * 2
files: "prod/**": include: parameters.tier == "prod"
`)
	ctx := context.Background()

	// A missing parameter is reported as that parameter, never as a
	// derived value that needs it.
	_, err := b.Resolve(ctx)
	ve := validationError(t, err)
	require.Len(t, ve.Fields, 1, ve.Error())
	assert.Equal(t, "name", ve.Fields[0].Path)
	assert.NotContains(t, ve.Error(), "derived")

	// Cross-field rules and a second declaration of a parameter hold,
	// with their messages.
	_, err = b.Resolve(ctx, blueprint.Set("name=orders", "tier=prod", "replicas=2"))
	ve = validationError(t, err)
	require.Len(t, ve.Fields, 1, ve.Error())
	assert.Equal(t, "replicas", ve.Fields[0].Path)
	assert.Contains(t, ve.Error(), "prod needs 3 replicas")
	_, err = b.Resolve(ctx, blueprint.Set("name=orders", "replicas=11"))
	ve = validationError(t, err)
	require.Len(t, ve.Fields, 1, ve.Error())
	assert.Contains(t, ve.Error(), "at most 10 replicas")

	// A valid input gets its derived values and file conditions.
	p, err := b.Resolve(ctx, blueprint.Set("name=orders", "tier=prod", "replicas=4"))
	require.NoError(t, err)
	labels, ok := p.Lookup("labels")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"app.kubernetes.io/name": "orders", "image": "ghcr.io/acme/orders:1.0.0"}, labels)
	twice, _ := p.Lookup("replicasTimesTwo")
	assert.EqualValues(t, 8, twice)
	assert.True(t, p.Included("prod/**"))

	dev, err := b.Resolve(ctx, blueprint.Set("name=orders"))
	require.NoError(t, err)
	assert.False(t, dev.Included("prod/**"))
}

// A derived value that cannot be computed is reported at its own line in
// blueprint.cue, after the parameters field.
func TestResolveDerivedErrorPosition(t *testing.T) {
	b := load(t, `import "strings"

name: "svc"
version: "1.0.0"
description: "a derived value that fails"
owner: "platform"
parameters: {
	name: string
	// the lines of the parameters field are
	// kept, so positions below stay right
	n: int | *0
}
derived: x: strings.Repeat(parameters.name, -1 + parameters.n)
`)
	_, err := b.Resolve(context.Background(), blueprint.Set("name=a"))
	ve := validationError(t, err)
	require.NotEmpty(t, ve.Fields)
	assert.Equal(t, 13, ve.Fields[0].Pos().Line, ve.Error())
	assert.Equal(t, "derived.x", ve.Fields[0].Path)
}

// Every kind of error a parameter can produce reads the same in the user's
// words, whether the value came from YAML, JSON or --set: once per field,
// with the field's @error message when it has one, and never about a derived
// value.
func TestResolveErrorWords(t *testing.T) {
	b := load(t, `name: "words"
version: "1.0.0"
description: "one parameter per kind of error"
owner: "platform"
parameters: {
	// Service name: a DNS label.
	name: string
	count: int & >=1 & <=5 | *1
	slug: string & =~"^[a-z]+$" | *"abc"
	env: *"dev" | "prod"
	if env == "prod" {
		count: >=3 @error("prod needs at least 3")
	}
	flag: bool | *false
	db: {size: int | *1}
	zone:  *"a" | "b"
	level: int | *1
	if zone == "b" {
		level: >=2
	}
	tier:     *"dev" | "prod" | "test"
	replicas: int | *2
	if tier == "prod" {
		replicas: >=3
	}
	if tier == "test" {
		replicas: <=1
	}
}
derived: label: "\(parameters.name)-\(parameters.env)"
`)
	cases := []struct {
		kind       string
		yaml, json string
		set        []string
		path, want string
	}{
		{"type", "count: three", `{"count": "three"}`, []string{"count=three"}, "count", `want an integer, got "three"`},
		{"bool type", "flag: 3", `{"flag": 3}`, []string{"flag=3"}, "flag", `want true or false, got 3`},
		{"bound", "count: 9", `{"count": 9}`, []string{"count=9"}, "count", "must be <=5 (got 9)"},
		{"pattern", "slug: ABC", `{"slug": "ABC"}`, []string{"slug=ABC"}, "slug", `must match ^[a-z]+$ (got "ABC")`},
		{"enum", "env: test", `{"env": "test"}`, []string{"env=test"}, "env", `must be one of "dev", "prod" (got "test")`},
		{"closed", "db: {sise: 2}", `{"db": {"sise": 2}}`, []string{"db.sise=2"}, "db.sise", "unknown parameter (known: size)"},
		{"cross-field", "env: prod\ncount: 2", `{"env": "prod", "count": 2}`, []string{"env=prod", "count=2"}, "count", "prod needs at least 3"},
		{"cross-field on the default", "env: prod", `{"env": "prod"}`, []string{"env=prod"}, "count", "prod needs at least 3 (the default 1 breaks it)"},
		{"cross-field on the default, no @error", "zone: b", `{"zone": "b"}`, []string{"zone=b"}, "level", "must be >=2: the default 1 does not satisfy it"},
		// Of two rules on replicas, the one whose condition holds.
		{"cross-field on the default, the rule that applies", "tier: test", `{"tier": "test"}`, []string{"tier=test"}, "replicas", "must be <=1: the default 2 does not satisfy it"},
		{"cross-field on the default, the other rule", "tier: prod", `{"tier": "prod"}`, []string{"tier=prod"}, "replicas", "must be >=3: the default 2 does not satisfy it"},
	}
	ctx := context.Background()
	for _, tc := range cases {
		for _, in := range []struct {
			form  string
			input []blueprint.Input
		}{
			{"yaml", []blueprint.Input{blueprint.ValuesData("v.yaml", []byte("name: a\n"+tc.yaml+"\n"))}},
			{"json", []blueprint.Input{blueprint.ValuesData("v.json", []byte(`{"name": "a"}`)), blueprint.ValuesData("w.json", []byte(tc.json))}},
			{"set", []blueprint.Input{blueprint.Set(append([]string{"name=a"}, tc.set...)...)}},
		} {
			t.Run(tc.kind+"/"+in.form, func(t *testing.T) {
				_, err := b.Resolve(ctx, in.input...)
				ve := validationError(t, err)
				require.Len(t, ve.Fields, 1, ve.Error())
				assert.Equal(t, tc.path, ve.Fields[0].Path)
				want := tc.want
				if in.form == "set" && tc.kind == "bool type" {
					want = `want true or false, got "3"` // --set values are text
				}
				assert.Equal(t, want, ve.Fields[0].Message)
				assert.NotContains(t, ve.Error(), "derived")
				assert.NotContains(t, ve.Error(), "conflicting")
			})
		}
	}
	t.Run("required", func(t *testing.T) {
		_, err := b.Resolve(ctx)
		ve := validationError(t, err)
		require.Len(t, ve.Fields, 1, ve.Error())
		assert.Equal(t, "name", ve.Fields[0].Path)
		assert.Equal(t, "required (Service name: a DNS label)", ve.Fields[0].Message)
		assert.True(t, ve.Fields[0].Missing)
		assert.Equal(t, 7, ve.Fields[0].Pos().Line, "the declaration")
	})
}
