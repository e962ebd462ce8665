package render_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

// upgradeWorkload writes two versions of a blueprint of n shared template
// files of about 2 KB; version 2 changes the second line of every fifth
// file and adds a line at its end.
func upgradeWorkload(b *testing.B, n int) (v1, v2 *blueprint.Blueprint) {
	b.Helper()
	write := func(version string, upstream bool) *blueprint.Blueprint {
		dir := b.TempDir()
		cue := fmt.Sprintf(`name: "bench"
version: %q
description: "generated upgrade workload"
owner: "bench"
parameters: {
	name: string | *"svc"
	port: int | *8080
}
`, version)
		if err := os.WriteFile(filepath.Join(dir, "blueprint.cue"), []byte(cue), 0o644); err != nil {
			b.Fatal(err)
		}
		for i := range n {
			var t strings.Builder
			fmt.Fprintf(&t, "# file %d of {{.name}}\n", i)
			if upstream && i%5 == 0 {
				t.WriteString("listen = \":{{.port}}\" # changed upstream\n")
			} else {
				t.WriteString("listen = \":{{.port}}\"\n")
			}
			for j := 0; t.Len() < 2048; j++ {
				fmt.Fprintf(&t, "setting_%d = %s\n", j, strings.Repeat("v", 60))
			}
			if upstream && i%5 == 0 {
				t.WriteString("added = true\n")
			}
			p := filepath.Join(dir, "template", fmt.Sprintf("dir%02d", i%50), fmt.Sprintf("file%04d.conf.tmpl", i))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(t.String()), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		bp, err := blueprint.LoadDir(context.Background(), dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		return bp
	}
	return write("1.0.0", false), write("2.0.0", true)
}

// copyDir copies a project tree.
func copyDir(b *testing.B, src, dst string) {
	b.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUpgrade upgrades a 500-file project in which 50 files were
// edited downstream (at line 10) and also changed upstream (lines 2 and the
// end), so all 50 are three-way merged; 50 more files change upstream only
// and are updated; 400 are unchanged. Each iteration upgrades a fresh copy
// of the project; copying is not timed.
func BenchmarkUpgrade(b *testing.B) {
	ctx := context.Background()
	const n = 500
	v1, v2 := upgradeWorkload(b, n)
	e, err := render.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	params, err := v1.Resolve(ctx)
	if err != nil {
		b.Fatal(err)
	}
	work := outDir(b)
	seed := filepath.Join(work, "seed")
	if _, err := e.Render(ctx, v1, params, seed, nil); err != nil {
		b.Fatal(err)
	}
	edited := 0
	err = filepath.WalkDir(seed, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".conf") {
			return err
		}
		var i int
		if _, err := fmt.Sscanf(filepath.Base(p), "file%04d.conf", &i); err != nil || i%10 != 0 {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		edited++
		return os.WriteFile(p, []byte(strings.Replace(string(data), "setting_8 =", "setting_8 = edited downstream,", 1)), 0o644)
	})
	if err != nil || edited != 50 {
		b.Fatalf("edited %d files: %v", edited, err)
	}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		dir := filepath.Join(work, fmt.Sprint("p", i))
		copyDir(b, seed, dir)
		b.StartTimer()
		res, err := upgradeDir(ctx, e, dir, v2, &render.UpgradeOptions{Base: v1})
		if err != nil {
			b.Fatal(err)
		}
		if c := res.Count(); c[render.Merged] != 50 || c[render.Updated] != 50 || c[render.Conflicted] != 0 {
			b.Fatalf("unexpected results: %v", c)
		}
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	filesPerSecond(b, n)
}

// BenchmarkUpgradeBaseline is the I/O floor of the same upgrade: read the
// 500 files of the project and write the 100 that change (from contents
// prepared beforehand) with os.WriteFile — no renders, no merges, no
// atomicity.
func BenchmarkUpgradeBaseline(b *testing.B) {
	ctx := context.Background()
	const n = 500
	v1, _ := upgradeWorkload(b, n)
	e, err := render.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	params, err := v1.Resolve(ctx)
	if err != nil {
		b.Fatal(err)
	}
	work := outDir(b)
	seed := filepath.Join(work, "seed")
	if _, err := e.Render(ctx, v1, params, seed, nil); err != nil {
		b.Fatal(err)
	}
	m, err := render.ReadManifest(seed)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		dir := filepath.Join(work, fmt.Sprint("p", i))
		copyDir(b, seed, dir)
		b.StartTimer()
		for j, f := range m.Files {
			data, err := os.ReadFile(filepath.Join(dir, f.Path))
			if err != nil {
				b.Fatal(err)
			}
			if j%5 == 0 {
				if err := os.WriteFile(filepath.Join(dir, f.Path), append(data, "added = true\n"...), 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	filesPerSecond(b, n)
}
