//go:build unix

package blueprint_test

import "syscall"

// processCPU returns the CPU time (user and system) the process has used,
// in nanoseconds: the benchmarks report it per operation next to the wall
// time, which on a shared machine counts the time other processes held
// the cores.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
