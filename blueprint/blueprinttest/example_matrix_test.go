package blueprinttest_test

import (
	"context"
	"fmt"
	"os"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
)

// A platform team renders its blueprint over the parameter matrix and
// checks every project: YAML and JSON parse, Go is gofmt-formatted, and its
// own command runs in the rendered directory. In a test function,
// m.Run(t, b) runs each combination as a subtest; Test is the same for any
// framework, and returns every failure with the parameters that produced
// it.
func ExampleMatrix() {
	ctx := context.Background()
	b, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/go-service-v2", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := &blueprinttest.Matrix{
		Base:   map[string]any{"name": "orders"},
		Values: map[string][]any{"team": {blueprinttest.Absent, "payments"}},
		Checks: []blueprinttest.MatrixCheck{
			blueprinttest.Parses(),
			blueprinttest.Gofmt(),
			blueprinttest.Command("test", "-f", "internal/metrics/metrics.go"),
		},
	}
	combos, left, err := m.Combinations(ctx, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(combos), "combinations, the first:", combos[0])
	for _, l := range left[:1] {
		fmt.Println("impossible:", l.A.Path, l.A.Value, l.B.Path, l.B.Value)
	}

	dir, _ := os.MkdirTemp("", "matrix")
	defer os.RemoveAll(dir)
	fmt.Println("failures:", m.Test(ctx, b, dir))
	// Output:
	// 13 combinations, the first: tier=dev replicas=2 database=none httpPort=8080 metricsPort=9090 goVersion=1.26 team=<absent>
	// impossible: tier prod replicas 2
	// failures: <nil>
}
