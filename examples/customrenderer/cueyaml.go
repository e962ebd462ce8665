// Package customrenderer shows how to extend goldenpath with a renderer of
// one's own: CUEYAML turns *.cue template files into YAML through CUE
// export, which suits Kubernetes manifests — the manifest is checked by CUE
// (types, constraints, no duplicate keys) before it is ever written.
//
// Register it with the engine by name and by suffix:
//
//	e, err := render.New(&render.Options{
//		Renderers: map[string]render.Renderer{"cue-yaml": customrenderer.CUEYAML()},
//		Suffixes:  []render.Suffix{{Suffix: ".cue", Renderer: "cue-yaml", Replace: ".yaml"}},
//	})
//
// Inside a template file the parameters and derived values are in scope by
// name: `metadata: "name": name` reads the name parameter (quote a label that
// has the name of a parameter, or it refers to itself).
package customrenderer

import (
	"context"
	"fmt"
	"io"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/encoding/yaml"

	"github.com/goldenpath-dev/goldenpath/render"
)

// CUEYAML returns the renderer. It is a render.Preparer: Prepare checks the
// syntax once; every Execute evaluates in a fresh cue.Context, so renders
// share no state and memory does not grow.
func CUEYAML() render.Renderer { return cueYAML{} }

type cueYAML struct{}

func (r cueYAML) Render(ctx context.Context, w io.Writer, in *render.Request) error {
	p, err := r.Prepare(in.Path, in.Source)
	if err != nil {
		return err
	}
	return p.Execute(ctx, w, in.Data)
}

func (cueYAML) Prepare(path string, src []byte) (render.Prepared, error) {
	if _, err := parser.ParseFile(path, src); err != nil {
		return nil, err
	}
	return prepared{path: path, src: src}, nil
}

type prepared struct {
	path string
	src  []byte
}

func (p prepared) Execute(ctx context.Context, w io.Writer, data map[string]any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := cuecontext.New()
	scope := c.Encode(data)
	if err := scope.Err(); err != nil {
		return fmt.Errorf("%s: data: %w", p.path, err)
	}
	v := c.CompileBytes(p.src, cue.Filename(p.path), cue.Scope(scope))
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	out, err := yaml.Encode(v)
	if err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}
