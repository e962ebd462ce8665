package fserr_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/goldenpath-dev/goldenpath/internal/fserr"
)

func TestWrap(t *testing.T) {
	dir := t.TempDir()
	_, err := os.Open(filepath.Join(dir, "nope.yaml"))
	err = fserr.Wrap("values file", "nope.yaml", "it does not exist", err)
	if got, want := err.Error(), "values file nope.yaml: it does not exist"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("errors.Is(err, fs.ErrNotExist) is false")
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Error("no *fs.PathError under the error")
	}
	_, err = os.ReadFile(dir)
	err = fserr.Wrap("values file", dir, "it does not exist", err)
	if got, want := err.Error(), "values file "+dir+": is a directory"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := fserr.NotDir("project", "a.txt").Error(), "project a.txt: not a directory"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
