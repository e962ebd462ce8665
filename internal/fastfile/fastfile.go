// Package fastfile reads and writes regular files with fewer system calls
// than package os, for the render's per-file work.
//
// On Linux, os.Open and os.OpenFile of a regular file cost, besides the
// openat, four fcntl calls and an epoll_ctl the kernel refuses: os.File
// tries to register every descriptor with the runtime's poller. A render
// opens every template twice (the blueprint's digest, then the render) and
// creates every output, so those calls were a fifth of its system time. On
// Unix, this package opens regular files with the system calls alone
// (open, fstat, read or write, close); elsewhere it is package os.
package fastfile

import (
	"io/fs"
	"os"
	"sync"
)

// DirFS returns a file system for the tree rooted at dir, like os.DirFS,
// whose Open and ReadFile of a regular file use plain system calls. Names
// are checked as os.DirFS checks them, and errors are the same
// *fs.PathError values; directories, Stat, Lstat, ReadDir and ReadLink are
// os.DirFS's. Like os.DirFS it follows symbolic links: callers that refuse
// them check first.
func DirFS(dir string) fs.FS {
	return dirFS{base: os.DirFS(dir).(osDirFS), dir: dir}
}

// osDirFS is what os.DirFS implements.
type osDirFS interface {
	fs.StatFS
	fs.ReadFileFS
	fs.ReadDirFS
	fs.ReadLinkFS
}

type dirFS struct {
	base osDirFS
	dir  string
}

var (
	_ fs.StatFS     = dirFS{}
	_ fs.ReadFileFS = dirFS{}
	_ fs.ReadDirFS  = dirFS{}
	_ fs.ReadLinkFS = dirFS{}
)

// Open opens name; a regular file is read with plain system calls.
func (d dirFS) Open(name string) (fs.File, error) {
	full, ok := d.join(name)
	if !ok {
		return d.base.Open(name)
	}
	f, err := openRegular(full, name)
	if err != nil || f != nil {
		return f, err
	}
	return d.base.Open(name) // not a regular file
}

// ReadFile reads the whole of name.
func (d dirFS) ReadFile(name string) ([]byte, error) {
	full, ok := d.join(name)
	if !ok {
		return d.base.ReadFile(name)
	}
	data, regular, err := readRegular(full, name)
	if err != nil || regular {
		return data, err
	}
	return d.base.ReadFile(name)
}

// Stat returns os.DirFS's Stat.
func (d dirFS) Stat(name string) (fs.FileInfo, error) { return d.base.Stat(name) }

// Lstat returns os.DirFS's Lstat.
func (d dirFS) Lstat(name string) (fs.FileInfo, error) { return d.base.Lstat(name) }

// ReadDir returns os.DirFS's ReadDir.
func (d dirFS) ReadDir(name string) ([]fs.DirEntry, error) { return d.base.ReadDir(name) }

// ReadLink returns os.DirFS's ReadLink.
func (d dirFS) ReadLink(name string) (string, error) { return d.base.ReadLink(name) }

// Creator creates new files with exact permission bits. The first file of
// each mode it creates is checked with fstat: when the process's umask
// leaves that mode as it is, later files of the mode skip the chmod, and
// otherwise each is changed with fchmod. A Creator is for one batch of files
// (a render): a umask changed during its life is not seen. Its methods may
// be called concurrently. The zero Creator is ready to use.
type Creator struct {
	mu    sync.Mutex
	exact map[fs.FileMode]bool // mode -> the umask keeps it
}

// keeps reports what is known of whether the umask keeps mode.
func (c *Creator) keeps(mode fs.FileMode) (keep, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep, known = c.exact[mode]
	return keep, known
}

func (c *Creator) learn(mode fs.FileMode, keep bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exact == nil {
		c.exact = map[fs.FileMode]bool{}
	}
	c.exact[mode] = keep
}
