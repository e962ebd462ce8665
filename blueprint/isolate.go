package blueprint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
	"time"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
)

// CUE evaluation cannot be interrupted and has no memory limit: in process,
// a deadline (Options.EvalTimeout) bounds how long a caller waits, but the
// evaluation goes on to its end in a goroutine, and a schema that builds a
// list of 200 million integers takes the process past any memory it has.
// Isolation moves that risk into a child process: each evaluation of an
// untrusted blueprint (its check at load, each Resolve) runs there first,
// under an address-space limit and the deadline, and only an evaluation that
// ended within both is run again in process. CUE is deterministic, so the
// second run needs what the first needed.

// ErrEvalMemory is returned (wrapped) when an isolated CUE evaluation needs
// more memory than Isolation.MaxMemory. The error says "CUE evaluation
// exceeded N MiB".
var ErrEvalMemory = errors.New("CUE evaluation exceeded its memory limit")

// ErrIsolationUnsupported is returned (wrapped) by an isolated evaluation on
// a system where the child cannot limit its memory (anything but Linux).
var ErrIsolationUnsupported = errors.New("isolated CUE evaluation is not supported on this system")

// Isolation runs every CUE evaluation of a blueprint first in a child
// process with a memory limit and the evaluation deadline (see
// Options.Isolation). The child is a program that calls ServeIsolation:
// usually the embedding program itself, re-executed with an argument that
// makes it do so.
type Isolation struct {
	// Command is the child's program and arguments, such as
	// {os.Args[0], "__evaluate"}. Required.
	Command []string
	// Env is added to the child's environment (the parent's).
	Env []string
	// MaxMemory caps how much address space the child may add to what it
	// has when it starts: its heap, the evaluator's and the stacks. The
	// child's resident memory stays below it. Default 1 GiB.
	MaxMemory int64
}

func (i *Isolation) maxMemory() int64 { return orDefault(i.MaxMemory, 1<<30) }

// memoryError is an isolated evaluation killed by its memory limit.
type memoryError struct{ limit int64 }

func (e *memoryError) Error() string {
	return fmt.Sprintf("CUE evaluation exceeded %d MiB", e.limit>>20)
}

func (e *memoryError) Is(target error) bool { return target == ErrEvalMemory }

// isoRequest is what the parent sends the child.
type isoRequest struct {
	// Op is "check" (the load-time check) or "resolve" (check, then resolve
	// Input).
	Op        string `json:"op"`
	Schema    string `json:"schema"`
	Name      string `json:"name"`
	Input     string `json:"input,omitempty"`
	MaxMemory int64  `json:"maxMemory"`
	// Timeout is the evaluation deadline (Options.EvalTimeout). The parent
	// kills the child when it passes; the child also ends itself a little
	// later (childGrace), so that it never outlives a parent that could not
	// kill it.
	Timeout time.Duration `json:"timeout,omitempty"`
}

// childGrace is how long after its deadline an isolated child ends itself:
// the parent, which kills it at the deadline, normally comes first.
const childGrace = time.Second

// childTimedOut starts the message a child that ended itself at its
// deadline writes to its standard error.
const childTimedOut = "isolated CUE evaluation: the child's deadline passed"

// isoAnswer is what the child answers: that the evaluation ended, and its
// error, which the parent will meet again in process.
type isoAnswer struct {
	Done  bool   `json:"done"`
	Error string `json:"error,omitempty"`
}

// maxChildStderr bounds what is kept of the child's standard error.
const maxChildStderr = 64 << 10

// isolate runs op on b in the child, when b's options ask for it. A nil
// error means the evaluation ended within its bounds, with or without an
// error of its own.
func (b *Blueprint) isolate(ctx context.Context, op string, in *ast.StructLit) error {
	iso := b.opts.Isolation
	if iso == nil {
		return nil
	}
	if len(iso.Command) == 0 {
		return errors.New("isolated CUE evaluation: Isolation.Command is empty")
	}
	if !isolationSupported {
		return fmt.Errorf("%w (it needs Linux's RLIMIT_AS)", ErrIsolationUnsupported)
	}
	timeout := b.opts.evalTimeout()
	req := isoRequest{Op: op, Schema: string(b.schemaSrc), Name: b.schemaName, MaxMemory: iso.maxMemory(), Timeout: timeout}
	if in != nil {
		src, err := format.Node(in)
		if err != nil {
			return fmt.Errorf("isolated CUE evaluation: %w", err)
		}
		req.Input = string(src)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, iso.Command[0], iso.Command[1:]...)
	cmd.Env = append(os.Environ(), iso.Env...)
	cmd.Stdin = bytes.NewReader(body)
	stdout := &cappedBuffer{max: 1 << 20}
	stderr := &cappedBuffer{max: maxChildStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	runErr := runChild(cmd)
	b.opts.logger().Debug("isolated CUE evaluation", "op", op, "blueprint", b.Source, "err", runErr)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case cctx.Err() != nil, runErr != nil && strings.Contains(stderr.String(), childTimedOut):
		return fmt.Errorf("%w after %v (in the isolated child)", ErrEvalTimeout, timeout)
	case runErr != nil && outOfMemory(stderr.String()):
		return &memoryError{limit: iso.maxMemory()}
	case runErr != nil:
		return fmt.Errorf("isolated CUE evaluation: %v: %s", runErr, firstLine(stderr.String()))
	}
	var ans isoAnswer
	if err := json.Unmarshal(stdout.Bytes(), &ans); err != nil || !ans.Done {
		return fmt.Errorf("isolated CUE evaluation: the child gave no answer: %s", firstLine(stderr.String()))
	}
	return nil
}

// outOfMemory reports whether a child's standard error says the Go runtime
// — or, in a race-instrumented child, ThreadSanitizer's allocator — ran out
// of memory or address space.
func outOfMemory(stderr string) bool {
	for _, s := range []string{"out of memory", "cannot allocate memory", "failed to create new OS thread", "mmap", "address space", "failed to allocate"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// cappedBuffer keeps the first max bytes written to it and drops the rest.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// ServeIsolation is the child side of Isolation: it limits the process's
// memory, reads one request from r, evaluates it and writes the answer to w.
// A program that names itself in Isolation.Command calls it when started
// that way, and exits: the process is not fit for other work afterwards,
// its address space being capped.
//
// The child bounds itself in time too: shortly after the request's
// deadline (Options.EvalTimeout) it writes why to standard error and exits
// with status 2, even when its parent is gone and cannot kill it. On Linux
// it is also killed when its parent dies (see runChild).
func ServeIsolation(r io.Reader, w io.Writer) error {
	var req isoRequest
	if err := json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(&req); err != nil {
		return fmt.Errorf("isolated CUE evaluation: reading the request: %w", err)
	}
	if d := req.Timeout; d > 0 && d < math.MaxInt64-childGrace {
		time.AfterFunc(d+childGrace, func() {
			fmt.Fprintf(os.Stderr, "%s (%v)\n", childTimedOut, d)
			os.Exit(2)
		})
	}
	if err := limitMemory(req.MaxMemory); err != nil {
		return fmt.Errorf("isolated CUE evaluation: %w", err)
	}
	b := &Blueprint{schemaSrc: []byte(req.Schema), schemaName: req.Name}
	evalErr := b.check()
	if evalErr == nil && req.Op == "resolve" {
		var in *ast.StructLit
		x, err := parser.ParseExpr("input", req.Input)
		if err == nil {
			var ok bool
			if in, ok = x.(*ast.StructLit); !ok {
				err = errors.New("the input is not a struct")
			}
		}
		if err != nil {
			return fmt.Errorf("isolated CUE evaluation: %w", err)
		}
		e, err := b.newEvaluator()
		if err == nil {
			_, err = b.resolveWith(e, in)
		}
		evalErr = err
	}
	ans := isoAnswer{Done: true}
	if evalErr != nil {
		ans.Error = evalErr.Error()
	}
	return json.NewEncoder(w).Encode(ans)
}
