package decision_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/goldenpath-dev/goldenpath/decision"
)

// writeRecords writes n generated records into dir, in the forms real
// folders mix: adr-tools records superseding their predecessor, MADR 2
// records with a Links section, front matter records with a rule.
func writeRecords(tb testing.TB, dir string, n int) {
	tb.Helper()
	for i := 1; i <= n; i++ {
		var s string
		switch i % 3 {
		case 0:
			s = fmt.Sprintf("# %d. Use store number %d\n\nDate: 2024-01-%02d\n\n## Status\n\nAccepted\n\nSupersedes [%d. Use store number %d](%04d-use-store-%d.md)\n\n## Context\n\nThe context of record %d, in a paragraph of a few sentences that says why the decision was needed.\n\n## Decision\n\nWe use store number %d.\n\n## Consequences\n\nSome things get easier, others harder.\n",
				i, i, i%28+1, i-1, i-1, i-1, i-1, i, i)
		case 1:
			s = fmt.Sprintf("# Publish events of kind %d\n\n* Status: superseded by [ADR-%04d](%04d-use-store-%d.md)\n* Deciders: ana, ben\n* Date: December %d, 2023\n\n## Context and Problem Statement\n\nWhich events?\n\n## Decision Outcome\n\nChosen option: \"kind %d\".\n\n## Links\n\n* Relates to [ADR-0001](0001-use-store-1.md)\n",
				i, i+1, i+1, i+1, i%28+1, i)
		default:
			s = fmt.Sprintf("---\nstatus: approved\ndate: 2025-03-%02d\ndecision-makers: [ana]\ntags: [storage]\n---\n# Services keep %d replicas\n\n## Context and Problem Statement\n\nReplicas.\n\n```cue\nreplicas: {params: replicas: >=2, mode: \"warn\"}\n```\n",
				i%28+1, i)
		}
		name := fmt.Sprintf("%04d-use-store-%d.md", i, i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkLoad1000 loads a folder of 1 000 generated records from disk.
func BenchmarkLoad1000(b *testing.B) {
	dir := b.TempDir()
	writeRecords(b, dir, 1000)
	ctx := context.Background()
	cpu := cpuTime()
	for b.Loop() {
		reg, err := decision.LoadDir(ctx, dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		if reg.Len() != 1000 {
			b.Fatalf("%d records", reg.Len())
		}
	}
	// The process's CPU time per load: on a shared machine, wall time
	// measures the neighbours too.
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// TestLoadGeneratedRecords checks the benchmark's folder: every record
// loads with the status it says.
func TestLoadGeneratedRecords(t *testing.T) {
	dir := t.TempDir()
	writeRecords(t, dir, 30)
	reg, err := decision.LoadDir(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Len() != 30 {
		t.Fatalf("%d records", reg.Len())
	}
	for id, want := range map[string]decision.Status{"ADR-0003": decision.Accepted, "ADR-0004": decision.Superseded, "ADR-0005": decision.Accepted} {
		if d, ok := reg.Get(id); !ok || d.Status != want {
			t.Errorf("%s: %v, want %s", id, d, want)
		}
	}
}

// BenchmarkLoad1000Baseline is the floor under BenchmarkLoad1000: walking
// the same folder, reading every file and hashing it, nothing else.
func BenchmarkLoad1000Baseline(b *testing.B) {
	dir := b.TempDir()
	writeRecords(b, dir, 1000)
	cpu := cpuTime()
	for b.Loop() {
		n := 0
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_ = sha256.Sum256(data)
			n++
			return nil
		})
		if err != nil || n != 1000 {
			b.Fatalf("%d files: %v", n, err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}
