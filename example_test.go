package goldenpath_test

import (
	"context"
	"fmt"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// The quick start of the package documentation.
func Example() {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "testdata/blueprints/go-service", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	params, err := bp.Resolve(ctx,
		blueprint.ValuesFile("testdata/values/go-service-prod.yaml"),
		blueprint.Set("replicas=5"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(params.Data()["image"], params.Data()["replicas"])
	// Output: ghcr.io/acme/orders:latest 5
}
