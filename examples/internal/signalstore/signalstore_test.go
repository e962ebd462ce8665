package signalstore_test

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/examples/internal/signalstore"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
	"github.com/goldenpath-dev/goldenpath/feedback/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestName(t *testing.T) {
	t.Setenv(signalstore.Env, "")
	if got := signalstore.Name("", "signals.jsonl"); got != "signals.jsonl" {
		t.Errorf("default: %q", got)
	}
	t.Setenv(signalstore.Env, "postgres://gp@db/x")
	if got := signalstore.Name("", "signals.jsonl"); got != "postgres://gp@db/x" {
		t.Errorf("$GP_STORE: %q", got)
	}
	if got := signalstore.Name("a.jsonl", "signals.jsonl"); got != "a.jsonl" {
		t.Errorf("the flag wins: %q", got)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	_, err := signalstore.Open(t.Context(), filepath.Join(dir, "none.jsonl"), &signalstore.Options{ReadOnly: true})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file read-only: %v", err)
	}
	st, err := signalstore.Open(t.Context(), filepath.Join(dir, "a.jsonl"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*feedback.FileStore); !ok {
		t.Errorf("a path opens a %T", st)
	}
	st.Close()

	db := pgtest.Database(t)
	st, err = signalstore.Open(t.Context(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*pgstore.Store); !ok {
		t.Errorf("a URL opens a %T", st)
	}
	st.Close()

	_, err = signalstore.Open(t.Context(), "postgres://gp:s3cret@/nowhere?host=/nonexistent&connect_timeout=1", nil)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "postgres://gp:xxxxx@/nowhere") {
		t.Errorf("a server that is not there: %v", err)
	}
	if _, err := signalstore.Open(t.Context(), "", nil); err == nil {
		t.Error("no name opened a store")
	}
}

// Copy between the three kinds of store, both ways, twice: the same
// signals in the same order, once each.
func TestCopy(t *testing.T) {
	dir := t.TempDir()
	mem := feedback.NewMemoryStore()
	in := append([]feedback.Signal{storetest.Full()}, storetest.Signals("c", 2345)...)
	if err := mem.Append(t.Context(), in...); err != nil {
		t.Fatal(err)
	}
	file, err := signalstore.Open(t.Context(), filepath.Join(dir, "a.jsonl"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	pg, err := signalstore.Open(t.Context(), pgtest.Database(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	back := feedback.NewMemoryStore()
	for _, step := range []struct {
		from, to feedback.Store
	}{{mem, file}, {file, pg}, {pg, back}, {file, pg}, {pg, back}} {
		n, err := signalstore.Copy(t.Context(), step.from, step.to, 500)
		if err != nil || n != len(in) {
			t.Fatalf("copied %d, %v", n, err)
		}
	}
	var got []feedback.Signal
	for s, err := range back.Query(t.Context(), feedback.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if len(got) != len(in) || got[0].ID != in[0].ID || got[len(got)-1].ID != in[len(in)-1].ID {
		t.Fatalf("copied back %d signals, want %d", len(got), len(in))
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"signals.jsonl":                      "signals.jsonl",
		"postgres://gp:pw@db:5432/x":         "postgres://gp:xxxxx@db:5432/x",
		"postgresql://gp@db/x?sslmode=allow": "postgresql://gp@db/x?sslmode=allow",
		"postgres://%zz":                     "postgres://…",
	} {
		if got := signalstore.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzRedact: whatever the name, Redact does not fail, keeps paths as
// they are, and leaves no password but "xxxxx" in a URL.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"signals.jsonl", "postgres://gp:pw@db/x", "postgresql://u:p@h/d?host=/tmp", "postgres://%zz", "postgres://:@/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := signalstore.Redact(name)
		if !signalstore.IsURL(name) {
			if got != name {
				t.Fatalf("a path changed: %q -> %q", name, got)
			}
			return
		}
		u, err := url.Parse(name)
		if err != nil {
			return
		}
		if p, ok := u.User.Password(); ok && p != "" {
			r, err := url.Parse(got)
			if err != nil {
				t.Fatalf("Redact(%q) = %q does not parse: %v", name, got, err)
			}
			if rp, _ := r.User.Password(); rp != "xxxxx" {
				t.Fatalf("Redact(%q) = %q keeps password %q", name, got, rp)
			}
		}
	})
}
