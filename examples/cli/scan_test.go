package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/render"
)

// TestScanAll: the results come in the projects' order whatever the order
// the scans finish in; a failed scan starts no more, every project before
// it has its own result, and stop returns once no scan runs.
func TestScanAll(t *testing.T) {
	const n, failAt = 60, 23
	projects := make([]*render.Project, n)
	index := map[*render.Project]int{}
	for i := range projects {
		projects[i] = &render.Project{}
		index[projects[i]] = i
	}
	for _, jobs := range []int{0, 1, 3, 8, 100} {
		t.Run(fmt.Sprintf("jobs=%d", jobs), func(t *testing.T) {
			var running, most atomic.Int32
			results, stop := scanAll(context.Background(), projects, jobs, func(_ context.Context, p *render.Project) ([]feedback.Signal, error) {
				r := running.Add(1)
				defer running.Add(-1)
				for m := most.Load(); r > m && !most.CompareAndSwap(m, r); m = most.Load() {
				}
				i := index[p]
				for range (n - i) % 7 { // later projects finish sooner
					runtime.Gosched()
				}
				if i == failAt {
					return nil, errors.New("project 23 is broken")
				}
				return []feedback.Signal{{Subject: feedback.Subject{Project: fmt.Sprint(i)}}}, nil
			})
			for i, ch := range results {
				r := <-ch
				switch {
				case i < failAt:
					if r.err != nil || len(r.sigs) != 1 || r.sigs[0].Subject.Project != fmt.Sprint(i) {
						t.Fatalf("project %d: %v %+v", i, r.err, r.sigs)
					}
				case i == failAt:
					if r.err == nil || r.err.Error() != "project 23 is broken" {
						t.Fatalf("project %d: %v, want its own error", i, r.err)
					}
				default:
					if r.err != nil && !errors.Is(r.err, errStopped) {
						t.Fatalf("project %d: %v", i, r.err)
					}
				}
			}
			stop()
			if running.Load() != 0 {
				t.Errorf("%d scans still running after stop", running.Load())
			}
			want := int32(jobs)
			if jobs == 0 {
				want = int32(runtime.GOMAXPROCS(0))
			}
			if m := most.Load(); m > min(want, n) {
				t.Errorf("%d scans at once with --jobs %d", m, jobs)
			}
		})
	}
}
