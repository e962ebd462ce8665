package render_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/render"
)

func TestFuncs(t *testing.T) {
	data := map[string]any{
		"name":  "order service",
		"id":    "myHTTPServer",
		"n":     int64(3),
		"f":     2.0,
		"list":  []any{"a", "b"},
		"empty": "",
		"db":    map[string]any{"size": int64(10), "tags": []any{"x"}},
	}
	cases := map[string]string{
		`{{lower "ABC"}} {{upper "abc"}} {{title "abc"}}`:                                   "abc ABC Abc",
		`{{camel .name}} {{pascal .name}} {{snake .name}} {{kebab .name}}`:                  "orderService OrderService order_service order-service",
		`{{snake .id}} {{kebab "fooBar-baz_qux"}}`:                                          "my_httpserver foo-bar-baz-qux",
		`{{quote .name}} {{squote .name}} {{quote .n}}`:                                     `"order service" 'order service' "3"`,
		`{{indent 2 "a\nb"}}|{{nindent 4 "c"}}`:                                             "  a\n  b|\n    c",
		`{{trim "  x  "}} {{trimPrefix "v" "v1.2"}} {{trimSuffix ".tmpl" "a.tmpl"}}`:        "x 1.2 a",
		`{{replace "-" "_" "a-b-c"}} {{join "," .list}} {{index (split "." "a.b") 1}}`:      "a_b_c a,b b",
		`{{contains "der" .name}} {{hasPrefix "or" .name}} {{hasSuffix "x" .name}}`:         "true true false",
		`{{default "fallback" .empty}} {{default "fallback" .name}} {{default 1 .missing}}`: "fallback order service 1",
		`{{empty .empty}} {{empty .list}} {{empty 0}}`:                                      "true false true",
		`{{toJson .db}}`: `{"size":10,"tags":["x"]}`,
		`{{toYaml .db}}`: "size: 10\ntags:\n  - x",
		`{{add .n 2}} {{sub .n 5}} {{mul .n .f}}`: "5 -2 6",
		`{{.name | replace " " "-" | upper}}`:     "ORDER-SERVICE",
	}
	r := render.Template()
	for src, want := range cases {
		var out bytes.Buffer
		err := r.Render(context.Background(), &out, &render.Request{Path: "t", Source: []byte(src), Data: data})
		require.NoError(t, err, src)
		assert.Equal(t, want, out.String(), src)
	}
	for _, bad := range []string{`{{add "x" 1}}`, `{{mul 1.5 2}}`, `{{join "," 3}}`, `{{env "HOME"}}`, `{{readFile "/etc/passwd"}}`, `{{now}}`} {
		err := r.Render(context.Background(), &bytes.Buffer{}, &render.Request{Path: "t", Source: []byte(bad), Data: data})
		assert.Error(t, err, bad)
	}
	// Nothing reads the environment, files, the network or the clock.
	for _, name := range []string{"env", "expandenv", "readFile", "now", "date", "getHostByName", "exec", "shell"} {
		_, ok := render.Funcs()[name]
		assert.False(t, ok, name)
	}
}

// TestFuncsFoundInActions renders templates whose functions hide behind
// what the scan for used functions must step over: literals holding "}}"
// or quotes, raw strings across lines, comments, trim markers, and names
// that occur only in the text around the actions.
func TestFuncsFoundInActions(t *testing.T) {
	data := map[string]any{"name": "Order"}
	cases := map[string]string{
		`upper lower {{.name}}`:                                  "upper lower Order",
		`{{printf "}}" | upper}} {{lower .name}}`:                "}} order",
		`{{printf "a\"}}" | upper}}{{upper .name}}`:              `A"}}ORDER`,
		"{{printf `x\n}}\"` | upper}} {{lower .name}}":           "X\n}}\" order",
		`{{/* "upper }} */}}{{lower .name}}`:                     "order",
		`{{- /* " */ -}} {{upper .name}}`:                        "ORDER",
		"{{-\t/* \" */ -}} {{upper .name}}":                      "ORDER",
		`{{if eq 'x' 'x'}}{{kebab .name}}{{end}}`:                "order",
		`a {{ "{{" }} {{snake .name}} }} b {{title "x"}}`:        "a {{ order }} b X",
		`{{define "u"}}{{upper .}}{{end}}{{template "u" .name}}`: "ORDER",
	}
	r := render.Template()
	for src, want := range cases {
		var out bytes.Buffer
		err := r.Render(context.Background(), &out, &render.Request{Path: "t", Source: []byte(src), Data: data})
		require.NoError(t, err, src)
		assert.Equal(t, want, out.String(), src)
	}
	// Errors still name the file and line, and an undefined function is
	// still refused.
	for _, bad := range []string{"x\n{{upper .name", "{{nosuch .name}}", `{{upper "x}}`, "{{/* x"} {
		err := r.Render(context.Background(), &bytes.Buffer{}, &render.Request{Path: "t", Source: []byte(bad), Data: data})
		assert.Error(t, err, bad)
	}
	err := r.Render(context.Background(), &bytes.Buffer{}, &render.Request{Path: "f.tmpl", Source: []byte("a\nb {{nosuch}}"), Data: data})
	assert.ErrorContains(t, err, "f.tmpl:2")
}
