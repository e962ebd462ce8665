package scan_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

// scanBenchProject renders go-service with three edits (a managed file, a
// shared file, a deleted shared file) and returns it with its blueprint.
func scanBenchProject(b *testing.B) (string, *blueprint.Blueprint) {
	b.Helper()
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, goService, nil)
	if err != nil {
		b.Fatal(err)
	}
	params, err := bp.Resolve(ctx, blueprint.Set("name=orders", "team=payments-core", "database=postgres"))
	if err != nil {
		b.Fatal(err)
	}
	e, _ := render.New(nil)
	dir := filepath.Join(b.TempDir(), "orders")
	if _, err := e.Render(ctx, bp, params, dir, nil); err != nil {
		b.Fatal(err)
	}
	edit := func(p, old, new string) {
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil || !strings.Contains(string(data), old) {
			b.Fatalf("%s: %v", p, err)
		}
		os.WriteFile(filepath.Join(dir, p), []byte(strings.Replace(string(data), old, new, 1)), 0o644)
	}
	edit("Dockerfile", "USER nonroot:nonroot", "USER root")
	edit("deploy/k8s/deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
	os.Remove(filepath.Join(dir, "Makefile"))
	return dir, bp
}

// BenchmarkScan scans one go-service project (14 files): a fresh render
// compared with the disk hunk by hunk, and with a registry, the decisions in
// force evaluated against the parameters and every file.
func BenchmarkScan(b *testing.B) {
	ctx := context.Background()
	dir, bp := scanBenchProject(b)
	reg, err := decision.LoadDir(ctx, "../../testdata/decisions", nil)
	if err != nil {
		b.Fatal(err)
	}
	e, _ := render.New(nil)
	now := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		reg  *decision.Registry
	}{{"drift", nil}, {"drift+decisions", reg}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				sigs, err := scan.Project(ctx, openProject(b, dir), &scan.Options{Blueprint: bp, Engine: e, Registry: c.reg, Now: func() time.Time { return now }})
				if err != nil || len(sigs) < 3 {
					b.Fatal(err, len(sigs))
				}
			}
		})
	}
}

// BenchmarkScanBaseline is the plain-Go floor of a drift check: read every
// file the manifest records and compare its SHA-256 — no render, no hunks,
// no decisions.
func BenchmarkScanBaseline(b *testing.B) {
	dir, _ := scanBenchProject(b)
	m, err := render.ReadManifest(dir)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		changed := 0
		for _, f := range m.Files {
			data, err := os.ReadFile(filepath.Join(dir, f.Path))
			if err != nil {
				changed++
				continue
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != f.SHA256 {
				changed++
			}
		}
		if changed < 3 {
			b.Fatal(changed)
		}
	}
}
