//go:build linux

package fastfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// join returns the operating-system path of name, and false for a name
// this package leaves to os.DirFS: an invalid one (os.DirFS gives the
// error), or a DirFS with an empty root.
func (d dirFS) join(name string) (string, bool) {
	if d.dir == "" || !fs.ValidPath(name) || strings.IndexByte(name, 0) >= 0 {
		return "", false
	}
	if name == "." {
		return d.dir, true
	}
	if os.IsPathSeparator(d.dir[len(d.dir)-1]) {
		return d.dir + name, true
	}
	return d.dir + "/" + name, true
}

func openFD(full string, flag int, perm uint32) (int, error) {
	for {
		fd, err := syscall.Open(full, flag|syscall.O_CLOEXEC, perm)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// openRegular opens full for reading and returns it when it is a regular
// file, nil when it is not.
func openRegular(full, name string) (fs.File, error) {
	fd, err := openFD(full, syscall.O_RDONLY, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(fd)
		return nil, nil
	}
	f := &file{name: name, info: statInfo(name, &st)}
	f.fd.Store(int64(fd))
	return f, nil
}

// readRegular reads the regular file full; regular is false, and nothing
// read, when it is not one.
func readRegular(full, name string) (data []byte, regular bool, err error) {
	fd, err := openFD(full, syscall.O_RDONLY, 0)
	if err != nil {
		return nil, true, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		return nil, true, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, false, nil
	}
	// One byte more than the size, so that a file of the size it had
	// reads to its end in one call and its EOF in the next.
	data = make([]byte, 0, int(st.Size)+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // a file that grew
		}
		n, err := read(fd, data[len(data):cap(data)])
		if err != nil {
			return nil, true, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			return data, true, nil
		}
		data = data[:len(data)+n]
	}
}

func fstat(fd int, st *syscall.Stat_t) error {
	for {
		if err := syscall.Fstat(fd, st); err != syscall.EINTR {
			return err
		}
	}
}

func read(fd int, p []byte) (int, error) {
	for {
		n, err := syscall.Read(fd, p)
		if err != syscall.EINTR {
			return max(n, 0), err
		}
	}
}

// file is a regular file open for reading.
type file struct {
	name string
	info fileInfo
	fd   atomic.Int64 // -1 once closed
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }

func (f *file) Read(p []byte) (int, error) {
	fd := f.fd.Load()
	if fd < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := read(int(fd), p)
	if err != nil {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (f *file) ReadAt(p []byte, off int64) (int, error) {
	fd := f.fd.Load()
	if fd < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "readat", Path: f.name, Err: errors.New("negative offset")}
	}
	done := 0
	for done < len(p) {
		n, err := syscall.Pread(int(fd), p[done:], off+int64(done))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return done, &fs.PathError{Op: "read", Path: f.name, Err: err}
		}
		if n == 0 {
			return done, io.EOF
		}
		done += n
	}
	return done, nil
}

func (f *file) Seek(offset int64, whence int) (int64, error) {
	fd := f.fd.Load()
	if fd < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrClosed}
	}
	ret, err := syscall.Seek(int(fd), offset, whence)
	if err != nil {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: err}
	}
	return ret, nil
}

func (f *file) Close() error {
	fd := f.fd.Swap(-1)
	if fd < 0 {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	if err := syscall.Close(int(fd)); err != nil {
		return &fs.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

// fileInfo describes a regular file from its fstat.
type fileInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
	sys   syscall.Stat_t
}

func statInfo(name string, st *syscall.Stat_t) fileInfo {
	mode := fs.FileMode(st.Mode & 0o777)
	if st.Mode&syscall.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if st.Mode&syscall.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if st.Mode&syscall.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	base := name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		base = name[i+1:]
	}
	sec, nsec := st.Mtim.Unix()
	return fileInfo{name: base, size: st.Size, mode: mode, mtime: time.Unix(sec, nsec), sys: *st}
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.size }
func (fi fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi fileInfo) ModTime() time.Time { return fi.mtime }
func (fi fileInfo) IsDir() bool        { return false }
func (fi fileInfo) Sys() any           { return &fi.sys }

// Create creates the new file full (it must not exist; a symbolic link in
// its place is refused too) with the permission bits perm, for writing.
func (c *Creator) Create(full string, perm fs.FileMode) (*Writer, error) {
	perm = perm.Perm()
	fd, err := openFD(full, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL, uint32(perm))
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: full, Err: err}
	}
	keep, known := c.keeps(perm)
	if !known {
		var st syscall.Stat_t
		if err := fstat(fd, &st); err != nil {
			syscall.Close(fd)
			return nil, &fs.PathError{Op: "stat", Path: full, Err: err}
		}
		keep = fs.FileMode(st.Mode&0o777) == perm
		c.learn(perm, keep)
	}
	if !keep {
		for {
			err = syscall.Fchmod(fd, uint32(perm))
			if err != syscall.EINTR {
				break
			}
		}
		if err != nil {
			syscall.Close(fd)
			return nil, &fs.PathError{Op: "chmod", Path: full, Err: err}
		}
	}
	return &Writer{fd: fd, name: full}, nil
}

// Writer is a file open for writing, made by Creator.Create. It is not safe
// for concurrent use.
type Writer struct {
	fd   int
	name string
}

// Write writes all of p.
func (w *Writer) Write(p []byte) (int, error) {
	if w.fd < 0 {
		return 0, &fs.PathError{Op: "write", Path: w.name, Err: fs.ErrClosed}
	}
	done := 0
	for done < len(p) {
		n, err := syscall.Write(w.fd, p[done:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return done, &fs.PathError{Op: "write", Path: w.name, Err: err}
		}
		if n == 0 {
			return done, &fs.PathError{Op: "write", Path: w.name, Err: io.ErrShortWrite}
		}
		done += n
	}
	return done, nil
}

// Close closes the file.
func (w *Writer) Close() error {
	if w.fd < 0 {
		return &fs.PathError{Op: "close", Path: w.name, Err: fs.ErrClosed}
	}
	fd := w.fd
	w.fd = -1
	if err := syscall.Close(fd); err != nil {
		return &fs.PathError{Op: "close", Path: w.name, Err: err}
	}
	return nil
}
