package fetch

import (
	"context"
	"github.com/goldenpath-dev/goldenpath/internal/systempart"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

func TestGitRefs(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t, bpFiles("bp", "1.0.0"))
	v1 := repo.git("rev-parse", "HEAD")
	repo.git("tag", "v1.0.0")
	repo.git("tag", "-a", "-m", "annotated", "v1.0.0-annotated")
	v2 := repo.commit("v2", bpFiles("bp", "2.0.0"))
	f, _ := testFetcher(t, Options{Policy: Local})

	for ref, want := range map[string]struct{ rev, version string }{
		"v1.0.0":           {v1, "1.0.0"},
		"v1.0.0-annotated": {v1, "1.0.0"},
		"main":             {v2, "2.0.0"},
		"refs/heads/main":  {v2, "2.0.0"},
		v1:                 {v1, "1.0.0"},
		"":                 {v2, "2.0.0"},
	} {
		src := repo.url() + "//bp"
		if ref != "" {
			src += "?ref=" + ref
		}
		r, err := f.Fetch(ctx, src)
		require.NoError(t, err, src)
		assert.Equal(t, want.rev, r.Revision, src)
		assert.Contains(t, readFile(t, filepath.Join(r.Dir, "blueprint.cue")), want.version, src)
		assert.NoDirExists(t, filepath.Join(r.Dir, ".git"))
		assert.Equal(t, repo.url()+"//bp?ref="+want.rev, r.Pinned)
	}
	// v1 and v2 are two objects, each fetched once.
	st := f.Stats()
	assert.Equal(t, int64(2), st.Fetches)

	_, err := f.Fetch(ctx, repo.url()+"//bp?ref=v9.9.9")
	assert.ErrorContains(t, err, `ref "v9.9.9" not found`)
	_, err = f.Fetch(ctx, repo.url()+"//nope?ref=v1.0.0")
	assert.ErrorContains(t, err, `subdirectory "nope" not found`)
}

func TestGitCacheAndRefresh(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t, bpFiles("", "1.0.0"))
	v1 := repo.git("rev-parse", "HEAD")
	f, clock := testFetcher(t, Options{Policy: Local})
	src := repo.url() + "?ref=main"

	r, err := f.Fetch(ctx, src)
	require.NoError(t, err)
	assert.False(t, r.Cached)
	assert.Equal(t, v1, r.Revision)

	// Within RefreshAfter the branch is served from the cache, without
	// asking the remote.
	v2 := repo.commit("v2", bpFiles("", "2.0.0"))
	r, err = f.Fetch(ctx, src)
	require.NoError(t, err)
	assert.True(t, r.Cached)
	assert.Equal(t, v1, r.Revision)
	assert.Equal(t, Stats{Fetches: 1, Resolves: 1, Hits: 1}, f.Stats())

	// After it, the remote is asked and the new commit fetched.
	clock.Advance(11 * time.Minute)
	r, err = f.Fetch(ctx, src)
	require.NoError(t, err)
	assert.Equal(t, v2, r.Revision)
	assert.Contains(t, readFile(t, filepath.Join(r.Dir, "blueprint.cue")), "2.0.0")

	// A commit ID is never asked for again: it is served even when the
	// repository is gone.
	require.NoError(t, os.RemoveAll(repo.dir))
	before := f.Stats().Resolves
	r, err = f.Fetch(ctx, repo.url()+"?ref="+v1)
	require.NoError(t, err)
	assert.Equal(t, v1, r.Revision)
	assert.Equal(t, before, f.Stats().Resolves)

	// The branch, past its refresh time, falls back to the cached revision
	// when the remote cannot be reached.
	clock.Advance(time.Hour)
	r, err = f.Fetch(ctx, src)
	require.NoError(t, err)
	assert.Equal(t, v2, r.Revision)
	assert.True(t, r.Cached)
}

func TestOffline(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t, bpFiles("", "1.0.0"))
	cache := filepath.Join(t.TempDir(), "cache")
	online, _ := testFetcher(t, Options{Policy: Local, CacheDir: cache})
	_, err := online.Fetch(ctx, repo.url()+"?ref=main")
	require.NoError(t, err)

	offline, clock := testFetcher(t, Options{Policy: Local, CacheDir: cache, Offline: true})
	clock.Advance(30 * 24 * time.Hour) // long past any refresh
	r, err := offline.Fetch(ctx, repo.url()+"?ref=main")
	require.NoError(t, err)
	assert.True(t, r.Cached)
	_, err = offline.Fetch(ctx, repo.url()+"?ref=other")
	assert.ErrorIs(t, err, ErrOffline)
	assert.Equal(t, int64(0), offline.Stats().Resolves+offline.Stats().Fetches)
}

func TestGitRefusesSymlinksAndSubmodules(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t, bpFiles("bp", "1.0.0"))
	secret := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(secret, []byte("s3cret"), 0o600))
	require.NoError(t, os.Symlink(secret, filepath.Join(repo.dir, "bp", "template", "leak.txt")))
	repo.commit("symlink", nil)
	f, _ := testFetcher(t, Options{Policy: Local})
	_, err := f.Fetch(ctx, repo.url()+"//bp?ref=main")
	var te *TreeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "bp/template/leak.txt", te.Path)
	assert.Contains(t, te.Reason, "symlinks are not allowed")
	assert.Empty(t, listFiles(t, filepath.Join(f.o.CacheDir, "objects")), "nothing enters the cache")

	sub := newRepo(t, map[string]string{"x": "x"})
	repo2 := newRepo(t, bpFiles("", "1.0.0"))
	repo2.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.dir, "vendor/sub")
	repo2.commit("submodule", nil)
	_, err = f.Fetch(ctx, repo2.url()+"?ref=main")
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "vendor/sub", te.Path)
	assert.Contains(t, te.Reason, "submodules are not supported")
}

// gitSpy is a git wrapper that logs each invocation's arguments and then
// runs the real git: it shows what reached git, and that nothing did.
func gitSpy(t *testing.T) (path string, calls func() []string) {
	t.Helper()
	real, err := execLookPath("git")
	if err != nil {
		systempart.Missing(t, "git is not installed: Debian: apt-get install git")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "calls.log")
	path = filepath.Join(dir, "git")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + log + "'\nexec '" + real + "' \"$@\"\n"
	require.NoError(t, os.WriteFile(path, []byte(script), 0o755))
	return path, func() []string {
		b, err := os.ReadFile(log)
		if err != nil {
			return nil
		}
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
}

func TestGitInjectionNeverReachesGit(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t, bpFiles("", "1.0.0"))
	spy, calls := gitSpy(t)
	f, _ := testFetcher(t, Options{Policy: Local, Git: spy})
	pwned := filepath.Join(t.TempDir(), "pwned")
	for _, src := range []string{
		repo.url() + "?ref=--pathspec-from-file=/etc/passwd",
		repo.url() + "?ref=-c",
		repo.url() + "?ref=main&upload-pack=touch",
		"git::ext::sh -c 'touch " + pwned + "'",
		"git::--upload-pack=touch " + pwned,
	} {
		_, err := f.Fetch(ctx, src)
		var ae *AddressError
		assert.ErrorAs(t, err, &ae, src)
	}
	assert.Empty(t, calls(), "git never ran")

	// Option-looking text in a URL reaches git as one argument after "--".
	_, err := f.Fetch(ctx, "git::file://"+repo.dir+"%20--upload-pack=touch%20"+pwned)
	assert.Error(t, err)
	assert.NoFileExists(t, pwned)
	for _, c := range calls() {
		assert.NotContains(t, c, " --upload-pack=", "only ever inside a URL argument: %s", c)
	}
}

func TestGitIgnoresUserConfig(t *testing.T) {
	ctx := context.Background()
	real := newRepo(t, bpFiles("", "1.0.0"))
	evil := newRepo(t, bpFiles("", "6.6.6"))
	hooked := filepath.Join(t.TempDir(), "hook-ran")
	hooks := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(hooks, "post-checkout"), []byte("#!/bin/sh\ntouch "+hooked+"\n"), 0o755))
	cfg := filepath.Join(t.TempDir(), "gitconfig")
	require.NoError(t, os.WriteFile(cfg, []byte(
		"[url \"file://"+evil.dir+"\"]\n\tinsteadOf = file://"+real.dir+"\n"+
			"[core]\n\thooksPath = "+hooks+"\n"), 0o644))
	t.Setenv("GIT_CONFIG_GLOBAL", cfg)
	t.Setenv("HOME", filepath.Dir(cfg))
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(cfg), ".gitconfig"), []byte(readFile(t, cfg)), 0o644))

	f, _ := testFetcher(t, Options{Policy: Local})
	r, err := f.Fetch(ctx, real.url()+"?ref=main")
	require.NoError(t, err)
	assert.Contains(t, readFile(t, filepath.Join(r.Dir, "blueprint.cue")), "1.0.0", "the user's insteadOf does not rewrite the source")
	assert.NoFileExists(t, hooked, "the user's hooks do not run")
}

func TestGitDownloadCap(t *testing.T) {
	ctx := context.Background()
	big := bpFiles("", "1.0.0")
	big["blob.bin"] = strings.Repeat(randomText(), 1)
	repo := newRepo(t, big)
	f, _ := testFetcher(t, Options{Policy: Local, MaxDownloadBytes: 64 << 10})
	_, err := f.Fetch(ctx, repo.url()+"?ref=main")
	assert.ErrorIs(t, err, ErrDownloadTooLarge)
	assert.Empty(t, listFiles(t, filepath.Join(f.o.CacheDir, "objects")))
}

// randomText is 1 MiB that does not compress.
func randomText() string {
	var b strings.Builder
	x := uint64(88172645463325252)
	for b.Len() < 1<<20 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[x%36])
	}
	return b.String()
}

var execLookPath = exec.LookPath
