package diff_test

import (
	"fmt"

	"github.com/goldenpath-dev/goldenpath/internal/diff"
)

func ExampleUnified() {
	rendered := []byte("name: orders\nreplicas: 3\nimage: orders:1.2\n")
	onDisk := []byte("name: orders\nreplicas: 5\nimage: orders:1.2\n")
	fmt.Print(diff.Unified("rendered/deploy.yaml", "deploy.yaml", rendered, onDisk, 3))
	// Output:
	// --- rendered/deploy.yaml
	// +++ deploy.yaml
	// @@ -1,3 +1,3 @@
	//  name: orders
	// -replicas: 3
	// +replicas: 5
	//  image: orders:1.2
}

func ExampleHunks() {
	old := []byte("a\nb\nc\nd\ne\nf\ng\nh\n")
	updated := []byte("a\nB\nc\nd\ne\nf\ng\nh\ni")
	hunks := diff.Hunks(old, updated, 1)
	for _, h := range hunks {
		fmt.Println(h.Header(), len(h.Lines), "lines")
	}
	patched, err := diff.Apply(old, hunks)
	fmt.Printf("%q %v\n", patched, err)
	// Output:
	// @@ -1,3 +1,3 @@ 4 lines
	// @@ -8 +8,2 @@ 2 lines
	// "a\nB\nc\nd\ne\nf\ng\nh\ni" <nil>
}
