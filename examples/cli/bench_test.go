package main

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// buildGP builds the gp binary once for a benchmark.
func buildGP(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "gp")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkValidateProcess measures a whole `gp validate` process on the
// go-service example blueprint and values: start, load, check the schema,
// resolve and exit. BenchmarkVersionProcess is its baseline: the same binary
// started to print its version, which pays process start-up and package
// initialisation (CUE's among them) and nothing else.
func BenchmarkValidateProcess(b *testing.B) {
	bin := buildGP(b)
	args := []string{"validate", "../../testdata/blueprints/go-service", "-f", "../../testdata/values/go-service-prod.yaml"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			b.Fatalf("gp validate: %v\n%s", err, out)
		}
	}
}

// BenchmarkVersionProcess is the start-up baseline for BenchmarkValidateProcess.
func BenchmarkVersionProcess(b *testing.B) {
	bin := buildGP(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil {
			b.Fatalf("gp version: %v\n%s", err, out)
		}
	}
}
