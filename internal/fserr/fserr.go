// Package fserr words failed reads of files and directories a user named
// in a sentence that says what was being read: "values file nope.yaml: it
// does not exist", "blueprint /srv/bp: no such directory", rather than the
// operating system's "open nope.yaml: no such file or directory".
package fserr

import (
	"errors"
	"io/fs"
)

// Error is a failed read of the What named Name. errors.Is and errors.As
// see the error under it (an *fs.PathError, fs.ErrNotExist).
type Error struct {
	What, Name, Msg string
	Err             error
}

func (e *Error) Error() string { return e.What + " " + e.Name + ": " + e.Msg }

// Unwrap returns the error under e.
func (e *Error) Unwrap() error { return e.Err }

// Wrap says what was being read when err happened on name; missing is the
// words for a name that does not exist ("it does not exist", "no such
// directory"). Other errors of the file system give their own words
// ("permission denied", "is a directory"), without the operation and path.
func Wrap(what, name, missing string, err error) error {
	msg := err.Error()
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		msg = missing
	case errors.As(err, &pe):
		msg = pe.Err.Error()
	}
	return &Error{What: what, Name: name, Msg: msg, Err: err}
}

// NotDir is the error for a name that is a file where a directory was
// wanted.
func NotDir(what, name string) error {
	return &Error{What: what, Name: name, Msg: "not a directory", Err: &fs.PathError{Op: "open", Path: name, Err: errors.New("not a directory")}}
}
