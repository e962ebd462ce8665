package fastfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"
)

// tree writes a small tree with a regular file, an executable, an empty
// file, a nested directory and, where the system allows, a symbolic link.
func tree(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string]string{
		"a.txt":           "hello\n",
		"empty":           "",
		"sub/deep/b.tmpl": "{{ .name }}\n",
		"big.bin":         string(bytes.Repeat([]byte{0, 1, 2, 3}, 20000)),
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "a.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDirFSIsAnFS(t *testing.T) {
	dir := tree(t)
	want := []string{"a.txt", "empty", "sub/deep/b.tmpl", "big.bin"}
	if err := fstest.TestFS(DirFS(dir), want...); err != nil {
		t.Fatal(err)
	}
}

// TestDirFSAgreesWithOS reads every name both ways: the contents, the
// file information and the errors must be the same.
func TestDirFSAgreesWithOS(t *testing.T) {
	dir := tree(t)
	fast, slow := DirFS(dir), os.DirFS(dir)
	for _, name := range []string{"a.txt", "empty", "big.bin", "sub/deep/b.tmpl", "link", "sub", ".", "missing", "sub/missing/x", "../a.txt", "/a.txt", "a.txt/", "sub//deep", "a\x00b", ""} {
		t.Run(name, func(t *testing.T) { agree(t, fast, slow, name) })
	}
}

func agree(t *testing.T, fast, slow fs.FS, name string) {
	t.Helper()
	fd, ferr := fs.ReadFile(fast, name)
	sd, serr := fs.ReadFile(slow, name)
	if !sameErr(ferr, serr) || !bytes.Equal(fd, sd) {
		t.Fatalf("ReadFile(%q): fast %d bytes, %v; os %d bytes, %v", name, len(fd), ferr, len(sd), serr)
	}
	ff, ferr := fast.Open(name)
	sf, serr := slow.Open(name)
	if !sameErr(ferr, serr) {
		t.Fatalf("Open(%q): fast %v; os %v", name, ferr, serr)
	}
	if ferr != nil {
		return
	}
	defer ff.Close()
	defer sf.Close()
	fi, err := ff.Stat()
	if err != nil {
		t.Fatal(err)
	}
	si, err := sf.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Name() != si.Name() || fi.Size() != si.Size() || fi.Mode() != si.Mode() || !fi.ModTime().Equal(si.ModTime()) || fi.IsDir() != si.IsDir() {
		t.Fatalf("Stat(%q): fast %v %d %v %v; os %v %d %v %v", name, fi.Name(), fi.Size(), fi.Mode(), fi.ModTime(), si.Name(), si.Size(), si.Mode(), si.ModTime())
	}
	if fi.IsDir() {
		return
	}
	got, err := io.ReadAll(ff)
	if err != nil || !bytes.Equal(got, sd) {
		t.Fatalf("Read(%q): %d bytes, %v; want %d bytes", name, len(got), err, len(sd))
	}
}

// sameErr reports whether two errors are both nil, or both *fs.PathError
// with the same operation, path and cause.
func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var pa, pb *fs.PathError
	if !errors.As(a, &pa) || !errors.As(b, &pb) {
		return a.Error() == b.Error()
	}
	return pa.Path == pb.Path && errors.Is(pa.Err, pb.Err) || a.Error() == b.Error()
}

func TestFileAfterClose(t *testing.T) {
	f, err := DirFS(tree(t)).Open("a.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Read(make([]byte, 4)); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Read after Close: %v, want fs.ErrClosed", err)
	}
	if err := f.Close(); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("second Close: %v, want fs.ErrClosed", err)
	}
}

func TestCreatorRefusesExisting(t *testing.T) {
	dir := tree(t)
	var c Creator
	for _, name := range []string{"a.txt", "link", "sub"} {
		if _, err := c.Create(filepath.Join(dir, name), 0o644); !errors.Is(err, fs.ErrExist) {
			t.Errorf("Create(%s): %v, want fs.ErrExist", name, err)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "a.txt")); string(got) != "hello\n" {
		t.Errorf("a.txt changed: %q", got)
	}
	w, err := c.Create(filepath.Join(dir, "new"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Write after Close: %v, want fs.ErrClosed", err)
	}
}

// FuzzDirFS checks that any name reads the same through DirFS as through
// os.DirFS, errors included.
func FuzzDirFS(f *testing.F) {
	for _, s := range []string{"a.txt", "sub/deep/b.tmpl", "..", "sub/../a.txt", "/etc/passwd", "link", "sub", "", ".", "a\x00", `sub\deep`} {
		f.Add(s)
	}
	dir := tree(f)
	fast, slow := DirFS(dir), os.DirFS(dir)
	f.Fuzz(func(t *testing.T, name string) { agree(t, fast, slow, name) })
}
