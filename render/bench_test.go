package render_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/internal/heapwatch"
	"github.com/goldenpath-dev/goldenpath/render"
)

// benchBlueprint generates the benchmark workload: n template files of about
// 2 KB in n/10 directories, each with 10 substitutions, one if and one range
// over a 10-item list. Nothing of it is committed.
func benchBlueprint(b *testing.B, n int) (dir string, bp *blueprint.Blueprint, params *blueprint.Params) {
	b.Helper()
	dir = b.TempDir()
	cue := `name: "bench"
version: "1.0.0"
description: "generated benchmark workload"
owner: "bench"
parameters: {
	v0: string | *"alpha"
	v1: string | *"bravo"
	v2: string | *"charlie"
	v3: string | *"delta"
	v4: string | *"echo"
	v5: int | *5
	v6: int | *6
	v7: int | *7
	v8: bool | *true
	v9: string | *"india"
	flag: bool | *true
	items: [...string] | *["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
}
`
	if err := os.WriteFile(filepath.Join(dir, "blueprint.cue"), []byte(cue), 0o644); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		var t strings.Builder
		fmt.Fprintf(&t, "// generated file %d\n", i)
		for j := 0; j < 10; j++ {
			fmt.Fprintf(&t, "setting_%d = {{.v%d}} # %s\n", j, j, strings.Repeat("x", 100))
		}
		t.WriteString("{{if .flag}}enabled = true # " + strings.Repeat("y", 150) + "\n{{end}}")
		t.WriteString("{{range .items}}item = {{.}} # " + strings.Repeat("z", 40) + "\n{{end}}")
		for t.Len() < 2048 {
			t.WriteString("# " + strings.Repeat("p", 70) + "\n")
		}
		p := filepath.Join(dir, "template", fmt.Sprintf("dir%03d", i%(n/10)), fmt.Sprintf("file%05d.conf.tmpl", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(t.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var err error
	bp, err = blueprint.LoadDir(context.Background(), dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	params, err = bp.Resolve(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return dir, bp, params
}

// outDir is where benchmarks write: GOLDENPATH_BENCH_DIR (for example a
// tmpfs, to take the disk out of the figures) or a temporary directory.
func outDir(b *testing.B) string {
	if d := os.Getenv("GOLDENPATH_BENCH_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

// peakHeap reports the peak live heap of a benchmark.
type peakHeap struct{ w *heapwatch.Watch }

func startPeakHeap() *peakHeap { return &peakHeap{heapwatch.Start()} }

func (p *peakHeap) report(b *testing.B) { b.ReportMetric(p.w.Stop(), "peak-heap-MiB") }

func filesPerSecond(b *testing.B, files int) {
	b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkRender measures a single render of a blueprint not seen before:
// a fresh Engine parses every template, renders, writes, hashes and commits.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			_, bp, params := benchBlueprint(b, n)
			out := outDir(b)
			ctx := context.Background()
			b.ReportAllocs()
			peak := startPeakHeap()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e, err := render.New(nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := e.Render(ctx, bp, params, filepath.Join(out, fmt.Sprint(i)), nil); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			peak.report(b)
			filesPerSecond(b, n)
		})
	}
}

// BenchmarkRerender measures renders of the same blueprint by one Engine
// whose template cache holds every parsed template.
func BenchmarkRerender(b *testing.B) {
	const n = 5000
	_, bp, params := benchBlueprint(b, n)
	out := outDir(b)
	ctx := context.Background()
	e, err := render.New(&render.Options{TemplateCacheBytes: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Plan(ctx, bp, params); err != nil { // parse once
		b.Fatal(err)
	}
	b.ReportAllocs()
	peak := startPeakHeap()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Render(ctx, bp, params, filepath.Join(out, fmt.Sprint(i)), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	peak.report(b)
	filesPerSecond(b, n)
}

// BenchmarkPlan measures planning (render, hash, no writes) with parsed
// templates reused.
func BenchmarkPlan(b *testing.B) {
	const n = 5000
	_, bp, params := benchBlueprint(b, n)
	ctx := context.Background()
	e, err := render.New(&render.Options{TemplateCacheBytes: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Plan(ctx, bp, params); err != nil {
			b.Fatal(err)
		}
	}
	filesPerSecond(b, n)
}

// BenchmarkBaseline is the plain-Go loop the render figures are compared
// with: parse each file with text/template, execute it, os.WriteFile, and
// sha256 — sequential, no manifest, no atomic commit.
func BenchmarkBaseline(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir, _, params := benchBlueprint(b, n)
			tdir := filepath.Join(dir, "template")
			var paths []string
			err := filepath.WalkDir(tdir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					paths = append(paths, p)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			data := params.Data()
			out := outDir(b)
			b.ReportAllocs()
			peak := startPeakHeap()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				root := filepath.Join(out, fmt.Sprint(i))
				for _, p := range paths {
					src, err := os.ReadFile(p)
					if err != nil {
						b.Fatal(err)
					}
					t, err := template.New(p).Parse(string(src))
					if err != nil {
						b.Fatal(err)
					}
					var buf bytes.Buffer
					if err := t.Execute(&buf, data); err != nil {
						b.Fatal(err)
					}
					rel, _ := filepath.Rel(tdir, p)
					dst := filepath.Join(root, strings.TrimSuffix(rel, ".tmpl"))
					if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
						b.Fatal(err)
					}
					if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
						b.Fatal(err)
					}
					_ = sha256.Sum256(buf.Bytes())
				}
			}
			b.StopTimer()
			peak.report(b)
			filesPerSecond(b, n)
		})
	}
}
