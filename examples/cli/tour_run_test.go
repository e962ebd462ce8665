package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/examples/internal/servicerun"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
)

// buildAndRun vets, builds and tests the Go project in dir, then runs its
// binary cmd/NAME as servicerun.Run checks, with a real PostgreSQL server
// its readiness check reaches: GET /healthz and /readyz answer 200 on its
// HTTP port and GET /metrics on its metrics port, and it exits 0 within
// its shutdown timeout after SIGTERM. Without PostgreSQL installed, the
// run is skipped unless CI is set.
func buildAndRun(t *testing.T, dir, name string) {
	t.Helper()
	env := append(os.Environ(), servicerun.GoEnv...)
	for _, args := range [][]string{{"vet", "./..."}, {"build", "-o", "bin/", "./..."}, {"test", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in the upgraded project: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	srv, err := servicerun.Postgres(t.Context())
	switch {
	case errors.Is(err, pgtest.ErrNotInstalled) && os.Getenv("CI") == "":
		t.Skip("the upgraded project builds and passes its tests; not run: ", err)
	case err != nil:
		t.Fatal(err)
	}
	err = servicerun.Run(t.Context(), filepath.Join(dir, "bin", name), servicerun.Options{
		DatabaseURL: servicerun.DatabaseURL(srv),
		Metrics:     true,
	})
	if err != nil {
		t.Error(err)
	}
}
