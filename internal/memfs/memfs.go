// Package memfs is files in memory as an fs.FS of regular files: the
// rendered contents a rule evaluates without writing them to disk (a
// clean render's files in feedback/scan, a plan's files in render).
package memfs

import (
	"bytes"
	"io/fs"
	"path"
	"time"
)

// FS maps slash-separated paths to file contents. It holds regular files
// only: Open of any other name, directories included, is fs.ErrNotExist.
type FS map[string][]byte

// Open opens the file name.
func (m FS) Open(name string) (fs.File, error) {
	data, ok := m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &file{Reader: bytes.NewReader(data), name: name, size: int64(len(data))}, nil
}

type file struct {
	*bytes.Reader
	name string
	size int64
}

func (f *file) Stat() (fs.FileInfo, error) { return info{f}, nil }
func (f *file) Close() error               { return nil }

type info struct{ f *file }

func (i info) Name() string       { return path.Base(i.f.name) }
func (i info) Size() int64        { return i.f.size }
func (i info) Mode() fs.FileMode  { return 0o644 }
func (i info) ModTime() time.Time { return time.Time{} }
func (i info) IsDir() bool        { return false }
func (i info) Sys() any           { return nil }
