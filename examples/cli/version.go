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
	usage:   "version",
	help: `
Version prints the version of gp, as recorded by the Go toolchain when it
was built ("(devel)" for a build from a source tree), and the Go version.`,
	example: "gp version",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, e *env, args []string) error {
			if err := exactArgs(args); err != nil {
				return err
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
