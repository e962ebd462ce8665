package heapwatch

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWatchSeesAnAllocation(t *testing.T) {
	idle := Start().Stop()
	w := Start()
	live := make([][]byte, 64)
	for i := range live {
		live[i] = make([]byte, 1<<20) // 64 MiB kept live while sampled
	}
	time.Sleep(20 * time.Millisecond)
	peak := w.Stop()
	runtime.KeepAlive(live)
	assert.Greater(t, peak, idle+32, "idle %.1f MiB, peak %.1f MiB", idle, peak)
}
