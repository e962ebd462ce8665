package report_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// Three projects removed the resource limits of their deployment the same
// way, and so warn against ADR-0012's rule: the edit is a desire path, and
// evidence that the decision should be revisited. The signals are built by
// hand here, as scan.Project makes them.
func ExampleAggregate() {
	ctx := context.Background()
	now := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	n := 0
	rec := &feedback.Recorder{
		Now:   func() time.Time { return now.Add(-time.Hour) },
		NewID: func() string { n++; return fmt.Sprintf("sig-%02d", n) },
	}
	st := feedback.NewMemoryStore()
	for _, project := range []string{"orders", "billing", "search"} {
		subject := feedback.Subject{Project: project, Blueprint: "go-service", Version: "1.4.0"}

		rule := rec.New(feedback.SourceRule, subject)
		rule.Decision, rule.Rule, rule.Mode, rule.Result = "ADR-0012", "limits", decision.Warn, feedback.ResultWarn
		rule.Evidence = feedback.Evidence{Path: "deploy/k8s/deployment.yaml", Message: "every container must set CPU and memory limits"}

		drift := rec.New(feedback.SourceDrift, subject)
		drift.File = "deploy/k8s/deployment.yaml.tmpl"
		drift.Evidence = feedback.Evidence{Path: "deploy/k8s/deployment.yaml",
			Hunk: "@@ -31,2 +30,0 @@\n-          resources:\n-            limits: {cpu: 250m, memory: 128Mi}\n"}
		drift.Labels = map[string]string{"level": "shared", "change": "changed",
			"hunk.key": "-resources:\n-limits: {cpu: 250m, memory: 128Mi}\n"}

		if err := st.Append(ctx, rule, drift); err != nil {
			log.Fatal(err)
		}
	}

	r, err := report.AggregateStore(ctx, st, feedback.Filter{}, &report.AggregateOptions{Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	var md strings.Builder
	if err := r.Markdown(&md, nil); err != nil {
		log.Fatal(err)
	}
	revisit := md.String()[strings.Index(md.String(), "## Revisit"):strings.Index(md.String(), "## Decisions")]
	fmt.Print(revisit)
	dp := r.DesirePaths[0]
	fmt.Printf("desire path %s in %d projects %v:\n%s", dp.HunkID, dp.Count, dp.Projects, dp.Example.Hunk)
	// Output:
	// ## Revisit
	//
	// ### 1. ADR-0012 — score 3
	//
	// - **desire-path-against-rule**: 3 projects of go-service made the same edit to deploy/k8s/deployment.yaml where they fail, warn or are exempt from ADR-0012/limits.
	//   Projects: billing, orders, search.
	//   6 signals, for example `sig-03`, `sig-04`, `sig-01`, `sig-02`, `sig-05`.
	//
	// desire path 4c4790de1376b534 in 3 projects [billing orders search]:
	// @@ -31,2 +30,0 @@
	// -          resources:
	// -            limits: {cpu: 250m, memory: 128Mi}
}
