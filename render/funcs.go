package render

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"text/template"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Funcs returns the functions available to the built-in template renderer,
// besides text/template's own. None of them reads the environment, files,
// the network or the clock, so a render depends only on its inputs.
//
//	lower, upper, title          change case ("my-svc" → "My-svc" for title)
//	camel, pascal, snake, kebab  "order service" → orderService, OrderService, order_service, order-service
//	quote, squote                wrap in double (Go-escaped) or single quotes
//	indent N S, nindent N S      indent every line of S by N spaces (nindent starts with a newline)
//	trim, trimPrefix P S, trimSuffix X S
//	replace OLD NEW S, join SEP LIST, split SEP S
//	contains SUB S, hasPrefix P S, hasSuffix X S
//	default D V                  V, or D when V is empty (nil, "", 0, false, empty list or map)
//	empty V                      whether V is empty
//	toYaml V, toJson V           YAML (2-space indent, no trailing newline) or compact JSON
//	add A B, sub A B, mul A B    integer arithmetic
//
// Argument order follows the pipeline convention: the value piped in comes
// last ({{.name | replace "-" "_"}}).
//
// The built-in template renderer runs its own copies of the functions that
// can grow values (indent, nindent, join, replace, split, quote, squote,
// toYaml, toJson, and text/template's printf, print, println, html, js and
// urlquery), which check the size they would make against the render's
// limits first; those returned here do not. A custom renderer running
// untrusted templates with them bounds its own output.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"lower":      strings.ToLower,
		"upper":      strings.ToUpper,
		"title":      title,
		"camel":      func(s string) string { return joinWords(words(s), false) },
		"pascal":     func(s string) string { return joinWords(words(s), true) },
		"snake":      func(s string) string { return strings.Join(lowerAll(words(s)), "_") },
		"kebab":      func(s string) string { return strings.Join(lowerAll(words(s)), "-") },
		"quote":      func(v any) string { return fmt.Sprintf("%q", toString(v)) },
		"squote":     func(v any) string { return "'" + toString(v) + "'" },
		"indent":     indent,
		"nindent":    func(n int, s string) string { return "\n" + indent(n, s) },
		"trim":       strings.TrimSpace,
		"trimPrefix": func(p, s string) string { return strings.TrimPrefix(s, p) },
		"trimSuffix": func(x, s string) string { return strings.TrimSuffix(s, x) },
		"replace":    func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
		"join":       join,
		"split":      func(sep, s string) []string { return strings.Split(s, sep) },
		"contains":   func(sub, s string) bool { return strings.Contains(s, sub) },
		"hasPrefix":  func(p, s string) bool { return strings.HasPrefix(s, p) },
		"hasSuffix":  func(x, s string) bool { return strings.HasSuffix(s, x) },
		"default":    func(d, v any) any { return ternary(isEmpty(v), d, v) },
		"empty":      isEmpty,
		"toYaml":     toYAML,
		"toJson":     toJSON,
		"add":        func(a, b any) (int64, error) { return arith(a, b, func(x, y int64) int64 { return x + y }) },
		"sub":        func(a, b any) (int64, error) { return arith(a, b, func(x, y int64) int64 { return x - y }) },
		"mul":        func(a, b any) (int64, error) { return arith(a, b, func(x, y int64) int64 { return x * y }) },
	}
}

func ternary(c bool, a, b any) any {
	if c {
		return a
	}
	return b
}

func title(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// words splits s at spaces, '-', '_', '.', and lower-to-upper case changes.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == ' ' || r == '-' || r == '_' || r == '.' || r == '/':
			flush()
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

func lowerAll(ws []string) []string {
	for i, w := range ws {
		ws[i] = strings.ToLower(w)
	}
	return ws
}

func joinWords(ws []string, upperFirst bool) string {
	var b strings.Builder
	for i, w := range ws {
		w = strings.ToLower(w)
		if i > 0 || upperFirst {
			w = title(w)
		}
		b.WriteString(w)
	}
	return b.String()
}

func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func join(sep string, list any) (string, error) {
	switch l := list.(type) {
	case []string:
		return strings.Join(l, sep), nil
	case []any:
		parts := make([]string, len(l))
		for i, e := range l {
			parts[i] = toString(e)
		}
		return strings.Join(parts, sep), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("join: %T is not a list", list)
}

func isEmpty(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array:
		return rv.Len() == 0
	case reflect.Bool:
		return !rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return rv.Float() == 0
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

func toYAML(v any) (string, error) {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("toYaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("toYaml: %w", err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("toJson: %w", err)
	}
	return string(b), nil
}

func toInt(v any) (int64, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		if f := rv.Float(); f == float64(int64(f)) {
			return int64(f), nil
		}
	}
	return 0, fmt.Errorf("%v (%T) is not an integer", v, v)
}

func arith(a, b any, op func(x, y int64) int64) (int64, error) {
	x, err := toInt(a)
	if err != nil {
		return 0, err
	}
	y, err := toInt(b)
	if err != nil {
		return 0, err
	}
	return op(x, y), nil
}
