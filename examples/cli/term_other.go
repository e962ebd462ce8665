//go:build !(linux || android || aix || solaris || zos || darwin || dragonfly || freebsd || netbsd || openbsd || windows)

package main

// isTerminal is false where no terminal check is known: gp never prompts.
func isTerminal(fd uintptr) bool { return false }
