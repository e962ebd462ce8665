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
// records with a Links section, MADR 4 records with front matter and
// log4brains records. With rules, every third record carries a cue block
// of one rule.
func writeRecords(tb testing.TB, dir string, n int, rules bool) {
	tb.Helper()
	for i := 1; i <= n; i++ {
		var s string
		switch i % 4 {
		case 0:
			s = fmt.Sprintf("# %d. Use store number %d\n\nDate: 2024-01-%02d\n\n## Status\n\nAccepted\n\nSupersedes [%d. Use store number %d](%04d-use-store-%d.md)\n\n## Context\n\nThe context of record %d, in a paragraph of a few sentences that says why the decision was needed.\n\n## Decision\n\nWe use store number %d.\n\n## Consequences\n\nSome things get easier, others harder.\n",
				i, i, i%28+1, i-1, i-1, i-1, i-1, i, i)
		case 1:
			s = fmt.Sprintf("# Publish events of kind %d\n\n* Status: superseded by [ADR-%04d](%04d-use-store-%d.md)\n* Deciders: ana, ben\n* Date: December %d, 2023\n\n## Context and Problem Statement\n\nWhich events?\n\n## Decision Outcome\n\nChosen option: \"kind %d\".\n\n## Links\n\n* Relates to [ADR-0001](0001-use-store-1.md)\n",
				i, i+1, i+1, i+1, i%28+1, i)
		case 2:
			s = fmt.Sprintf("---\nstatus: approved\ndate: 2025-03-%02d\ndecision-makers: [ana]\nconsulted: [ben]\n---\n# Services keep %d replicas\n\n## Context and Problem Statement\n\nReplicas.\n\n## Decision Outcome\n\nChosen option: \"%d\".\n\n## More Information\n\nAmends [ADR-0002](0002-use-store-2.md)\n",
				i%28+1, i, i)
		default:
			s = fmt.Sprintf("# Use a cache for service %d\n\n- Status: draft\n- Deciders: ana\n- Date: 2025-04-%02d\n- Tags: cache\n\nTechnical Story: PLAT-%d\n\n## Context and Problem Statement\n\nLatency.\n\n## Decision Outcome\n\nChosen option: \"a cache\".\n\n## Links\n\n- Refines [ADR-0003](0003-use-store-3.md) <!-- optional -->\n",
				i, i%28+1, i)
		}
		if rules && i%3 == 0 {
			s += fmt.Sprintf("\n```cue\nreplicas%d: {params: replicas: >=2, mode: \"warn\", message: \"at least two\"}\n```\n", i)
		}
		name := fmt.Sprintf("%04d-use-store-%d.md", i, i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkLoad1000 loads a folder of 1 000 generated records from disk:
// records as ADR folders hold them, and the same with a rule in every
// third record.
func BenchmarkLoad1000(b *testing.B) {
	for _, rules := range []bool{false, true} {
		name := "adr-folder"
		if rules {
			name = "every-third-with-a-rule"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			writeRecords(b, dir, 1000, rules)
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
			// The process's CPU time per load: on a shared machine, wall
			// time measures the neighbours too.
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// TestLoadGeneratedRecords checks the benchmark's folder: every record
// loads with the status it says.
func TestLoadGeneratedRecords(t *testing.T) {
	dir := t.TempDir()
	writeRecords(t, dir, 30, true)
	reg, err := decision.LoadDir(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Len() != 30 {
		t.Fatalf("%d records", reg.Len())
	}
	for id, want := range map[string]decision.Status{"ADR-0004": decision.Accepted, "ADR-0005": decision.Superseded, "ADR-0006": decision.Accepted, "ADR-0007": decision.Proposed} {
		if d, ok := reg.Get(id); !ok || d.Status != want {
			t.Errorf("%s: %v, want %s", id, d, want)
		}
	}
	if d, _ := reg.Get("ADR-0009"); len(d.Rules) != 1 {
		t.Errorf("ADR-0009: %d rules", len(d.Rules))
	}
	for _, p := range reg.Problems() {
		t.Errorf("loading the generated records: %s", p)
	}
}

// BenchmarkLoad1000Baseline is the floor under BenchmarkLoad1000: walking
// the same folder, reading every file and hashing it, nothing else.
func BenchmarkLoad1000Baseline(b *testing.B) {
	dir := b.TempDir()
	writeRecords(b, dir, 1000, false)
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
