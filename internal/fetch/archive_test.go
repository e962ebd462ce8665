package fetch

import (
	"archive/tar"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// archiveServer serves archives by path over plain http on loopback and
// counts requests.
type archiveServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	hits  atomic.Int64
}

func newArchiveServer(t *testing.T, tlsServer bool) *archiveServer {
	s := &archiveServer{files: map[string][]byte{}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		b, ok := s.files[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	})
	if tlsServer {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *archiveServer) put(path string, b []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = b
	return s.URL + path
}

func TestArchiveFetch(t *testing.T) {
	ctx := context.Background()
	srv := newArchiveServer(t, false)
	f, clock := testFetcher(t, Options{Policy: Local})
	entries := bpEntries("bp", "1.0.0")
	tgz := srv.put("/bp-1.0.tar.gz", tarGz(t, entries...))
	zipURL := srv.put("/download", zipArchive(t, entries...))

	r, err := f.Fetch(ctx, tgz+"//bp")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(r.Revision, "sha256:"))
	assert.Equal(t, []string{"blueprint.cue", "template/README.md.tmpl"}, listFiles(t, r.Dir))

	r2, err := f.Fetch(ctx, zipURL+"?archive=zip//bp")
	require.Error(t, err, "the subdirectory comes before the query")
	r2, err = f.Fetch(ctx, zipURL+"//bp?archive=zip")
	require.NoError(t, err)
	assert.Equal(t, listFiles(t, r.Dir), listFiles(t, r2.Dir))

	// Cached within RefreshAfter; downloaded again after it, and the same
	// digest reuses the same object.
	hits := srv.hits.Load()
	_, err = f.Fetch(ctx, tgz+"//bp")
	require.NoError(t, err)
	assert.Equal(t, hits, srv.hits.Load())
	clock.Advance(time.Hour)
	r3, err := f.Fetch(ctx, tgz+"//bp")
	require.NoError(t, err)
	assert.Equal(t, hits+1, srv.hits.Load())
	assert.Equal(t, r.Revision, r3.Revision)
	assert.Equal(t, r.Dir, r3.Dir)
}

func TestFiftyConcurrentFetchesFetchOnce(t *testing.T) {
	ctx := context.Background()
	srv := newArchiveServer(t, false)
	f, _ := testFetcher(t, Options{Policy: Local})
	entries := bpEntries("", "1.0.0")
	src := srv.put("/bp.tar.gz", tarGz(t, entries...))
	var wg sync.WaitGroup
	dirs := make([]string, 50)
	errs := make([]error, 50)
	for i := range 50 {
		wg.Go(func() {
			r, err := f.Fetch(ctx, src)
			errs[i] = err
			if err == nil {
				dirs[i] = r.Dir
			}
		})
	}
	wg.Wait()
	for i := range 50 {
		require.NoError(t, errs[i])
		assert.Equal(t, dirs[0], dirs[i])
	}
	assert.Equal(t, int64(1), srv.hits.Load(), "one download")
	assert.Equal(t, int64(1), f.Stats().Fetches)
}

// hostile archive cases: each must fail with a clear error and leave
// nothing in the cache and nothing outside it.
func TestHostileArchives(t *testing.T) {
	bomb := entry{name: "bomb.bin", size: 64 << 20} // 64 MiB of zeros, ~64 KiB compressed
	cases := []struct {
		name    string
		archive func(t *testing.T) []byte
		ext     string
		opts    Options
		want    string
	}{
		{"tar traversal", func(t *testing.T) []byte {
			return tarGz(t, entry{name: "blueprint.cue", body: "x"}, entry{name: "../../evil.txt", body: "pwned"})
		}, ".tar.gz", Options{}, "path leaves the archive"},
		{"tar absolute path", func(t *testing.T) []byte {
			return tarGz(t, entry{name: "/tmp/evil.txt", body: "pwned"})
		}, ".tgz", Options{}, "absolute path in archive"},
		{"tar symlink", func(t *testing.T) []byte {
			return tarGz(t, entry{name: "template/passwd", typ: tar.TypeSymlink, linkname: "/etc/passwd"})
		}, ".tar.gz", Options{}, "symlinks are not allowed"},
		{"tar symlink then write through it", func(t *testing.T) []byte {
			return tarGz(t, entry{name: "d", typ: tar.TypeSymlink, linkname: "/tmp"}, entry{name: "d/evil.txt", body: "pwned"})
		}, ".tar.gz", Options{}, "symlinks are not allowed"},
		{"tar hard link", func(t *testing.T) []byte {
			return tarGz(t, entry{name: "a", body: "x"}, entry{name: "b", typ: tar.TypeLink, linkname: "/etc/passwd"})
		}, ".tar.gz", Options{}, "hard links are not allowed"},
		{"tar device", func(t *testing.T) []byte {
			return tarGz(t, entry{name: "dev", typ: tar.TypeChar})
		}, ".tar.gz", Options{}, "is not allowed"},
		{"tar fifo", func(t *testing.T) []byte {
			return tarGz(t, entry{name: "fifo", typ: tar.TypeFifo})
		}, ".tar.gz", Options{}, "is not allowed"},
		{"decompression bomb", func(t *testing.T) []byte { return tarGz(t, bomb) },
			".tar.gz", Options{MaxBytes: 8 << 20}, "more than 8388608 bytes uncompressed"},
		{"too many files", func(t *testing.T) []byte {
			var es []entry
			for i := range 30 {
				es = append(es, entry{name: "f" + string(rune('a'+i%26)) + string(rune('a'+i/26)), body: "x"})
			}
			return tarGz(t, es...)
		}, ".tar.gz", Options{MaxFiles: 20}, "too many files"},
		{"download cap", func(t *testing.T) []byte {
			return tarGz(t, entry{name: "blob", body: randomText()})
		}, ".tar.gz", Options{MaxDownloadBytes: 256 << 10}, "download exceeds its size limit"},
		{"zip traversal", func(t *testing.T) []byte {
			return zipArchive(t, entry{name: "../evil.txt", body: "pwned"})
		}, ".zip", Options{}, "path leaves the archive"},
		{"zip symlink", func(t *testing.T) []byte {
			return zipArchive(t, entry{name: "link", typ: tar.TypeSymlink, linkname: "/etc/passwd"})
		}, ".zip", Options{}, "symlinks are not allowed"},
		{"zip backslash traversal", func(t *testing.T) []byte {
			return zipArchive(t, entry{name: `..\evil.txt`, body: "pwned"})
		}, ".zip", Options{}, "backslash"},
		{"not an archive", func(t *testing.T) []byte { return []byte("<html>hello</html>") },
			".tar.gz", Options{}, "archive: gzip: invalid header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			root := t.TempDir()
			srv := newArchiveServer(t, false)
			c.opts.Policy = Local
			c.opts.CacheDir = filepath.Join(root, "cache")
			f, _ := testFetcher(t, c.opts)
			src := srv.put("/a"+c.ext, c.archive(t))
			_, err := f.Fetch(ctx, src)
			require.Error(t, err)
			assert.ErrorContains(t, err, c.want)
			assert.Empty(t, listFiles(t, filepath.Join(c.opts.CacheDir, "objects")), "nothing enters the cache")
			assert.Empty(t, listFiles(t, filepath.Join(c.opts.CacheDir, "tmp")), "staging is cleaned up")
			var outside []string
			for _, p := range listFiles(t, root) {
				if !strings.HasPrefix(p, "cache/") {
					outside = append(outside, p)
				}
			}
			assert.Empty(t, outside, "nothing is written outside the cache")
			assert.NoFileExists(t, "/tmp/evil.txt")
		})
	}
}

func TestStrictPolicyRefusesPrivateAddresses(t *testing.T) {
	ctx := context.Background()
	srv := newArchiveServer(t, true)
	entries := bpEntries("", "1.0.0")
	src := srv.put("/bp.tar.gz", tarGz(t, entries...))
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tlsConf := &tls.Config{RootCAs: pool}

	strict, _ := testFetcher(t, Options{TLSConfig: tlsConf})
	_, err := strict.Fetch(ctx, src)
	assert.ErrorIs(t, err, ErrForbiddenAddress, "https to 127.0.0.1")
	_, err = strict.Fetch(ctx, strings.Replace(src, "127.0.0.1", "localhost", 1))
	assert.ErrorIs(t, err, ErrForbiddenAddress, "a name that resolves to loopback")
	_, err = strict.Fetch(ctx, "git::https://169.254.169.254/latest/meta-data.git")
	assert.ErrorIs(t, err, ErrForbiddenAddress, "the metadata endpoint, before git runs")
	_, err = strict.Fetch(ctx, "git::https://10.1.2.3/org/repo.git")
	assert.ErrorIs(t, err, ErrForbiddenAddress)
	assert.Equal(t, int64(0), srv.hits.Load())

	allowed, _ := testFetcher(t, Options{TLSConfig: tlsConf, AllowPrivateNetworks: true})
	r, err := allowed.Fetch(ctx, src)
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(r.Dir, "blueprint.cue"))
}

func TestRedirects(t *testing.T) {
	ctx := context.Background()
	plain := newArchiveServer(t, false)
	entries := bpEntries("", "1.0.0")
	target := plain.put("/bp.tar.gz", tarGz(t, entries...))
	redirector := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-http.tar.gz":
			http.Redirect(w, r, target, http.StatusFound)
		case "/terraform.tar.gz":
			// go-getter's X-Terraform-Get would switch to another source;
			// it is disabled, so the body is what is fetched.
			w.Header().Set("X-Terraform-Get", "git::file:///etc")
			w.Write(tarGz(t, entries...))
		}
	}))
	t.Cleanup(redirector.Close)
	pool := x509.NewCertPool()
	pool.AddCert(redirector.Certificate())
	f, _ := testFetcher(t, Options{TLSConfig: &tls.Config{RootCAs: pool}, AllowPrivateNetworks: true})

	_, err := f.Fetch(ctx, redirector.URL+"/to-http.tar.gz")
	assert.ErrorContains(t, err, "protocol switch refused")
	assert.Equal(t, int64(0), plain.hits.Load())

	r, err := f.Fetch(ctx, redirector.URL+"/terraform.tar.gz")
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(r.Dir, "blueprint.cue"))
}

func TestCrashLeftoversAreNotServed(t *testing.T) {
	ctx := context.Background()
	srv := newArchiveServer(t, false)
	entries := bpEntries("", "1.0.0")
	src := srv.put("/bp.tar.gz", tarGz(t, entries...))
	cache := filepath.Join(t.TempDir(), "cache")
	// A crashed process left a half-extracted staging directory.
	stale := filepath.Join(cache, "tmp", "deadbeef", "tree")
	require.NoError(t, os.MkdirAll(stale, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(stale, "blueprint.cue"), []byte("half"), 0o644))
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(cache, "tmp", "deadbeef"), old, old))

	f, _ := testFetcher(t, Options{Policy: Local, CacheDir: cache, Now: time.Now})
	r, err := f.Fetch(ctx, src)
	require.NoError(t, err)
	assert.NoDirExists(t, filepath.Join(cache, "tmp", "deadbeef"), "old staging is removed on first use")
	assert.Equal(t, "name: \"svc\"\nversion: \"1.0.0\"\n", readFile(t, filepath.Join(r.Dir, "blueprint.cue")))
}

func FuzzScanArchive(f *testing.F) {
	t := &testing.T{}
	f.Add(tarGz(t, entry{name: "a/b.txt", body: "x"}), false)
	f.Add(tarGz(t, entry{name: "../x", body: "x"}), false)
	f.Add(zipArchive(t, entry{name: "a.txt", body: "x"}), true)
	f.Fuzz(func(t *testing.T, data []byte, isZip bool) {
		dir := t.TempDir()
		file := filepath.Join(dir, "a")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		format := "tar.gz"
		if isZip {
			format = "zip"
		}
		lim := limits{files: 100, bytes: 1 << 20}
		if scanArchive(file, format, lim) != nil {
			return
		}
		// What the scan passes extracts inside the destination only.
		dst := filepath.Join(dir, "out")
		if err := extract(file, format, dst, lim); err != nil {
			return
		}
		for _, p := range listFiles(t, dir) {
			if p != "a" && !strings.HasPrefix(p, "out/") {
				t.Fatalf("extracted outside the destination: %s", p)
			}
		}
	})
}

func TestConcurrentFetchesAreCapped(t *testing.T) {
	ctx := context.Background()
	var inFlight, peak atomic.Int64
	release := make(chan struct{})
	entries := bpEntries("", "1.0.0")
	body := tarGz(t, entries...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	f, _ := testFetcher(t, Options{Policy: Local})
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			_, err := f.Fetch(ctx, fmt.Sprintf("%s/bp-%d.tar.gz", srv.URL, i))
			assert.NoError(t, err)
		})
	}
	// Wait until the cap is reached, then let every download finish.
	for deadline := time.Now().Add(10 * time.Second); inFlight.Load() < MaxConcurrentFetches && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a fifth download would have arrived by now
	close(release)
	wg.Wait()
	assert.Equal(t, int64(MaxConcurrentFetches), peak.Load(), "at most MaxConcurrentFetches downloads at once")
	assert.Equal(t, int64(10), f.Stats().Fetches)
}
