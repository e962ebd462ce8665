package main

import (
	"errors"
	"io/fs"
	"os"
)

// readError is a failed read of a file or directory the user named, in a
// sentence that says what was being read: "project /srv/x: no such
// directory", "targets file t.json: it does not exist". errors.Is and
// errors.As still see the error under it.
type readError struct {
	what, name, msg string
	err             error
}

func (e *readError) Error() string { return e.what + " " + e.name + ": " + e.msg }
func (e *readError) Unwrap() error { return e.err }

// wrapRead words err, which happened reading the what named name; missing
// says that name does not exist.
func wrapRead(what, name, missing string, err error) error {
	msg := err.Error()
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		msg = missing
	case errors.As(err, &pe):
		msg = pe.Err.Error()
	}
	return &readError{what: what, name: name, msg: msg, err: err}
}

// checkProjectDir says, in those words, when the project directory dir is
// not there or not a directory.
func checkProjectDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return wrapRead("project", dir, "no such directory", err)
	}
	if !fi.IsDir() {
		return &readError{what: "project", name: dir, msg: "not a directory", err: &fs.PathError{Op: "open", Path: dir, Err: errors.New("not a directory")}}
	}
	return nil
}
