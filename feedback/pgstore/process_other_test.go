//go:build !unix

package pgstore_test

// asChild reports that the process is not a writer: the tests that start
// writer processes run on Unix only.
func asChild() (int, bool) { return 0, false }
