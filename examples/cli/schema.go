package main

import (
	"bytes"
	"context"
	"flag"
)

var schemaCmd = &command{
	name:    "schema",
	summary: "print a blueprint's parameters as JSON Schema",
	usage:   "schema BLUEPRINT",
	help: `
Schema loads the blueprint in the directory BLUEPRINT and prints the JSON
Schema of its parameters on standard output, for editors and form
generators. A blueprint.cue that fails validation is reported as by
'gp validate' and exits 1.`,
	example: "gp schema ./blueprints/go-service > values.schema.json",
	setup: func(fs *flag.FlagSet) runFunc {
		var sf sourceFlags
		sf.define(fs)
		return func(ctx context.Context, e *env, args []string) error {
			if err := exactArgs(args, "BLUEPRINT"); err != nil {
				return err
			}
			bp, err := sf.load(ctx, args[0])
			if err != nil {
				return err
			}
			js := bp.JSONSchema()
			if !bytes.HasSuffix(js, []byte("\n")) {
				js = append(js, '\n')
			}
			_, err = e.stdout.Write(js)
			return err
		}
	},
}
