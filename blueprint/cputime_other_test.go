//go:build !unix

package blueprint_test

// processCPU is not measured here.
func processCPU() int64 { return 0 }
