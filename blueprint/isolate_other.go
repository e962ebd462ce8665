//go:build !linux

package blueprint

const isolationSupported = false

func limitMemory(int64) error { return ErrIsolationUnsupported }
