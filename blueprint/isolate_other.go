//go:build !linux

package blueprint

import "os/exec"

const isolationSupported = false

func limitMemory(int64) error { return ErrIsolationUnsupported }

// runChild runs cmd. Elsewhere than Linux isolation is refused before a
// child is started.
func runChild(cmd *exec.Cmd) error { return cmd.Run() }
