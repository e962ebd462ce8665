//go:build !unix

package render_test

import "time"

// processCPU is unknown here: the CPU check is skipped.
func processCPU() time.Duration { return -1 }
