package tree

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"a.txt":                     {Data: []byte("a")},
		"d/b.txt":                   {Data: []byte("b")},
		".goldenpath/manifest.json": {Data: []byte("{}")},
		".GIT/config":               {Data: []byte("")},
		"d/.git/HEAD":               {Data: []byte("")},
		"link":                      {Mode: fs.ModeSymlink | 0o777, Data: []byte("a.txt")},
		".github/ci.yml":            {Data: []byte("")},
	}
	got, err := Files(fsys)
	require.NoError(t, err)
	assert.Equal(t, []string{".github/ci.yml", "a.txt", "d/b.txt"}, got)
}
