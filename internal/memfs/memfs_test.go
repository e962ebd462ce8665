package memfs

import (
	"errors"
	"io"
	"io/fs"
	"testing"
)

func TestFS(t *testing.T) {
	m := FS{"deploy/k8s/deployment.yaml": []byte("kind: Deployment\n")}
	data, err := fs.ReadFile(m, "deploy/k8s/deployment.yaml")
	if err != nil || string(data) != "kind: Deployment\n" {
		t.Fatalf("ReadFile = %q, %v", data, err)
	}
	st, err := fs.Stat(m, "deploy/k8s/deployment.yaml")
	if err != nil || st.Name() != "deployment.yaml" || st.Size() != 17 || st.IsDir() || !st.Mode().IsRegular() {
		t.Fatalf("Stat = %v, %v", st, err)
	}
	for _, name := range []string{"deploy", ".", "missing.txt", "../deploy/k8s/deployment.yaml"} {
		if _, err := m.Open(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want fs.ErrNotExist", name, err)
		}
	}
}

// FuzzOpen: any name opens exactly the file stored under it, whole, or is
// fs.ErrNotExist.
func FuzzOpen(f *testing.F) {
	f.Add("a/b.txt", "a/b.txt", []byte("x"))
	f.Add("a/b.txt", "a", []byte(""))
	f.Add("a/b.txt", "../a/b.txt", []byte("y"))
	f.Fuzz(func(t *testing.T, stored, name string, content []byte) {
		m := FS{stored: content}
		fl, err := m.Open(name)
		if name != stored {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("Open(%q) with only %q stored: %v", name, stored, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		defer fl.Close()
		got, err := io.ReadAll(fl)
		if err != nil || string(got) != string(content) {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	})
}
