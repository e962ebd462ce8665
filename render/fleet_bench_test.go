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
	"github.com/goldenpath-dev/goldenpath/render"
)

// fleetWorkload writes a blueprint of 50 template files of about 1 KB, each
// with five substitutions and a range.
func fleetWorkload(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	cue := `name: "fleet-bench"
version: "1.0.0"
description: "generated fleet workload"
owner: "bench"
parameters: {
	name: string
	team: string | *"platform"
	replicas: int | *2
	ports: [...int] | *[8080, 9090]
}
`
	if err := os.WriteFile(filepath.Join(dir, "blueprint.cue"), []byte(cue), 0o644); err != nil {
		b.Fatal(err)
	}
	for i := range 50 {
		var t strings.Builder
		fmt.Fprintf(&t, "# file %d of {{.name}}, owned by {{.team}}\nname: {{.name}}\nreplicas: {{.replicas}}\nteam: {{.team}}\n", i)
		t.WriteString("{{range .ports}}port: {{.}}\n{{end}}")
		for t.Len() < 1024 {
			t.WriteString("# " + strings.Repeat("c", 60) + "\n")
		}
		p := filepath.Join(dir, "template", fmt.Sprintf("d%d", i%5), fmt.Sprintf("f%02d.yaml.tmpl", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(t.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkFleetRender renders a fleet of projects from one blueprint, 50
// files each, into new directories: every project resolves its own
// parameters and is written atomically. The blueprint is loaded and its
// templates parsed once per run.
func BenchmarkFleetRender(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint("projects=", n), func(b *testing.B) {
			ctx := context.Background()
			src := fleetWorkload(b)
			sources, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			work := outDir(b)
			var peak *peakHeap
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				root := filepath.Join(work, fmt.Sprint("run", i))
				targets := make([]render.Target, n)
				for j := range targets {
					targets[j] = render.Target{ID: fmt.Sprint("svc", j), Dir: filepath.Join(root, fmt.Sprint("svc", j)), Source: src,
						Values: map[string]any{"name": fmt.Sprint("svc", j)}}
				}
				e, err := render.New(nil)
				if err != nil {
					b.Fatal(err)
				}
				if peak == nil {
					peak = startPeakHeap()
				}
				b.StartTimer()
				sum, err := e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetRender, Load: &blueprint.Options{Fetcher: sources}})
				if err != nil || sum.Statuses[render.FleetOK] != n {
					b.Fatalf("%v: %+v", err, sum)
				}
				b.StopTimer()
				os.RemoveAll(root)
				b.StartTimer()
			}
			peak.report(b)
			filesPerSecond(b, n*50)
		})
	}
}

// BenchmarkFleetRenderBaseline is the plain-Go floor of the same fleet:
// the 50 templates parsed once with text/template, then for each project
// its values in a map, each template executed, written with os.WriteFile
// and hashed — no schema, no validation, no atomicity, no manifest,
// sequential.
func BenchmarkFleetRenderBaseline(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint("projects=", n), func(b *testing.B) {
			src := fleetWorkload(b)
			tdir := filepath.Join(src, "template")
			type tmpl struct {
				rel string
				t   *template.Template
			}
			var ts []tmpl
			err := filepath.WalkDir(tdir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				t, err := template.New(p).Parse(string(data))
				rel, _ := filepath.Rel(tdir, p)
				ts = append(ts, tmpl{strings.TrimSuffix(rel, ".tmpl"), t})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			work := outDir(b)
			for i := 0; b.Loop(); i++ {
				root := filepath.Join(work, fmt.Sprint("run", i))
				for j := range n {
					data := map[string]any{"name": fmt.Sprint("svc", j), "team": "platform", "replicas": 2, "ports": []int{8080, 9090}}
					dir := filepath.Join(root, fmt.Sprint("svc", j))
					for _, t := range ts {
						var buf bytes.Buffer
						if err := t.t.Execute(&buf, data); err != nil {
							b.Fatal(err)
						}
						dst := filepath.Join(dir, t.rel)
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
				os.RemoveAll(root)
				b.StartTimer()
			}
			filesPerSecond(b, n*50)
		})
	}
}
