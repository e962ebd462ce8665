package blueprint_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

func Example() {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	params, err := bp.Resolve(ctx,
		blueprint.ValuesMap(map[string]any{"name": "orders"}),
		blueprint.Set("tier=prod", "replicas=3"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bp.Name, bp.Version)
	fmt.Println(params.Data()["image"], params.Data()["replicas"])
	// Output:
	// go-service 1.4.0
	// ghcr.io/acme/orders:latest 3
}

func ExampleValidationError() {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = bp.Resolve(ctx, blueprint.ValuesFile("../testdata/values/go-service-invalid.yaml"))
	var ve *blueprint.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Println(f)
		}
	}
	// Output:
	// ../testdata/values/go-service-invalid.yaml:1:7: name: name must start with a letter and use 3-31 lowercase letters, digits or '-'
	// ../testdata/values/go-service-invalid.yaml:3:11: replicas: prod services need at least 3 replicas
}

func ExampleSet() {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Values are typed by the schema: port is an int, name a string.
	_, err = bp.Resolve(ctx, blueprint.Set("name=orders", "port=http"))
	fmt.Println(err)
	// Output:
	// --set:2:6: port: "http" is not an int
}
