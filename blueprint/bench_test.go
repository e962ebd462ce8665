package blueprint_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

func heapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// benchResolve resolves a fresh, distinct input per iteration and reports
// the live heap after the loop, so runs with -benchtime=100000x show whether
// memory stays flat.
func benchResolve(b *testing.B, opts *blueprint.Options) {
	bp, err := blueprint.LoadDir(context.Background(), writeBlueprint(b, serviceCUE), opts)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	before := heapMiB()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		_, err := bp.Resolve(ctx, blueprint.ValuesMap(map[string]any{
			"name": fmt.Sprintf("svc-%d", i), "tier": "prod", "replicas": 3 + i%7,
			"tags": []string{fmt.Sprintf("t%d", i)}, "db": map[string]any{"name": fmt.Sprintf("db%d", i)},
		}))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu)
	b.ReportMetric(heapMiB()-before, "heap-growth-MiB")
}

// reportCPU reports the process's CPU time per operation since start, when
// the system gives it.
func reportCPU(b *testing.B, start int64) {
	if start > 0 {
		b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkResolve measures resolution with the default evaluator pool.
func BenchmarkResolve(b *testing.B) { benchResolve(b, nil) }

// BenchmarkResolveSharedContext keeps one cue.Context for every resolution:
// the baseline that the pool's recycling is measured against.
func BenchmarkResolveSharedContext(b *testing.B) {
	benchResolve(b, &blueprint.Options{EvaluatorUses: math.MaxInt})
}

// BenchmarkResolveInvalid measures the error path: shaping CUE errors.
func BenchmarkResolveInvalid(b *testing.B) {
	bp, err := blueprint.LoadDir(context.Background(), writeBlueprint(b, serviceCUE), nil)
	if err != nil {
		b.Fatal(err)
	}
	in := blueprint.ValuesData("values.yaml", []byte("name: Bad_Name\ntier: prod\nreplicas: 1\n"))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := bp.Resolve(context.Background(), in); err == nil {
			b.Fatal("want an error")
		}
	}
}

// BenchmarkLoad measures loading and checking a blueprint from disk.
func BenchmarkLoad(b *testing.B) {
	dir := writeBlueprint(b, serviceCUE)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := blueprint.LoadDir(context.Background(), dir, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveBaseline is the plain-CUE floor that BenchmarkResolve is
// compared with: the same schema compiled once, and per iteration the input
// compiled, unified with it, validated as concrete and decoded — with none of
// the library's layering, positions, derived values or memory recycling.
func BenchmarkResolveBaseline(b *testing.B) {
	ctx := cuecontext.New()
	root := ctx.CompileString(serviceCUE)
	if err := root.Err(); err != nil {
		b.Fatal(err)
	}
	schema := root.LookupPath(cue.ParsePath("parameters"))
	before := heapMiB()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		in := ctx.Encode(map[string]any{
			"name": fmt.Sprintf("svc-%d", i), "tier": "prod", "replicas": 3 + i%7,
			"tags": []string{fmt.Sprintf("t%d", i)}, "db": map[string]any{"name": fmt.Sprintf("db%d", i)},
		})
		v := schema.Unify(in)
		if err := v.Validate(cue.Concrete(true)); err != nil {
			b.Fatal(err)
		}
		var out map[string]any
		if err := v.Decode(&out); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu)
	b.ReportMetric(heapMiB()-before, "heap-growth-MiB")
}

const goServiceDir = "../testdata/blueprints/go-service"

// BenchmarkLoadGoService is the baseline for the source benchmarks: LoadDir
// of the go-service example from its directory — read, check, digest.
func BenchmarkLoadGoService(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := blueprint.LoadDir(ctx, goServiceDir, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadCached loads go-service from a git tag already in the cache,
// through the Sources that loaded it: the ref is served from the cache's
// record, so no git runs, and the pinned revision's blueprint is the one
// Sources already loaded.
func BenchmarkLoadCached(b *testing.B) {
	ctx := context.Background()
	src := "git::file://" + gitRepoOf(b, "go-service") + "//blueprints/go-service?ref=v1.0.0"
	opts := &blueprint.Options{Fetcher: localSources(b)}
	if _, err := blueprint.Load(ctx, src, opts); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := blueprint.Load(ctx, src, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadCachedNewSources loads go-service from a git tag in the
// on-disk cache through a new Sources each time, as a new process does: no
// git runs, but the blueprint is read and checked again.
func BenchmarkLoadCachedNewSources(b *testing.B) {
	ctx := context.Background()
	src := "git::file://" + gitRepoOf(b, "go-service") + "//blueprints/go-service?ref=v1.0.0"
	cache := filepath.Join(b.TempDir(), "cache")
	newSources := func() *blueprint.Sources {
		s, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: cache})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	if _, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: newSources()}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: newSources()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadGitCold loads go-service from a git::file:// repository into
// an empty cache each time: ls-remote, init, fetch, tree check, checkout,
// commit to the cache, load.
func BenchmarkLoadGitCold(b *testing.B) {
	ctx := context.Background()
	src := "git::file://" + gitRepoOf(b, "go-service") + "//blueprints/go-service?ref=v1.0.0"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		opts := &blueprint.Options{Fetcher: localSources(b)}
		b.StartTimer()
		if _, err := blueprint.Load(ctx, src, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadConcurrent50 starts 50 loads of one source at once into an
// empty cache: they share one fetch.
func BenchmarkLoadConcurrent50(b *testing.B) {
	ctx := context.Background()
	src := "git::file://" + gitRepoOf(b, "go-service") + "//blueprints/go-service?ref=v1.0.0"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := localSources(b)
		opts := &blueprint.Options{Fetcher: s}
		b.StartTimer()
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if _, err := blueprint.Load(ctx, src, opts); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		if f := s.Stats().Fetches; f != 1 {
			b.Fatalf("%d fetches", f)
		}
	}
}
