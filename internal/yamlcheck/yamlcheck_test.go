package yamlcheck

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestCheckRefuses(t *testing.T) {
	bomb, err := os.ReadFile("testdata/mergebomb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("testdata/selfmerge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("[", 500) + strings.Repeat("]", 500)
	var deepBlock strings.Builder
	for i := range 150 {
		deepBlock.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	var laughs strings.Builder
	laughs.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		laughs.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				laughs.WriteString(", ")
			}
			laughs.WriteString("*a" + string(rune('0'+i-1)))
		}
		laughs.WriteString("]\n")
	}
	for _, tc := range []struct {
		name, doc, want string
		line            int
	}{
		{"merge bomb", string(bomb), "expands to more than 100000 nodes", 0},
		{"self merge", string(self), `anchor "a" refers to itself`, 2},
		{"self alias", "x: &a [1, *a]\n", `anchor "a" refers to itself`, 1},
		{"mutual", "x: &a {y: &b {<<: *a}}\n", `anchor "a" refers to itself`, 1},
		{"billion laughs", laughs.String(), "expands to more than 100000 nodes", 0},
		{"deep flow", deep, "nested deeper than 100 levels", 1},
		{"deep block", deepBlock.String(), "nested deeper than 100 levels", 0},
		{"many nodes", "[" + strings.Repeat("1,", 120_000) + "1]", "expands to more than 100000 nodes", 1},
		// Far over the budget: refused by the scan, before any parse.
		{"far too many nodes", "[" + strings.Repeat("1,", 250_000) + "1]", "YAML has more than 100000 nodes", 1},
		{"far too many keys", strings.Repeat("a: 1\n", 250_000), "YAML has more than 100000 nodes", 200_001},
		{"far too many explicit keys", strings.Repeat("? a\n", 250_000), "YAML has more than 100000 nodes", 200_001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check("values.yaml", []byte(tc.doc), Limits{})
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrLimit) {
				t.Fatalf("Check = %v, want an *Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "values.yaml:") {
				t.Errorf("error %q, want values.yaml: ... %q", err, tc.want)
			}
			if tc.line > 0 && e.Line != tc.line {
				t.Errorf("line %d, want %d", e.Line, tc.line)
			}
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	for _, doc := range []string{
		"",
		"name: orders\n",
		"name: orders\ntier: prod\nreplicas: 3\nlabels: {team: payments, cost-center: \"42\"}\n",
		// Ordinary anchors and merges, counted and well under the budget.
		"base: &base {cpu: 1, memory: 2Gi}\nprod:\n  <<: *base\n  cpu: 4\ndev: *base\n",
		// The same anchor used in sibling places is not a cycle.
		"a: &a [1, 2]\nb: [*a, *a, {c: *a}]\n",
		// Several documents.
		"a: 1\n---\nb: &x 2\nc: *x\n",
		// Not YAML: the decoder reports it.
		"a: [1, 2\n",
		"x: *undefined\n",
		"url: http://example.com/a*b\n",
	} {
		if err := Check("in.yaml", []byte(doc), Limits{}); err != nil {
			t.Errorf("Check(%q) = %v", doc, err)
		}
	}
}

func TestCheckCountsExactly(t *testing.T) {
	// The mapping, 2 keys, the 3-node sequence, then b's alias copies
	// the sequence: 9 nodes.
	doc := "a: &a [1, 2]\nb: *a\n"
	if err := Check("in.yaml", []byte(doc), Limits{MaxNodes: 9}); err != nil {
		t.Errorf("with 9 nodes allowed: %v", err)
	}
	if err := Check("in.yaml", []byte(doc), Limits{MaxNodes: 8}); err == nil {
		t.Error("with 8 nodes allowed: no error")
	}
	// A merge key copies the merged mapping: 1 + (1 + 3) + (1 + 1 + 1 + 3).
	doc = "a: &a {x: 1}\nb: {<<: *a}\n"
	if err := Check("in.yaml", []byte(doc), Limits{MaxNodes: 11}); err != nil {
		t.Errorf("merge with 11 nodes allowed: %v", err)
	}
	if err := Check("in.yaml", []byte(doc), Limits{MaxNodes: 10}); err == nil {
		t.Error("merge with 10 nodes allowed: no error")
	}
}

func TestCheckJSON(t *testing.T) {
	if err := CheckJSON("in.json", []byte(`{"name":"orders","n":[1,2,3]}`), Limits{}); err != nil {
		t.Fatal(err)
	}
	big := `{` + strings.Repeat(`"k":1,`, 60_000) + `"z":1}`
	err := CheckJSON("in.json", []byte(big), Limits{})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "more than 100000 values") {
		t.Fatalf("CheckJSON = %v", err)
	}
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	if err := CheckJSON("in.json", []byte(deep), Limits{}); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "in.json:1:101: nested deeper than 100 levels") {
		t.Fatalf("CheckJSON = %v", err)
	}
}

// FuzzCheck checks that Check never panics or overflows, and that a
// document it accepts decodes into a tree no larger than the budget.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"name: orders\n",
		"x: &a {k: 1, <<: *a}\n",
		"a: &a [1, 2]\nb: [*a, *a]\n",
		"a: &a {x: 1}\nb: {<<: [*a, *a]}\n",
		"- - - [a, {b: c}]\n",
		"? a\n: b\n",
		"a: |\n  text *x\n",
		strings.Repeat("- ", 32) + "a\n",
		strings.Repeat("[", 32) + strings.Repeat("]", 32),
		"a:\n b:\n  c:\n   d:\n    e:\n     f: [[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	} {
		f.Add([]byte(s))
	}
	bomb, err := os.ReadFile("testdata/mergebomb.yaml")
	if err == nil {
		f.Add(bomb)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxNodes: 2000, MaxDepth: 30}
		if err := Check("f.yaml", data, lim); err != nil {
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("error %v does not wrap ErrLimit", err)
			}
			return
		}
		// Accepted: expanding it really stays within the budget.
		var v any
		if yaml.Unmarshal(data, &v) != nil {
			return
		}
		if n := count(v, 0); n > int64(lim.MaxNodes) {
			t.Fatalf("accepted a document of %d nodes", n)
		}
		if d := depth(v, 0); d > lim.MaxDepth {
			t.Fatalf("accepted a document nested %d deep", d)
		}
	})
}

// depth returns how deeply the collections of a decoded value nest.
func depth(v any, d int) int {
	if d > 200 {
		return d
	}
	m := d
	switch v := v.(type) {
	case map[string]any:
		m = d + 1
		for _, x := range v {
			m = max(m, depth(x, d+1))
		}
	case []any:
		m = d + 1
		for _, x := range v {
			m = max(m, depth(x, d+1))
		}
	}
	return m
}

// count counts the nodes of a decoded value, stopping past a bound.
func count(v any, depth int) int64 {
	if depth > 200 {
		return 1 << 40
	}
	switch v := v.(type) {
	case map[string]any:
		n := int64(1)
		for _, x := range v {
			n += 1 + count(x, depth+1)
		}
		return n
	case []any:
		n := int64(1)
		for _, x := range v {
			n += count(x, depth+1)
		}
		return n
	}
	return 1
}

// FuzzCheckJSON checks that CheckJSON never panics, and that a document it
// accepts holds no more values than the budget.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"name":"orders"}`, `[[[[1]]]]`, `{"a":[1,2,{"b":null}]}`, `{"a":`, `1 2 3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxNodes: 500, MaxDepth: 20}
		if err := CheckJSON("f.json", data, lim); err != nil {
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("error %v does not wrap ErrLimit", err)
			}
			return
		}
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		if n := count(v, 0); n > 2*int64(lim.MaxNodes) {
			t.Fatalf("accepted a document of %d nodes", n)
		}
	})
}

// FuzzStructure checks that the count of structure is a lower bound, with
// the caller's margin of two, of the nodes of every document the parser
// accepts: a document within the budget is never refused by it.
func FuzzStructure(f *testing.F) {
	for _, s := range []string{
		"name: orders\n",
		"a: [1, 2, {b: c}]\n",
		"- - a\n- b\n",
		"a: |\n  - x\n  - y\nb: >\n  k: v\n",
		"a: \"x, y: z\"\nb: 'it''s: - here'\n",
		"# - comment: x\na: b # c: d\n",
		"? a\n: b\n",
		"{a, b, c}\n",
		"text: a - b - c\n",
		"a:\n  - b: c\n    d: e\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _, n := structure(data, 1<<62)
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		nodes := int64(0)
		for {
			var doc yaml.Node
			if err := dec.Decode(&doc); err != nil {
				if err.Error() != "EOF" {
					return // not YAML: the bound need not hold
				}
				break
			}
			nodes += literal(&doc)
		}
		if n > 2*nodes+2 {
			t.Fatalf("structure counted %d for %d nodes", n, nodes)
		}
	})
}

// literal counts the nodes of a parsed document, aliases not expanded.
func literal(n *yaml.Node) int64 {
	c := int64(0)
	if n.Kind != yaml.DocumentNode {
		c = 1
	}
	for _, k := range n.Content {
		c += literal(k)
	}
	return c
}
