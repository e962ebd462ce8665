package decision_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing/fstest"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
)

// A folder written by adr-tools loads as it is: "adr new -s 1" wrote the
// second file and added "Superseded by" to the first.
func ExampleLoadFS() {
	adr := fstest.MapFS{
		"0001-use-rabbitmq-for-events.md": {Data: []byte(`# 1. Use RabbitMQ for events

Date: 2026-03-09

## Status

Superseded by [2. Use Kafka for events](0002-use-kafka-for-events.md)
`)},
		"0002-use-kafka-for-events.md": {Data: []byte(`# 2. Use Kafka for events

Date: 2026-05-18

## Status

Accepted

Supersedes [1. Use RabbitMQ for events](0001-use-rabbitmq-for-events.md)
`)},
	}
	reg, err := decision.LoadFS(context.Background(), adr, "doc/adr", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range reg.History("ADR-0001") {
		fmt.Println(d)
	}
	// Output:
	// ADR-0001: Use RabbitMQ for events (superseded)
	// ADR-0002: Use Kafka for events (accepted)
}

// A decision with front matter and a rule over the rendered tree.
func ExampleParse() {
	d, err := decision.Parse("decisions/0014-no-secrets.md", []byte("---\n"+
		"id: ADR-0014\n"+
		"title: No secrets in repositories\n"+
		"status: accepted\n"+
		"scope: {blueprints: [\"*\"]}\n"+
		"---\n"+
		"# No secrets in repositories\n"+
		"\n"+
		"```cue\n"+
		"\"private-keys\": {mode: \"enforce\", severity: \"critical\", absent: \"**/*.pem\"}\n"+
		"```\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	r := d.Rules[0]
	fmt.Println(d.ID, d.Status, d.Scope.Blueprints)
	fmt.Println(r, r.Kind, r.Glob, r.Mode, r.Pos)
	// Output:
	// ADR-0014 accepted [*]
	// ADR-0014/private-keys absent **/*.pem enforce decisions/0014-no-secrets.md:10:1
}

// Evaluating a decision against a project's tree and parameters. The rule
// rolls out as a warning and is enforced from a date.
func ExampleEvaluate() {
	d, err := decision.Parse("0012-limits.md", []byte("---\nid: ADR-0012\nstatus: accepted\n---\n"+
		"```cue\n"+
		"limits: {\n"+
		"\tmode: \"warn\"\n"+
		"\tschedule: \"2026-09-01\": \"enforce\"\n"+
		"\tfiles: \"k8s/*.yaml\"\n"+
		"\twhere: kind: \"Deployment\"\n"+
		"\tunify: spec: template: spec: containers: [...{resources: limits: memory: string}]\n"+
		"}\n"+
		"```\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	project := fstest.MapFS{"k8s/web.yaml": {Data: []byte(
		"kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          resources: {}\n")}}
	for _, day := range []string{"2026-08-31", "2026-09-01"} {
		now, _ := time.Parse("2006-01-02", day)
		rep, err := decision.Evaluate(context.Background(), []*decision.Decision{d},
			&decision.Subject{Name: "web", Files: project}, &decision.EvalOptions{Now: func() time.Time { return now }})
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, f := range rep.Findings {
			fmt.Println(day, f)
		}
		fmt.Println("refused:", rep.Err() != nil)
	}
	// Output:
	// 2026-08-31 k8s/web.yaml:7:11: ADR-0012/limits (warn, medium): spec.template.spec.containers.0.resources.limits.memory: not set, want string [rule at 0012-limits.md:11:75]
	// refused: false
	// 2026-09-01 k8s/web.yaml:7:11: ADR-0012/limits (enforce, medium): spec.template.spec.containers.0.resources.limits.memory: not set, want string [rule at 0012-limits.md:11:75]
	// refused: true
}

// A folder as teams write them: statuses outside the five words, a
// log4brains record named by its date, a record in its own folder, a
// template. Every record loads with what it says; the template is a note,
// the unknown status a warning.
func ExampleLoadFS_existingFolder() {
	adr := fstest.MapFS{
		"adr-001-use-adrs.md":          {Data: []byte("# ADR 1: Use ADRs\n\n## Status\n\n**Approved** (by vote on 3/25/21)\n")},
		"0002-use-kafka/index.md":      {Data: []byte("# 2. Use Kafka\n\nDate: December 1, 2021\n\n## Status\n\nIn review\n\nAmends ADR-001\n")},
		"20200925-use-a-cache.md":      {Data: []byte("# Use a cache\n\n- Status: someday\n")},
		"adr-template.md":              {Data: []byte("# {short title}\n\n## Status\n\n{proposed | accepted}\n")},
		"0003-replace-kafka/README.md": {Data: []byte("# 3. Replace Kafka\n\n## Status\n\nDeclined\n")},
	}
	reg, err := decision.LoadFS(context.Background(), adr, "docs/adr", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range reg.List(decision.Filter{}) {
		fmt.Printf("%s (%s, written %q) %v\n", d, d.File, d.StatusText, d.Linked(decision.Amends))
	}
	for _, p := range reg.Problems() {
		fmt.Println(p)
	}
	// Output:
	// 20200925-use-a-cache: Use a cache (unknown) (docs/adr/20200925-use-a-cache.md, written "someday") []
	// ADR-0001: Use ADRs (accepted) (docs/adr/adr-001-use-adrs.md, written "**Approved** (by vote on 3/25/21)") []
	// ADR-0002: Use Kafka (proposed) (docs/adr/0002-use-kafka/index.md, written "In review") [ADR-0001]
	// ADR-0003: Replace Kafka (rejected) (docs/adr/0003-replace-kafka/README.md, written "Declined") []
	// docs/adr/20200925-use-a-cache.md:3:11: 20200925-use-a-cache: warning: status "someday" is not in the status table: the status is unknown
	// docs/adr/adr-template.md:1:1: note: skipped: not a record by the pattern "*-template.md"
}

// WriteDraft drafts a record amending ADR-0002 in an adr-tools folder: the
// next number, the folder's layout, and the links both ways.
func ExampleWriteDraft() {
	dir, err := os.MkdirTemp("", "adr")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	record := "# 2. Set resource limits\n\nDate: 2026-03-02\n\n## Status\n\nAccepted\n\n## Context\n\nNoisy neighbours.\n"
	if err := os.WriteFile(filepath.Join(dir, "0002-set-resource-limits.md"), []byte(record), 0o644); err != nil {
		panic(err)
	}
	w, err := decision.WriteDraft(context.Background(), dir, decision.Draft{
		Target:  "ADR-2",
		Title:   "Allow unbounded CPU for batch jobs",
		Context: "Five batch projects hold an exception to the CPU limit.",
		Date:    time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC),
	}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(w.ID, filepath.Base(w.File), w.Style.Format)
	draft, _ := os.ReadFile(w.File)
	fmt.Print(string(draft))
	old, _ := os.ReadFile(w.TargetFile)
	fmt.Print(string(old))
	// Output:
	// ADR-0003 0003-allow-unbounded-cpu-for-batch-jobs.md adr-tools
	// # 3. Allow unbounded CPU for batch jobs
	//
	// Date: 2026-12-02
	//
	// ## Status
	//
	// Proposed
	//
	// Amends [2. Set resource limits](0002-set-resource-limits.md)
	//
	// ## Context
	//
	// Five batch projects hold an exception to the CPU limit.
	//
	// ## Decision
	//
	// To be written.
	//
	// ## Consequences
	//
	// To be written.
	// # 2. Set resource limits
	//
	// Date: 2026-03-02
	//
	// ## Status
	//
	// Accepted
	//
	// Amended by [3. Allow unbounded CPU for batch jobs](0003-allow-unbounded-cpu-for-batch-jobs.md)
	//
	// ## Context
	//
	// Noisy neighbours.
}
