package render_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing/fstest"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

// How files are named and rendered (docs/renderers.md): a Suffix routes
// files to a renderer and renames them; a files rule picks a renderer and
// keeps the name; other files are copied. Loading with the engine's
// renderer names refuses a blueprint that names a renderer the engine
// lacks, with its position.
func ExampleSuffix() {
	ctx := context.Background()
	upper := render.RendererFunc(func(ctx context.Context, w io.Writer, in *render.Request) error {
		_, err := w.Write(bytes.ToUpper(in.Source))
		return err
	})
	engine, err := render.New(&render.Options{
		Renderers: map[string]render.Renderer{"upper": upper},
		Suffixes: []render.Suffix{
			{Suffix: ".up", Renderer: "upper", Replace: ".txt"}, // hello.up -> hello.txt
			{Suffix: ".raw", Renderer: render.CopyRenderer},     // x.conf.raw -> x.conf, as is
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fsys := fstest.MapFS{
		"blueprint.cue": {Data: []byte(`name: "renderers"
version: "1.0.0"
description: "how files are named"
owner: "platform"
parameters: name: string
files: "notes/**": renderer: "upper"
files: "docs/*.md": renderer: "copy"
`)},
		"template/hello.up":               {Data: []byte("hello\n")},
		"template/notes/todo.md":          {Data: []byte("ship it\n")},
		"template/README.md.tmpl":         {Data: []byte("# {{.name}}\n")},
		"template/etc/{{.name}}.conf.raw": {Data: []byte("name={{.name}}\n")},
		"template/docs/guide.md.tmpl":     {Data: []byte("{{.name}} is yours\n")},
		"template/LICENSE":                {Data: []byte("MIT\n")},
	}
	bp, err := blueprint.LoadFS(ctx, fsys, "renderers", &blueprint.Options{Renderers: engine.Renderers()})
	if err != nil {
		fmt.Println(err)
		return
	}
	params, err := bp.Resolve(ctx, blueprint.Set("name=orders"))
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
	for _, f := range plan.Manifest.Files {
		out, _ := os.ReadFile(filepath.Join(tmp, "orders", filepath.FromSlash(f.Path)))
		fmt.Printf("%-26s -> %-15s %-8s %q\n", f.Template, f.Path, f.Renderer, out)
	}

	// The default engine has no "upper".
	defaults, _ := render.New(nil)
	_, err = blueprint.LoadFS(ctx, fsys, "renderers", &blueprint.Options{Renderers: defaults.Renderers()})
	var unknown *blueprint.UnknownRendererError
	if errors.As(err, &unknown) {
		fmt.Println(unknown.Renderer, "at line", unknown.Pos.Line, "known:", unknown.Known)
	}
	// Output:
	// LICENSE                    -> LICENSE         copy     "MIT\n"
	// README.md.tmpl             -> README.md       template "# orders\n"
	// docs/guide.md.tmpl         -> docs/guide.md   copy     "{{.name}} is yours\n"
	// etc/{{.name}}.conf.raw     -> etc/orders.conf copy     "name={{.name}}\n"
	// hello.up                   -> hello.txt       upper    "HELLO\n"
	// notes/todo.md              -> notes/todo.md   upper    "SHIP IT\n"
	// upper at line 6 known: [copy template]
}
