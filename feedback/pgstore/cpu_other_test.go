//go:build !unix

package pgstore_test

import "time"

// selfCPU returns 0: the CPU time is measured on Unix only.
func selfCPU() time.Duration { return 0 }
