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
//   - examples/cli: gp, a command-line tool built only on the public API.
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
// The formats are documented in docs/: blueprint-format.md.
package goldenpath
