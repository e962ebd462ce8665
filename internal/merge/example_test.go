package merge_test

import (
	"fmt"

	"github.com/goldenpath-dev/goldenpath/internal/merge"
)

func ExampleLines() {
	base := []byte("name: orders\nreplicas: 3\nimage: orders:1.2\nport: 8080\ndebug: false\n")
	upstream := []byte("name: orders\nreplicas: 3\nimage: orders:1.3\nport: 8080\ndebug: false\n")
	onDisk := []byte("name: orders\nreplicas: 5\nimage: orders:1.2\nport: 8080\ndebug: true\n")
	r := merge.Lines(base, upstream, onDisk, &merge.Options{
		OursLabel: "blueprint v2", TheirsLabel: "on disk",
	})
	fmt.Print(string(r.Merged))
	for _, c := range r.Conflicts {
		fmt.Printf("conflict at line %d: %q vs %q\n", c.Line, c.Ours, c.Theirs)
	}
	// Output:
	// name: orders
	// <<<<<<< blueprint v2
	// replicas: 3
	// image: orders:1.3
	// =======
	// replicas: 5
	// image: orders:1.2
	// >>>>>>> on disk
	// port: 8080
	// debug: true
	// conflict at line 2: "replicas: 3\nimage: orders:1.3\n" vs "replicas: 5\nimage: orders:1.2\n"
}

func ExampleFile() {
	base := []byte("name: orders\nreplicas: 3\nimage: orders:1.2\nport: 8080\n")
	upstream := []byte("name: orders\nreplicas: 3\nimage: orders:1.3\nport: 8080\n")
	onDisk := []byte("name: orders\nreplicas: 5 # black friday\nimage: orders:1.2\nport: 9090\n")
	r := merge.File("deploy.yaml", base, upstream, onDisk, nil)
	fmt.Println("clean:", r.Clean(), "structured:", r.Structured)
	fmt.Print(string(r.Merged))

	// Both sides change the image: a conflict, written with markers.
	onDisk = []byte("name: orders\nreplicas: 3\nimage: orders:1.2-patched\nport: 8080\n")
	r = merge.File("deploy.yaml", base, upstream, onDisk, &merge.Options{Diff3: true})
	fmt.Println("clean:", r.Clean(), "structured:", r.Structured)
	fmt.Print(string(r.Merged))
	// Output:
	// clean: true structured: true
	// name: orders
	// replicas: 5 # black friday
	// image: orders:1.3
	// port: 9090
	// clean: false structured: false
	// name: orders
	// replicas: 3
	// <<<<<<< ours
	// image: orders:1.3
	// ||||||| base
	// image: orders:1.2
	// =======
	// image: orders:1.2-patched
	// >>>>>>> theirs
	// port: 8080
}
