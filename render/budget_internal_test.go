package render

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzExecute runs arbitrary templates under a small budget: each is
// ended by the budget, not by the deadline, with its output and every value within the limit, and an error
// when it stopped at a bound.
func FuzzExecute(f *testing.F) {
	for _, s := range []string{
		`{{range mul 1000 1000}}x{{end}}`,
		`{{$s := "ab"}}{{range 30}}{{$s = printf "%s%s" $s $s}}{{end}}{{$s}}`,
		`{{indent 100000 "x"}}`,
		`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`,
		`{{range $i, $e := .l}}{{range $.l}}{{$e}}{{end}}{{else}}none{{end}}`,
		`{{printf "%[1]s%[1]s%[1]s" .name | js | html | urlquery}}`,
		`{{join (replace "a" "aaaa" .name) (split "" .name)}}`,
		`{{toYaml . | quote | squote}}{{toJson .l}}`,
	} {
		f.Add(s)
	}
	data := map[string]any{"name": "orders-service", "l": []any{1, 2, 3}}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Template().(Preparer).Prepare("f", []byte(src))
		if err != nil {
			return
		}
		const maxBytes = 4096
		// The step and byte budgets end every template within
		// milliseconds; the deadline is only there to catch one they do
		// not end, and is far enough that a busy machine never reaches it
		// first (the test asserts which bound stopped the template, not
		// how long it took).
		ctx, cancel := context.WithTimeout(withLimits(context.Background(), limits{maxBytes: maxBytes, maxSteps: 10000}), time.Minute)
		defer cancel()
		var out limitedWriter
		out.max = maxBytes
		start := time.Now()
		err = p.Execute(ctx, &out, data)
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%q ran until the deadline (%v): no budget ended it", src, time.Since(start))
		}
		if out.Len() > maxBytes {
			t.Fatalf("%q wrote %d bytes", src, out.Len())
		}
		if err != nil && strings.Contains(err.Error(), "Budget") {
			t.Fatalf("%q: the error names a hook: %v", src, err)
		}
	})
}

// limitedWriter fails writes past max, as the engine's writer does.
type limitedWriter struct {
	strings.Builder
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.Len()+len(p) > w.max {
		return 0, fmt.Errorf("%w: output limit", ErrLimit)
	}
	return w.Builder.Write(p)
}

// FuzzPrintfSize checks that the size printf is allowed to make is never
// less than what it makes.
func FuzzPrintfSize(f *testing.F) {
	for _, s := range []string{"%s%s", "%0999d", "%[1]s%[1]s%[1]q", "%*d", "%-10.3x", "%%%v", "%q", "%U"} {
		f.Add(s, "a\x00é<", int64(42))
	}
	f.Fuzz(func(t *testing.T, format, s string, n int64) {
		if len(format) > 64 {
			return
		}
		n %= 1000
		args := []any{s, n, []any{s, n}}
		est := printfSize(format, args, 1<<20)
		if est >= 1<<20 {
			return
		}
		if got := len(fmt.Sprintf(format, args...)); int64(got) > est {
			t.Fatalf("printf %q: estimated %d, made %d", format, est, got)
		}
	})
}

func TestBudgetErrors(t *testing.T) {
	p, err := Template().(Preparer).Prepare("f", []byte(`{{range mul 1000 1000}}{{end}}`))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Execute(withLimits(context.Background(), limits{maxSteps: 1000}), &strings.Builder{}, nil)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "f:1:8") || !strings.Contains(err.Error(), "more than 1000 template steps") {
		t.Fatalf("got %v", err)
	}
}

// TestBoundedIn checks that the bounded functions a template calls are
// found wherever the call is: in a condition, a chain, a nested pipeline,
// a defined template, an else branch, a variable's declaration.
func TestBoundedIn(t *testing.T) {
	for src, want := range map[string]string{
		`plain text with indent and printf in it`:                                "",
		`{{/* indent printf */}}{{ "join" }}{{.printf}}`:                         "",
		`{{if (indent 2 .x)}}{{end}}`:                                            "indent",
		`{{(printf "%s" .).Field}}`:                                              "printf",
		`{{range .l}}{{else}}{{join "," .l}}{{end}}`:                             "join",
		`{{define "a"}}{{.x | quote | js}}{{end}}{{template "a" (toYaml .)}}`:    "js quote toYaml",
		`{{with $v := nindent 2 (replace "a" "b" .s)}}{{$v}}{{end}}`:             "nindent replace",
		`{{print (println (html (urlquery (squote (split "," (toJson .)))))) }}`: "html print println split squote toJson urlquery",
	} {
		p, err := Template().(Preparer).Prepare("f", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got := strings.Join(p.(*preparedTemplate).bounded, " ")
		if got != want {
			t.Errorf("%s: bounded %q, want %q", src, got, want)
		}
	}
}
