// Package signalstore opens the feedback store the examples' --store flag
// names: a PostgreSQL URL (postgres:// or postgresql://) opens a
// pgstore.Store, anything else is the path of a JSON Lines file, a
// feedback.FileStore. The gp CLI and the server share it, so that both
// read --store and $GP_STORE alike.
package signalstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore"
)

// Env is the environment variable naming the store when no flag does.
const Env = "GP_STORE"

// Store is an open feedback store.
type Store interface {
	feedback.Store
	// Close closes the store.
	Close() error
}

// Options configures [Open]. The zero value opens a store for appends,
// creating a file if needed.
type Options struct {
	// ReadOnly opens a file store for queries only; the file must exist.
	// A PostgreSQL store is opened as usual: its tables are created if
	// needed.
	ReadOnly bool
	// OnRepair is called when a file store removes a torn last line.
	OnRepair func(feedback.Repair)
	// MaxConns bounds a PostgreSQL store's connections; 0 keeps the URL's
	// pool_max_conns or pgx's default.
	MaxConns int32
}

// IsURL reports whether name is a PostgreSQL URL rather than a file's path.
func IsURL(name string) bool {
	return strings.HasPrefix(name, "postgres://") || strings.HasPrefix(name, "postgresql://")
}

// Name returns name, or $GP_STORE when name is empty, or def.
func Name(name, def string) string {
	switch {
	case name != "":
		return name
	case os.Getenv(Env) != "":
		return os.Getenv(Env)
	}
	return def
}

// Open opens the store name names. A missing file opened ReadOnly is an
// error that wraps fs.ErrNotExist.
func Open(ctx context.Context, name string, o *Options) (Store, error) {
	var opts Options
	if o != nil {
		opts = *o
	}
	if name == "" {
		return nil, errors.New("no signal store: give --store or set $" + Env)
	}
	if IsURL(name) {
		if _, err := url.Parse(name); err != nil {
			return nil, fmt.Errorf("store %s: %w", Redact(name), redactErr(err, name))
		}
		st, err := pgstore.Open(ctx, name, &pgstore.Options{MaxConns: opts.MaxConns})
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", Redact(name), redactErr(err, name))
		}
		return st, nil
	}
	st, err := feedback.OpenFileStore(name, &feedback.FileStoreOptions{ReadOnly: opts.ReadOnly, OnRepair: opts.OnRepair})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Redact returns name with the password of a URL replaced by "xxxxx", for
// messages and logs.
func Redact(name string) string {
	if !IsURL(name) {
		return name
	}
	u, err := url.Parse(name)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// redactErr keeps a URL's password out of an error's message.
func redactErr(err error, name string) error {
	u, perr := url.Parse(name)
	if perr != nil {
		return errors.New(strings.ReplaceAll(err.Error(), name, "postgres://…"))
	}
	if p, ok := u.User.Password(); ok && p != "" && strings.Contains(err.Error(), p) {
		return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}

// Copy appends every signal of from to to, in batches of batch signals
// (1000 when batch < 1), and returns how many it read. Signals to holds
// already are kept once, so a copy run twice copies nothing more. It stops
// at the first error, a line or row that does not decode included.
func Copy(ctx context.Context, from feedback.Store, to feedback.Store, batch int) (int, error) {
	if batch < 1 {
		batch = 1000
	}
	buf := make([]feedback.Signal, 0, batch)
	n := 0
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		err := to.Append(ctx, buf...)
		buf = buf[:0]
		return err
	}
	for s, err := range from.Query(ctx, feedback.Filter{}) {
		if err != nil {
			return n, err
		}
		buf = append(buf, s)
		n++
		if len(buf) == batch {
			if err := flush(); err != nil {
				return n - batch, err
			}
		}
	}
	pending := len(buf)
	if err := flush(); err != nil {
		return n - pending, err
	}
	return n, nil
}
