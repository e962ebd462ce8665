package goldenpath_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/render"
)

// The hostile-blueprint suite: every way an untrusted blueprint, source,
// manifest or decision could try to read or write outside where it may, run
// code, or exhaust time and memory — each through the public API, each
// asserting a clear error and that nothing outside the sandbox changed and
// no secret leaked. SECURITY.md lists the threat model these cases cover.

// sandbox is a test's world: a secret outside every blueprint and project,
// a canary directory nothing may write into, a cache and a project root.
type sandbox struct {
	t       *testing.T
	root    string
	secret  string // a file no blueprint may read
	outside string // a directory no blueprint may write into
	cache   string
	out     string // where projects are rendered
}

const secretText = "TOP-SECRET-d41d8cd98f00"

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	root := t.TempDir()
	s := &sandbox{t: t, root: root, secret: filepath.Join(root, "secret.txt"), outside: filepath.Join(root, "outside"),
		cache: filepath.Join(root, "cache"), out: filepath.Join(root, "out")}
	require.NoError(t, os.WriteFile(s.secret, []byte(secretText), 0o600))
	require.NoError(t, os.MkdirAll(s.outside, 0o755))
	return s
}

// check asserts that nothing was written into the canary directory or next
// to the sandbox, and that no file under root (but the secret) holds the
// secret.
func (s *sandbox) check() {
	t := s.t
	t.Helper()
	entries, err := os.ReadDir(s.outside)
	require.NoError(t, err)
	assert.Empty(t, entries, "something was written outside")
	require.NoError(t, filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == s.secret || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil && bytes.Contains(data, []byte(secretText)) {
			t.Errorf("the secret leaked into %s", p)
		}
		return nil
	}))
	for _, p := range []string{"/tmp/pwned", "/tmp/evil.txt"} {
		assert.NoFileExists(t, p)
	}
}

func (s *sandbox) sources(p blueprint.Policy) *blueprint.Options {
	s.t.Helper()
	src, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: p, CacheDir: s.cache, Timeout: 20 * time.Second,
		MaxDownloadBytes: 4 << 20, MaxFiles: 200, MaxBytes: 8 << 20})
	require.NoError(s.t, err)
	return &blueprint.Options{Fetcher: src, EvalTimeout: 2 * time.Second, MaxSchemaBytes: 64 << 10}
}

// blueprintDir writes a blueprint directory from name → content.
func (s *sandbox) blueprintDir(files map[string]string) string {
	s.t.Helper()
	dir, err := os.MkdirTemp(s.root, "bp")
	require.NoError(s.t, err)
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(s.t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(s.t, os.WriteFile(full, []byte(c), 0o644))
	}
	return dir
}

const minimalCue = `name: "hostile"
version: "1.0.0"
description: "a hostile blueprint"
owner: "mallory"
parameters: name: string | *"x"
`

type tarEntry struct {
	name, body, link string
	typ              byte
	size             int64
}

func tarGz(t *testing.T, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		size := int64(len(e.body))
		if e.size > 0 {
			size = e.size
		}
		if typ != tar.TypeReg {
			size = 0
		}
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: e.name, Typeflag: typ, Linkname: e.link, Size: size, Mode: 0o644}))
		if typ == tar.TypeReg {
			if e.size > 0 {
				_, err := tw.Write(make([]byte, e.size))
				require.NoError(t, err)
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

func zipOf(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	require.NoError(t, err)
	_, err = w.Write([]byte(body))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// serve serves one archive over HTTP on loopback and returns its address.
func serve(t *testing.T, name string, data []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+name {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/" + name
}

// gitRepo makes a git repository from files, with symlinks given as
// "->target" contents, commits and tags it v1.0.0.
func gitRepo(t *testing.T, s *sandbox, files map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required")
	}
	dir, err := os.MkdirTemp(s.root, "repo")
	require.NoError(t, err)
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		if target, ok := strings.CutPrefix(c, "->"); ok {
			require.NoError(t, os.Symlink(target, full))
			continue
		}
		require.NoError(t, os.WriteFile(full, []byte(c), 0o644))
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-qm", "x"}, {"tag", "v1.0.0"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	return dir
}

// renderDir loads a local blueprint and renders it into s.out with inputs.
func (s *sandbox) renderDir(dir string, inputs ...blueprint.Input) error {
	ctx := context.Background()
	bp, err := blueprint.LoadDir(ctx, dir, &blueprint.Options{EvalTimeout: 2 * time.Second})
	if err != nil {
		return err
	}
	params, err := bp.Resolve(ctx, inputs...)
	if err != nil {
		return err
	}
	e, err := render.New(&render.Options{MaxFileBytes: 1 << 20, MaxBytes: 4 << 20, MaxFiles: 100, FileTimeout: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	_, err = e.Render(ctx, bp, params, s.out, nil)
	return err
}

// ints returns the list 0, 1, … n-1.
func ints(n int) []any {
	l := make([]any, n)
	for i := range l {
		l[i] = i
	}
	return l
}

func TestHostile(t *testing.T) {
	type hostile struct {
		name string
		run  func(t *testing.T, s *sandbox) error
		want string // in the error
	}
	fetch := func(policy blueprint.Policy, src func(t *testing.T, s *sandbox) string) func(t *testing.T, s *sandbox) error {
		return func(t *testing.T, s *sandbox) error {
			_, err := blueprint.Load(context.Background(), src(t, s), s.sources(policy))
			return err
		}
	}
	archive := func(name string, data func(t *testing.T, s *sandbox) []byte) func(t *testing.T, s *sandbox) error {
		return fetch(blueprint.Local, func(t *testing.T, s *sandbox) string { return serve(t, name, data(t, s)) })
	}
	cases := []hostile{
		// Archives.
		{"archive: path traversal", archive("a.tar.gz", func(t *testing.T, s *sandbox) []byte {
			return tarGz(t, tarEntry{name: "blueprint.cue", body: minimalCue}, tarEntry{name: "../../outside/evil.txt", body: "pwned"})
		}), "path leaves the archive"},
		{"archive: absolute path", archive("a.tar.gz", func(t *testing.T, s *sandbox) []byte {
			return tarGz(t, tarEntry{name: filepath.Join(s.outside, "evil.txt"), body: "pwned"})
		}), "absolute path"},
		{"archive: symlink to a secret", archive("a.tar.gz", func(t *testing.T, s *sandbox) []byte {
			return tarGz(t, tarEntry{name: "blueprint.cue", body: minimalCue}, tarEntry{name: "template/leak", typ: tar.TypeSymlink, link: s.secret})
		}), "symlinks are not allowed"},
		{"archive: write through a symlinked directory", archive("a.tar.gz", func(t *testing.T, s *sandbox) []byte {
			return tarGz(t, tarEntry{name: "d", typ: tar.TypeSymlink, link: s.outside}, tarEntry{name: "d/evil.txt", body: "pwned"})
		}), "symlinks are not allowed"},
		{"archive: hard link to a secret", archive("a.tar.gz", func(t *testing.T, s *sandbox) []byte {
			return tarGz(t, tarEntry{name: "a", body: "x"}, tarEntry{name: "leak", typ: tar.TypeLink, link: s.secret})
		}), "hard links are not allowed"},
		{"archive: device node", archive("a.tar.gz", func(t *testing.T, s *sandbox) []byte {
			return tarGz(t, tarEntry{name: "dev", typ: tar.TypeChar})
		}), "is not allowed"},
		{"archive: decompression bomb", archive("a.tar.gz", func(t *testing.T, s *sandbox) []byte {
			return tarGz(t, tarEntry{name: "bomb", size: 64 << 20})
		}), "uncompressed"},
		{"archive: too many files", archive("a.tar.gz", func(t *testing.T, s *sandbox) []byte {
			var es []tarEntry
			for i := range 300 {
				es = append(es, tarEntry{name: fmt.Sprintf("f%03d", i), body: "x"})
			}
			return tarGz(t, es...)
		}), "too many files"},
		{"archive: zip traversal", archive("a.zip", func(t *testing.T, s *sandbox) []byte {
			return zipOf(t, "../outside/evil.txt", "pwned")
		}), "path leaves the archive"},
		{"archive: zip backslash traversal", archive("a.zip", func(t *testing.T, s *sandbox) []byte {
			return zipOf(t, `..\outside\evil.txt`, "pwned")
		}), "backslash"},

		// Git.
		{"git: symlink in the tree to a secret", fetch(blueprint.Local, func(t *testing.T, s *sandbox) string {
			return "git::file://" + gitRepo(t, s, map[string]string{"blueprint.cue": minimalCue, "template/leak": "->" + s.secret}) + "?ref=v1.0.0"
		}), "symlinks are not allowed"},
		{"git: option injection through ref", fetch(blueprint.Local, func(t *testing.T, s *sandbox) string {
			return "git::file://" + gitRepo(t, s, map[string]string{"blueprint.cue": minimalCue}) + "?ref=--upload-pack=touch%20/tmp/pwned"
		}), "ref"},
		{"git: ext transport runs a command", fetch(blueprint.Local, func(t *testing.T, s *sandbox) string {
			return "git::ext::sh -c 'touch /tmp/pwned'"
		}), ""},
		{"git: option injection as the URL", fetch(blueprint.Local, func(t *testing.T, s *sandbox) string {
			return "git::--upload-pack=touch /tmp/pwned"
		}), ""},

		// The strict policy: no local files, no private networks.
		{"strict: loopback address (SSRF)", fetch(blueprint.Strict, func(t *testing.T, s *sandbox) string {
			return serve(t, "a.tar.gz", tarGz(t, tarEntry{name: "blueprint.cue", body: minimalCue}))
		}), ""},
		{"strict: private address", fetch(blueprint.Strict, func(t *testing.T, s *sandbox) string {
			return "https://10.0.0.1/bp.tar.gz"
		}), ""},
		{"strict: cloud metadata address", fetch(blueprint.Strict, func(t *testing.T, s *sandbox) string {
			return "http://169.254.169.254/latest/meta-data/"
		}), ""},
		{"strict: file:// git", fetch(blueprint.Strict, func(t *testing.T, s *sandbox) string {
			return "git::file://" + gitRepo(t, s, map[string]string{"blueprint.cue": minimalCue}) + "?ref=v1.0.0"
		}), "not allowed by the strict policy"},
		{"strict: a local path", fetch(blueprint.Strict, func(t *testing.T, s *sandbox) string { return s.outside }), "not allowed by the strict policy"},

		// CUE.
		{"cue: a schema that never finishes", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue + `
derived: x: [for a in [for i, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for j, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for k, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for l, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for m, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for n, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for o, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] {i+j+k+l+m+n+o}] for b in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] {a * b}]
`, "template/a.txt": "a"}))
		}, ""},
		{"cue: a schema too large", func(t *testing.T, s *sandbox) error {
			_, err := blueprint.LoadDir(context.Background(), s.blueprintDir(map[string]string{
				"blueprint.cue": minimalCue + "// " + strings.Repeat("x", 2<<20) + "\n", "template/a.txt": "a"}), nil)
			return err
		}, "too large"},
		{"cue: reading a file through an import", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": `import "tool/file"
` + minimalCue + `derived: x: (file.Read & {filename: "` + s.secret + `", contents: string}).contents
`, "template/a.txt.tmpl": "{{.x}}"}))
		}, "derived.x: required"}, // tool tasks never run: the contents stay unknown

		// Templates.
		{"template: output path escapes the project", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/{{.name}}/evil.txt": "pwned"}),
				blueprint.Set("name=../outside"))
		}, ""},
		{"template: writes into .git", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/{{.name}}/hooks/post-checkout": "#!/bin/sh\ntouch /tmp/pwned\n"}),
				blueprint.Set("name=.git"))
		}, ".git"},
		{"template: grows without bound", func(t *testing.T, s *sandbox) error {
			loop := strings.Repeat(`{{range $i, $_ := $.l}}`, 6) + strings.Repeat("x", 1000) + strings.Repeat(`{{end}}`, 6)
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue + `parameters: l: [...int] | *[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]` + "\n",
				"template/big.txt.tmpl": loop}))
		}, "limit"},
		{"template: loops over constants that never end", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue,
				"template/spin.txt.tmpl": "{{range 100000}}{{range 100000}}{{end}}{{end}}"}))
		}, "spin.txt.tmpl:1:"},
		{"template: loops over data that write nothing", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue + "parameters: l: [...int]\n",
				"template/spin.txt.tmpl": "{{range $.l}}{{range $.l}}{{end}}{{end}}"}), blueprint.ValuesMap(map[string]any{"l": ints(3000)}))
		}, "rendering took longer than 100ms"},
		{"template: a function outside the curated set", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt.tmpl": `{{ readFile "` + s.secret + `" }}`}))
		}, "readFile"},
		{"template: a symlink in a local blueprint", func(t *testing.T, s *sandbox) error {
			dir := s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt": "a"})
			require.NoError(t, os.Symlink(s.secret, filepath.Join(dir, "template", "leak.txt")))
			return s.renderDir(dir)
		}, "symlink"},

		// Manifests.
		{"manifest: a path outside the project", func(t *testing.T, s *sandbox) error {
			_, err := render.DecodeManifest(strings.NewReader(`{"schema":1,"parameters":{},"decisions":[],"files":[{"path":"../outside/x","sha256":"00","level":"shared","mode":"0644"}]}`))
			return err
		}, "invalid manifest"},
		{"manifest: an absolute path", func(t *testing.T, s *sandbox) error {
			_, err := render.DecodeManifest(strings.NewReader(`{"schema":1,"parameters":{},"decisions":[],"files":[{"path":"` + s.secret + `","sha256":"00","level":"shared","mode":"0644"}]}`))
			return err
		}, "invalid manifest"},
		{"manifest: a journal pointing outside", func(t *testing.T, s *sandbox) error {
			dir := filepath.Join(s.out, "p")
			require.NoError(t, os.MkdirAll(filepath.Join(dir, ".goldenpath", "staging-x"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, ".goldenpath", "journal.json"),
				[]byte(`{"staging":"staging-x","ops":[{"kind":"remove","path":"../../secret.txt"}]}`), 0o644))
			return render.Recover(dir)
		}, "journal"},

		// Decisions.
		{"decision: a rule that never finishes", func(t *testing.T, s *sandbox) error {
			d, err := decision.Parse("0001-slow.md", []byte("---\nid: ADR-0001\ntitle: slow\nstatus: accepted\n---\n# slow\n\n```cue\nslow: {\n\tmessage: \"slow\"\n\tmode: \"enforce\"\n\tparams: x: [for a in [for i, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for j, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for k, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for l, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for m, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for n, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for o, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] {i+j+k+l+m+n+o}] for b in [0, 1, 2] {a * b}]\n}\n```\n"))
			if err != nil {
				return err
			}
			rep, err := decision.Evaluate(context.Background(), []*decision.Decision{d}, &decision.Subject{Name: "p", Params: map[string]any{"x": []any{}}},
				&decision.EvalOptions{Timeout: time.Second})
			if err != nil {
				return err
			}
			return rep.Err()
		}, ""},
		{"decision: a record too large", func(t *testing.T, s *sandbox) error {
			dir := s.blueprintDir(map[string]string{"0001-huge.md": "# 1. Huge\n\n" + strings.Repeat("x", decision.MaxFileBytes+1)})
			_, err := decision.LoadDir(context.Background(), dir, nil)
			return err
		}, ""},
	}
	require.GreaterOrEqual(t, len(cases), 25)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSandbox(t)
			err := c.run(t, s)
			require.Error(t, err, "a hostile input was accepted")
			if c.want != "" {
				assert.ErrorContains(t, err, c.want)
			}
			assert.NotContains(t, err.Error(), "panic")
			s.check()
			var pe *fs.PathError
			if errors.As(err, &pe) {
				assert.NotEqual(t, s.secret, pe.Path)
			}
			t.Logf("refused: %v", err)
		})
	}
}
