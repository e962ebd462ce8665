package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// sourceFlags are the flags of every command that takes a blueprint source.
type sourceFlags struct {
	untrusted  bool
	isolate    bool
	evalMemory int64 // MiB
	// evalTimeout bounds each CUE evaluation, isolated or not.
	evalTimeout time.Duration
	offline     bool
	cacheDir    string
}

func (s *sourceFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&s.untrusted, "untrusted", false, "fetch under the strict policy (only https archives and git over https to public addresses), and on Linux evaluate CUE in a bounded child process (--isolate)")
	fs.BoolVar(&s.isolate, "isolate", false, "evaluate blueprints' CUE first in a child gp limited to --eval-memory and the evaluation deadline")
	fs.Int64Var(&s.evalMemory, "eval-memory", 1024, "the memory, in MiB, an isolated CUE evaluation may use")
	fs.DurationVar(&s.evalTimeout, "eval-timeout", 10*time.Second, "the `DURATION` one CUE evaluation (loading, resolving) may take, isolated or not")
	fs.BoolVar(&s.offline, "offline", false, "use only sources already in the cache")
	fs.StringVar(&s.cacheDir, "cache-dir", os.Getenv("GP_CACHE"), "the source cache (default $GP_CACHE, or goldenpath/sources in the user cache directory)")
}

// sources returns the fetcher the flags describe. gp runs on a person's own
// sources, so its default is the local policy; --untrusted is strict.
func (s *sourceFlags) sources() (*blueprint.Sources, error) {
	p := blueprint.Local
	if s.untrusted {
		p = blueprint.Strict
	}
	return blueprint.NewSources(&blueprint.SourceOptions{Policy: p, CacheDir: s.cacheDir, Offline: s.offline})
}

// loadOptions returns the options blueprints are loaded with: the fetcher
// the flags describe, the evaluation deadline of --eval-timeout and, with
// --isolate or (on Linux) --untrusted, CUE evaluated first in a child gp
// process limited to --eval-memory (blueprint.Isolation).
func (s *sourceFlags) loadOptions() (*blueprint.Options, error) {
	f, err := s.sources()
	if err != nil {
		return nil, err
	}
	if s.evalTimeout < 0 { // zero, as in flags never defined, is the library's default
		return nil, usageErrorf("--eval-timeout must be positive")
	}
	opts := &blueprint.Options{Fetcher: f, EvalTimeout: s.evalTimeout}
	// Isolation needs Linux: elsewhere --untrusted goes without it (the
	// deadline still bounds each evaluation), and --isolate fails with
	// blueprint.ErrIsolationUnsupported.
	if s.isolate || (s.untrusted && runtime.GOOS == "linux") {
		if s.evalMemory <= 0 {
			return nil, usageErrorf("--eval-memory must be positive")
		}
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("isolated evaluation: %w", err)
		}
		opts.Isolation = &blueprint.Isolation{Command: []string{self}, Env: []string{evalChildEnv + "=1"}, MaxMemory: s.evalMemory << 20}
	}
	return opts, nil
}

// load loads the blueprint at src.
func (s *sourceFlags) load(ctx context.Context, src string) (*blueprint.Blueprint, error) {
	opts, err := s.loadOptions()
	if err != nil {
		return nil, err
	}
	return blueprint.Load(ctx, src, opts)
}

// evalChildEnv, set to 1, makes gp the child of an isolated CUE evaluation
// (--untrusted): it serves one evaluation on its standard streams and exits.
const evalChildEnv = "GP_EVALUATION_CHILD"

// serveEvaluation is gp as an isolation child.
func serveEvaluation() int {
	if err := blueprint.ServeIsolation(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gp:", err)
		return exitInvalid
	}
	return exitOK
}
