package pgtest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// Without the binaries, Start says which package to install.
func TestNotInstalled(t *testing.T) {
	t.Setenv("GP_PG_BIN", t.TempDir())
	_, err := pgtest.Start(context.Background(), nil)
	if !errors.Is(err, pgtest.ErrNotInstalled) || !strings.Contains(err.Error(), "install the Debian package postgresql") {
		t.Fatalf("Start without binaries: %v", err)
	}
}

// A server starts, takes databases, and leaves nothing behind when it
// stops.
func TestStartStop(t *testing.T) {
	if _, err := pgtest.Bin(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	srv, err := pgtest.Start(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.CreateDatabase(t.Context(), "Some Test/Name")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(url, "/some_test_name_1?host=") {
		t.Errorf("URL %s", url)
	}
	dir := srv.Dir()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the server's directory is left: %v", err)
	}
	if out, err := exec.Command("pgrep", "-f", "postgres -D "+dir).Output(); err == nil {
		t.Errorf("a server process is left: %s", out)
	}
}

// The shared server hands each test its own database.
func TestDatabase(t *testing.T) {
	a, b := pgtest.Database(t), pgtest.Database(t)
	if a == b {
		t.Errorf("two tests' databases are one: %s", a)
	}
}

// Options.DataDir puts the cluster where it says, and Stop removes it.
func TestDataDir(t *testing.T) {
	if _, err := pgtest.Bin(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	// Under the system's temporary directory, which the server's user
	// reaches when this process is root.
	data := filepath.Join(os.TempDir(), fmt.Sprintf("gp-pg-data-%d", os.Getpid()))
	srv, err := pgtest.Start(t.Context(), &pgtest.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		srv.Stop()
		t.Fatalf("no cluster in the data directory: %v", err)
	}
	if _, err := srv.CreateDatabase(t.Context(), "data_dir"); err != nil {
		t.Error(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{data, srv.Dir()} {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left: %v", d, err)
		}
	}
}

// Options.TCP has the server listen on 127.0.0.1 too: a client reaches it
// by host and port, the socket's URL still works, and the port is closed
// once the server stops.
func TestTCP(t *testing.T) {
	if _, err := pgtest.Bin(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	srv, err := pgtest.Start(t.Context(), &pgtest.Options{TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	addr := srv.Addr()
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("Addr() = %q, want 127.0.0.1:PORT", addr)
	}
	db, err := srv.CreateDatabase(t.Context(), "tcp")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	for _, dbURL := range []string{"postgres://" + pgtest.User + "@" + addr + "/" + name + "?sslmode=disable", db} {
		conn, err := pgx.Connect(t.Context(), dbURL)
		if err != nil {
			t.Fatalf("%s: %v", dbURL, err)
		}
		var got string
		if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&got); err != nil || got != name {
			t.Errorf("%s: current_database() = %q, %v; want %q", dbURL, got, err, name)
		}
		conn.Close(t.Context())
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Stop", addr)
	}
	// Without the option, the server has no TCP address.
	if s, err := pgtest.Shared(); err == nil && s.Addr() != "" {
		t.Errorf("the shared server listens on %s", s.Addr())
	}
}
