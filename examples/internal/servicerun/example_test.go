package servicerun_test

import (
	"context"
	"fmt"
	"os"

	"github.com/goldenpath-dev/goldenpath/examples/internal/servicerun"
)

// Run starts a service, probes it as its Kubernetes manifests do, and
// stops it with SIGTERM. The service here is this test binary (see
// TestMain); a test of a rendered go-service project gives the binary it
// built, bin/NAME.
func Example() {
	bin, err := os.Executable()
	if err != nil {
		fmt.Println(err)
		return
	}
	err = servicerun.Run(context.Background(), bin, servicerun.Options{
		Metrics: true,
		Env:     []string{serviceEnv + "=1"},
	})
	fmt.Println("service checked:", err)
	// Output: service checked: <nil>
}
