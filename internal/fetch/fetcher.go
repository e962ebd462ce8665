package fetch

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	getter "github.com/hashicorp/go-getter/v2"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"
)

// ErrOffline is returned in offline mode for a source that is not cached.
var ErrOffline = errors.New("not in the cache, and fetching is off (offline)")

// ErrSymlink is returned (wrapped) for a local blueprint directory that is a
// symlink.
var ErrSymlink = errors.New("symlinks are not allowed in a blueprint")

// MaxConcurrentFetches is the process-wide cap on fetches running at once,
// over every Fetcher.
const MaxConcurrentFetches = 4

var (
	// flights makes concurrent fetches of one source, in one cache, one
	// fetch, process-wide.
	flights singleflight.Group
	// slots caps the fetches running at once, process-wide.
	slots = semaphore.NewWeighted(MaxConcurrentFetches)
)

// Options configures a Fetcher. Zero fields take the defaults.
type Options struct {
	Policy Policy
	// CacheDir holds the cache. Default: the user cache directory's
	// goldenpath/sources.
	CacheDir string
	// Offline serves only what is cached.
	Offline bool
	// RefreshAfter is how long a resolved branch, tag or archive URL is
	// served from the cache before the remote is asked again. A commit ID
	// is never asked again. Default 10 minutes.
	RefreshAfter time.Duration
	// Timeout bounds one fetch. Default 2 minutes.
	Timeout time.Duration
	// MaxDownloadBytes caps each download and each git fetch. Default 256 MiB.
	MaxDownloadBytes int64
	// MaxFiles and MaxBytes cap what one source unpacks to. Defaults
	// 50 000 files and 512 MiB.
	MaxFiles int
	MaxBytes int64
	// AllowPrivateNetworks lets connections reach loopback, private and
	// link-local addresses under the strict policy.
	AllowPrivateNetworks bool
	// TLSConfig is used by https downloads; nil uses the system roots.
	TLSConfig *tls.Config
	// Git is the git binary. Default "git" on PATH.
	Git string
	// Logger receives what the fetcher does. Nil discards.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Result is a fetched source.
type Result struct {
	// Dir is the blueprint directory: the cached tree's subdirectory, or
	// a local directory used in place.
	Dir string
	// Source is the normalized address.
	Source string
	// Pinned is the address that fetches exactly this content again: for
	// git, the ref replaced by the commit.
	Pinned string
	// Revision is the commit ID (git) or "sha256:…" of the archive.
	Revision string
	// Cached reports whether the content came from the cache.
	Cached bool
}

// Stats counts what a Fetcher did.
type Stats struct {
	// Fetches is how many downloads or clones ran.
	Fetches int64
	// Resolves is how many times a remote was asked what a ref points to.
	Resolves int64
	// Hits is how many loads were served from the cache alone.
	Hits int64
}

// Fetcher fetches sources into the cache. It is safe for concurrent use.
type Fetcher struct {
	o      Options
	git    *git
	client *getter.Client
	guard  netGuard
	log    *slog.Logger

	once    sync.Once
	onceErr error

	fetches, resolves, hits atomic.Int64
}

// New returns a Fetcher.
func New(o Options) (*Fetcher, error) {
	var cacheErr error
	if o.CacheDir == "" {
		// A missing cache directory is an error for remote sources only;
		// there is no shared fallback another user could plant files in.
		if d, err := os.UserCacheDir(); err != nil {
			cacheErr = fmt.Errorf("source cache: %w (set a cache directory)", err)
		} else {
			o.CacheDir = filepath.Join(d, "goldenpath", "sources")
		}
	}
	if o.CacheDir != "" {
		abs, err := filepath.Abs(o.CacheDir)
		if err != nil {
			return nil, err
		}
		o.CacheDir = abs
	}
	if o.RefreshAfter == 0 {
		o.RefreshAfter = 10 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.MaxDownloadBytes <= 0 {
		o.MaxDownloadBytes = 256 << 20
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = 50_000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 512 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gitPath := o.Git
	if gitPath == "" {
		gitPath = "git"
	}
	if p, err := exec.LookPath(gitPath); err == nil {
		gitPath = p
	}
	guard := netGuard{allowLoopback: o.Policy == Local, allowPrivate: o.AllowPrivateNetworks || o.Policy == Local}
	hc := newHTTPClient(guard, o.TLSConfig, o.Timeout, o.MaxDownloadBytes)
	f := &Fetcher{
		onceErr: cacheErr,
		o:       o,
		guard:   guard,
		log:     log,
		git: &git{
			path:      gitPath,
			allowFile: o.Policy == Local,
			allowHTTP: o.Policy == Local,
			home:      filepath.Join(o.CacheDir, "home"),
			maxBytes:  o.MaxDownloadBytes,
		},
	}
	f.client = &getter.Client{
		// Archives are downloaded as files and unpacked by extract after
		// the scan; a non-nil empty map keeps go-getter from unpacking
		// with its unlimited defaults.
		Decompressors: map[string]getter.Decompressor{},
		Getters: []getter.Getter{
			gitGetter{g: f.git},
			&getter.HttpGetter{
				Client:                hc,
				Netrc:                 false,
				DoNotCheckHeadFirst:   true,
				XTerraformGetDisabled: true,
				// No MaxBytes: go-getter's truncates silently; the
				// client's transport fails the download instead.
			},
		},
		DisableSymlinks: true,
	}
	return f, nil
}

// ensureCache creates the cache directories on first use, so a Fetcher that
// only ever sees local directories never touches the cache.
func (f *Fetcher) ensureCache() error {
	f.once.Do(func() {
		if f.onceErr != nil {
			return
		}
		for _, d := range []string{"objects", "refs", "tmp", "home"} {
			if err := os.MkdirAll(filepath.Join(f.o.CacheDir, d), 0o755); err != nil {
				f.onceErr = fmt.Errorf("source cache: %w", err)
				return
			}
		}
		f.cleanTmp()
	})
	return f.onceErr
}

// Stats returns what the Fetcher has done so far.
func (f *Fetcher) Stats() Stats {
	return Stats{Fetches: f.fetches.Load(), Resolves: f.resolves.Load(), Hits: f.hits.Load()}
}

// Policy returns the Fetcher's policy.
func (f *Fetcher) Policy() Policy { return f.o.Policy }

// Fetch makes src available on disk.
func (f *Fetcher) Fetch(ctx context.Context, src string) (*Result, error) {
	a, err := Parse(src, f.o.Policy)
	if err != nil {
		return nil, err
	}
	if a.Kind == Dir {
		clean := filepath.Clean(src)
		fi, err := os.Lstat(clean)
		if err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("the blueprint directory is a symlink: %w", ErrSymlink)
		}
		if !fi.IsDir() {
			return nil, &fs.PathError{Op: "open", Path: clean, Err: errors.New("not a directory")}
		}
		return &Result{Dir: a.Path, Source: clean, Pinned: clean}, nil
	}
	if err := f.ensureCache(); err != nil {
		return nil, err
	}
	key := f.o.CacheDir + "\x00" + a.String()
	ch := flights.DoChan(key, func() (any, error) {
		// The fetch outlives a caller that gives up, so the others sharing
		// it still get it; it is bounded by the Timeout.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.o.Timeout)
		defer cancel()
		return f.fetch(fctx, a)
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		res := *r.Val.(*Result)
		return &res, nil
	}
}

// record is what the cache remembers of a ref or archive URL.
type record struct {
	Source   string    `json:"source"`
	Ref      string    `json:"ref,omitempty"`
	Revision string    `json:"revision"`
	Resolved time.Time `json:"resolved"`
}

func hashKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		io.WriteString(h, p)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (f *Fetcher) recordPath(a *Address) string {
	return filepath.Join(f.o.CacheDir, "refs", hashKey(a.Repo(), a.Ref)+".json")
}

func (f *Fetcher) objectDir(a *Address, revision string) string {
	return filepath.Join(f.o.CacheDir, "objects", hashKey(a.Repo(), revision))
}

func (f *Fetcher) readRecord(a *Address) (*record, bool) {
	b, err := os.ReadFile(f.recordPath(a))
	if err != nil {
		return nil, false
	}
	var r record
	if json.Unmarshal(b, &r) != nil || r.Revision == "" || r.Source != a.Repo() {
		return nil, false
	}
	return &r, true
}

func (f *Fetcher) writeRecord(a *Address, revision string) error {
	b, err := json.Marshal(record{Source: a.Repo(), Ref: a.Ref, Revision: revision, Resolved: f.o.Now().UTC()})
	if err != nil {
		return err
	}
	return writeFileAtomic(f.recordPath(a), b)
}

func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// result builds the Result for a cached object, checking the subdirectory.
func (f *Fetcher) result(a *Address, revision string, cached bool) (*Result, error) {
	dir := f.objectDir(a, revision)
	if a.Subdir != "" {
		dir = filepath.Join(dir, filepath.FromSlash(a.Subdir))
		if !isDir(dir) {
			return nil, fmt.Errorf("%s: subdirectory %q not found at %s", a.Repo(), a.Subdir, shortRev(revision))
		}
	}
	return &Result{Dir: dir, Source: a.String(), Pinned: a.Pinned(revision), Revision: revision, Cached: cached}, nil
}

func shortRev(r string) string {
	if len(r) > 19 {
		return r[:19]
	}
	return r
}

func (f *Fetcher) fetch(ctx context.Context, a *Address) (*Result, error) {
	// What the cache already knows.
	var known string
	var rec *record
	switch {
	case a.Kind == Git && IsCommit(a.Ref):
		known = a.Ref
	default:
		if r, ok := f.readRecord(a); ok {
			rec = r
			if f.o.Offline || f.o.RefreshAfter < 0 || f.o.Now().Sub(r.Resolved) < f.o.RefreshAfter {
				known = r.Revision
			}
		}
	}
	if known != "" && isDir(f.objectDir(a, known)) {
		f.hits.Add(1)
		return f.result(a, known, true)
	}
	if f.o.Offline {
		return nil, fmt.Errorf("%s: %w", a.String(), ErrOffline)
	}
	if err := slots.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	defer slots.Release(1)
	res, err := f.fetchRemote(ctx, a)
	if err != nil && rec != nil && isDir(f.objectDir(a, rec.Revision)) && !isRefused(err) {
		// The desktop keeps working without a network: serve what was
		// fetched before, and say so.
		f.log.Warn("source fetch failed; serving the cached revision", "source", a.String(), "revision", rec.Revision, "err", err)
		f.hits.Add(1)
		return f.result(a, rec.Revision, true)
	}
	return res, err
}

// isRefused reports errors that a stale cache must not paper over.
func isRefused(err error) bool {
	var te *TreeError
	return errors.As(err, &te) || errors.Is(err, ErrForbiddenAddress) || errors.Is(err, ErrDownloadTooLarge) || errors.Is(err, ErrTooManyFiles)
}

func (f *Fetcher) fetchRemote(ctx context.Context, a *Address) (*Result, error) {
	switch a.Kind {
	case Git:
		return f.fetchGit(ctx, a)
	default:
		return f.fetchArchive(ctx, a)
	}
}

func (f *Fetcher) staging() (string, func(), error) {
	var b [8]byte
	rand.Read(b[:])
	dir := filepath.Join(f.o.CacheDir, "tmp", hex.EncodeToString(b[:]))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// commit moves a checked tree into the cache. The rename is atomic: an
// object directory exists whole or not at all. When another process won the
// race, its identical object is kept.
func (f *Fetcher) commit(tree, object string) error {
	if err := os.Rename(tree, object); err != nil {
		if isDir(object) {
			return nil
		}
		return err
	}
	return syncDir(filepath.Dir(object))
}

func (f *Fetcher) fetchGit(ctx context.Context, a *Address) (*Result, error) {
	if a.URL.Scheme != "file" {
		if err := f.guard.checkHost(ctx, a.URL.Hostname()); err != nil {
			return nil, fmt.Errorf("%s: %w", a.Repo(), err)
		}
	}
	remote := a.URL.String()
	f.resolves.Add(1)
	sha, refName, err := f.git.resolve(ctx, remote, a.Ref)
	if err != nil {
		return nil, err
	}
	if isDir(f.objectDir(a, sha)) {
		if err := f.writeRecord(a, sha); err != nil {
			return nil, err
		}
		return f.result(a, sha, true)
	}
	stage, cleanup, err := f.staging()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	tree := filepath.Join(stage, "tree")
	q := "?commit=" + sha
	if refName != "" {
		q += "&refname=" + refName
	}
	f.fetches.Add(1)
	f.log.Info("fetching", "source", a.String(), "commit", sha)
	if _, err := f.client.Get(ctx, &getter.Request{Src: "git::" + remote + q, Dst: tree, GetMode: getter.ModeDir}); err != nil {
		return nil, fmt.Errorf("%s: %w", a.String(), err)
	}
	if err := checkTree(tree, limits{files: f.o.MaxFiles, bytes: f.o.MaxBytes}); err != nil {
		return nil, fmt.Errorf("%s: %w", a.String(), err)
	}
	if err := f.commit(tree, f.objectDir(a, sha)); err != nil {
		return nil, err
	}
	if !IsCommit(a.Ref) {
		if err := f.writeRecord(a, sha); err != nil {
			return nil, err
		}
	}
	return f.result(a, sha, false)
}

func (f *Fetcher) fetchArchive(ctx context.Context, a *Address) (*Result, error) {
	stage, cleanup, err := f.staging()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	file := filepath.Join(stage, "archive")
	f.fetches.Add(1)
	if a.URL.Scheme == "file" {
		if err := copyCapped(a.Path, file, f.o.MaxDownloadBytes); err != nil {
			return nil, fmt.Errorf("%s: %w", a.String(), err)
		}
	} else {
		f.log.Info("downloading", "source", a.String())
		u := *a.URL
		if _, err := f.client.Get(ctx, &getter.Request{Src: u.String(), Dst: file, GetMode: getter.ModeFile}); err != nil {
			return nil, fmt.Errorf("%s: %w", a.String(), err)
		}
	}
	sum, err := fileSHA256(file)
	if err != nil {
		return nil, err
	}
	revision := "sha256:" + sum
	object := f.objectDir(a, revision)
	if !isDir(object) {
		lim := limits{files: f.o.MaxFiles, bytes: f.o.MaxBytes}
		if err := scanArchive(file, a.Format, lim); err != nil {
			return nil, fmt.Errorf("%s: %w", a.String(), err)
		}
		tree := filepath.Join(stage, "tree")
		if err := extract(file, a.Format, tree, lim); err != nil {
			return nil, fmt.Errorf("%s: %w", a.String(), err)
		}
		if err := f.commit(tree, object); err != nil {
			return nil, err
		}
	}
	if err := f.writeRecord(a, revision); err != nil {
		return nil, err
	}
	return f.result(a, revision, false)
}

func copyCapped(src, dst string, max int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(in, max+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > max {
		err = fmt.Errorf("%w (more than %d bytes)", ErrDownloadTooLarge, max)
	}
	return err
}

func fileSHA256(name string) (string, error) {
	fh, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cleanTmp removes staging directories a crashed process left behind.
func (f *Fetcher) cleanTmp() {
	dir := filepath.Join(f.o.CacheDir, "tmp")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	cutoff := f.o.Now().Add(-time.Hour)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(cutoff) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// tagsRecord is what the cache remembers of a repository's tags.
type tagsRecord struct {
	Source   string    `json:"source"`
	Tags     []string  `json:"tags"`
	Resolved time.Time `json:"resolved"`
}

// Tags lists the tags of the git repository src names (its ref and
// subdirectory are ignored), from the cache within RefreshAfter and in
// offline mode.
func (f *Fetcher) Tags(ctx context.Context, src string) ([]string, error) {
	a, err := Parse(src, f.o.Policy)
	if err != nil {
		return nil, err
	}
	if a.Kind != Git {
		return nil, &AddressError{Source: Redact(src), Reason: "tags need a git:: source"}
	}
	if err := f.ensureCache(); err != nil {
		return nil, err
	}
	recPath := filepath.Join(f.o.CacheDir, "refs", hashKey(a.Repo(), "\x00tags")+".json")
	var rec tagsRecord
	if b, err := os.ReadFile(recPath); err == nil && json.Unmarshal(b, &rec) == nil && rec.Source == a.Repo() {
		if f.o.Offline || f.o.RefreshAfter < 0 || f.o.Now().Sub(rec.Resolved) < f.o.RefreshAfter {
			f.hits.Add(1)
			return rec.Tags, nil
		}
	} else if f.o.Offline {
		return nil, fmt.Errorf("%s: %w", a.Repo(), ErrOffline)
	}
	if f.o.Offline {
		return rec.Tags, nil
	}
	if a.URL.Scheme != "file" {
		if err := f.guard.checkHost(ctx, a.URL.Hostname()); err != nil {
			return nil, fmt.Errorf("%s: %w", a.Repo(), err)
		}
	}
	f.resolves.Add(1)
	tags, err := f.git.tags(ctx, a.URL.String())
	if err != nil {
		if rec.Source != "" {
			f.log.Warn("listing tags failed; using the cached list", "source", a.Repo(), "err", err)
			return rec.Tags, nil
		}
		return nil, err
	}
	b, err := json.Marshal(tagsRecord{Source: a.Repo(), Tags: tags, Resolved: f.o.Now().UTC()})
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(recPath, b); err != nil {
		return nil, err
	}
	return tags, nil
}
