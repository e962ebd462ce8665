//go:build linux

package blueprint

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
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

// runChild runs an isolated child that the kernel kills when its parent
// dies (PR_SET_PDEATHSIG, SIGKILL): a server killed or crashed
// mid-evaluation leaves no child evaluating for nobody. Linux sends the
// signal when the thread that started the child ends, not the process, and
// the Go runtime ends a thread when a goroutine locked to it exits locked
// (any goroutine may lock the thread it runs on). So the child is started
// and waited for on a goroutine of its own, locked to its thread from
// before the start to after the wait: no other goroutine runs on that
// thread while the child lives, and the thread is handed back to the
// runtime's pool afterwards. It costs nothing more than Run: the wait holds
// a thread anyway. The child's own deadline (ServeIsolation) bounds it
// too.
func runChild(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		done <- cmd.Run()
	}()
	return <-done
}
