//go:build race

package main

// raceEnabled: the race detector multiplies memory; memory bounds are not
// checked under it.
const raceEnabled = true
