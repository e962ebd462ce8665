package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"

	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/examples/internal/signalstore"
)

// storeFlag is --store: the signal store, a JSON Lines file or a
// PostgreSQL URL, default $GP_STORE.
type storeFlag struct{ path string }

func (s *storeFlag) define(fs *flag.FlagSet, what string) {
	fs.StringVar(&s.path, "store", "", what+" the signal store: a JSON Lines `FILE`, or a postgres:// URL (default $GP_STORE)")
}

// name returns the store's name: --store, $GP_STORE, or def.
func (s *storeFlag) name(def string) string { return signalstore.Name(s.path, def) }

// display returns the store's name for messages, without a password.
func (s *storeFlag) display(def string) string { return signalstore.Redact(s.name(def)) }

// open opens the store; readOnly opens an existing file only.
func (s *storeFlag) open(ctx context.Context, def string, readOnly bool) (signalstore.Store, error) {
	name := s.name(def)
	st, err := signalstore.Open(ctx, name, &signalstore.Options{ReadOnly: readOnly})
	if readOnly && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no signal store at %s: record signals with gp scan --store, or give --store", name)
	}
	var pe *fs.PathError
	if err != nil && errors.As(err, &pe) {
		// A file store whose folder is missing or unreadable.
		return nil, wrapRead("signal store", signalstore.Redact(name), "its folder does not exist", err)
	}
	return st, err
}

var storeCmd = &command{
	name:    "store",
	summary: "copy signals between stores (JSON Lines files, PostgreSQL)",
	usage:   "store copy FROM TO [--json]",
	help: `
Store copy appends every signal of the store FROM to the store TO, in the
order FROM holds them. Each is a JSON Lines file or a PostgreSQL URL
(postgres://user@host/db), so signals move from a file to a database and
back, and stay portable as JSON. A signal whose ID TO holds already is not
copied again: running a copy twice, or after an interrupted one, copies
only what is missing. FROM must exist; a file TO is created. A line or row
of FROM that does not decode stops the copy, naming it.

With --json it prints one object: {"from": FROM, "to": TO, "signals": N},
N the signals read from FROM, stores named without their passwords.`,
	example: `
gp store copy signals.jsonl postgres://gp@db.internal/goldenpath
gp store copy "$GP_STORE" backup.jsonl`,
	setup: func(fs *flag.FlagSet) runFunc {
		asJSON := fs.Bool("json", false, "print the result as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) != 3 || args[0] != "copy" {
				return usageErrorf("store takes: copy FROM TO")
			}
			from, to := args[1], args[2]
			if from == to {
				return usageErrorf("FROM and TO are the same store")
			}
			src, err := (&storeFlag{path: from}).open(ctx, "", true)
			if err != nil {
				return err
			}
			defer src.Close()
			dst, err := (&storeFlag{path: to}).open(ctx, "", false)
			if err != nil {
				return err
			}
			defer dst.Close()
			n, err := signalstore.Copy(ctx, src, dst, 1000)
			if err != nil {
				return fmt.Errorf("copying %s to %s, after %s: %w", signalstore.Redact(from), signalstore.Redact(to), english.Count(n, "signal"), err)
			}
			if err := dst.Close(); err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(e.stdout, storeCopyOutput{From: signalstore.Redact(from), To: signalstore.Redact(to), Signals: n})
			}
			fmt.Fprintf(e.stdout, "copied %s from %s to %s (those it held already are kept once)\n", english.Count(n, "signal"), signalstore.Redact(from), signalstore.Redact(to))
			return nil
		}
	},
}

// storeCopyOutput is what gp store copy --json prints.
type storeCopyOutput struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Signals int    `json:"signals"`
}
