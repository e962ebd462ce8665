package render

// faultHook, when set, is called before each filesystem write of Apply,
// Upgrade and Recover with the kind of write and the path; an error it
// returns is returned by the write, as if the file system had failed at
// that point. It is nil outside this package's tests, which set it through
// export_test.go to fail at every write index in turn.
var faultHook func(op, path string) error

// fault reports the failure injected at a write, if any.
func fault(op, path string) error {
	if faultHook == nil {
		return nil
	}
	return faultHook(op, path)
}
