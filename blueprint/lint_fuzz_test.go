package blueprint_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// FuzzLint lints arbitrary parameter schemas: every loaded blueprint lints
// without a panic, and every warning names a parameter and a position in
// blueprint.cue.
func FuzzLint(f *testing.F) {
	f.Add("a: int & >=1024 | *8080\nb: int & >=1024 & !=a | *9090")
	f.Add("a: int & <=10 | *11\nn: {m: int & <=1 | *2}")
	f.Add("t: *\"dev\" | \"prod\"\nr: =~\"^x\" | *\"y\"")
	f.Add("p: string | *{a: \"x\"}[q]\nq: *\"a\" | \"b\"")
	f.Add("x: (int | *1) | (*2 | string)")
	f.Fuzz(func(t *testing.T, params string) {
		src := "name: \"a\"\nversion: \"1.0.0\"\ndescription: \"d\"\nowner: \"o\"\nparameters: {\n" + params + "\n}\n"
		fsys := fstest.MapFS{"blueprint.cue": {Data: []byte(src)}}
		opts := &blueprint.Options{EvalTimeout: 2 * time.Second, MaxSchemaBytes: 64 << 10}
		b, err := blueprint.LoadFS(context.Background(), fsys, "fuzz", opts)
		if err != nil {
			return
		}
		ws, err := b.Lint(context.Background())
		if err != nil {
			return
		}
		for _, w := range ws {
			if w.Path == "" || !w.Pos().IsValid() || !strings.HasSuffix(w.Pos().Filename, "blueprint.cue") || w.Message == "" {
				t.Fatalf("warning without a parameter or a position: %+v", w)
			}
		}
	})
}
