// Package rendertest checks that a render.Renderer behaves as the Engine
// relies on, in the manner of testing/slogtest and testing/fstest.
//
// The rules, each checked by TestRenderer and run as a subtest by Run:
//
//   - valid: every valid input renders without error (and to the expected
//     bytes, where given);
//   - invalid: every invalid input fails with an error, never a panic;
//   - deterministic: the same input renders to the same bytes, with the same
//     renderer and with a second one;
//   - cancel: a cancelled context makes Render fail with an error that wraps
//     context.Canceled;
//   - write-error: an error from the writer is returned;
//   - read-only: Render does not modify the input's Source or Data;
//   - concurrent: one renderer renders every valid input from several
//     goroutines at once to the same bytes as alone (run under -race to
//     catch shared mutable state);
//   - prepare: a render.Preparer's Prepare and Execute give the same bytes as
//     Render, and an invalid input fails in Prepare or Execute.
package rendertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/goldenpath-dev/goldenpath/render"

	"github.com/goldenpath-dev/goldenpath/internal/values"
)

// Case is one input for the renderer under test.
type Case struct {
	// Name labels the case in failures.
	Name string
	// Input is the request rendered.
	Input render.Request
	// Want is the exact expected output; nil skips the comparison.
	Want []byte
}

// Suite describes the renderer under test.
type Suite struct {
	// New returns a fresh renderer.
	New func() render.Renderer
	// Valid inputs must render; at least one is required.
	Valid []Case
	// Invalid inputs must fail.
	Invalid []Case
}

type rule struct {
	name  string
	check func(ctx context.Context, s *Suite) error
}

var rules = []rule{
	{"valid", checkValid},
	{"invalid", checkInvalid},
	{"deterministic", checkDeterministic},
	{"cancel", checkCancel},
	{"write-error", checkWriteError},
	{"read-only", checkReadOnly},
	{"concurrent", checkConcurrent},
	{"prepare", checkPrepare},
}

// TestRenderer checks every rule and returns all failures joined, or nil.
// It works with any test framework; every render runs under ctx (a test
// passes its t.Context), as storetest.TestStore does. Run is the same for
// the testing package, one subtest per rule.
func TestRenderer(ctx context.Context, s Suite) error {
	if s.New == nil || len(s.Valid) == 0 {
		return errors.New("rendertest: the suite needs New and at least one valid case")
	}
	var errs []error
	for _, r := range rules {
		if err := r.check(ctx, s.clone()); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.name, err))
		}
	}
	return errors.Join(errs...)
}

// Run runs each rule as a subtest of t, rendering under the subtest's
// t.Context.
func Run(t *testing.T, s Suite) {
	t.Helper()
	if s.New == nil || len(s.Valid) == 0 {
		t.Fatal("rendertest: the suite needs New and at least one valid case")
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			if err := r.check(t.Context(), s.clone()); err != nil {
				t.Error(err)
			}
		})
	}
}

// clone gives each rule its own copy of the inputs, so that a renderer that
// modifies them in one rule cannot hide it from another.
func (s Suite) clone() *Suite {
	c := s
	c.Valid = cloneCases(s.Valid)
	c.Invalid = cloneCases(s.Invalid)
	return &c
}

func cloneCases(cs []Case) []Case {
	out := make([]Case, len(cs))
	for i, c := range cs {
		out[i] = c
		out[i].Input.Source = bytes.Clone(c.Input.Source)
		out[i].Input.Data = values.DeepCopy(c.Input.Data)
	}
	return out
}

func render1(ctx context.Context, r render.Renderer, in render.Request) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	var buf bytes.Buffer
	err = r.Render(ctx, &buf, &in)
	return buf.Bytes(), err
}

func checkValid(ctx context.Context, s *Suite) error {
	r := s.New()
	var errs []error
	for _, c := range s.Valid {
		out, err := render1(ctx, r, c.Input)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %v", c.Name, err))
		case c.Want != nil && !bytes.Equal(out, c.Want):
			errs = append(errs, fmt.Errorf("%s: rendered %q, want %q", c.Name, out, c.Want))
		}
	}
	return errors.Join(errs...)
}

func checkInvalid(ctx context.Context, s *Suite) error {
	r := s.New()
	var errs []error
	for _, c := range s.Invalid {
		_, err := render1(ctx, r, c.Input)
		if err == nil {
			errs = append(errs, fmt.Errorf("%s: rendered without an error", c.Name))
		} else if bytes.HasPrefix([]byte(err.Error()), []byte("panic: ")) {
			errs = append(errs, fmt.Errorf("%s: %v", c.Name, err))
		}
	}
	return errors.Join(errs...)
}

func checkDeterministic(ctx context.Context, s *Suite) error {
	a, b := s.New(), s.New()
	var errs []error
	for _, c := range s.Valid {
		first, err := render1(ctx, a, c.Input)
		if err != nil {
			continue // reported by valid
		}
		for _, r := range []render.Renderer{a, b} {
			again, err := render1(ctx, r, c.Input)
			if err != nil || !bytes.Equal(first, again) {
				errs = append(errs, fmt.Errorf("%s: rendered %q, then %q (%v)", c.Name, first, again, err))
				break
			}
		}
	}
	return errors.Join(errs...)
}

func checkCancel(ctx context.Context, s *Suite) error {
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	r := s.New()
	var errs []error
	for _, c := range s.Valid {
		_, err := render1(ctx, r, c.Input)
		if !errors.Is(err, context.Canceled) {
			errs = append(errs, fmt.Errorf("%s: with a cancelled context got %v, want an error wrapping context.Canceled", c.Name, err))
		}
	}
	return errors.Join(errs...)
}

var errWrite = errors.New("rendertest: write failed")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func checkWriteError(ctx context.Context, s *Suite) error {
	r := s.New()
	var errs []error
	for _, c := range s.Valid {
		in := c.Input
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v", p)
				}
			}()
			return r.Render(ctx, failingWriter{}, &in)
		}()
		if err == nil {
			out, _ := render1(ctx, r, c.Input)
			if len(out) == 0 {
				continue // nothing to write, nothing to fail
			}
			errs = append(errs, fmt.Errorf("%s: the writer failed but Render returned nil", c.Name))
		}
	}
	return errors.Join(errs...)
}

func checkReadOnly(ctx context.Context, s *Suite) error {
	r := s.New()
	var errs []error
	for _, c := range append(append([]Case(nil), s.Valid...), s.Invalid...) {
		src := bytes.Clone(c.Input.Source)
		data := values.DeepCopy(c.Input.Data)
		_, _ = render1(ctx, r, c.Input)
		if !bytes.Equal(src, c.Input.Source) {
			errs = append(errs, fmt.Errorf("%s: Render modified the source", c.Name))
		}
		if !reflect.DeepEqual(data, c.Input.Data) {
			errs = append(errs, fmt.Errorf("%s: Render modified the data", c.Name))
		}
	}
	return errors.Join(errs...)
}

func checkConcurrent(ctx context.Context, s *Suite) error {
	r := s.New()
	want := make([][]byte, len(s.Valid))
	for i, c := range s.Valid {
		want[i], _ = render1(ctx, r, c.Input)
	}
	const workers, rounds = 8, 10
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < rounds; n++ {
				for i, c := range s.Valid {
					got, err := render1(ctx, r, c.Input)
					if err != nil || !bytes.Equal(got, want[i]) {
						mu.Lock()
						errs = append(errs, fmt.Errorf("%s: concurrent render gave %q (%v), alone %q", c.Name, got, err, want[i]))
						mu.Unlock()
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func checkPrepare(ctx context.Context, s *Suite) error {
	p, ok := s.New().(render.Preparer)
	if !ok {
		return nil
	}
	var errs []error
	for _, c := range s.Valid {
		want, _ := render1(ctx, p, c.Input)
		prep, err := p.Prepare(c.Input.Path, c.Input.Source)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: Prepare: %v", c.Name, err))
			continue
		}
		var buf bytes.Buffer
		if err := prep.Execute(ctx, &buf, c.Input.Data); err != nil || !bytes.Equal(buf.Bytes(), want) {
			errs = append(errs, fmt.Errorf("%s: Execute gave %q (%v), Render %q", c.Name, buf.Bytes(), err, want))
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := prep.Execute(cancelled, &bytes.Buffer{}, c.Input.Data); !errors.Is(err, context.Canceled) {
			errs = append(errs, fmt.Errorf("%s: Execute with a cancelled context got %v", c.Name, err))
		}
	}
	for _, c := range s.Invalid {
		prep, err := p.Prepare(c.Input.Path, c.Input.Source)
		if err != nil {
			continue
		}
		if err := prep.Execute(ctx, &bytes.Buffer{}, c.Input.Data); err == nil {
			errs = append(errs, fmt.Errorf("%s: invalid input prepared and executed without an error", c.Name))
		}
	}
	return errors.Join(errs...)
}
