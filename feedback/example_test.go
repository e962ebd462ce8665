package feedback_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/feedback"
)

// A store in a file: signals appended by any number of goroutines and
// processes, read back with a filter. The file is JSON Lines: one signal a
// line, in the order appended.
func ExampleOpenFileStore() {
	dir, err := os.MkdirTemp("", "signals")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "signals.jsonl")

	st, err := feedback.OpenFileStore(path, &feedback.FileStoreOptions{
		OnRepair: func(r feedback.Repair) {
			log.Printf("%s: dropped a torn line of %d bytes", r.Path, r.Dropped)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	ctx := context.Background()
	orders := feedback.Subject{Project: "orders", Owner: "team-orders", Blueprint: "go-service", Version: "1.4.0"}
	rec := &feedback.Recorder{Now: func() time.Time { return time.Date(2026, 11, 3, 10, 15, 0, 0, time.UTC) }}

	drift := rec.New(feedback.SourceDrift, orders)
	drift.File = "Makefile"
	drift.Result = feedback.ResultFail
	drift.Evidence.Hunk = "@@ -12,2 +12,3 @@ test:\n \tgo test ./...\n+\tgo vet ./...\n"
	rule := rec.New(feedback.SourceRule, orders)
	rule.Decision, rule.Rule, rule.Result = "ADR-0007", "postgres-16", feedback.ResultPass

	// Durable once Append returns.
	if err := st.Append(ctx, drift, rule); err != nil {
		log.Fatal(err)
	}

	for s, err := range st.Query(ctx, feedback.Filter{Project: "orders", Source: feedback.SourceDrift}) {
		if err != nil {
			log.Fatal(err) // or go on: the stream continues after a bad line
		}
		fmt.Println(s.Time.Format(time.DateOnly), s.Subject.Project, s.Source, s.File, s.Result)
		fmt.Print(s.Evidence.Hunk)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Count(string(data), "\n"), "lines, each starting with", string(data[:6]))
	// Output:
	// 2026-11-03 orders drift Makefile fail
	// @@ -12,2 +12,3 @@ test:
	//  	go test ./...
	// +	go vet ./...
	// 2 lines, each starting with {"v":1
}

// A store in memory, for tests: with a fixed clock and IDs, signals are
// deterministic.
func ExampleMemoryStore() {
	n := 0
	rec := &feedback.Recorder{
		Now:   func() time.Time { return time.Date(2026, 11, 3, 10, 15, 0, 0, time.UTC) },
		NewID: func() string { n++; return fmt.Sprintf("sig-%d", n) },
	}
	st := feedback.NewMemoryStore()
	ctx := context.Background()

	for i, score := range []float64{2, 5, 1} {
		s := rec.New(feedback.SourceRating, feedback.Subject{Blueprint: "go-service"})
		s.Value, s.Unit = &score, "score"
		s.Evidence.Message = []string{"deploys are slow", "great", "no arm64 image"}[i]
		if err := st.Append(ctx, s); err != nil {
			fmt.Println(err)
			return
		}
	}
	for s, err := range st.Query(ctx, feedback.Filter{Blueprint: "go-service"}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s %s %.0f/5 %q\n", s.ID, s.Subject.Blueprint, *s.Value, s.Evidence.Message)
	}
	b, _ := rec.Stamp(feedback.Signal{Source: feedback.SourceMetric}).MarshalJSON()
	fmt.Println(string(b))
	// Output:
	// sig-1 go-service 2/5 "deploys are slow"
	// sig-2 go-service 5/5 "great"
	// sig-3 go-service 1/5 "no arm64 image"
	// {"v":1,"id":"sig-4","time":"2026-11-03T10:15:00Z","source":"metric"}
}
