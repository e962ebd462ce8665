package servicerun_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/examples/internal/servicerun"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
)

// serviceEnv makes this test binary the service under Run: a small HTTP
// service written as go-service's is, with the fault named by faultEnv.
const (
	serviceEnv = "SERVICERUN_TEST_SERVICE"
	faultEnv   = "SERVICERUN_TEST_FAULT"
)

func TestMain(m *testing.M) {
	if os.Getenv(serviceEnv) == "1" {
		if err := serve(os.Getenv(faultEnv)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	servicerun.StopPostgres()
	os.Exit(code)
}

// serve serves /healthz and /readyz (dialing DATABASE_URL's host when it
// is set) on PORT and /metrics on METRICS_PORT until SIGTERM, as
// go-service 2.0.0 does, unless fault says otherwise:
//
//	crash            exits 1 at once
//	metrics-on-http  serves /metrics on PORT too
//	no-metrics       serves nothing on METRICS_PORT
//	always-ready     /readyz answers 200 without reaching the database
//	exit-1-on-term   exits 1 on SIGTERM
func serve(fault string) error {
	if fault == "crash" {
		return errors.New("crashed at start-up")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "# TYPE http_requests_total counter\nhttp_requests_total 0\n")
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if db := os.Getenv("DATABASE_URL"); db != "" && fault != "always-ready" {
			u, err := url.Parse(db)
			if err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			c, err := net.DialTimeout("tcp", u.Host, time.Second)
			if err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			c.Close()
		}
	})
	if fault == "metrics-on-http" {
		mux.Handle("GET /metrics", metrics)
	}
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: mux, ReadHeaderTimeout: time.Second}
	msrv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("METRICS_PORT"), Handler: metrics, ReadHeaderTimeout: time.Second}
	errc := make(chan error, 2)
	go func() { errc <- srv.ListenAndServe() }()
	if fault != "no-metrics" {
		go func() { errc <- msrv.ListenAndServe() }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if fault == "exit-1-on-term" {
		return errors.New("stopped badly")
	}
	srv.Close()
	msrv.Close()
	return nil
}

// run runs this test binary as the service with fault and opts.
func run(t *testing.T, fault string, opts servicerun.Options) error {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	opts.Env = append(opts.Env, serviceEnv+"=1", faultEnv+"="+fault)
	return servicerun.Run(t.Context(), bin, opts)
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// A service that serves what go-service's manifests probe passes; each
// fault fails Run with what is wrong and the service's output.
func TestRun(t *testing.T) {
	down := "postgres://svc@" + closedPort(t) + "/svc?sslmode=disable"
	ok := []struct {
		name string
		opts servicerun.Options
	}{
		{"plain", servicerun.Options{}},
		{"metrics", servicerun.Options{Metrics: true}},
		{"database down", servicerun.Options{DatabaseURL: down, DatabaseDown: true}},
	}
	for _, c := range ok {
		if err := run(t, "", c.opts); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	bad := []struct {
		name, fault string
		opts        servicerun.Options
		want        string
	}{
		{"crash", "crash", servicerun.Options{}, "exited before answering /healthz: exit status 1\nlogs:\ncrashed at start-up"},
		{"metrics on the HTTP port", "metrics-on-http", servicerun.Options{Metrics: true}, "GET /metrics answers on the HTTP port too"},
		{"no metrics", "no-metrics", servicerun.Options{Metrics: true}, "GET /metrics on the metrics port: 0"},
		{"ready without its database", "always-ready", servicerun.Options{DatabaseURL: down, DatabaseDown: true}, "GET /readyz on the HTTP port: 200"},
		{"not ready", "", servicerun.Options{DatabaseURL: down}, "GET /readyz on the HTTP port: 503"},
		{"exit 1 on SIGTERM", "exit-1-on-term", servicerun.Options{}, "after SIGTERM: exit status 1\nlogs:\nstopped badly"},
	}
	for _, c := range bad {
		err := run(t, c.fault, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Run = %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// The shared PostgreSQL server is real: a service's readiness reaches it
// by host and port, and fails once it stops.
func TestPostgres(t *testing.T) {
	srv, err := servicerun.Postgres(t.Context())
	switch {
	case errors.Is(err, pgtest.ErrNotInstalled) && os.Getenv("CI") == "":
		t.Skip(err)
	case err != nil:
		t.Fatal(err)
	}
	again, err := servicerun.Postgres(t.Context())
	if err != nil || again != srv {
		t.Errorf("a second call started another server: %v", err)
	}
	url := servicerun.DatabaseURL(srv)
	if err := run(t, "", servicerun.Options{DatabaseURL: url}); err != nil {
		t.Error(err)
	}
	if err := servicerun.StopPostgres(); err != nil {
		t.Fatal(err)
	}
	if err := run(t, "", servicerun.Options{DatabaseURL: url, DatabaseDown: true}); err != nil {
		t.Error(err)
	}
}
