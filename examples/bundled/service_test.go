package bundled

import (
	"context"
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
	"sync"
	"syscall"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
)

// goEnv is the environment of the go commands run in rendered projects:
// outside any workspace, with the toolchain at hand.
var goEnv = []string{"GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false"}

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

// shutdownTimeout is the rendered services' own: they must stop within it
// after SIGTERM.
const shutdownTimeout = 10 * time.Second

// freePorts returns n distinct free loopback ports.
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

// fakeDatabase accepts TCP connections and closes them: what the services'
// readiness check asks of a database.
func fakeDatabase() (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	})
	return ln.Addr().String(), func() { ln.Close(); wg.Wait() }, nil
}

// serviceRuns is the check that the binary bin/NAME the project built
// starts on free loopback ports, answers GET /healthz and /readyz with 200
// on its HTTP port and, with metrics, GET /metrics on its metrics port (and
// not on the HTTP port), and stops on SIGTERM within its shutdown timeout,
// exiting 0.
func serviceRuns(sub string, metrics bool) blueprinttest.MatrixCheck {
	return blueprinttest.MatrixCheck{Name: "service runs", Func: func(ctx context.Context, p *blueprinttest.Project) error {
		name, _ := p.Params.Lookup("name")
		db, _ := p.Params.Lookup("database")
		return runService(ctx, filepath.Join(p.Dir, sub, "bin", fmt.Sprint(name)), db == "postgres", metrics)
	}}
}

func runService(ctx context.Context, bin string, database, metrics bool) error {
	// A port found free can be taken by another process before the service
	// binds it: try again with new ones.
	var err error
	for range 3 {
		err = runServiceOnce(ctx, bin, database, metrics)
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			return err
		}
	}
	return err
}

func runServiceOnce(ctx context.Context, bin string, database, metrics bool) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	env := append(os.Environ(), "PORT="+strconv.Itoa(ports[0]), "METRICS_PORT="+strconv.Itoa(ports[1]))
	if database {
		addr, stop, err := fakeDatabase()
		if err != nil {
			return err
		}
		defer stop()
		env = append(env, "DATABASE_URL=postgres://svc:secret@"+addr+"/svc?sslmode=disable")
	}
	var logs strings.Builder
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
	ok := func(code int) bool { return code == http.StatusOK }

	// Started: /healthz answers.
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _, err := get(ports[0], "/healthz")
		if err == nil && ok(code) {
			break
		}
		select {
		case err := <-done:
			done <- err
			return fail(fmt.Errorf("exited before answering /healthz: %v", err))
		default:
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("GET /healthz: no answer within 15s (last: %d, %v)", code, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body, err := get(ports[0], "/readyz"); err != nil || !ok(code) {
		return fail(fmt.Errorf("GET /readyz on the HTTP port: %d %q, %v", code, body, err))
	}
	if metrics {
		code, body, err := get(ports[1], "/metrics")
		if err != nil || code != 200 || !strings.Contains(body, "# TYPE ") {
			return fail(fmt.Errorf("GET /metrics on the metrics port: %d %q, %v", code, body, err))
		}
		if code, _, err := get(ports[0], "/metrics"); err == nil && code == 200 {
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
	case <-time.After(shutdownTimeout + 2*time.Second):
		return fail(fmt.Errorf("still running %s after SIGTERM (shutdown timeout %s)", time.Since(start).Round(time.Millisecond), shutdownTimeout))
	}
	return nil
}
