package render

// SetFaultHook makes every filesystem write of Apply, Upgrade and Recover
// call hook first and fail with its error. It returns a function restoring
// the previous hook. Tests using it must not run in parallel.
func SetFaultHook(hook func(op, path string) error) (restore func()) {
	prev := faultHook
	faultHook = hook
	return func() { faultHook = prev }
}

// MarkerLines exposes markerLines to the fuzz test.
var MarkerLines = markerLines

// StagingOf exposes stagingOf to the fuzz test.
var StagingOf = stagingOf
