//go:build !race

package goldenpath_test

const raceEnabled = false
