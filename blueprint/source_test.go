package blueprint_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"github.com/goldenpath-dev/goldenpath/internal/systempart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// gitRepoOf makes a real git repository holding the blueprints in
// testdata/blueprints under blueprints/, commits and tags it v1.0.0, and
// returns its directory.
func gitRepoOf(t testing.TB, names ...string) string {
	t.Helper()
	systempart.Tool(t, "git", "Debian: apt-get install git")
	repo := filepath.Join(t.TempDir(), "repo")
	for _, n := range names {
		require.NoError(t, os.CopyFS(filepath.Join(repo, "blueprints", n), os.DirFS(filepath.Join("..", "testdata", "blueprints", n))))
	}
	env := append(os.Environ(), "HOME="+t.TempDir(), "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "blueprints"}, {"tag", "v1.0.0"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = repo, env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	return repo
}

func localSources(t testing.TB) *blueprint.Sources {
	t.Helper()
	s, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: filepath.Join(t.TempDir(), "cache")})
	require.NoError(t, err)
	return s
}

func TestLoadFromGit(t *testing.T) {
	ctx := context.Background()
	repo := gitRepoOf(t, "go-service")
	src := "git::file://" + repo + "//blueprints/go-service?ref=v1.0.0"
	s := localSources(t)
	bp, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: s})
	require.NoError(t, err)
	assert.Equal(t, "go-service", bp.Name)
	assert.Equal(t, src, bp.Source)
	assert.Len(t, bp.Revision, 40, "pinned to the commit")

	local, err := blueprint.LoadDir(ctx, "../testdata/blueprints/go-service", nil)
	require.NoError(t, err)
	assert.Equal(t, local.Digest, bp.Digest, "the same content, wherever it comes from")

	// Errors in a fetched blueprint name it by its address.
	_, err = bp.Resolve(ctx, blueprint.ValuesData("values.yaml", []byte("name: Bad_Name\n")))
	var ve *blueprint.ValidationError
	require.ErrorAs(t, err, &ve)
	require.NotEmpty(t, ve.Fields[0].Schema)
	assert.Equal(t, src+"/blueprint.cue", ve.Fields[0].Schema[0].Filename)
	_, err = blueprint.Load(ctx, "git::file://"+repo+"//blueprints/nope?ref=v1.0.0", &blueprint.Options{Fetcher: s})
	assert.ErrorContains(t, err, `subdirectory "blueprints/nope" not found`)
}

func TestLoadStrictByDefault(t *testing.T) {
	ctx := context.Background()
	repo := gitRepoOf(t, "go-service")
	_, err := blueprint.Load(ctx, "git::file://"+repo+"//blueprints/go-service", nil)
	assert.ErrorContains(t, err, "file:// sources are not allowed by the strict policy")
	_, err = blueprint.Load(ctx, "../testdata/blueprints/go-service", nil)
	assert.ErrorContains(t, err, "local paths are not allowed by the strict policy")
	s := localSources(t)
	assert.Equal(t, blueprint.Local, s.Policy())
	assert.Equal(t, "local", s.Policy().String())
}

func TestConcurrentLoadsFetchOnce(t *testing.T) {
	ctx := context.Background()
	repo := gitRepoOf(t, "go-service")
	src := "git::file://" + repo + "//blueprints/go-service?ref=v1.0.0"
	s := localSources(t)
	var wg sync.WaitGroup
	errs := make([]error, 50)
	digests := make([]string, 50)
	for i := range 50 {
		wg.Go(func() {
			bp, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: s})
			errs[i] = err
			if err == nil {
				digests[i] = bp.Digest
			}
		})
	}
	wg.Wait()
	for i := range 50 {
		require.NoError(t, errs[i])
		assert.Equal(t, digests[0], digests[i])
	}
	st := s.Stats()
	assert.Equal(t, int64(1), st.Fetches, "50 concurrent loads, one clone")
	assert.Equal(t, int64(1), st.Resolves)
	assert.Equal(t, int64(0), st.Hits, "all 50 shared the one fetch")

	// Afterwards the cache serves it without asking git.
	_, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: s})
	require.NoError(t, err)
	assert.Equal(t, blueprint.SourceStats{Fetches: 1, Resolves: 1, Hits: 1}, s.Stats())
}

func TestOfflineSources(t *testing.T) {
	ctx := context.Background()
	repo := gitRepoOf(t, "go-service")
	src := "git::file://" + repo + "//blueprints/go-service?ref=v1.0.0"
	cache := filepath.Join(t.TempDir(), "cache")
	online, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: cache})
	require.NoError(t, err)
	_, err = blueprint.Load(ctx, src, &blueprint.Options{Fetcher: online})
	require.NoError(t, err)
	require.NoError(t, os.RemoveAll(repo))

	offline, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: cache, Offline: true})
	require.NoError(t, err)
	bp, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: offline})
	require.NoError(t, err)
	assert.Equal(t, "go-service", bp.Name)
	_, err = blueprint.Load(ctx, strings.Replace(src, "v1.0.0", "v2.0.0", 1), &blueprint.Options{Fetcher: offline})
	assert.ErrorIs(t, err, blueprint.ErrOffline)
}

// newTarServer serves files as a tar.gz at any path ending in .tar.gz, over
// http on loopback, and returns the server's URL.
func newTarServer(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(files[n]))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ".tar.gz") {
			http.NotFound(w, r)
			return
		}
		w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestLoadKeepsPinnedRevisions: a revision cannot change, so Sources loads
// it once and returns the same immutable blueprint to every later Load with
// the same options; other options load it again.
func TestLoadKeepsPinnedRevisions(t *testing.T) {
	ctx := context.Background()
	src := "git::file://" + gitRepoOf(t, "go-service") + "//blueprints/go-service?ref=v1.0.0"
	s := localSources(t)
	a, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: s})
	require.NoError(t, err)
	b, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: s})
	require.NoError(t, err)
	assert.Same(t, a, b)
	c, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: s, EvalTimeout: time.Second})
	require.NoError(t, err)
	assert.NotSame(t, a, c)
	assert.Equal(t, a.Digest, c.Digest)
	// Another Sources over the same cache loads it again.
	d, err := blueprint.Load(ctx, src, &blueprint.Options{Fetcher: localSources(t)})
	require.NoError(t, err)
	assert.NotSame(t, a, d)
	// Local directories are read every time: they can change.
	e1, err := blueprint.LoadDir(ctx, goServiceDir, nil)
	require.NoError(t, err)
	e2, err := blueprint.LoadDir(ctx, goServiceDir, nil)
	require.NoError(t, err)
	assert.NotSame(t, e1, e2)
}

// The fetcher's failures match this package's sentinels with errors.Is.
func TestSourceErrorsMatchSentinels(t *testing.T) {
	ctx := t.Context()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	strict, err := blueprint.NewSources(&blueprint.SourceOptions{CacheDir: t.TempDir(),
		TLSConfig: tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig})
	require.NoError(t, err)
	_, err = strict.Fetch(ctx, tlsSrv.URL+"/bp.tar.gz")
	assert.ErrorIs(t, err, blueprint.ErrForbiddenAddress, "loopback under the strict policy")

	src := newTarServer(t, map[string]string{"a.txt": "a", "b.txt": "b", "c.txt": strings.Repeat("c", 4096)}) + "/bp.tar.gz"
	few, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir(), MaxFiles: 2})
	require.NoError(t, err)
	_, err = few.Fetch(ctx, src)
	assert.ErrorIs(t, err, blueprint.ErrTooManyFiles)

	small, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir(), MaxDownloadBytes: 64})
	require.NoError(t, err)
	_, err = small.Fetch(ctx, src)
	assert.ErrorIs(t, err, blueprint.ErrDownloadTooLarge)
}

// The zero Sources is NewSources(nil), made on first use.
func TestZeroSources(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var s blueprint.Sources
	assert.Equal(t, blueprint.Strict, s.Policy())
	assert.Equal(t, blueprint.SourceStats{}, s.Stats())
	_, err := s.Fetch(t.Context(), "../testdata/blueprints/go-service")
	require.Error(t, err, "the strict policy refuses local paths")
	assert.Contains(t, err.Error(), "strict")
	_, err = blueprint.Load(t.Context(), "git::file:///nowhere//x?ref=v1", &blueprint.Options{Fetcher: &s})
	require.Error(t, err)
}
