package rendertest_test

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/render"
	"github.com/goldenpath-dev/goldenpath/render/rendertest"
)

var data = map[string]any{"name": "orders", "replicas": int64(3), "db": map[string]any{"size": int64(10)}, "tags": []any{"a", "b"}}

func TestFake(t *testing.T) {
	rendertest.Run(t, rendertest.Suite{
		New: rendertest.Fake,
		Valid: []rendertest.Case{
			{Name: "plain", Input: render.Request{Path: "a", Source: []byte("no placeholders\n"), Data: data}, Want: []byte("no placeholders\n")},
			{Name: "values", Input: render.Request{Path: "b", Source: []byte("${name} x${replicas} ${db.size}"), Data: data}, Want: []byte("orders x3 10")},
		},
		Invalid: []rendertest.Case{
			{Name: "missing key", Input: render.Request{Path: "c", Source: []byte("${nope}"), Data: data}},
			{Name: "unclosed", Input: render.Request{Path: "d", Source: []byte("${name"), Data: data}},
		},
	})
}

func TestBuiltins(t *testing.T) {
	rendertest.Run(t, rendertest.Suite{
		New: render.Template,
		Valid: []rendertest.Case{
			{Name: "substitution", Input: render.Request{Path: "a.tmpl", Source: []byte("{{.name}}: {{.replicas}}"), Data: data}, Want: []byte("orders: 3")},
			{Name: "functions", Input: render.Request{Path: "b.tmpl", Source: []byte("{{.name | upper}} {{join \",\" .tags}} {{toJson .db}}\n{{toYaml .db}}"), Data: data}, Want: []byte("ORDERS a,b {\"size\":10}\nsize: 10")},
			{Name: "control", Input: render.Request{Path: "c.tmpl", Source: []byte("{{range .tags}}-{{.}}{{end}}{{if gt .replicas 2}}!{{end}}"), Data: data}, Want: []byte("-a-b!")},
		},
		Invalid: []rendertest.Case{
			{Name: "syntax", Input: render.Request{Path: "d.tmpl", Source: []byte("{{.name"), Data: data}},
			{Name: "unknown function", Input: render.Request{Path: "e.tmpl", Source: []byte("{{env \"HOME\"}}"), Data: data}},
			{Name: "execution", Input: render.Request{Path: "f.tmpl", Source: []byte("{{index .tags 9}}"), Data: data}},
		},
	})
	rendertest.Run(t, rendertest.Suite{
		New: render.Copy,
		Valid: []rendertest.Case{
			{Name: "text", Input: render.Request{Path: "a", Source: []byte("{{.name}}"), Data: data}, Want: []byte("{{.name}}")},
			{Name: "binary", Input: render.Request{Path: "b", Source: []byte{0, 1, 2, 255}}, Want: []byte{0, 1, 2, 255}},
		},
	})
}

// Broken renderers must be caught: each violates one rule.
func TestKitCatchesBrokenRenderers(t *testing.T) {
	valid := []rendertest.Case{{Name: "v", Input: render.Request{Path: "a", Source: []byte("${name}"), Data: data}, Want: []byte("orders")}}
	invalid := []rendertest.Case{{Name: "i", Input: render.Request{Path: "b", Source: []byte("${nope}"), Data: map[string]any{"name": "x"}}}}
	cases := map[string]struct {
		r    func() render.Renderer
		rule string
	}{
		"ignores context": {func() render.Renderer {
			return render.RendererFunc(func(ctx context.Context, w io.Writer, in *render.Request) error {
				return rendertest.Fake().Render(context.Background(), w, in)
			})
		}, "cancel:"},
		"not deterministic": {func() render.Renderer {
			var n atomic.Int64
			return render.RendererFunc(func(ctx context.Context, w io.Writer, in *render.Request) error {
				if err := rendertest.Fake().Render(ctx, w, in); err != nil {
					return err
				}
				_, err := io.WriteString(w, strings.Repeat(".", int(n.Add(1)%2)))
				return err
			})
		}, "deterministic:"},
		"accepts everything": {func() render.Renderer {
			return render.RendererFunc(func(ctx context.Context, w io.Writer, in *render.Request) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				_, err := io.WriteString(w, "orders")
				return err
			})
		}, "invalid:"},
		"swallows write errors": {func() render.Renderer {
			return render.RendererFunc(func(ctx context.Context, w io.Writer, in *render.Request) error {
				if err := rendertest.Fake().Render(ctx, io.Discard, in); err != nil {
					return err
				}
				w.Write([]byte("orders"))
				return nil
			})
		}, "write-error:"},
		"mutates data": {func() render.Renderer {
			return render.RendererFunc(func(ctx context.Context, w io.Writer, in *render.Request) error {
				if in.Path == "b" { // only the invalid case, which no goroutines share
					in.Data["seen"] = true
				}
				return rendertest.Fake().Render(ctx, w, in)
			})
		}, "read-only:"},
		"panics": {func() render.Renderer {
			return render.RendererFunc(func(ctx context.Context, w io.Writer, in *render.Request) error {
				if strings.Contains(string(in.Source), "nope") {
					panic("boom")
				}
				return rendertest.Fake().Render(ctx, w, in)
			})
		}, "invalid: i: panic: boom"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := map[string]any{"name": "orders"}
			v := []rendertest.Case{{Name: valid[0].Name, Input: render.Request{Path: "a", Source: valid[0].Input.Source, Data: d}, Want: valid[0].Want}}
			err := rendertest.TestRenderer(t.Context(), rendertest.Suite{New: tc.r, Valid: v, Invalid: invalid})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.rule)
		})
	}
	assert.NoError(t, rendertest.TestRenderer(t.Context(), rendertest.Suite{New: rendertest.Fake, Valid: valid, Invalid: invalid}))
}

// TestRendererRendersUnderCtx: the kit renders under the context it is
// given, so a cancelled one makes a conforming renderer's valid inputs fail.
func TestRendererRendersUnderCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	valid := []rendertest.Case{{Name: "greeting", Input: render.Request{Path: "a", Source: []byte("hello ${name}"), Data: map[string]any{"name": "orders"}}}}
	err := rendertest.TestRenderer(ctx, rendertest.Suite{New: rendertest.Fake, Valid: valid})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "valid: greeting: context canceled")
}
