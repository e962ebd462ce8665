package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildAndRun vets, builds and tests the Go project in dir, then starts
// its binary cmd/NAME on free loopback ports with a reachable database, and
// checks that it answers GET /healthz and /readyz with 200 on its HTTP port
// and GET /metrics on its metrics port, and that it exits 0 within its
// 10s shutdown timeout after SIGTERM.
func buildAndRun(t *testing.T, dir, name string) {
	t.Helper()
	env := append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false")
	for _, args := range [][]string{{"vet", "./..."}, {"build", "-o", "bin/", "./..."}, {"test", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in the upgraded project: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	// A port found free can be taken by another process before the service
	// binds it: try again with new ones.
	var err error
	for range 3 {
		if err = serveOnce(filepath.Join(dir, "bin", name)); err == nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	if err != nil {
		t.Error(err)
	}
}

func serveOnce(bin string) error {
	// Two free ports, held until both are chosen so that they differ.
	var ports []int
	var held []net.Listener
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		held = append(held, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range held {
		ln.Close()
	}
	db, err := net.Listen("tcp", "127.0.0.1:0") // the readiness check only dials
	if err != nil {
		return err
	}
	defer db.Close()
	go func() {
		for {
			c, err := db.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	var logs strings.Builder
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(ports[0]), "METRICS_PORT="+strconv.Itoa(ports[1]),
		"DATABASE_URL=postgres://orders:secret@"+db.Addr().String()+"/orders")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-done
		}
	}()
	get := func(port int, path string) (int, string) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	deadline := time.Now().Add(15 * time.Second)
	for code, body := get(ports[0], "/healthz"); code != http.StatusOK; code, body = get(ports[0], "/healthz") {
		if time.Now().After(deadline) {
			return fmt.Errorf("GET /healthz: %d %s\nlogs:\n%s", code, body, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var errs []error
	if code, body := get(ports[0], "/readyz"); code != http.StatusOK {
		errs = append(errs, fmt.Errorf("GET /readyz: %d %s", code, body))
	}
	if code, body := get(ports[1], "/metrics"); code != http.StatusOK || !strings.Contains(body, "# TYPE ") {
		errs = append(errs, fmt.Errorf("GET /metrics on the metrics port: %d %s", code, body))
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			errs = append(errs, fmt.Errorf("after SIGTERM: %v\nlogs:\n%s", err, logs.String()))
		}
	case <-time.After(12 * time.Second):
		errs = append(errs, fmt.Errorf("still running 12s after SIGTERM\nlogs:\n%s", logs.String()))
	}
	return errors.Join(errs...)
}
