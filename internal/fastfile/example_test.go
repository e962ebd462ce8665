package fastfile_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goldenpath-dev/goldenpath/internal/fastfile"
)

func Example() {
	dir, _ := os.MkdirTemp("", "fastfile")
	defer os.RemoveAll(dir)

	var c fastfile.Creator
	w, err := c.Create(filepath.Join(dir, "hello.sh"), 0o755)
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(w, "echo hello")
	if err := w.Close(); err != nil {
		panic(err)
	}

	data, _ := fs.ReadFile(fastfile.DirFS(dir), "hello.sh")
	fi, _ := fs.Stat(fastfile.DirFS(dir), "hello.sh")
	fmt.Printf("%s%v\n", data, fi.Mode())
	// Output:
	// echo hello
	// -rwxr-xr-x
}
