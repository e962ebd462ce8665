package blueprint_test

import (
	"context"
	"errors"
	"fmt"
	"os"

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
	// --set:2:6: port: want an integer, got "http"
}

// Load follows a source policy. The strict policy, the default, refuses what
// untrusted input must not name; the local policy is for a person's own
// sources.
func ExampleLoad() {
	ctx := context.Background()
	_, err := blueprint.Load(ctx, "git::https://github.com/acme/blueprints.git?ref=--upload-pack=touch", nil)
	fmt.Println(err)
	_, err = blueprint.Load(ctx, "../testdata/blueprints/go-service", nil)
	fmt.Println(err)

	local, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: os.TempDir()})
	if err != nil {
		fmt.Println(err)
		return
	}
	bp, err := blueprint.Load(ctx, "../testdata/blueprints/go-service", &blueprint.Options{Fetcher: local})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bp.Name, bp.Version)
	// Output:
	// load git::https://github.com/acme/blueprints.git?ref=--upload-pack=touch: source "git::https://github.com/acme/blueprints.git?ref=--upload-pack=touch": ref "--upload-pack=touch" starts with '-'
	// load ../testdata/blueprints/go-service: source "../testdata/blueprints/go-service": local paths are not allowed by the strict policy
	// go-service 1.4.0
}

// A composed blueprint renders as parts: itself and each include, with its
// own parameters, into its own directory.
func ExampleParams_Parts() {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../testdata/blueprints/demo-environment", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	params, err := bp.Resolve(ctx, blueprint.Set("name=orders", "team=payments"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, part := range params.Parts() {
		name, _ := part.Params.Lookup("name")
		fmt.Printf("%q %s into %q, name=%v\n", part.Name, part.Blueprint.Name, part.Dir, name)
	}
	// Output:
	// "" demo-environment into "", name=orders
	// "service" go-service into "service", name=orders
	// "preview" preview-environment into "preview", name=<nil>
}

// A catalog lists every version of every blueprint in its sources.
func ExampleLoadCatalog() {
	ctx := context.Background()
	local, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: os.TempDir()})
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := blueprint.LoadCatalog(ctx, []string{"../testdata/blueprints"}, &blueprint.Options{Fetcher: local})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range c.Names() {
		latest, _ := c.Latest(name)
		fmt.Println(name, latest.Version)
	}
	// Output:
	// demo-environment 1.0.0
	// go-service 2.0.0
	// preview-environment 0.3.0
	// terraform-module 1.0.0
}
