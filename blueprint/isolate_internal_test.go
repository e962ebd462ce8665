package blueprint

import "testing"

// The child's standard error when it ran out of memory, from the Go runtime
// and, for a race-instrumented child, from ThreadSanitizer's allocator.
func TestOutOfMemory(t *testing.T) {
	for _, tc := range []struct {
		stderr string
		want   bool
	}{
		{"fatal error: runtime: out of memory", true},
		{"runtime: cannot allocate memory", true},
		{"==9945==ERROR: ThreadSanitizer failed to allocate 0x8000000 (134217728) bytes at address 218008000000 (errno: 12)", true},
		{"runtime: failed to create new OS thread", true},
		{"blueprint.cue:3:1: field not allowed", false},
		{"", false},
	} {
		if got := outOfMemory(tc.stderr); got != tc.want {
			t.Errorf("outOfMemory(%q) = %v, want %v", tc.stderr, got, tc.want)
		}
	}
}
