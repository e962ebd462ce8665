package render_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

func Example() {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	params, err := bp.Resolve(ctx, blueprint.Set("name=orders", "tier=prod", "replicas=3"))
	if err != nil {
		fmt.Println(err)
		return
	}
	engine, err := render.New(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	plan, err := engine.Render(ctx, bp, params, filepath.Join(tmp, "orders"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	levels := plan.Levels()
	fmt.Println("managed:", levels[blueprint.Managed], "shared:", levels[blueprint.Shared], "seeded:", levels[blueprint.Seeded])
	f, _ := plan.Manifest.File("cmd/orders/main.go")
	fmt.Println(f.Template, "->", f.Path, f.Level)
	// Output:
	// managed: 3 shared: 5 seeded: 2
	// cmd/{{.name}}/main.go.tmpl -> cmd/orders/main.go shared
}

// A custom renderer is a function; a suffix routes files to it.
func ExampleRendererFunc() {
	upper := render.RendererFunc(func(ctx context.Context, w io.Writer, in *render.Request) error {
		_, err := w.Write(bytes.ToUpper(in.Source))
		return err
	})
	_, err := render.New(&render.Options{
		Renderers: map[string]render.Renderer{"upper": upper},
		Suffixes:  []render.Suffix{{Suffix: ".shout", Renderer: "upper", Replace: ".txt"}},
	})
	fmt.Println(err)
	var out bytes.Buffer
	_ = upper.Render(context.Background(), &out, &render.Request{Path: "hello.shout", Source: []byte("hello")})
	fmt.Println(out.String())
	// Output:
	// <nil>
	// HELLO
}
