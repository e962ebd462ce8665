package merge

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// fileCases are merges of YAML and JSON files by File.
var fileCases = []struct {
	name               string
	file               string
	base, ours, theirs string
	want               string
	structured         bool
	conflicts          []Conflict // compared without Base, Ours and Theirs when Line is 0
}{
	{name: "adjacent yaml keys", file: "deploy.yaml",
		base:       lines("name: orders", "spec:", "  replicas: 3", "  image: orders:1.2"),
		ours:       lines("name: orders", "spec:", "  replicas: 3", "  image: orders:1.3"),
		theirs:     lines("name: orders", "spec:", "  replicas: 5", "  image: orders:1.2"),
		want:       lines("name: orders", "spec:", "  replicas: 5", "  image: orders:1.3"),
		structured: true},
	{name: "comments survive", file: "deploy.yml",
		base:       lines("# orders service", "name: orders", "spec:", "  replicas: 3", "  image: orders:1.2", "  ports:", "  - 80"),
		ours:       lines("# orders service", "name: orders", "spec:", "  replicas: 3", "  # pinned by the platform team", "  image: orders:1.3", "  ports:", "  - 80"),
		theirs:     lines("# orders service", "name: orders", "spec:", "  replicas: 5 # scaled for black friday", "  image: orders:1.2", "  ports:", "  - 80"),
		want:       lines("# orders service", "name: orders", "spec:", "  replicas: 5 # scaled for black friday", "  # pinned by the platform team", "  image: orders:1.3", "  ports:", "  - 80"),
		structured: true},
	{name: "ours' order, theirs' additions after their predecessor", file: "values.yaml",
		base:       lines("a: 1", "b: 2", "c: 3"),
		ours:       lines("c: 3", "b: 2", "a: 10"),
		theirs:     lines("a: 1", "b: 2", "b2: 22", "c: 30"),
		want:       lines("c: 30", "b: 2", "b2: 22", "a: 10"),
		structured: true},
	{name: "both add a mapping", file: "values.yaml",
		base:       lines("a: 1"),
		ours:       lines("a: 1", "b:", "  y: 2"),
		theirs:     lines("a: 1", "b:", "  x: 1"),
		want:       lines("a: 1", "b:", "  x: 1", "  y: 2"), // theirs' x goes first, where theirs has it
		structured: true},
	{name: "deletion next to an edit", file: "values.yaml",
		base:       lines("a: 1", "b: 2", "c: 3"),
		ours:       lines("a: 1", "c: 3"),
		theirs:     lines("a: 1", "b: 2", "c: 4"),
		want:       lines("a: 1", "c: 4"),
		structured: true},
	{name: "value on one side, its comment on the other", file: "a.yaml",
		base:       lines("a: 1 # one", "b: 2"),
		ours:       lines("a: 10 # one", "b: 2"),
		theirs:     lines("a: 1 # uno", "b: 2"),
		want:       lines("a: 10 # uno", "b: 2"),
		structured: true},
	{name: "same key added twice, same value", file: "a.yaml",
		base:       lines("a: 1", "b: 2", "c: 3"),
		ours:       lines("x: 1", "a: 1", "b: 2", "c: 3"),
		theirs:     lines("a: 1", "b: 2", "c: 3", "x: 1"),
		want:       lines("x: 1", "a: 1", "b: 2", "c: 3"),
		structured: true},
	{name: "same key changed", file: "deploy.yaml",
		base:   lines("name: orders", "replicas: 3"),
		ours:   lines("name: orders", "replicas: 4"),
		theirs: lines("name: orders", "replicas: 5"),
		want:   lines("name: orders", "<<<<<<< ours", "replicas: 4", "=======", "replicas: 5", ">>>>>>> theirs"),
		conflicts: []Conflict{{Line: 2, Base: []byte("replicas: 3\n"), Ours: []byte("replicas: 4\n"),
			Theirs: []byte("replicas: 5\n"), Path: "replicas"}}, structured: true},
	{name: "deleted and changed", file: "deploy.yaml",
		base:      lines("a: 1", "b: 2"),
		ours:      lines("a: 1"),
		theirs:    lines("a: 1", "b: 3"),
		want:      lines("a: 1", "<<<<<<< ours", "=======", "b: 3", ">>>>>>> theirs"),
		conflicts: []Conflict{{Line: 2, Base: []byte("b: 2\n"), Theirs: []byte("b: 3\n"), Path: "b"}}, structured: true},
	{name: "sequence items merged by lines", file: "values.yaml",
		base:   lines("ports:", "- 80", "- 443", "- 8080"),
		ours:   lines("ports:", "- 80", "- 443", "- 8080", "- 9090"),
		theirs: lines("ports:", "- 81", "- 443", "- 8080"),
		want:   lines("ports:", "- 81", "- 443", "- 8080", "- 9090")},
	{name: "same key added in two places", file: "values.yaml",
		base:   lines("a: 1", "b: 2", "c: 3"),
		ours:   lines("x: 1", "a: 1", "b: 2", "c: 3"),
		theirs: lines("a: 1", "b: 2", "c: 3", "x: 2"),
		// The lines merge into a duplicate key: both places are marked.
		want: lines("<<<<<<< ours", "x: 1", "a: 1", "b: 2", "c: 3", "=======", "a: 1", "b: 2", "c: 3", "x: 2", ">>>>>>> theirs"),
		conflicts: []Conflict{{Line: 1, Base: []byte(lines("a: 1", "b: 2", "c: 3")), Ours: []byte(lines("x: 1", "a: 1", "b: 2", "c: 3")),
			Theirs: []byte(lines("a: 1", "b: 2", "c: 3", "x: 2")), Path: "x"}}, structured: true},
	{name: "path of nested and odd keys", file: "values.yaml",
		base:   lines("a: 0", "metadata:", "  labels:", "    app.kubernetes.io/name: orders"),
		ours:   lines("x: 1", "a: 0", "metadata:", "  labels:", "    app.kubernetes.io/name: orders", "    team: a"),
		theirs: lines("a: 0", "metadata:", "  labels:", "    app.kubernetes.io/name: orders", "    team: b", "x: 2"),
		want: lines("<<<<<<< ours", "x: 1", "a: 0", "metadata:", "  labels:", "    app.kubernetes.io/name: orders", "    team: a", "=======",
			"a: 0", "metadata:", "  labels:", "    app.kubernetes.io/name: orders", "    team: b", "x: 2", ">>>>>>> theirs"),
		conflicts: []Conflict{{Line: 1, Base: []byte(lines("a: 0", "metadata:", "  labels:", "    app.kubernetes.io/name: orders")),
			Ours:   []byte(lines("x: 1", "a: 0", "metadata:", "  labels:", "    app.kubernetes.io/name: orders", "    team: a")),
			Theirs: []byte(lines("a: 0", "metadata:", "  labels:", "    app.kubernetes.io/name: orders", "    team: b", "x: 2")),
			Path:   `x, metadata.labels.team`}}, structured: true},
	{name: "yaml crlf", file: "a.yaml",
		base:       "a: 1\r\nb: 2\r\n",
		ours:       "a: 10\r\nb: 2\r\n",
		theirs:     "a: 1\r\nb: 20\r\n",
		want:       "a: 10\r\nb: 20\r\n",
		structured: true},
	{name: "yaml layout restored", file: "a.yaml",
		base:       lines("a: 1", "b: 2", "", "# section", "c:   [1,2]", "d: >", "  folded", "  text", "", "list:", "- x"),
		ours:       lines("a: 10", "b: 2", "", "# section", "c:   [1,2]", "d: >", "  folded", "  text", "", "list:", "- x"),
		theirs:     lines("a: 1", "b: 20", "", "# section", "c:   [1,2]", "d: >", "  folded", "  text", "", "list:", "- x"),
		want:       lines("a: 10", "b: 20", "", "# section", "c:   [1,2]", "d: >", "  folded", "  text", "", "list:", "- x"),
		structured: true},
	{name: "ours' spacing next to theirs' change", file: "a.yaml",
		base:       lines("a: 1", "b: 2", "c: 3"),
		ours:       lines("a: 1", "b:    2", "c: 30   # tuned"),
		theirs:     lines("a: 10", "b: 2", "c: 3"),
		want:       lines("a: 10", "b:    2", "c: 30   # tuned"),
		structured: true},
	{name: "white space changed by ours is not undone", file: "a.yaml",
		base:       lines("a: \"x y\"", "b: 2", "", "c: 3"),
		ours:       lines("a: \"x  y\"", "b: 2", "", "c: 3"),
		theirs:     lines("a: \"x y\"", "b: 20", "", "c: 3"),
		want:       lines("a: \"x  y\"", "b: 20", "", "c: 3"),
		structured: true},
	{name: "json layout restored", file: "a.json",
		base:       "{\n  \"a\": 1,\n  \"b\": 2,\n  \"list\": [1, 2, 3],\n  \"obj\": {\"x\": true}\n}\n",
		ours:       "{\n  \"a\": 10,\n  \"b\": 2,\n  \"list\": [1, 2, 3],\n  \"obj\": {\"x\": true}\n}\n",
		theirs:     "{\n  \"a\": 1,\n  \"b\": 20,\n  \"list\": [1, 2, 3],\n  \"obj\": {\"x\": true}\n}\n",
		want:       "{\n  \"a\": 10,\n  \"b\": 20,\n  \"list\": [1, 2, 3],\n  \"obj\": {\"x\": true}\n}\n",
		structured: true},
	{name: "yaml crlf comments", file: "a.yaml",
		base:       "# top\r\na: 1 # one\r\nb: 2\r\nc: |\r\n  x\r\n  y\r\n",
		ours:       "# top\r\na: 10 # one\r\nb: 2\r\nc: |\r\n  x\r\n  y\r\n",
		theirs:     "# top\r\na: 1 # one\r\nb: 20 # two\r\nc: |\r\n  x\r\n  y\r\n",
		want:       "# top\r\na: 10 # one\r\nb: 20 # two\r\nc: |\r\n  x\r\n  y\r\n",
		structured: true},
	{name: "yaml document marker and indentation", file: "a.yaml",
		base:       lines("---", "a:", "    x: 1", "    y: 2"),
		ours:       lines("---", "a:", "    x: 10", "    y: 2"),
		theirs:     lines("---", "a:", "    x: 1", "    y: 20"),
		want:       lines("---", "a:", "    x: 10", "    y: 20"),
		structured: true},
	{name: "root not a mapping", file: "a.yaml",
		base:   lines("- a", "- b"),
		ours:   lines("- A", "- b"),
		theirs: lines("- a", "- B"),
		want:   lines("<<<<<<< ours", "- A", "- b", "=======", "- a", "- B", ">>>>>>> theirs"),
		conflicts: []Conflict{{Line: 1, Base: []byte("- a\n- b\n"), Ours: []byte("- A\n- b\n"),
			Theirs: []byte("- a\n- B\n")}}},
	{name: "two documents", file: "a.yaml",
		base:   lines("a: 1", "b: 2", "---", "c: 3"),
		ours:   lines("a: 10", "b: 2", "---", "c: 3"),
		theirs: lines("a: 1", "b: 20", "---", "c: 3"),
		want:   lines("<<<<<<< ours", "a: 10", "b: 2", "=======", "a: 1", "b: 20", ">>>>>>> theirs", "---", "c: 3"),
		conflicts: []Conflict{{Line: 1, Base: []byte("a: 1\nb: 2\n"), Ours: []byte("a: 10\nb: 2\n"),
			Theirs: []byte("a: 1\nb: 20\n")}}},
	{name: "two documents, lines merged into no YAML", file: "a.yaml",
		base:   lines("ports:", "  - name: http", "    port: 80", "---", "kind: x"),
		ours:   lines("ports:", "    port: 80", "---", "kind: x"),
		theirs: lines("ports:", "  - name: http", "    port: 80", "  - name: m", "    port: 90", "---", "kind: x"),
		want: lines("ports:", "<<<<<<< ours", "    port: 80", "=======", "  - name: http", "    port: 80", "  - name: m", "    port: 90", ">>>>>>> theirs",
			"---", "kind: x"),
		conflicts: []Conflict{{Line: 2, Base: []byte(lines("ports:", "  - name: http", "    port: 80", "---", "kind: x")), Ours: []byte(lines("    port: 80")),
			Theirs: []byte(lines("  - name: http", "    port: 80", "  - name: m", "    port: 90"))}}, structured: true},
	{name: "aliases", file: "a.yaml",
		base:   lines("a: &x 1", "b: *x"),
		ours:   lines("a: &x 2", "b: *x"),
		theirs: lines("a: &x 1", "b: 3"),
		want:   lines("<<<<<<< ours", "a: &x 2", "b: *x", "=======", "a: &x 1", "b: 3", ">>>>>>> theirs"),
		conflicts: []Conflict{{Line: 1, Base: []byte("a: &x 1\nb: *x\n"), Ours: []byte("a: &x 2\nb: *x\n"),
			Theirs: []byte("a: &x 1\nb: 3\n")}}},
	{name: "not yaml by name", file: "a.txt",
		base:   lines("a: 1", "b: 2"),
		ours:   lines("a: 10", "b: 2"),
		theirs: lines("a: 1", "b: 20"),
		want:   lines("<<<<<<< ours", "a: 10", "b: 2", "=======", "a: 1", "b: 20", ">>>>>>> theirs"),
		conflicts: []Conflict{{Line: 1, Base: []byte("a: 1\nb: 2\n"), Ours: []byte("a: 10\nb: 2\n"),
			Theirs: []byte("a: 1\nb: 20\n")}}},
	{name: "adjacent json keys", file: "package.json",
		base:       "{\n  \"name\": \"orders\",\n  \"version\": \"1.2.0\",\n  \"private\": true\n}\n",
		ours:       "{\n  \"name\": \"orders\",\n  \"version\": \"1.3.0\",\n  \"private\": true\n}\n",
		theirs:     "{\n  \"name\": \"orders\",\n  \"version\": \"1.2.0\",\n  \"private\": false\n}\n",
		want:       "{\n  \"name\": \"orders\",\n  \"version\": \"1.3.0\",\n  \"private\": false\n}\n",
		structured: true},
	{name: "json tabs, nested, html characters", file: "a.JSON",
		base:       "{\n\t\"a\": {\"x\": 1, \"y\": \"<b>\"},\n\t\"b\": [1, 2]\n}",
		ours:       "{\n\t\"a\": {\"x\": 1, \"y\": \"<i>\"},\n\t\"b\": [1, 2]\n}",
		theirs:     "{\n\t\"a\": {\"x\": 2, \"y\": \"<b>\"},\n\t\"b\": [1, 2, 3]\n}",
		want:       "{\n\t\"a\": {\n\t\t\"x\": 2,\n\t\t\"y\": \"<i>\"\n\t},\n\t\"b\": [\n\t\t1,\n\t\t2,\n\t\t3\n\t]\n}",
		structured: true},
	{name: "compact json", file: "a.json",
		base:       `{"a":1,"b":2}`,
		ours:       `{"a":1,"b":3}`,
		theirs:     `{"a":0,"b":2}`,
		want:       `{"a":0,"b":3}`,
		structured: true},
	{name: "json same key changed", file: "a.json",
		base:   "{\n  \"a\": 1\n}\n",
		ours:   "{\n  \"a\": 2\n}\n",
		theirs: "{\n  \"a\": 3\n}\n",
		want:   "{\n<<<<<<< ours\n  \"a\": 2\n=======\n  \"a\": 3\n>>>>>>> theirs\n}\n",
		conflicts: []Conflict{{Line: 2, Base: []byte("  \"a\": 1\n"), Ours: []byte("  \"a\": 2\n"),
			Theirs: []byte("  \"a\": 3\n"), Path: "a"}}, structured: true},
	{name: "json duplicate key", file: "a.json",
		base:   "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n",
		ours:   "{\n  \"x\": 1,\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n",
		theirs: "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"x\": 2\n}\n",
		want:   "{\n<<<<<<< ours\n  \"x\": 1,\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n=======\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"x\": 2\n>>>>>>> theirs\n}\n",
		conflicts: []Conflict{{Line: 2, Base: []byte("  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n"), Ours: []byte("  \"x\": 1,\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n"),
			Theirs: []byte("  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"x\": 2\n"), Path: "x"}}, structured: true},
}

func TestFileTable(t *testing.T) {
	for _, tc := range fileCases {
		t.Run(tc.name, func(t *testing.T) {
			r := File(tc.file, []byte(tc.base), []byte(tc.ours), []byte(tc.theirs), nil)
			assert.Equal(t, tc.want, string(r.Merged))
			assert.Equal(t, tc.structured, r.Structured, "structured")
			require.Len(t, r.Conflicts, len(tc.conflicts))
			for i, c := range r.Conflicts {
				if tc.conflicts[i].Line == 0 {
					c.Base, c.Ours, c.Theirs = nil, nil, nil
				}
				assert.Equal(t, tc.conflicts[i], c)
			}
			if r.Clean() && r.Structured {
				// The output re-parses to the value of the expected text.
				f := formatOf(tc.file)
				got, ok := parsedValue(f, r.Merged)
				require.True(t, ok)
				want, ok := parsedValue(f, []byte(tc.want))
				require.True(t, ok)
				assert.Equal(t, want, got)
			}
		})
	}
}

// TestStructuredConflicts checks the conflicts of the structured merge,
// which File reports only when the line merge is clean.
func TestStructuredConflicts(t *testing.T) {
	for _, tc := range []struct {
		name, file         string
		base, ours, theirs string
		want               []Conflict
	}{
		{name: "scalar", file: "a.yaml",
			base: lines("spec:", "  replicas: 3"), ours: lines("spec:", "  replicas: 4"), theirs: lines("spec:", "  replicas: 5"),
			want: []Conflict{{Path: "spec.replicas", Base: []byte("3\n"), Ours: []byte("4\n"), Theirs: []byte("5\n")}}},
		{name: "deleted and changed", file: "a.yaml",
			base: lines("a:", "  b: 1"), ours: lines("a: {}"), theirs: lines("a:", "  b: 2"),
			want: []Conflict{{Path: "a.b", Base: []byte("1\n"), Theirs: []byte("2\n")}}},
		{name: "changed and deleted", file: "a.yaml",
			base: lines("a:", "  b: 1"), ours: lines("a:", "  b: 2"), theirs: lines("a: {}"),
			want: []Conflict{{Path: "a.b", Base: []byte("1\n"), Ours: []byte("2\n")}}},
		{name: "sequence", file: "a.yaml",
			base: lines("ports: [80]"), ours: lines("ports: [80, 443]"), theirs: lines("ports: [81]"),
			want: []Conflict{{Path: "ports", Base: []byte("[80]\n"), Ours: []byte("[80, 443]\n"), Theirs: []byte("[81]\n")}}},
		{name: "comment", file: "a.yaml",
			base: lines("a: 1 # one"), ours: lines("a: 1 # uno"), theirs: lines("a: 1 # eins"),
			want: []Conflict{{Path: "a", Base: []byte("1 # one\n"), Ours: []byte("1 # uno\n"), Theirs: []byte("1 # eins\n")}}},
		{name: "mapping and scalar", file: "a.yaml",
			base: lines("a:", "  x: 1"), ours: lines("a:", "  x: 2"), theirs: lines("a: none"),
			want: []Conflict{{Path: "a", Base: []byte("x: 1\n"), Ours: []byte("x: 2\n"), Theirs: []byte("none\n")}}},
		{name: "odd keys", file: "a.json",
			base: `{"metadata": {"app.kubernetes.io/name": "a"}}`, ours: `{"metadata": {"app.kubernetes.io/name": "b"}}`,
			theirs: `{"metadata": {"app.kubernetes.io/name": "c"}}`,
			want:   []Conflict{{Path: `metadata["app.kubernetes.io/name"]`, Base: []byte(`"a"`), Ours: []byte(`"b"`), Theirs: []byte(`"c"`)}}},
		{name: "json numbers compare as written", file: "a.json",
			base: `{"a": 1}`, ours: `{"a": 1.0}`, theirs: `{"a": 2}`,
			want: []Conflict{{Path: "a", Base: []byte(`1`), Ours: []byte(`1.0`), Theirs: []byte(`2`)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, conflicts, ok := structured(formatOf(tc.file), []byte(tc.base), []byte(tc.ours), []byte(tc.theirs))
			require.True(t, ok)
			assert.Equal(t, tc.want, conflicts)
			// File reports them through the line merge's markers.
			r := File(tc.file, []byte(tc.base), []byte(tc.ours), []byte(tc.theirs), nil)
			assert.False(t, r.Clean())
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct{ file, data string }{
		{"a.yaml", ""},
		{"a.yaml", "# only a comment\n"},
		{"a.yaml", "- a\n"},
		{"a.yaml", "a\n"},
		{"a.yaml", "a: 1\n---\nb: 2\n"},
		{"a.yaml", "a: &x 1\nb: *x\n"},
		{"a.yaml", "base: &b {x: 1}\nc:\n  <<: *b\n"},
		{"a.yaml", "? [a, b]\n: 1\n"},
		{"a.yaml", "a: 1\na: 2\n"},
		{"a.yaml", "a: [\n"},
		{"a.json", `{"a": 1, "a": 2}`},
		{"a.json", `[1]`},
		{"a.json", `{"a": 1} {}`},
		{"a.json", `{a: 1}`},
		{"a.json", ``},
		{"a.txt", "a: 1\n"},
		{"a.yaml", strings.Repeat("[", 2000) + strings.Repeat("]", 2000)},
		{"a.json", `{"a":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + "}"},
	} {
		_, err := parse(formatOf(tc.file), []byte(tc.data))
		assert.Error(t, err, "%s %q", tc.file, tc.data)
	}
	for _, tc := range []struct{ file, data string }{
		{"a.yaml", "a: 1\n"},
		{"a.yaml", "---\na: 1\n"},
		{"a.yaml", "1: a\n\"1\": b\n"},
		{"a.json", `{"a": {"b": [1, {"c": null}]}, "d": "\ud83d\ude00"}`},
	} {
		_, err := parse(formatOf(tc.file), []byte(tc.data))
		assert.NoError(t, err, "%s %q", tc.file, tc.data)
	}
}

func TestFileBinary(t *testing.T) {
	bin := func(s string) []byte { return append([]byte{0}, s...) }
	for _, tc := range []struct {
		name               string
		base, ours, theirs []byte
		want               []byte
		conflict           bool
	}{
		{"unchanged", bin("a"), bin("a"), bin("a"), bin("a"), false},
		{"ours", bin("a"), bin("b"), bin("a"), bin("b"), false},
		{"theirs", bin("a"), bin("a"), bin("c"), bin("c"), false},
		{"same", bin("a"), bin("b"), bin("b"), bin("b"), false},
		{"both", bin("a"), bin("b"), bin("c"), bin("b"), true},
		{"text to binary", []byte("a\n"), []byte("b\n"), bin("c"), []byte("b\n"), true},
		{"not utf-8", []byte("a\n"), []byte("a\n"), []byte("\xff\n"), []byte("\xff\n"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := File("logo.png", tc.base, tc.ours, tc.theirs, nil)
			assert.Equal(t, tc.want, r.Merged)
			assert.False(t, r.Structured)
			if !tc.conflict {
				assert.True(t, r.Clean())
				return
			}
			assert.Equal(t, []Conflict{{Base: tc.base, Ours: tc.ours, Theirs: tc.theirs}}, r.Conflicts)
		})
	}
}

// TestPropertyStructured merges random edits of random YAML and JSON
// mappings where the two sides change different keys, and checks that the
// merge is clean and has the value of both edits applied, and that where
// both sides change the same key differently it is not clean.
func TestPropertyStructured(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 2000 {
		base := randomMapping(rng, 2)
		ours, theirs, want := cloneMap(base), cloneMap(base), cloneMap(base)
		var clash bool
		editMapping(rng, base, ours, theirs, want, &clash)
		file := "values.yaml"
		if i%2 == 1 {
			file = "values.json"
		}
		f := formatOf(file)
		texts := make([][]byte, 3)
		for j, m := range []map[string]any{base, ours, theirs} {
			texts[j] = encodeMap(t, f, m)
		}
		r := File(file, texts[0], texts[1], texts[2], nil)
		if clash {
			assert.False(t, r.Clean(), "case %d: clean merge of conflicting changes:\n%s\n%s\n%s\n=>\n%s", i, texts[0], texts[1], texts[2], r.Merged)
			continue
		}
		require.True(t, r.Clean(), "case %d:\n%s\n%s\n%s\n=>\n%s", i, texts[0], texts[1], texts[2], r.Merged)
		got, ok := parsedValue(f, r.Merged)
		require.True(t, ok, "case %d: merged text does not parse:\n%s", i, r.Merged)
		wantValue, ok := parsedValue(f, encodeMap(t, f, want))
		require.True(t, ok)
		require.Equal(t, wantValue, got, "case %d:\n%s\n%s\n%s\n=>\n%s", i, texts[0], texts[1], texts[2], r.Merged)
	}
}

func randomMapping(rng *rand.Rand, depth int) map[string]any {
	m := map[string]any{}
	for i := range rng.IntN(6) {
		k := fmt.Sprintf("k%d", i)
		if depth > 0 && rng.IntN(3) == 0 {
			m[k] = randomMapping(rng, depth-1)
		} else {
			m[k] = rng.IntN(3)
		}
	}
	return m
}

func cloneMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = cloneMap(sub)
		}
		c[k] = v
	}
	return c
}

// editMapping changes random keys of ours and theirs, and want as both
// changes applied. A key is changed by at most one side unless both go
// into a nested mapping, or both set the same value; when both set
// different values clash is set.
func editMapping(rng *rand.Rand, base, ours, theirs, want map[string]any, clash *bool) {
	keys := make([]string, 0, len(base)+2)
	for k := range base {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	keys = append(keys, fmt.Sprintf("n%d", rng.IntN(3)), fmt.Sprintf("n%d", 3+rng.IntN(3)))
	for _, k := range keys {
		bv, inBase := base[k]
		sub, isMap := bv.(map[string]any)
		switch op := rng.IntN(8); {
		case op == 0 && isMap:
			editMapping(rng, sub, ours[k].(map[string]any), theirs[k].(map[string]any), want[k].(map[string]any), clash)
		case op == 1 || op == 2: // one side sets a value
			side := ours
			if op == 2 {
				side = theirs
			}
			v := 10 + rng.IntN(3)
			side[k], want[k] = v, v
		case op == 3 && inBase: // one side deletes
			side := ours
			if rng.IntN(2) == 0 {
				side = theirs
			}
			delete(side, k)
			delete(want, k)
		case op == 4: // both set the same value
			ours[k], theirs[k], want[k] = 7, 7, 7
		case op == 5 && rng.IntN(4) == 0: // both set different values
			ours[k], theirs[k] = 8, 9
			*clash = true
		}
	}
}

// encodeMap encodes m in format f, with its keys sorted.
func encodeMap(t *testing.T, f format, m map[string]any) []byte {
	t.Helper()
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{mapNode(m)}}
	out, err := encodeDoc(f, doc, []byte("{\n  \"indented\": true\n}\n"))
	require.NoError(t, err)
	return out
}

func mapNode(m map[string]any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var v *yaml.Node
		switch x := m[k].(type) {
		case map[string]any:
			v = mapNode(x)
		case int:
			v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(x)}
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, v)
	}
	return n
}

func TestComments(t *testing.T) {
	for line, want := range map[string]string{
		"a: 1 # one\n":           "# one",
		"# head\r\n":             "# head",
		"  # indented  \n":       "# indented",
		"color: \"#fff\"\n":      "",
		"color: \"a #fff\" #x\n": "#fff\" #x",
		"a: 1\n":                 "",
		"\t# tab\n":              "# tab",
	} {
		assert.Equal(t, want, string(comment([]byte(line))), "%q", line)
	}
	base := []byte("a: 1\nb: 2\n")
	side := []byte("a: 1 # kept\nb: 2 # lost\n")
	assert.True(t, commentsKept([]byte("a: 1 # kept\nb: 3 # lost\n"), base, side))
	assert.False(t, commentsKept([]byte("a: 1 # kept\nb: 3\n"), base, side))
	assert.True(t, commentsKept(nil, base, base))
	// A comment the changed line had before need not be kept: the other
	// side may have changed it.
	assert.True(t, commentsKept([]byte("a: 2 # uno\n"), []byte("a: 1 # one\n"), []byte("a: 2 # one\n")))
}
