package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTerminal is standard input that says it is a terminal.
type fakeTerminal struct{ *strings.Reader }

func (fakeTerminal) Terminal() bool { return true }

func TestRenderAsksOnATerminal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "orders")
	// name: empty (required: asked again), then an invalid value, then a
	// valid one after the validation error; tier prod; replicas 1 fails the
	// prod rule and is asked again; the rest keep their defaults.
	answers := "\nOrders_Service\nprod\n1\n\n\n\n\n\n\norders\n3\n"
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"render", "../../testdata/blueprints/go-service", "-o", dir},
		fakeTerminal{strings.NewReader(answers)}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr:\n%s", stderr.String())
	out := stderr.String()
	assert.Contains(t, out, "Enter keeps the default in brackets.")
	assert.Contains(t, out, "name (string, required): Service name: a DNS label")
	assert.Contains(t, out, "  name is required\n")
	assert.Contains(t, out, `tier (one of dev, prod): Deployment tier.`)
	assert.Contains(t, out, "tier [dev]> ")
	assert.Contains(t, out, "replicas: prod services need at least 3 replicas")
	assert.Contains(t, out, "name: name must start with a letter")
	dep, err := os.ReadFile(filepath.Join(dir, "deploy/k8s/deployment.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(dep), "replicas: 3")
	assert.Contains(t, string(dep), "name: orders")
	assert.Contains(t, stdout.String(), "rendered go-service 1.4.0 into")
}

func TestRenderNeverAsksWithoutATerminal(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"render", "../../testdata/blueprints/go-service", "-o", filepath.Join(t.TempDir(), "x")},
		strings.NewReader("orders\n"), &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.NotContains(t, stderr.String(), ">")
	assert.Contains(t, stderr.String(), "name: required")
}

func TestDevNullIsNoTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer null.Close()
	assert.False(t, terminal(null), "%s is a character device, not a terminal", os.DevNull)
	assert.Nil(t, newProgressBar(null))

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"render", "../../testdata/blueprints/go-service", "-o", filepath.Join(t.TempDir(), "x")},
		null, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.NotContains(t, stderr.String(), ">", "gp prompted on %s", os.DevNull)
	assert.Contains(t, stderr.String(), "name: required")
}

func TestRenderAsksOnlyForWhatIsMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "orders")
	var stdout, stderr bytes.Buffer
	// name is missing, and tier=prod leaves replicas without a valid
	// default: both are asked for, nothing else.
	code := run(context.Background(), []string{"render", "../../testdata/blueprints/go-service", "-o", dir, "--set", "tier=prod"},
		fakeTerminal{strings.NewReader("orders\n4\n")}, &stdout, &stderr) // name, then replicas
	require.Equal(t, 0, code, "stderr:\n%s", stderr.String())
	out := stderr.String()
	assert.Contains(t, out, "go-service 1.4.0: 2 required parameters missing.")
	assert.Contains(t, out, "name (string, required)")
	assert.NotContains(t, out, "tier (", "tier was given")
	assert.Contains(t, out, "replicas (int): Number of pod replicas.")
	dep, err := os.ReadFile(filepath.Join(dir, "deploy/k8s/deployment.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(dep), "replicas: 4")
	assert.Contains(t, string(dep), "acme.dev/tier: prod")

	// An invalid value given is reported, not asked for.
	stderr.Reset()
	code = run(context.Background(), []string{"render", "../../testdata/blueprints/go-service", "-o", filepath.Join(t.TempDir(), "x"), "--set", "name=Bad_Name"},
		fakeTerminal{strings.NewReader("")}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "--set:1:")
	assert.NotContains(t, stderr.String(), "missing.")
}
