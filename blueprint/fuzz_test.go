package blueprint_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// FuzzLoad loads arbitrary blueprint.cue sources: every outcome is a
// blueprint or an error, never a panic, and a ValidationError always names a
// position in blueprint.cue.
func FuzzLoad(f *testing.F) {
	f.Add(serviceCUE)
	f.Add("name: \"a\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: {x: int | *1}\n")
	f.Add("parameters: {")
	f.Add("name: \"a\"\nfiles: \"**\": include: parameters.x\nparameters: x: bool\n")
	f.Add("import \"strings\"\nname: strings.ToLower(\"A\")\n")
	f.Fuzz(func(t *testing.T, src string) {
		fsys := fstest.MapFS{"blueprint.cue": {Data: []byte(src)}, "template/a.txt": {Data: []byte("a")}}
		opts := &blueprint.Options{EvalTimeout: 2 * time.Second, MaxSchemaBytes: 64 << 10}
		b, err := blueprint.LoadFS(context.Background(), fsys, "fuzz", opts)
		if err != nil {
			var ve *blueprint.ValidationError
			if errors.As(err, &ve) {
				for _, fe := range ve.Fields {
					if s := fe.String(); strings.Contains(s, "goldenpath:schema.cue") {
						t.Fatalf("meta-schema position leaked: %s", s)
					}
				}
			}
			return
		}
		if b.Name == "" || b.Version == "" {
			t.Fatalf("loaded without name or version: %+v", b)
		}
		_, _ = b.Resolve(context.Background())
		_ = b.JSONSchema()
	})
}

// FuzzResolveValues resolves arbitrary YAML and JSON values files.
func FuzzResolveValues(f *testing.F) {
	f.Add("values.yaml", "name: Bad_Name\ntier: prod\nreplicas: 1\n")
	f.Add("values.json", `{"name": "abc", "db": {"size": 3}}`)
	f.Add("values.yaml", "- a\n")
	f.Add("values.yaml", "name: &a abc\nother: *a\n")
	f.Add("values.json", `{"tags": [1, {"x": null}]}`)
	bp := load(f, serviceCUE)
	f.Fuzz(func(t *testing.T, name, data string) {
		p, err := bp.Resolve(context.Background(), blueprint.ValuesData(name, []byte(data)))
		if err == nil {
			if _, ok := p.Values()["name"].(string); !ok {
				t.Fatalf("resolved without a name: %v", p.Values())
			}
			return
		}
		var ve *blueprint.ValidationError
		if errors.As(err, &ve) && len(ve.Fields) == 0 {
			t.Fatalf("validation error without fields: %v", err)
		}
	})
}

// FuzzSet resolves arbitrary KEY=VALUE pairs.
func FuzzSet(f *testing.F) {
	f.Add("name=abc", "tags=[a,b]")
	f.Add("replicas=3", "db.size=x")
	f.Add("=", "a.b.c=[")
	f.Add("ports=[1, 2]", "ratio=1e3")
	f.Add("debug=true", "db={size: 2}")
	bp := load(f, serviceCUE)
	f.Fuzz(func(t *testing.T, a, b string) {
		_, err := bp.Resolve(context.Background(), blueprint.Set(a, b))
		var ve *blueprint.ValidationError
		if err != nil && errors.As(err, &ve) {
			for _, fe := range ve.Fields {
				if fe.Pos().Filename == "" {
					t.Fatalf("error without a position: %v", fe)
				}
			}
		}
	})
}
