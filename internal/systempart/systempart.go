// Package systempart lets tests that need a part of the system (git, GNU
// diff, a browser) skip when it is missing, naming what to install, and
// fail instead when $CI is set: CI installs every part and must run every
// test. It is for tests only.
package systempart

import (
	"os"
	"os/exec"
	"testing"
)

// Missing skips t with msg, or fails it when $CI is set.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this fails instead of skipping)")
	}
	t.Skip(msg)
}

// Tool returns the path of the program name, or calls Missing with a
// message naming it and how to install it ("Debian: apt-get install git").
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed: "+install)
	}
	return p
}
