package blueprint_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// A default written beside its constraints is never checked against them:
// Lint says so, and how to write it inside them.
func ExampleBlueprint_Lint() {
	ctx := context.Background()
	fsys := fstest.MapFS{"blueprint.cue": {Data: []byte(`name:        "svc"
version:     "1.0.0"
description: "A service with two ports"
owner:       "platform-team"
parameters: {
	httpPort:    int & >=1024 & <=65535 | *8080
	metricsPort: int & >=1024 & <=65535 & !=httpPort | *9090
}
`)}}
	b, err := blueprint.LoadFS(ctx, fsys, "svc", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	warnings, err := b.Lint(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range warnings {
		fmt.Printf("line %d: %s: %s\n", w.Pos().Line, w.Path, w.Message)
	}
	// Output:
	// line 7: metricsPort: the default 9090 sits beside the constraints (int & >=1024 & <=65535 & !=httpPort), which depend on httpPort: the default is never checked against them, so a value of httpPort can make it break them; write int & >=1024 & <=65535 & !=httpPort & (*9090 | _)
}
