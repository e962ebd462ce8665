// Package tree lists the files of a project tree.
package tree

import (
	"io/fs"
	"strings"
)

// Files lists the regular files of fsys, slash-separated and sorted,
// leaving out the .goldenpath/ and .git/ directories (in any case) below the
// root: goldenpath's own state and git's are not the project's files.
func Files(fsys fs.FS) ([]string, error) {
	var out []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.EqualFold(d.Name(), ".goldenpath") || strings.EqualFold(d.Name(), ".git")) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
