package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The whole-process benchmarks run gp and the plain baseline program
// (examples/benchbaseline) as a user meets them: each iteration of b.N is
// one pair, gp first, then the baseline, each into a fresh output directory
// that is removed afterwards. The figures are the custom metrics — medians
// over the pairs of wall time, CPU time (user + system) and peak RSS from the
// OS, and the median of each pair's ratio — not ns/op, which includes the
// clean-up between runs. Run at least five pairs:
//
//	go test -run '^$' -bench 'Process$' -benchtime 5x -count 3 ./examples/cli
//
// Output goes to /dev/shm (tmpfs) for the "tmpfs" cases and to the disk
// under the test's temporary directory for the "disk" cases.

// procRun is one finished process.
type procRun struct {
	wall, cpu time.Duration
	rssKiB    int64
}

// runProc runs the command through the launcher (examples/benchbaseline/launch)
// and returns what it measured.
func runProc(b *testing.B, launch, name string, args ...string) procRun {
	b.Helper()
	cmd := exec.Command(launch, append([]string{name}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	var wall, cpu, rss int64
	if _, err := fmt.Sscan(string(out), &wall, &cpu, &rss); err != nil {
		b.Fatalf("launch printed %q: %v", out, err)
	}
	return procRun{wall: time.Duration(wall), cpu: time.Duration(cpu), rssKiB: rss}
}

// pairs collects the runs of both programs and reports their medians.
type pairs struct{ a, base []procRun }

func (p *pairs) add(a, base procRun) {
	p.a = append(p.a, a)
	p.base = append(p.base, base)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (p *pairs) report(b *testing.B, files int) { p.reportPer(b, files, "files") }

// reportPer reports the medians, and the rate of n units (files, projects)
// a second of each program.
func (p *pairs) reportPer(b *testing.B, n int, unit string) {
	var aw, bw, ac, bc, ar, br, rw, rc []float64
	for i := range p.a {
		aw = append(aw, p.a[i].wall.Seconds()*1000)
		bw = append(bw, p.base[i].wall.Seconds()*1000)
		ac = append(ac, p.a[i].cpu.Seconds()*1000)
		bc = append(bc, p.base[i].cpu.Seconds()*1000)
		ar = append(ar, float64(p.a[i].rssKiB)/1024)
		br = append(br, float64(p.base[i].rssKiB)/1024)
		rw = append(rw, p.a[i].wall.Seconds()/p.base[i].wall.Seconds())
		if p.base[i].cpu > 0 {
			rc = append(rc, p.a[i].cpu.Seconds()/p.base[i].cpu.Seconds())
		}
	}
	b.ReportMetric(median(aw), "gp-wall-ms")
	b.ReportMetric(median(bw), "plain-wall-ms")
	b.ReportMetric(median(rw), "wall-ratio")
	b.ReportMetric(median(ac), "gp-cpu-ms")
	b.ReportMetric(median(bc), "plain-cpu-ms")
	b.ReportMetric(median(rc), "cpu-ratio")
	if median(ar) > 0 {
		b.ReportMetric(median(ar), "gp-rss-MiB")
		b.ReportMetric(median(br), "plain-rss-MiB")
	}
	b.ReportMetric(float64(n)/(median(aw)/1000), "gp-"+unit+"/s")
	b.ReportMetric(float64(n)/(median(bw)/1000), "plain-"+unit+"/s")
}

// buildTools builds gp, the plain program and the launcher once for a
// benchmark.
func buildTools(b *testing.B) (gp, plain, launch string) {
	b.Helper()
	dir := b.TempDir()
	for _, p := range []struct{ bin, pkg string }{{"benchbaseline", "../benchbaseline"}, {"launch", "../benchbaseline/launch"}, {"cueinit", "../benchbaseline/cueinit"}} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, p.bin), p.pkg).CombinedOutput()
		if err != nil {
			b.Fatalf("go build %s: %v\n%s", p.pkg, err, out)
		}
	}
	return buildGP(b), filepath.Join(dir, "benchbaseline"), filepath.Join(dir, "launch")
}

// workload writes the benchmark blueprint with n template files (see
// benchbaseline -gen) into a temporary directory. Nothing of it is committed.
func workload(b *testing.B, plain string, n int) string {
	b.Helper()
	dir := b.TempDir()
	if out, err := exec.Command(plain, "-gen", dir, "-files", fmt.Sprint(n)).CombinedOutput(); err != nil {
		b.Fatalf("benchbaseline -gen: %v\n%s", err, out)
	}
	return dir
}

// outRoot returns where a case writes: tmpfs (/dev/shm) or the disk.
func outRoot(b *testing.B, where string) string {
	b.Helper()
	if where == "disk" {
		return b.TempDir()
	}
	if fi, err := os.Stat("/dev/shm"); err != nil || !fi.IsDir() {
		b.Skip("no tmpfs at /dev/shm")
	}
	dir, err := os.MkdirTemp("/dev/shm", "gp-bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// BenchmarkRenderProcess compares `gp render` of a blueprint of n files with
// the plain program rendering the same templates, alternately.
func BenchmarkRenderProcess(b *testing.B) {
	gp, plain, launch := buildTools(b)
	for _, c := range []struct {
		where string
		files int
	}{{"tmpfs", 20}, {"tmpfs", 1000}, {"tmpfs", 5000}, {"tmpfs", 20000}, {"disk", 5000}} {
		b.Run(fmt.Sprintf("%s/files=%d", c.where, c.files), func(b *testing.B) {
			bp := workload(b, plain, c.files)
			root := outRoot(b, c.where)
			var ps pairs
			for i := 0; b.Loop(); i++ {
				a := filepath.Join(root, fmt.Sprintf("gp%d", i))
				p := filepath.Join(root, fmt.Sprintf("plain%d", i))
				ra := runProc(b, launch, gp, "render", bp, "-o", a, "--set", "v0=alpha")
				rb := runProc(b, launch, plain, "-t", filepath.Join(bp, "template"), "-o", p)
				ps.add(ra, rb)
				os.RemoveAll(a)
				os.RemoveAll(p)
			}
			ps.report(b, c.files)
		})
	}
}

// BenchmarkFleetProcess compares `gp fleet render` of n projects of 50 files
// from one blueprint with the plain program parsing the 50 templates once and
// rendering them for n parameter sets, alternately.
func BenchmarkFleetProcess(b *testing.B) {
	gp, plain, launch := buildTools(b)
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("tmpfs/projects=%d", n), func(b *testing.B) {
			bp := workload(b, plain, 50)
			root := outRoot(b, "tmpfs")
			var ps pairs
			for i := 0; b.Loop(); i++ {
				a := filepath.Join(root, fmt.Sprintf("gp%d", i))
				p := filepath.Join(root, fmt.Sprintf("plain%d", i))
				if err := os.MkdirAll(a, 0o755); err != nil {
					b.Fatal(err)
				}
				var targets strings.Builder
				for j := range n {
					fmt.Fprintf(&targets, "{\"id\":\"p%04d\",\"dir\":\"p%04d\",\"source\":%q,\"values\":{\"v0\":\"p%04d\"}}\n", j, j, bp, j)
				}
				tf := filepath.Join(a, "targets.jsonl")
				if err := os.WriteFile(tf, []byte(targets.String()), 0o644); err != nil {
					b.Fatal(err)
				}
				ra := runProc(b, launch, gp, "fleet", "render", "--targets", tf)
				rb := runProc(b, launch, plain, "-t", filepath.Join(bp, "template"), "-o", p, "-projects", fmt.Sprint(n))
				ps.add(ra, rb)
				os.RemoveAll(a)
				os.RemoveAll(p)
			}
			ps.report(b, n*50)
		})
	}
}

// BenchmarkScanProcess compares `gp scan` of a fleet of n go-service
// projects (the bundled blueprint, one in ten with an edited Makefile and
// README), with the bundled decisions, against the plain program's floor:
// hash-compare every file each manifest lists (benchbaseline -check, one
// goroutine), alternately. jobs=1 scans one project at a time; jobs=cpus
// is gp scan's default, GOMAXPROCS.
func BenchmarkScanProcess(b *testing.B) {
	gp, plain, launch := buildTools(b)
	const n = 1000
	root := outRoot(b, "tmpfs")
	dirs := scanFleet(b, gp, root, n)
	decisions, err := filepath.Abs("../../testdata/decisions")
	if err != nil {
		b.Fatal(err)
	}
	for _, jobs := range []string{"1", "cpus"} {
		b.Run(fmt.Sprintf("tmpfs/projects=%d/jobs=%s", n, jobs), func(b *testing.B) {
			args := append([]string{"scan", "--decisions", decisions}, dirs...)
			if jobs != "cpus" {
				args = append(args, "--jobs", jobs)
			}
			var ps pairs
			for b.Loop() {
				ra := runProc(b, launch, gp, args...)
				rb := runProc(b, launch, plain, append([]string{"-check"}, dirs...)...)
				ps.add(ra, rb)
			}
			ps.reportPer(b, n, "projects")
			// On a shared machine the wall time is the other processes'
			// as much as gp's: the rate per CPU second is gp's own.
			var cpu []float64
			for _, r := range ps.a {
				cpu = append(cpu, r.cpu.Seconds())
			}
			b.ReportMetric(float64(n)/median(cpu), "gp-projects/cpu-s")
		})
	}
}

// scanFleet renders n go-service projects into root with gp fleet render,
// edits one in ten, and returns their directories.
func scanFleet(b *testing.B, gp, root string, n int) []string {
	b.Helper()
	src, err := filepath.Abs("../../testdata/blueprints/go-service")
	if err != nil {
		b.Fatal(err)
	}
	var targets strings.Builder
	dirs := make([]string, n)
	for i := range n {
		tier := []string{"dev", "prod"}[i%2]
		fmt.Fprintf(&targets, "{\"id\":\"p%04d\",\"dir\":\"p%04d\",\"source\":%q,\"values\":{\"name\":\"svc%04d\",\"tier\":%q,\"replicas\":3,\"team\":\"team%d\"}}\n", i, i, src, i, tier, i%7)
		dirs[i] = filepath.Join(root, fmt.Sprintf("p%04d", i))
	}
	tf := filepath.Join(root, "targets.jsonl")
	if err := os.WriteFile(tf, []byte(targets.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(gp, "fleet", "render", "--targets", tf)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("gp fleet render: %v\n%s", err, out)
	}
	for i := 0; i < n; i += 10 {
		for _, f := range []string{"Makefile", "README.md"} {
			p := filepath.Join(dirs[i], f)
			data, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			data = append(data, "\nlint:\n\tgolangci-lint run 2>/dev/null\n"...)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return dirs
}

// BenchmarkStartProcess measures start-up alone: gp version (the process,
// its packages' initialisation, nothing else), the program that only links
// CUE's evaluator (examples/benchbaseline/cueinit) and the plain program
// rendering 20 files, in turn. The "cue" metrics are cueinit's; the ratios
// are gp's and cueinit's over the plain program's.
func BenchmarkStartProcess(b *testing.B) {
	gp, plain, launch := buildTools(b)
	cue := filepath.Join(filepath.Dir(plain), "cueinit")
	bp := workload(b, plain, 20)
	root := outRoot(b, "tmpfs")
	var gps, cues pairs
	for i := 0; b.Loop(); i++ {
		p := filepath.Join(root, fmt.Sprintf("plain%d", i))
		ra := runProc(b, launch, gp, "version")
		rc := runProc(b, launch, cue)
		rb := runProc(b, launch, plain, "-t", filepath.Join(bp, "template"), "-o", p)
		gps.add(ra, rb)
		cues.add(rc, rb)
		os.RemoveAll(p)
	}
	gps.report(b, 20)
	var cw, cc, cr, rw []float64
	for i := range cues.a {
		cw = append(cw, cues.a[i].wall.Seconds()*1000)
		cc = append(cc, cues.a[i].cpu.Seconds()*1000)
		cr = append(cr, float64(cues.a[i].rssKiB)/1024)
		rw = append(rw, cues.a[i].wall.Seconds()/cues.base[i].wall.Seconds())
	}
	b.ReportMetric(median(cw), "cue-wall-ms")
	b.ReportMetric(median(cc), "cue-cpu-ms")
	b.ReportMetric(median(cr), "cue-rss-MiB")
	b.ReportMetric(median(rw), "cue-wall-ratio")
}
