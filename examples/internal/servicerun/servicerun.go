// Package servicerun runs a service built from a go-service project (the
// repository's bundled blueprint) the way its Kubernetes manifests do, and
// checks what they rely on: the liveness and readiness probes on the HTTP
// port, the metrics on a port of their own, and a clean stop on SIGTERM
// within the shutdown timeout. The tests of the bundled blueprints and of
// the README's tour share it, so that both prove a rendered service alike.
//
// It also keeps the PostgreSQL server those services' readiness checks
// reach: a real, throwaway one (feedback/pgstore/pgtest) listening on the
// loopback interface.
package servicerun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
)

// GoEnv is the environment of the go commands run in a rendered project:
// outside any workspace, with the toolchain at hand, and without version
// control stamping (a rendered project is not a repository).
var GoEnv = []string{"GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false"}

// ShutdownTimeout is the rendered services' own: they must stop within it
// after SIGTERM.
const ShutdownTimeout = 10 * time.Second

// startTimeout is how long a service has to answer GET /healthz.
const startTimeout = 15 * time.Second

// Options says what the service is given and what it must serve. The zero
// value runs a service without a database or metrics.
type Options struct {
	// DatabaseURL, when not "", is the service's DATABASE_URL; its
	// readiness check reaches the host and port it names.
	DatabaseURL string
	// DatabaseDown says the database of DatabaseURL is not running:
	// GET /readyz must answer 503 Service Unavailable, while /healthz
	// answers 200 (liveness does not depend on the database).
	DatabaseDown bool
	// Metrics says the service serves GET /metrics on METRICS_PORT, in
	// the Prometheus text format, and not on PORT.
	Metrics bool
	// Env is more environment for the service, KEY=VALUE.
	Env []string
}

// Run starts bin with PORT and METRICS_PORT set to two free ports of the
// loopback interface, waits for GET /healthz to answer 200 on PORT, checks
// GET /readyz (200, or 503 with DatabaseDown) and, with Metrics, GET
// /metrics, then sends SIGTERM and waits for the service to exit 0 within
// ShutdownTimeout. The error says what failed, with the service's output.
// A port taken by another process between being chosen and the service
// binding it is tried again with new ports, up to three times.
func Run(ctx context.Context, bin string, opts Options) error {
	var err error
	for range 3 {
		err = runOnce(ctx, bin, opts)
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			return err
		}
	}
	return err
}

// freePorts returns n distinct free loopback ports, held until all are
// chosen so that they differ.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func runOnce(ctx context.Context, bin string, opts Options) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	env := append(os.Environ(), "PORT="+strconv.Itoa(ports[0]), "METRICS_PORT="+strconv.Itoa(ports[1]))
	if opts.DatabaseURL != "" {
		env = append(env, "DATABASE_URL="+opts.DatabaseURL)
	}
	env = append(env, opts.Env...)
	var logs syncBuffer
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	fail := func(err error) error {
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("%w\nlogs:\n%s", err, logs.String())
	}

	client := &http.Client{Timeout: 2 * time.Second}
	get := func(port int, path string) (int, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", port, path), nil)
		if err != nil {
			return 0, "", err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), err
	}

	// Started: /healthz answers.
	deadline := time.Now().Add(startTimeout)
	for {
		code, _, err := get(ports[0], "/healthz")
		if err == nil && code == http.StatusOK {
			break
		}
		select {
		case err := <-done:
			done <- err
			return fail(fmt.Errorf("exited before answering /healthz: %v", err))
		default:
		}
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("GET /healthz: no answer within %s (last: %d, %v)", startTimeout, code, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantReady := http.StatusOK
	if opts.DatabaseDown {
		wantReady = http.StatusServiceUnavailable
	}
	if code, body, err := get(ports[0], "/readyz"); err != nil || code != wantReady {
		return fail(fmt.Errorf("GET /readyz on the HTTP port: %d %q, %v; want %d", code, body, err, wantReady))
	}
	if opts.Metrics {
		code, body, err := get(ports[1], "/metrics")
		if err != nil || code != http.StatusOK || !strings.Contains(body, "# TYPE ") {
			return fail(fmt.Errorf("GET /metrics on the metrics port: %d %q, %v", code, body, err))
		}
		if code, _, err := get(ports[0], "/metrics"); err == nil && code == http.StatusOK {
			return fail(errors.New("GET /metrics answers on the HTTP port too: the ingress would expose it"))
		}
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fail(err)
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("after SIGTERM: %v\nlogs:\n%s", err, logs.String())
		}
	case <-time.After(ShutdownTimeout + 2*time.Second):
		return fail(fmt.Errorf("still running %s after SIGTERM (shutdown timeout %s)", time.Since(start).Round(time.Millisecond), ShutdownTimeout))
	}
	return nil
}

// syncBuffer is the service's output, written by the goroutines of
// exec.Cmd and read by Run.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var postgres struct {
	mu  sync.Mutex
	srv *pgtest.Server
	err error
}

// Postgres returns a throwaway PostgreSQL server listening on 127.0.0.1
// (pgtest.Options.TCP), shared by the tests of the process and started at
// the first call; StopPostgres stops it. Without PostgreSQL installed, the
// error is pgtest.ErrNotInstalled.
func Postgres(ctx context.Context) (*pgtest.Server, error) {
	postgres.mu.Lock()
	defer postgres.mu.Unlock()
	if postgres.srv == nil && postgres.err == nil {
		postgres.srv, postgres.err = pgtest.Start(ctx, &pgtest.Options{TCP: true})
	}
	return postgres.srv, postgres.err
}

// DatabaseURL returns the URL of the postgres database of srv by its TCP
// address, as a service's DATABASE_URL.
func DatabaseURL(srv *pgtest.Server) string {
	return "postgres://" + pgtest.User + "@" + srv.Addr() + "/postgres?sslmode=disable"
}

// StopPostgres stops the server Postgres started, if it did; a TestMain
// calls it after m.Run.
func StopPostgres() error {
	postgres.mu.Lock()
	defer postgres.mu.Unlock()
	if postgres.srv == nil {
		return nil
	}
	err := postgres.srv.Stop()
	postgres.srv, postgres.err = nil, nil
	return err
}
