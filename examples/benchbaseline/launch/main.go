// Command launch runs a command and prints, on one line of standard output,
// its wall time and CPU time (user + system) in nanoseconds and its peak
// resident set size in KiB as the OS reports it:
//
//	launch PROGRAM [ARG]...
//	12345678 9876543 10240
//
// The whole-process benchmarks start gp and the baseline program through it
// because Linux counts, in a child's peak RSS, the memory of the process that
// started it up to the exec: started straight from a test binary, every
// program would seem to use as much memory as the test binary. This launcher
// is small, so what it adds is a floor of a few MiB, the same for both
// programs. The program's standard error is passed through; its standard
// output is discarded.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: launch PROGRAM [ARG]...")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "launch:", err)
		os.Exit(1)
	}
	st := cmd.ProcessState
	fmt.Println(wall.Nanoseconds(), (st.UserTime() + st.SystemTime()).Nanoseconds(), maxRSSKiB(st))
}
