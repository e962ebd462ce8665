package rendertest_test

import (
	"context"
	"fmt"

	"github.com/goldenpath-dev/goldenpath/render"
	"github.com/goldenpath-dev/goldenpath/render/rendertest"
)

// A custom renderer's test runs the kit; TestRenderer suits any framework
// (a test passes its t.Context), Run makes one subtest per rule.
func ExampleTestRenderer() {
	ctx := context.Background()
	err := rendertest.TestRenderer(ctx, rendertest.Suite{
		New: rendertest.Fake,
		Valid: []rendertest.Case{{
			Name:  "greeting",
			Input: render.Request{Path: "hello.txt", Source: []byte("hello ${name}"), Data: map[string]any{"name": "orders"}},
			Want:  []byte("hello orders"),
		}},
		Invalid: []rendertest.Case{{
			Name:  "unknown key",
			Input: render.Request{Path: "bad.txt", Source: []byte("${nope}"), Data: map[string]any{}},
		}},
	})
	fmt.Println("conforms:", err == nil)
	// Output: conforms: true
}
