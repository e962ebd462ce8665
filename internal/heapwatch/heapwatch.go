// Package heapwatch measures the peak live heap of a piece of work, for
// benchmarks that must show memory staying flat.
package heapwatch

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// Watch samples the heap's live objects every millisecond in the
// background, from Start until Stop.
type Watch struct {
	stop chan struct{}
	done sync.WaitGroup
	peak atomic.Uint64
}

// Start collects garbage, so that the peak is the work's, and starts
// sampling.
func Start() *Watch {
	runtime.GC()
	w := &Watch{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > w.peak.Load() {
				w.peak.Store(v)
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// Stop stops sampling and returns the highest live heap seen, in MiB. It
// includes garbage not yet collected when sampled.
func (w *Watch) Stop() float64 {
	close(w.stop)
	w.done.Wait()
	return float64(w.peak.Load()) / (1 << 20)
}
