// Command cueinit links CUE's evaluator and does nothing else: it imports
// cuelang.org/go/cue/cuecontext (as every program that evaluates CUE must),
// makes no context and exits. Started beside gp version and the plain
// program (examples/cli/process_bench_test.go, BenchmarkStartProcess), it
// measures what CUE's package initialisation and the pages of a binary
// linking it cost a process before goldenpath does anything.
package main

import (
	"os"

	_ "cuelang.org/go/cue/cuecontext" // its package initialisation is what is measured
)

func main() { os.Exit(0) }
