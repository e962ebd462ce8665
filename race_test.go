//go:build race

package goldenpath_test

// raceEnabled: the race detector multiplies memory, so the hostile suite's
// memory bound is not checked under it.
const raceEnabled = true
