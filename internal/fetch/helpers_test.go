package fetch

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"github.com/goldenpath-dev/goldenpath/internal/systempart"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testRepo is a real git repository made in the test.
type testRepo struct {
	t   *testing.T
	dir string
}

func gitEnv(home string) []string {
	return append(os.Environ(),
		"HOME="+home, "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
}

func newRepo(t *testing.T, files map[string]string) *testRepo {
	t.Helper()
	systempart.Tool(t, "git", "Debian: apt-get install git")
	r := &testRepo{t: t, dir: filepath.Join(t.TempDir(), "repo")}
	require.NoError(t, os.MkdirAll(r.dir, 0o755))
	r.git("init", "-q", "-b", "main")
	r.commit("initial", files)
	return r
}

func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = gitEnv(r.t.TempDir())
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// commit writes files (a value "" removes the file) and commits; it
// returns the commit ID.
func (r *testRepo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	for name, content := range files {
		p := filepath.Join(r.dir, filepath.FromSlash(name))
		if content == "" {
			require.NoError(r.t, os.Remove(p))
			continue
		}
		require.NoError(r.t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(r.t, os.WriteFile(p, []byte(content), 0o644))
	}
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func (r *testRepo) url() string { return "git::file://" + r.dir }

// testFetcher returns a Fetcher with its own cache and a controllable clock.
func testFetcher(t *testing.T, o Options) (*Fetcher, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	if o.CacheDir == "" {
		o.CacheDir = filepath.Join(t.TempDir(), "cache")
	}
	if o.Now == nil {
		o.Now = clock.Now
	}
	f, err := New(o)
	require.NoError(t, err)
	return f, clock
}

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// entry is one member of a test archive.
type entry struct {
	name     string
	body     string
	typ      byte // tar type; 0 is a regular file
	linkname string
	size     int64 // when non-zero, the body is size zero bytes
}

func tarGz(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typ, Linkname: e.linkname, ModTime: time.Unix(1700000000, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeDir {
			h.Mode = 0o755
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
			if e.size > 0 {
				h.Size = e.size
			}
		}
		require.NoError(t, tw.WriteHeader(h))
		if h.Typeflag == tar.TypeReg {
			if e.size > 0 {
				zero := make([]byte, 1<<20)
				for left := e.size; left > 0; {
					n := min(left, int64(len(zero)))
					_, err := tw.Write(zero[:n])
					require.NoError(t, err)
					left -= n
				}
			} else {
				_, err := tw.Write([]byte(e.body))
				require.NoError(t, err)
			}
		}
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

func zipArchive(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := os.FileMode(0o644)
		if e.typ == tar.TypeSymlink {
			mode = os.ModeSymlink | 0o777
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		body := e.body
		if e.typ == tar.TypeSymlink {
			body = e.linkname
		}
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// bpFiles is a minimal blueprint tree under dir.
func bpFiles(dir, version string) map[string]string {
	p := dir + "/"
	if dir == "" {
		p = ""
	}
	return map[string]string{
		p + "blueprint.cue":           "name: \"svc\"\nversion: \"" + version + "\"\n",
		p + "template/README.md.tmpl": "# {{.name}} " + version + "\n",
	}
}

// bpEntries is bpFiles as archive entries.
func bpEntries(dir, version string) []entry {
	var entries []entry
	for name, body := range bpFiles(dir, version) {
		entries = append(entries, entry{name: name, body: body})
	}
	return entries
}

// listFiles lists the regular files under dir, slash-separated and relative.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}
