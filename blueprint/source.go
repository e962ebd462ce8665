package blueprint

import (
	"context"
	"crypto/tls"
	"log/slog"
	"sync"
	"time"

	"github.com/goldenpath-dev/goldenpath/internal/fastfile"
	"github.com/goldenpath-dev/goldenpath/internal/fetch"
)

// Policy decides which source addresses Sources may fetch.
type Policy int

const (
	// Strict allows https archives and git over https only, to public
	// addresses. It is the library's default: for addresses that come from
	// untrusted input.
	Strict Policy = iota
	// Local also allows local directories, git::file://, file:// archives,
	// plain http to loopback, and connections to private networks: for a
	// person running a tool on their own sources (the gp CLI's default).
	Local
)

// String returns "strict" or "local".
func (p Policy) String() string { return fetch.Policy(p).String() }

// SourceOptions configures Sources. The zero value, and a nil pointer, give
// the strict policy with the defaults below.
type SourceOptions struct {
	// Policy decides what may be fetched. Default Strict.
	Policy Policy
	// CacheDir holds fetched sources. Default: goldenpath/sources in the
	// user's cache directory (os.UserCacheDir).
	CacheDir string
	// Offline serves only what is cached, and fails with ErrOffline for
	// anything else. Without it, a fetch that fails on the network falls
	// back to the revision cached before, with a warning in the log.
	Offline bool
	// RefreshAfter is how long a resolved branch, tag or archive URL is
	// served from the cache before the remote is asked again; negative
	// means never ask again. A full commit ID is never asked again.
	// Default 10 minutes.
	RefreshAfter time.Duration
	// Timeout bounds each fetch. Default 2 minutes.
	Timeout time.Duration
	// MaxDownloadBytes caps each download and each git fetch. Default
	// 256 MiB.
	MaxDownloadBytes int64
	// MaxFiles caps the files one source unpacks to. Default 50 000.
	MaxFiles int
	// MaxBytes caps the bytes one source unpacks to. Default 512 MiB.
	MaxBytes int64
	// AllowPrivateNetworks lets the strict policy connect to loopback,
	// private and link-local addresses (an in-house git server, say).
	AllowPrivateNetworks bool
	// TLSConfig configures https; nil uses the system's roots.
	TLSConfig *tls.Config
	// Git is the git binary. Default "git" from PATH.
	Git string
	// Logger receives what is fetched, and stale-cache warnings. Nil
	// discards.
	Logger *slog.Logger
	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

// Sources is the library's Fetcher: go-getter v2 behind a source policy,
// with a content-addressed cache on disk. Concurrent fetches of one source
// share one download, and at most four fetches run at once in the process,
// over every Sources. It is safe for concurrent use.
//
// The zero Sources is usable: it is what NewSources(nil) returns, set up on
// first use (its Fetch and Tags return the error, should the user's cache
// directory be unknown).
type Sources struct {
	f    *fetch.Fetcher
	once sync.Once // sets f or ferr for a zero Sources
	ferr error

	// loaded keeps the blueprints loaded from pinned revisions, which
	// cannot change: a later Load of the same revision with the same
	// options returns the same *Blueprint (immutable, safe to share)
	// without reading or evaluating anything again.
	mu     sync.Mutex
	loaded map[string]*Blueprint
	order  []string // keys, oldest first
}

// maxLoaded bounds the blueprints a Sources keeps loaded.
const maxLoaded = 64

func (s *Sources) lookup(key string) *Blueprint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loaded[key]
}

func (s *Sources) keep(key string, b *Blueprint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded == nil {
		s.loaded = map[string]*Blueprint{}
	}
	if _, ok := s.loaded[key]; ok {
		return
	}
	if len(s.order) == maxLoaded {
		delete(s.loaded, s.order[0])
		s.order = s.order[1:]
	}
	s.loaded[key] = b
	s.order = append(s.order, key)
}

var _ Fetcher = (*Sources)(nil)

// fetcher returns s's fetcher, making the default one for a zero Sources.
func (s *Sources) fetcher() (*fetch.Fetcher, error) {
	s.once.Do(func() {
		if s.f != nil {
			return
		}
		d, err := NewSources(nil)
		if err != nil {
			s.ferr = err
			return
		}
		s.f = d.f
	})
	return s.f, s.ferr
}

// NewSources returns Sources configured by o, which may be nil.
func NewSources(o *SourceOptions) (*Sources, error) {
	if o == nil {
		o = &SourceOptions{}
	}
	f, err := fetch.New(fetch.Options{
		Policy:               fetch.Policy(o.Policy),
		CacheDir:             o.CacheDir,
		Offline:              o.Offline,
		RefreshAfter:         o.RefreshAfter,
		Timeout:              o.Timeout,
		MaxDownloadBytes:     o.MaxDownloadBytes,
		MaxFiles:             o.MaxFiles,
		MaxBytes:             o.MaxBytes,
		AllowPrivateNetworks: o.AllowPrivateNetworks,
		TLSConfig:            o.TLSConfig,
		Git:                  o.Git,
		Logger:               o.Logger,
		Now:                  o.Now,
	})
	if err != nil {
		return nil, err
	}
	return &Sources{f: f}, nil
}

var defaultSources = sync.OnceValues(func() (*Sources, error) { return NewSources(nil) })

// DefaultSources returns the Sources Load uses when Options.Fetcher is nil:
// the strict policy, cached in the user's cache directory. It is created on
// first use and shared by the process.
func DefaultSources() (*Sources, error) { return defaultSources() }

// Fetch fetches source (or finds it in the cache) and returns its
// directory. See docs/sources.md for the address syntax.
func (s *Sources) Fetch(ctx context.Context, source string) (*Fetched, error) {
	f, err := s.fetcher()
	if err != nil {
		return nil, err
	}
	r, err := f.Fetch(ctx, source)
	if err != nil {
		return nil, sourceErr(err)
	}
	return &Fetched{FS: fastfile.DirFS(r.Dir), Dir: r.Dir, Source: r.Source, Revision: r.Revision}, nil
}

// Policy returns the policy s fetches under.
func (s *Sources) Policy() Policy {
	f, err := s.fetcher()
	if err != nil {
		return Strict
	}
	return Policy(f.Policy())
}

// SourceStats counts what Sources did.
type SourceStats struct {
	// Fetches is how many downloads or clones ran.
	Fetches int64
	// Resolves is how many times a git remote was asked what a ref names.
	Resolves int64
	// Hits is how many fetches were served from the cache alone.
	Hits int64
}

// Stats returns what s has done so far.
func (s *Sources) Stats() SourceStats {
	f, err := s.fetcher()
	if err != nil {
		return SourceStats{}
	}
	st := f.Stats()
	return SourceStats{Fetches: st.Fetches, Resolves: st.Resolves, Hits: st.Hits}
}

// A TagLister lists the tags of a git source. Sources is one; a Catalog
// uses it to find every version of a blueprint published as git tags.
type TagLister interface {
	// Tags lists the tags of the git repository source names.
	Tags(ctx context.Context, source string) ([]string, error)
}

// Tags lists the tags of the git repository source names; its ref and
// subdirectory are ignored. The list is cached like a ref.
func (s *Sources) Tags(ctx context.Context, source string) ([]string, error) {
	f, err := s.fetcher()
	if err != nil {
		return nil, err
	}
	tags, err := f.Tags(ctx, source)
	return tags, sourceErr(err)
}
