package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/goldenpath-dev/goldenpath/render"
)

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	b := &progressBar{w: &buf}
	b.update(render.FleetProgress{Done: 1, Total: 4})
	b.update(render.FleetProgress{Done: 2, Total: 4}) // within 100 ms: not redrawn
	b.update(render.FleetProgress{Done: 4, Total: 4, Failed: 1})
	b.done()
	out := buf.String()
	assert.Equal(t, 2, strings.Count(out, "\r"), "the first and the last are drawn: %q", out)
	assert.Contains(t, out, "\r[=======                       ] 1/4")
	assert.Contains(t, out, "\r[==============================] 4/4 (1 failed)\n")

	// Not a terminal: no bar.
	assert.Nil(t, newProgressBar(&buf))
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err == nil {
		assert.Nil(t, newProgressBar(f), "a regular file is not a terminal")
		f.Close()
	}
}

func TestParseShard(t *testing.T) {
	for s, want := range map[string][2]int{"1/1": {1, 1}, "2/8": {2, 8}} {
		i, n, ok := parseShard(s)
		assert.True(t, ok, s)
		assert.Equal(t, want, [2]int{i, n})
	}
	for _, s := range []string{"0/2", "3/2", "2", "a/b", "1/0", "-1/2"} {
		_, _, ok := parseShard(s)
		assert.False(t, ok, s)
	}
}
