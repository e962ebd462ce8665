// Package pgtest starts throwaway PostgreSQL servers for tests, from the
// binaries of the system's PostgreSQL (Debian's postgresql package puts
// them in /usr/lib/postgresql/VERSION/bin): initdb into a temporary
// directory, a server listening only on a Unix socket in it, and the
// directory removed when the server stops. No server is shared with
// anything else, and nothing is mocked.
//
// Tests call [Database] for a new, empty database on a server shared by
// the tests of their package, started at first use; the package's TestMain
// calls [Main] so that the server stops at the end. When the binaries are
// missing, the tests skip with a message naming the package to install,
// unless the CI environment variable is set: then they fail.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Package is the Debian package whose binaries the servers run.
const Package = "postgresql"

// ErrNotInstalled is returned by [Start] when no PostgreSQL binaries are
// found.
var ErrNotInstalled = errors.New("pgtest: no PostgreSQL server binaries (initdb, postgres): install the Debian package " + Package + ", or set GP_PG_BIN to their directory")

// Options configures [Start]. The zero value is the default.
type Options struct {
	// Durable keeps PostgreSQL's defaults for durability (fsync,
	// synchronous commit), for benchmarks. By default fsync is off: the
	// data of a test server is removed anyway, and a test that kills a
	// client process does not need it.
	Durable bool
	// Settings are more server settings, name to value.
	Settings map[string]string
	// DataDir is the directory the cluster is initialised in, to put the
	// data on a chosen file system (a disk, or tmpfs such as /dev/shm);
	// it must be empty or not exist, and Stop removes it. The server's
	// Unix socket stays in its own short temporary directory. When the
	// process is root, the server's user must be able to reach DataDir.
	// Default: a directory in the server's temporary directory.
	DataDir string
	// TCP has the server listen on a free port of the loopback interface
	// (127.0.0.1) besides its Unix socket, for programs that reach a
	// database by host and port; [Server.Addr] returns the address. By
	// default the server listens on its socket only.
	TCP bool
}

// Server is a running throwaway PostgreSQL server.
type Server struct {
	dir  string // the temporary directory: data/, the socket, the log
	data string // the data directory
	bin  string
	port int // with Options.TCP, the TCP port, which names the socket too
	cmd  *exec.Cmd
	done chan struct{}
	n    atomic.Int64
}

// User is the database user the servers make, a superuser trusted on the
// socket.
const User = "gp"

// Bin returns the directory of the PostgreSQL binaries: $GP_PG_BIN, or the
// newest /usr/lib/postgresql/*/bin with initdb in it.
func Bin() (string, error) {
	if d := os.Getenv("GP_PG_BIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("%w (GP_PG_BIN=%s: %v)", ErrNotInstalled, d, err)
		}
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNotInstalled
}

// Start initialises a cluster in a new temporary directory and starts a
// server on a Unix socket in it. A nil opts means the defaults. Stop it
// when done. PostgreSQL refuses to run as root: when the process is root,
// the server runs as the user postgres (or nobody), which owns the
// directory.
func Start(ctx context.Context, opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if !o.TCP {
		return start(ctx, o, 0)
	}
	// A port found free can be taken by another process before the server
	// binds it: try again with another.
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		var s *Server
		if s, err = start(ctx, o, port); err == nil || !strings.Contains(err.Error(), "could not bind") {
			return s, err
		}
	}
	return nil, err
}

// freePort returns a TCP port of the loopback interface free now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start starts a server as Start does, on the TCP port port of 127.0.0.1
// too when it is not 0.
func start(ctx context.Context, o Options, port int) (*Server, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	// A short path: a Unix socket's path is limited to about 100 bytes,
	// which a long $TMPDIR (macOS's) exceeds. As root, /tmp: the server's
	// user must reach the directory, and root's $TMPDIR may be private.
	parent := ""
	if os.Geteuid() == 0 {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "gp-pg-")
	if err == nil && len(dir) > 80 {
		os.Remove(dir)
		dir, err = os.MkdirTemp("/tmp", "gp-pg-")
	}
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin, port: port, done: make(chan struct{})}
	if err := ownDir(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.data = filepath.Join(dir, "data")
	if o.DataDir != "" {
		s.data = o.DataDir
		if err := os.MkdirAll(s.data, 0o700); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: data directory: %w", err)
		}
		if err := ownDir(s.data); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", s.data, "-U", User, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	asServerUser(initdb, false)
	initdb.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		if o.DataDir != "" {
			os.RemoveAll(s.data)
		}
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	args := []string{"-D", s.data, "-k", dir, "-c", "listen_addresses=", "-c", "max_connections=200"}
	if port != 0 {
		args = append(args, "-c", "listen_addresses=127.0.0.1", "-c", "port="+strconv.Itoa(port))
	}
	if !o.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for k, v := range o.Settings {
		args = append(args, "-c", k+"="+v)
	}
	logf, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logf.Close()
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), args...)
	asServerUser(s.cmd, true)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	if err := s.ready(ctx); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		s.Stop()
		return nil, fmt.Errorf("pgtest: %w\nserver log:\n%s", err, log)
	}
	return s, nil
}

// ready waits until the server accepts connections.
func (s *Server) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var err error
	for {
		var conn *pgx.Conn
		if conn, err = pgx.Connect(ctx, s.URL("postgres")); err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("the server exited: %v", s.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("the server did not accept connections in time: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Dir returns the server's directory, which holds its Unix socket.
func (s *Server) Dir() string { return s.dir }

// URL returns the address of database db on the server, for pgx and for
// the programs that take a "postgres://" URL.
func (s *Server) URL(db string) string {
	if s.port != 0 {
		return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", User, db, s.dir, s.port)
	}
	return fmt.Sprintf("postgres://%s@/%s?host=%s&sslmode=disable", User, db, s.dir)
}

// Addr returns the server's TCP address, 127.0.0.1:PORT, when it was
// started with Options.TCP, else "". Connections from the loopback
// interface are trusted as the socket's are: "postgres://gp@" + Addr() +
// "/postgres?sslmode=disable" is a URL of the server for any client.
func (s *Server) Addr() string {
	if s.port == 0 {
		return ""
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

var nameRE = regexp.MustCompile(`[^a-z0-9_]+`)

// CreateDatabase creates a new, empty database whose name starts with
// hint, and returns its URL.
func (s *Server) CreateDatabase(ctx context.Context, hint string) (string, error) {
	name := nameRE.ReplaceAllString(strings.ToLower(hint), "_")
	name = fmt.Sprintf("%.40s_%d", name, s.n.Add(1))
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("pgtest: creating database %s: %w", name, err)
	}
	return s.URL(name), nil
}

// Stop stops the server at once and removes its directory.
func (s *Server) Stop() error {
	if s.cmd != nil && s.cmd.Process != nil {
		quit(s.cmd.Process) // immediate shutdown
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	err := os.RemoveAll(s.data)
	if err2 := os.RemoveAll(s.dir); err == nil {
		err = err2
	}
	return err
}

var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Shared returns the server shared by the tests of this process, starting
// it at the first call; [Main] stops it.
func Shared() (*Server, error) {
	shared.once.Do(func() {
		shared.srv, shared.err = Start(context.Background(), nil)
	})
	return shared.srv, shared.err
}

// Main runs the tests and stops the shared server, if they started it. A
// TestMain that uses it reads: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Stop()
	}
	return code
}

// Require returns the shared server, or ends the test: skipped when the
// binaries are missing, failed when the CI environment variable is set or
// the server does not start.
func Require(t testing.TB) *Server {
	t.Helper()
	srv, err := Shared()
	switch {
	case errors.Is(err, ErrNotInstalled) && os.Getenv("CI") == "":
		t.Skip(err)
	case err != nil:
		t.Fatal(err)
	}
	return srv
}

// Database returns the URL of a new, empty database on the shared server,
// named after the test.
func Database(t testing.TB) string {
	t.Helper()
	srv := Require(t)
	url, err := srv.CreateDatabase(context.Background(), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return url
}
