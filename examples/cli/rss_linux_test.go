//go:build linux

package main

import (
	"os"
	"syscall"
)

// maxRSS is the peak resident memory of a finished process and the
// children it waited for, in bytes.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10
	}
	return -1
}
