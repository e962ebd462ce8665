package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
)

func TestList(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"list"}, &out, &errb), errb.String())
	assert.Equal(t, "hello-service 1.0.0: A partner's minimal HTTP service, shipped inside the partner's binary\n", out.String())
}

func TestRenderFromTheBinary(t *testing.T) {
	// Run from an empty directory: nothing on disk but the binary's own data.
	t.Chdir(t.TempDir())
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"render", "hello-service", "-o", "hello", "--set", "name=hello", "--set", "port=9000"}, &out, &errb)
	require.Equal(t, 0, code, errb.String())
	assert.Equal(t, "rendered hello-service 1.0.0 into hello: 3 files\n", out.String())
	main, err := os.ReadFile(filepath.Join("hello", "main.go"))
	require.NoError(t, err)
	assert.Contains(t, string(main), `http.ListenAndServe(":9000", nil)`)
	assert.Contains(t, string(main), `fmt.Fprintln(w, "hello")`)
	m, err := os.ReadFile(filepath.Join("hello", ".goldenpath", "manifest.json"))
	require.NoError(t, err)
	assert.Contains(t, string(m), `"source": "embedded:hello-service"`)
}

func TestRenderErrors(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"render", "hello-service", "-o", t.TempDir() + "/x", "--set", "name=Hello"}, &out, &errb)
	assert.Equal(t, 1, code)
	assert.Contains(t, errb.String(), "--set:1:")
	assert.Contains(t, errb.String(), "name must be a DNS label such as hello")
	errb.Reset()
	assert.Equal(t, 1, run(context.Background(), []string{"render", "nope", "-o", "x"}, &out, &errb))
	assert.Contains(t, errb.String(), `no blueprint "nope" in this tool`)
	assert.Equal(t, 2, run(context.Background(), []string{"frobnicate"}, &out, &errb))
	errb.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"render", "hello-service", "--nope"}, &out, &errb))
	assert.Equal(t, "partner-tool: unknown flag --nope\nRun 'partner-tool --help' for the flags.\n", errb.String())
}

// --help answers like gp's: the commands, and the flags with two dashes
// (one for a single letter), exit 0.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"render", "--help"}, {"render", "hello-service", "--help"}} {
		var out, errb bytes.Buffer
		require.Equal(t, 0, run(context.Background(), args, &out, &errb), "%v: %s", args, errb.String())
		assert.Empty(t, errb.String(), args)
		assert.Contains(t, out.String(), "usage: partner-tool list\n", args)
		assert.Contains(t, out.String(), "\n  --set KEY=VALUE  set a parameter: KEY=VALUE; repeatable\n", args)
		assert.Contains(t, out.String(), "\n  -o DIR           render into DIR\n", args)
		assert.Contains(t, out.String(), "\n  -h, --help       show this help\n", args)
	}
}

// The partner validates the embedded blueprint in its own tests, as
// blueprinttest lets any user do.
func TestEmbeddedBlueprintIsValid(t *testing.T) {
	blueprinttest.Validate(t, "blueprints/hello-service", nil)
}
