package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

var versionCmd = &command{
	name:    "version",
	summary: "print the version of gp",
	usage:   "version [--json]",
	help: `
Version prints the version of gp, as recorded by the Go toolchain when it
was built ("(devel)" for a build from a source tree), and the Go version.`,
	example: "gp version --json",
	setup: func(fs *flag.FlagSet) runFunc {
		asJSON := fs.Bool("json", false, "print the versions as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := exactArgs(args); err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(e.stdout, map[string]string{"gp": buildVersion(), "go": runtime.Version()})
			}
			_, err := fmt.Fprintf(e.stdout, "gp %s %s\n", buildVersion(), runtime.Version())
			return err
		}
	},
}

// buildVersion returns the main module's version from the build info, or
// "(devel)".
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
