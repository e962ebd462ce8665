package merge_test

import (
	"fmt"

	"github.com/goldenpath-dev/goldenpath/internal/merge"
)

func ExampleLines() {
	base := []byte("name: orders\nreplicas: 3\nimage: orders:1.2\nport: 8080\ndebug: false\n")
	onDisk := []byte("name: orders\nreplicas: 5\nimage: orders:1.2\nport: 8080\ndebug: true\n")
	upstream := []byte("name: orders\nreplicas: 3\nimage: orders:1.3\nport: 8080\ndebug: false\n")
	r := merge.Lines(base, onDisk, upstream, &merge.Options{
		OursLabel: "project", TheirsLabel: "blueprint v2",
	})
	fmt.Print(string(r.Merged))
	for _, c := range r.Conflicts {
		fmt.Printf("conflict at line %d: %q vs %q\n", c.Line, c.Ours, c.Theirs)
	}
	// Output:
	// name: orders
	// <<<<<<< project
	// replicas: 5
	// image: orders:1.2
	// =======
	// replicas: 3
	// image: orders:1.3
	// >>>>>>> blueprint v2
	// port: 8080
	// debug: true
	// conflict at line 2: "replicas: 5\nimage: orders:1.2\n" vs "replicas: 3\nimage: orders:1.3\n"
}

func ExampleFile() {
	base := []byte("name: orders\nreplicas: 3\nimage: orders:1.2\nport: 8080\n")
	upstream := []byte("name: orders\nreplicas: 3\nimage: orders:1.3\nport: 8080\n")
	onDisk := []byte("name: orders\r\nreplicas: 5   # black friday\r\nimage: orders:1.2\r\nport: 9090\r\n")
	r := merge.File("deploy.yaml", base, onDisk, upstream, nil)
	fmt.Println("clean:", r.Clean(), "structured:", r.Structured)
	fmt.Printf("%q\n", r.Merged)

	// Both sides change the image: a conflict, marked, at a key.
	onDisk = []byte("name: orders\nreplicas: 3\nimage: orders:1.2-patched\nport: 8080\n")
	r = merge.File("deploy.yaml", base, onDisk, upstream, &merge.Options{Diff3: true})
	fmt.Println("clean:", r.Clean(), "structured:", r.Structured)
	fmt.Print(string(r.Merged))
	fmt.Printf("conflict at line %d, key %s\n", r.Conflicts[0].Line, r.Conflicts[0].Path)
	// Output:
	// clean: true structured: true
	// "name: orders\r\nreplicas: 5   # black friday\r\nimage: orders:1.3\r\nport: 9090\r\n"
	// clean: false structured: true
	// name: orders
	// replicas: 3
	// <<<<<<< ours
	// image: orders:1.2-patched
	// ||||||| base
	// image: orders:1.2
	// =======
	// image: orders:1.3
	// >>>>>>> theirs
	// port: 8080
	// conflict at line 3, key image
}
