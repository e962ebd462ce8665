// Package bound runs evaluations that cannot be interrupted (CUE's) under a
// deadline.
package bound

import (
	"context"
	"fmt"
	"time"
)

// Run runs f and waits at most d for it. On timeout it returns timeout
// wrapped with the duration; f keeps running in the background until it
// returns, since CUE evaluation cannot be interrupted. A panic in f is
// returned as an error. ctx's cancellation also ends the wait.
func Run(ctx context.Context, d time.Duration, timeout error, f func() error) error {
	return RunOn(ctx, d, timeout, f, func(job func()) { go job() })
}

// RunOn is Run with f started by spawn, which must run the job it is given
// on another goroutine than the caller's, such as a worker's.
func RunOn(ctx context.Context, d time.Duration, timeout error, f func() error, spawn func(job func())) error {
	done := make(chan error, 1)
	spawn(func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("cue evaluation failed: %v", r)
			}
		}()
		done <- f()
	})
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("%w after %v", timeout, d)
	case <-ctx.Done():
		return ctx.Err()
	}
}
