package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

// proposeFleet renders n go-service 2.0.0 projects under root and scans
// them into root/signals.jsonl: a tenth add the same make target naming
// themselves (a desire path that is applied), a twenty-fifth add a
// comment indented differently (one that is refused), a fiftieth make a
// one-off edit.
func proposeFleet(b *testing.B, root string, n int) string {
	b.Helper()
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, "../../testdata/blueprints/go-service-v2", nil)
	if err != nil {
		b.Fatal(err)
	}
	st, err := feedback.OpenFileStore(filepath.Join(root, "signals.jsonl"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var engine render.Engine
	at := time.Now().Add(-time.Hour)
	for i := range n {
		name := fmt.Sprintf("svc-%04d", i)
		dir := filepath.Join(root, name)
		set := []string{"name=" + name}
		if i%3 == 0 {
			set = append(set, "tier=prod", "replicas=3")
		}
		if i%4 == 1 {
			set = append(set, "database=postgres")
		}
		params, err := bp.Resolve(ctx, blueprint.Set(set...))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := engine.Render(ctx, bp, params, dir, nil); err != nil {
			b.Fatal(err)
		}
		edit := func(file, old, new string) {
			p := filepath.Join(dir, file)
			data, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		switch {
		case i%10 == 0:
			edit("Makefile", "tidy:\n", "logs:\n\tkubectl logs -l app="+name+" -f\n\ntidy:\n")
		case i%25 == 1:
			indent := "  "
			if i%2 == 0 {
				indent = "\t"
			}
			edit("cmd/"+name+"/main.go", "package main\n", "package main\n\n"+indent+"// Built by the platform.\n")
		case i%50 == 7:
			edit("go.mod", "\n", fmt.Sprintf("\n// one-off %d\n", i))
		}
		p, err := render.OpenProjectFS(os.DirFS(dir), dir)
		if err != nil {
			b.Fatal(err)
		}
		sigs, err := scan.Project(ctx, p, &scan.Options{Blueprint: bp, Engine: &engine, Recorder: &feedback.Recorder{Now: func() time.Time { return at }}})
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Append(ctx, sigs...); err != nil {
			b.Fatal(err)
		}
	}
	return filepath.Join(root, "signals.jsonl")
}

// BenchmarkProposeProcess measures a whole `gp propose` over the store of
// a scanned fleet of 1 000 projects: aggregating the store, reading every
// project's manifest and resolving its parameters, mapping and verifying
// two desire paths against every project, and writing the new version.
// Its baseline, alternated in the same run, is `gp report` over the same
// store: the aggregation alone, which propose does first.
func BenchmarkProposeProcess(b *testing.B) {
	gp, _, launch := buildTools(b)
	catalog, err := filepath.Abs("../../testdata/blueprints")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000} {
		b.Run(fmt.Sprintf("projects=%d", n), func(b *testing.B) {
			root := b.TempDir()
			store := proposeFleet(b, root, n)
			var prop, rep []procRun
			for i := 0; b.Loop(); i++ {
				out := filepath.Join(root, fmt.Sprintf("out%d", i))
				prop = append(prop, runProc(b, launch, gp, "propose", "go-service", "--store", store, "--catalog", catalog, "-o", out))
				rep = append(rep, runProc(b, launch, gp, "report", "--store", store))
				if _, err := os.Stat(filepath.Join(out, "go-service-2.1.0", "CHANGES.md")); err != nil {
					b.Fatalf("gp propose wrote no 2.1.0: %v", err)
				}
				os.RemoveAll(out)
			}
			ms := func(rs []procRun, cpu bool) float64 {
				var xs []float64
				for _, r := range rs {
					d := r.wall
					if cpu {
						d = r.cpu
					}
					xs = append(xs, d.Seconds()*1000)
				}
				return median(xs)
			}
			b.ReportMetric(ms(prop, false), "propose-wall-ms")
			b.ReportMetric(ms(prop, true), "propose-cpu-ms")
			b.ReportMetric(ms(rep, false), "report-wall-ms")
			b.ReportMetric(ms(rep, true), "report-cpu-ms")
			var rss []float64
			for _, r := range prop {
				rss = append(rss, float64(r.rssKiB)/1024)
			}
			b.ReportMetric(median(rss), "propose-rss-MiB")
		})
	}
}
