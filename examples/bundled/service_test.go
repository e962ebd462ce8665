package bundled

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
	"github.com/goldenpath-dev/goldenpath/examples/internal/servicerun"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	servicerun.StopPostgres()
	os.Exit(code)
}

// goEnv is the environment of the go commands run in rendered projects.
var goEnv = servicerun.GoEnv

// goChecks vet, build (into bin/) and test the Go code of the project in
// sub, "" for the root.
func goChecks(sub string) []blueprinttest.MatrixCheck {
	in := func(args ...string) []string {
		if sub == "" {
			return args
		}
		return append([]string{"-C", sub}, args...)
	}
	return []blueprinttest.MatrixCheck{
		blueprinttest.CommandEnv(goEnv, "go", in("vet", "./...")...),
		blueprinttest.CommandEnv(goEnv, "go", in("build", "-o", "bin/", "./...")...),
		blueprinttest.CommandEnv(goEnv, "go", in("test", "./...")...),
	}
}

// postgres returns the DATABASE_URL of the services rendered with
// database=postgres: a real PostgreSQL server on the loopback interface,
// shared by the package's tests. When PostgreSQL is not installed, t fails
// if the CI environment variable is set, else it is skipped.
func postgres(t *testing.T) string {
	t.Helper()
	url, err := postgresURL(t.Context())
	switch {
	case errors.Is(err, pgtest.ErrNotInstalled) && os.Getenv("CI") == "":
		t.Skip(err)
	case err != nil:
		t.Fatal(err)
	}
	return url
}

// postgresOrNone is postgres for a matrix that has database as an axis:
// when PostgreSQL is not installed and CI is unset, it pins database to
// "none" in m instead of skipping t, and says so.
func postgresOrNone(t *testing.T, m *blueprinttest.Matrix) string {
	t.Helper()
	url, err := postgresURL(t.Context())
	switch {
	case errors.Is(err, pgtest.ErrNotInstalled) && os.Getenv("CI") == "":
		t.Logf("database=postgres left out of the matrix: %v", err)
		if m.Pin == nil {
			m.Pin = map[string]any{}
		}
		m.Pin["database"] = "none"
	case err != nil:
		t.Fatal(err)
	}
	return url
}

func postgresURL(ctx context.Context) (string, error) {
	srv, err := servicerun.Postgres(ctx)
	if err != nil {
		return "", err
	}
	return servicerun.DatabaseURL(srv), nil
}

// serviceRuns is the check that the binary bin/NAME the project in sub
// built runs as servicerun.Run checks: the probes answer on its HTTP port
// and, with metrics, GET /metrics on its metrics port (and not on the
// HTTP port), and it stops on SIGTERM within its shutdown timeout. With
// database=postgres, its DATABASE_URL is databaseURL, a real server its
// readiness check reaches; run again with a DATABASE_URL where no server
// listens, it is live but not ready.
func serviceRuns(sub string, metrics bool, databaseURL string) blueprinttest.MatrixCheck {
	return blueprinttest.MatrixCheck{Name: "service runs", Func: func(ctx context.Context, p *blueprinttest.Project) error {
		name, _ := p.Params.Lookup("name")
		bin := filepath.Join(p.Dir, sub, "bin", fmt.Sprint(name))
		opts := servicerun.Options{Metrics: metrics}
		db, _ := p.Params.Lookup("database")
		if db != "postgres" {
			return servicerun.Run(ctx, bin, opts)
		}
		if databaseURL == "" {
			return errors.New("database=postgres, and no PostgreSQL server for it")
		}
		opts.DatabaseURL = databaseURL
		if err := servicerun.Run(ctx, bin, opts); err != nil {
			return err
		}
		down, err := closedPort()
		if err != nil {
			return err
		}
		opts.DatabaseURL, opts.DatabaseDown = "postgres://svc@"+down+"/svc?sslmode=disable", true
		if err := servicerun.Run(ctx, bin, opts); err != nil {
			return fmt.Errorf("with its database down: %w", err)
		}
		return nil
	}}
}

// closedPort returns a loopback address nothing listens on.
func closedPort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
