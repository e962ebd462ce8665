package propose_test

import (
	"fmt"
	"testing"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/propose"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// BenchmarkPropose proposes from the store of a scanned fleet of 200
// go-service projects, 20 of which made the same Makefile edit; its
// baseline, alternated in the same run, aggregates the same store, which
// Propose does first.
func BenchmarkPropose(b *testing.B) {
	f := newFleet(b, 200)
	for _, name := range f.names {
		if name[len(name)-1] == '0' {
			f.edit(name, "Makefile", addLogs)
		}
	}
	f.scan(nil)
	for range 3 {
		b.Run("propose", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				pr, err := propose.Propose(f.ctx, f.store, f.bp, nil)
				if err != nil || len(pr.Applied()) != 1 {
					b.Fatal(err, fmt.Sprint(pr.Changes))
				}
			}
		})
		b.Run("aggregate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := report.AggregateStore(f.ctx, f.store, feedback.Filter{Blueprint: "go-service"}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
