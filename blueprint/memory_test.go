//go:build !race

package blueprint_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// TestResolveMemoryFlat resolves many distinct inputs and checks that the
// live heap does not grow with the number of resolutions. (The race
// detector's shadow memory would distort the figures, hence the build tag;
// BenchmarkResolve reports the same figure over 100 000 resolutions.)
func TestResolveMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("resolves 12 000 inputs")
	}
	bp := load(t, serviceCUE)
	ctx := context.Background()
	resolve := func(from, to int) {
		for i := from; i < to; i++ {
			_, err := bp.Resolve(ctx, blueprint.ValuesMap(map[string]any{
				"name": fmt.Sprintf("svc-%d", i), "tags": []string{fmt.Sprintf("t%d", i)},
			}))
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	resolve(0, 2000)
	base := heapMiB()
	resolve(2000, 12000)
	grown := heapMiB() - base
	t.Logf("heap growth over 10 000 resolutions: %.2f MiB", grown)
	if grown > 4 {
		t.Fatalf("heap grew by %.2f MiB over 10 000 resolutions; want flat", grown)
	}
}
