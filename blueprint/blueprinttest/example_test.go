package blueprinttest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
)

// printTB stands in for the *testing.T of a test function and prints what
// the helpers report.
type printTB struct{ testing.TB }

func (printTB) Helper()                           {}
func (printTB) Context() context.Context          { return context.Background() }
func (printTB) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (p printTB) Fatalf(format string, args ...any) {
	p.Errorf(format, args...)
}

// A platform team checks its blueprint in its own test suite: it loads, a
// production input resolves, and prod with one replica is rejected for
// replicas and nothing else.
func Example() {
	var t testing.TB = printTB{} // in a real test: the test function's t
	b := blueprinttest.Validate(t, "../../testdata/blueprints/go-service", nil)
	p := blueprinttest.Resolve(t, b, blueprint.Set("name=orders", "tier=prod", "replicas=3"))
	fmt.Println(p.Data()["image"])
	ve := blueprinttest.Rejects(t, b, []string{"replicas"}, blueprint.Set("name=orders", "tier=prod", "replicas=1"))
	fmt.Println(ve.Fields[0].Message)
	// Output:
	// ghcr.io/acme/orders:latest
	// prod services need at least 3 replicas
}
