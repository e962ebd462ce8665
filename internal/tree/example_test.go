package tree_test

import (
	"fmt"
	"testing/fstest"

	"github.com/goldenpath-dev/goldenpath/internal/tree"
)

func ExampleFiles() {
	project := fstest.MapFS{
		"main.go":                   {Data: []byte("package main")},
		"deploy/app.yaml":           {Data: []byte("kind: Deployment")},
		".goldenpath/manifest.json": {Data: []byte("{}")},
		".git/HEAD":                 {Data: []byte("ref: refs/heads/main")},
	}
	files, _ := tree.Files(project)
	fmt.Println(files)
	// Output: [deploy/app.yaml main.go]
}
