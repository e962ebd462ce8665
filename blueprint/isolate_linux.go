//go:build linux

package blueprint

import (
	"bytes"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"syscall"
)

const isolationSupported = true

// limitMemory caps the address space of the process at what it uses now
// plus max (RLIMIT_AS), and asks the garbage collector to keep the heap
// under max: an evaluation that needs more makes the Go runtime fail an
// allocation and exit, which the parent reports as ErrEvalMemory.
func limitMemory(max int64) error {
	if max <= 0 {
		return fmt.Errorf("no memory limit given")
	}
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return err
	}
	pages, err := strconv.ParseInt(string(bytes.Fields(statm)[0]), 10, 64)
	if err != nil {
		return fmt.Errorf("/proc/self/statm: %w", err)
	}
	limit := uint64(pages*int64(os.Getpagesize()) + max)
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		return fmt.Errorf("setrlimit: %w", err)
	}
	debug.SetMemoryLimit(max)
	return nil
}
