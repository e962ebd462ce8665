package main

import (
	"context"
	"flag"
	"os"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// sourceFlags are the flags of every command that takes a blueprint source.
type sourceFlags struct {
	untrusted bool
	offline   bool
	cacheDir  string
}

func (s *sourceFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&s.untrusted, "untrusted", false, "fetch under the strict policy: only https archives and git over https to public addresses")
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

// load loads the blueprint at src.
func (s *sourceFlags) load(ctx context.Context, src string) (*blueprint.Blueprint, error) {
	f, err := s.sources()
	if err != nil {
		return nil, err
	}
	return blueprint.Load(ctx, src, &blueprint.Options{Fetcher: f})
}
