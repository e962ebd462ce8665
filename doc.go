// Package goldenpath is an embeddable library for golden paths in platform
// engineering: a central repository of architectural decisions, typed
// templates that implement them at scale, and feedback loops that say which
// decision to revisit. This package holds only this map; the code lives in
// its sub-packages.
//
//   - blueprint: golden-path blueprints — blueprint.cue checked against an
//     embedded CUE meta-schema, typed parameters with defaults and cross-field
//     rules, layered input (YAML, JSON, Go maps, KEY=VALUE), errors with
//     FILE:LINE:COL, a JSON Schema for forms.
//   - blueprint/blueprinttest: helpers for testing your own blueprints.
//   - decision: the decision repository — MADR and adr-tools records, a
//     registry with lifecycle and lint, executable CUE rules over parameters
//     and rendered trees (audit, warn, enforce, scheduled), exceptions.
//   - render: the engine — plans, renderers (and render/rendertest, their
//     conformance kit), atomic apply, rendered projects opened once
//     (render.Project) with their drift, manifests, rebuilds,
//     three-way-merge upgrades, fleets.
//   - feedback: signals from scans, upgrades and people, and durable stores;
//     feedback/scan observes rendered projects, feedback/report
//     aggregates signals into reports that say which decision to revisit and
//     why, and feedback/propose turns desire paths into a blueprint's next
//     version, verified against every project.
//   - examples (a module of its own): gp, the command line, and an HTTP
//     server with web forms, built only on the public API.
//
// Quick start:
//
//	bp, err := blueprint.LoadDir(ctx, "testdata/blueprints/go-service", nil)
//	if err != nil {
//		return err // every problem with FILE:LINE:COL
//	}
//	params, err := bp.Resolve(ctx,
//		blueprint.ValuesFile("values.yaml"),
//		blueprint.Set("tier=prod", "replicas=3"))
//	if err != nil {
//		return err // a *blueprint.ValidationError, one entry per field
//	}
//	fmt.Println(params.Data()["image"])
//
// The formats are documented in docs/: blueprint-format.md, manifest.md,
// sources.md, decisions.md, upgrades.md, signals.md and feedback.md.
package goldenpath
