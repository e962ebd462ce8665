package blueprint_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// TestInputNodeBudget: Options.MaxInputNodes caps the values of a YAML or
// JSON input, aliases and merge keys expanded, before it is decoded; the
// error names the limit, the input and the line.
func TestInputNodeBudget(t *testing.T) {
	b, err := blueprint.LoadDir(context.Background(), writeBlueprint(t, serviceCUE), &blueprint.Options{MaxInputNodes: 50})
	require.NoError(t, err)
	var js strings.Builder
	js.WriteString("{\n\"name\": \"orders\"")
	for i := range 40 {
		fmt.Fprintf(&js, ",\n\"p%d\": %d", i, i)
	}
	js.WriteString("\n}")
	for _, tc := range []struct{ name, data, want string }{
		{"many.json", js.String(), "many.json:26:9: more than 50 values"},
		{"anchors.yaml", "name: orders\nbase: &b {a: 1, b: 2, c: 3, d: 4, e: 5}\nx: [*b, *b, *b, *b, *b]\n", "anchors.yaml:3:"},
		{"self.yaml", "name: orders\nx: &a {k: 1, <<: *a}\n", ""},
	} {
		_, err := b.Resolve(context.Background(), blueprint.ValuesData(tc.name, []byte(tc.data)))
		ve := validationError(t, err)
		require.Len(t, ve.Fields, 1)
		f := ve.Fields[0]
		require.NotNil(t, f.Input)
		assert.Equal(t, tc.name, f.Input.Filename)
		assert.Positive(t, f.Input.Line)
		if tc.name == "self.yaml" {
			assert.Contains(t, f.Message, `YAML anchor "a" refers to itself`)
			continue
		}
		assert.Contains(t, f.Input.String()+": "+f.Message, tc.want)
		assert.Contains(t, f.Message, "50")
	}
	// Within the budget, an input resolves as before.
	_, err = b.Resolve(context.Background(), blueprint.ValuesData("ok.yaml", []byte("name: orders\n")))
	require.NoError(t, err)
}
