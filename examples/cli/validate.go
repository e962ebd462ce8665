package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

var validateCmd = &command{
	name:    "validate",
	summary: "check parameter values against a blueprint",
	usage:   "validate BLUEPRINT [-f FILE]... [--set KEY=VALUE]... [--json] [--schema-only]",
	help: `
Validate loads the blueprint in the directory BLUEPRINT, checks its
blueprint.cue, and resolves the parameter values given with -f and --set
against the blueprint's parameter schema. Inputs are applied in command-line
order: a later file or --set overrides an earlier one. With no inputs the
defaults alone are checked, so required parameters are reported.

When the values are valid it prints "ok: NAME VERSION" and exits 0.
Whatever the values, it first prints on standard error, as
"warning: FILE:LINE:COL: FIELD: MESSAGE", what in blueprint.cue loads but is
likely wrong, such as a default that its field's constraints never check;
warnings do not change the exit code.
Otherwise it prints one line per failing field on standard error, as
FILE:LINE:COL: FIELD: MESSAGE, and exits 1. With --json the result, valid
or not, is a JSON object on standard output:
{"valid":true,"blueprint":...,"version":...,"parameters":{...}} or
{"valid":false,"errors":[{"path":...,"message":...,"input":{...},"schema":[...]}]},
with the warnings in "warnings", in the form of the errors.

With --schema-only only blueprint.cue is checked, and no parameters are
resolved.`,
	example: `
gp validate ./blueprints/go-service -f values.yaml --set tier=prod --set replicas=3`,
	setup: func(fs *flag.FlagSet) runFunc {
		var in inputFlags
		in.define(fs)
		asJSON := fs.Bool("json", false, "print the result as JSON on standard output")
		schemaOnly := fs.Bool("schema-only", false, "check blueprint.cue only; do not resolve parameters")
		return func(ctx context.Context, e *env, args []string) error {
			if err := exactArgs(args, "BLUEPRINT"); err != nil {
				return err
			}
			if *schemaOnly && !in.empty() {
				return usageErrorf("--schema-only checks blueprint.cue only: it takes no -f or --set")
			}
			inputs, err := in.inputs(e.stdin)
			if err != nil {
				return err
			}
			return validate(ctx, e, &in.src, args[0], inputs, *schemaOnly, *asJSON)
		}
	},
}

// validateResult is the --json output of validate.
type validateResult struct {
	Valid      bool                   `json:"valid"`
	Blueprint  string                 `json:"blueprint,omitempty"`
	Version    string                 `json:"version,omitempty"`
	Parameters *blueprint.Params      `json:"parameters,omitempty"`
	Errors     []blueprint.FieldError `json:"errors,omitempty"`
	// Warnings are Blueprint.Lint's findings: blueprint.cue loads, but is
	// likely wrong.
	Warnings []blueprint.FieldError `json:"warnings,omitempty"`
}

func validate(ctx context.Context, e *env, sf *sourceFlags, src string, inputs []blueprint.Input, schemaOnly, asJSON bool) error {
	var res validateResult
	bp, err := sf.load(ctx, src)
	if err == nil {
		res.Blueprint, res.Version = bp.Name, bp.Version
		if res.Warnings, err = bp.Lint(ctx); err != nil {
			return err
		}
		if !asJSON {
			for _, w := range res.Warnings {
				fmt.Fprintf(e.stderr, "warning: %s\n", w)
			}
		}
		if !schemaOnly {
			res.Parameters, err = bp.Resolve(ctx, inputs...)
		}
	}
	if !asJSON {
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "ok: %s %s\n", bp.Name, bp.Version)
		return nil
	}
	var ve *blueprint.ValidationError
	switch {
	case err == nil:
		res.Valid = true
	case errors.As(err, &ve):
		res.Errors = ve.Fields
		if res.Errors == nil {
			res.Errors = []blueprint.FieldError{}
		}
	default:
		// Not a verdict on the input (a missing directory, an unreadable
		// file): report it as an error, with nothing on standard output.
		return err
	}
	if err := writeJSON(e.stdout, res); err != nil {
		return err
	}
	if !res.Valid {
		return &exitError{code: exitInvalid}
	}
	return nil
}

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
