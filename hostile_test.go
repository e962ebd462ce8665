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
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	return &blueprint.Options{Fetcher: src, EvalTimeout: evalTimeout, MaxSchemaBytes: 64 << 10}
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
	servers.Lock()
	servers.open = append(servers.open, srv)
	servers.Unlock()
	return srv.URL + "/" + name
}

// servers are the archive servers a case started: the suite closes them
// before it counts goroutines, so that only what the library started is
// counted.
var servers struct {
	sync.Mutex
	open []*httptest.Server
}

// closeServers closes the servers the cases started so far.
func closeServers() {
	servers.Lock()
	defer servers.Unlock()
	for _, srv := range servers.open {
		srv.Close()
	}
	servers.open = nil
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
	bp, err := blueprint.LoadDir(ctx, dir, &blueprint.Options{EvalTimeout: evalTimeout})
	if err != nil {
		return err
	}
	params, err := bp.Resolve(ctx, inputs...)
	if err != nil {
		return err
	}
	// A deadline long enough, and a step budget (a tenth of the default)
	// small enough, that under -race on a busy machine every budget case
	// meets its own limit first: a million steps take 0.35 s of CPU under
	// -race, which a process given a tenth of a core at load 20 stretches
	// past 3 s.
	e, err := render.New(&render.Options{MaxFileBytes: 1 << 20, MaxBytes: 4 << 20, MaxFiles: 100, FileTimeout: renderTimeout, MaxSteps: render.DefaultMaxSteps / 10})
	if err != nil {
		return err
	}
	_, err = e.Render(ctx, bp, params, s.out, nil)
	return err
}

// renderFetched loads source through s's local-policy Sources and renders
// it into s.out.
func (s *sandbox) renderFetched(source string) error {
	ctx := context.Background()
	bp, err := blueprint.Load(ctx, source, s.sources(blueprint.Local))
	if err != nil {
		return err
	}
	params, err := bp.Resolve(ctx)
	if err != nil {
		return err
	}
	e, err := render.New(&render.Options{MaxFileBytes: 1 << 20, MaxBytes: 4 << 20, MaxFiles: 100, FileTimeout: 2 * time.Second})
	if err != nil {
		return err
	}
	_, err = e.Render(ctx, bp, params, s.out, nil)
	return err
}

// isolated loads a local blueprint with its CUE evaluated in a child (the
// test binary, see TestMain) limited to 256 MiB and timeout, and resolves
// it.
func (s *sandbox) isolated(dir string, timeout time.Duration, inputs ...blueprint.Input) error {
	ctx := context.Background()
	opts := &blueprint.Options{EvalTimeout: timeout, Isolation: &blueprint.Isolation{
		Command: []string{os.Args[0]}, Env: []string{evalChildEnv + "=1"}, MaxMemory: 256 << 20}}
	bp, err := blueprint.LoadDir(ctx, dir, opts)
	if err != nil {
		return err
	}
	_, err = bp.Resolve(ctx, inputs...)
	return err
}

// tarFiles is a tar.gz of name → content.
func tarFiles(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var es []tarEntry
	for n, c := range files {
		es = append(es, tarEntry{name: n, body: c})
	}
	return tarGz(t, es...)
}

// doubledCalls is sixty levels of templates each calling the one below
// twice: 2^60 calls.
func doubledCalls() string {
	var b strings.Builder
	b.WriteString(`{{define "t0"}}{{end}}`)
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&b, `{{define "t%d"}}{{template "t%d"}}{{template "t%d"}}{{end}}`, i, i-1, i-1)
	}
	b.WriteString(`{{template "t60"}}`)
	return b.String()
}

// ints returns the list 0, 1, … n-1.
func ints(n int) []any {
	l := make([]any, n)
	for i := range l {
		l[i] = i
	}
	return l
}

// evalChildEnv makes the test binary an isolation child (TestMain);
// hostileChildEnv makes TestHostile run its cases instead of measuring a
// child that runs them.
const (
	evalChildEnv    = "GOLDENPATH_EVAL_CHILD"
	hostileChildEnv = "GOLDENPATH_HOSTILE_CHILD"
)

func TestMain(m *testing.M) {
	if os.Getenv(evalChildEnv) == "1" {
		if err := blueprint.ServeIsolation(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The deadlines of the hostile cases, generous enough for a machine running
// every package's tests under -race at once (load 10 on 2 cores makes CUE 5
// to 10 times slower than on an idle one). A case asserts the limit that
// must stop it by the error it expects, never by how long it took.
const (
	// evalTimeout bounds in-process CUE evaluation where no case is about
	// CUE's deadline: the parameters of the template cases (5000 values
	// took over 2 s to resolve on a loaded CI machine).
	evalTimeout = 30 * time.Second
	// isolatedMemoryTimeout bounds the isolated children that must run
	// out of memory first: a race-instrumented child takes about 10 s to
	// fill 256 MiB on a loaded machine.
	isolatedMemoryTimeout = 2 * time.Minute
	// renderTimeout is the deadline of a file of the local template
	// cases, which their step budget must meet first.
	renderTimeout = 20 * time.Second
	// hangBound only catches a case that hangs past all its limits (the
	// longest in-process one is decision.Parse's 10 s evaluation deadline).
	hangBound = time.Minute
)

// credential is a password given in source addresses: no output may hold it.
const credential = "hunter2-0b5e"

// maxHostileRSS is the memory the whole hostile suite may take.
const maxHostileRSS = 1 << 30

// TestHostile runs the hostile cases in a child process (the test binary
// again), and checks that the child's peak resident memory stayed under
// 1 GiB; the child runs every case, each in its sandbox.
func TestHostile(t *testing.T) {
	if os.Getenv(hostileChildEnv) == "1" {
		hostileCases(t)
		return
	}
	args := []string{"-test.run=^TestHostile$", "-test.v", "-test.timeout=10m"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), hostileChildEnv+"=1")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil || testing.Verbose() {
		t.Logf("the hostile suite's output:\n%s", out)
	}
	require.NoError(t, err, "the hostile suite failed")
	m := regexp.MustCompile(`hostile cases: (\d+)`).FindSubmatch(out)
	require.NotNil(t, m, "the hostile suite did not count its cases")
	n, _ := strconv.Atoi(string(m[1]))
	rss := maxRSS(cmd.ProcessState)
	t.Logf("hostile cases: %d, refused in %v, peak memory %d MiB", n, time.Since(start).Round(time.Millisecond), rss>>20)
	if rss >= 0 && !raceEnabled {
		assert.Less(t, rss, int64(maxHostileRSS), "the hostile suite took more than 1 GiB")
	}
}

func hostileCases(t *testing.T) {
	type hostile struct {
		name string
		run  func(t *testing.T, s *sandbox) error
		want string // in the error
	}
	// runsOn says why a call leaves work running after it returned: the
	// cases the goroutine check does not hold for.
	runsOn := map[string]string{
		"decision: a rule that never finishes": "a decision rule's CUE runs in process, and CUE cannot be interrupted: the evaluation goes on after Evaluate returned (decision has no isolation yet)",
	}
	fetch := func(policy blueprint.Policy, src func(t *testing.T, s *sandbox) string) func(t *testing.T, s *sandbox) error {
		return func(t *testing.T, s *sandbox) error {
			_, err := blueprint.Load(context.Background(), src(t, s), s.sources(policy))
			return err
		}
	}
	// The bomb is made before any case's clock starts: compressing 64 MiB
	// is the test's own work, not the refusal's.
	bomb := tarGz(t, tarEntry{name: "bomb", size: 64 << 20})
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
			return bomb
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
		// In process, the deadline bounds the wait but the evaluation goes
		// on: only the isolated form leaves nothing running.
		{"cue: a schema that never finishes, isolated", func(t *testing.T, s *sandbox) error {
			return s.isolated(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue + `
derived: x: [for a in [for i, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for j, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for k, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for l, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for m, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for n, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] for o, _ in [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] {i+j+k+l+m+n+o}] for b in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] {a * b}]
`, "template/a.txt": "a"}), 2*time.Second)
		}, "cue evaluation timed out after 2s (in the isolated child)"},
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
				"template/spin.txt.tmpl": "{{range $.l}}{{range $.l}}{{end}}{{end}}"}), blueprint.ValuesMap(map[string]any{"l": ints(5000)}))
		}, "template steps"}, // 25 million iterations: the step budget (1 million here) stops it before the deadline; resolving the 5000 values is no part of the case (evalTimeout)
		{"template: a function outside the curated set", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt.tmpl": `{{ readFile "` + s.secret + `" }}`}))
		}, "readFile"},
		{"template: a symlink in a local blueprint", func(t *testing.T, s *sandbox) error {
			dir := s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt": "a"})
			require.NoError(t, os.Symlink(s.secret, filepath.Join(dir, "template", "leak.txt")))
			return s.renderDir(dir)
		}, "template/leak.txt is a symlink: symlinks are not allowed in a blueprint"},

		// The execution budget: file names, dirs: and contents that loop or
		// grow, through every kind of source.
		{"budget: a file name that loops, local", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/{{range mul 999999 999999}}{{end}}x.txt": "x"}))
		}, "template steps"},
		{"budget: a file name that loops over a constant, git::file://", func(t *testing.T, s *sandbox) error {
			return s.renderFetched("git::file://" + gitRepo(t, s, map[string]string{"blueprint.cue": minimalCue,
				"template/{{range 999999999999}}{{end}}x.txt": "x"}) + "?ref=v1.0.0")
		}, "loop more than 10000000 times"},
		{"budget: a file name that writes without end, archive", func(t *testing.T, s *sandbox) error {
			return s.renderFetched(serve(t, "a.tar.gz", tarFiles(t, map[string]string{"blueprint.cue": minimalCue,
				"template/{{range mul 999 999}}y{{end}}x.txt": "x"})))
		}, "a path longer than 4096 bytes"},
		{"budget: a dirs: entry that loops", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue + `dirs: ["{{range mul 999999 999999}}{{end}}d"]` + "\n", "template/a.txt": "a"}))
		}, "template steps"},
		{"budget: indent to 1.2 GB", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt.tmpl": `{{indent 1200000000 "x"}}`}))
		}, "indent would make a value larger than 1048576 bytes"},
		{"budget: printf doubling by assignment", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue,
				"template/a.txt.tmpl": `{{$s := "xxxxxxxxxxxxxxxx"}}{{range 40}}{{$s = printf "%s%s" $s $s}}{{end}}`}))
		}, "printf would make a value larger than"},
		{"budget: js escaping by assignment", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue,
				"template/a.txt.tmpl": `{{$s := "<<<<<<<<"}}{{range 40}}{{$s = js $s}}{{end}}`}))
		}, "js would make a value larger than"},
		{"budget: range over a product", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt.tmpl": `{{range mul 1000000 1000000}}{{end}}`}))
		}, "template steps"},
		{"budget: range over a parenthesised constant", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt.tmpl": `{{range (100000000000)}}{{end}}`}))
		}, "template steps"},
		{"budget: ranges in a define called from a range", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue,
				"template/a.txt.tmpl": `{{define "d"}}{{range 100000}}{{end}}{{end}}{{range 100000}}{{template "d"}}{{end}}`}))
		}, "render limit exceeded"}, // each call charges the define's range: the template steps, or under a heavy load the deadline, whichever comes first
		{"budget: a long range body that writes nothing", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue,
				"template/a.txt.tmpl": "{{range 9999999}}" + strings.Repeat("{{$a := 1}}", 10000) + "{{end}}"}))
		}, "template steps"},
		{"budget: sixty levels of doubled template calls", func(t *testing.T, s *sandbox) error {
			return s.renderDir(s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt.tmpl": doubledCalls()}))
		}, "render limit exceeded"}, // the template steps, or the deadline, whichever comes first

		// Memory: CUE that needs gigabytes runs in a bounded child.
		{"cue: a default list of 200 million integers, isolated", func(t *testing.T, s *sandbox) error {
			return s.isolated(s.blueprintDir(map[string]string{"blueprint.cue": "import \"list\"\n" + minimalCue +
				"parameters: n: [...int] | *list.Range(0, 200000000, 1)\n", "template/a.txt": "a"}), isolatedMemoryTimeout)
		}, "CUE evaluation exceeded 256 MiB"},
		{"cue: a derived string doubled 34 times, isolated", func(t *testing.T, s *sandbox) error {
			var b strings.Builder
			b.WriteString("import \"strings\"\n" + minimalCue + "derived: {\n\ts0: \"xxxxxxxx\"\n")
			for i := 1; i <= 34; i++ {
				fmt.Fprintf(&b, "\ts%d: strings.Repeat(s%d, 2)\n", i, i-1)
			}
			b.WriteString("}\n")
			return s.isolated(s.blueprintDir(map[string]string{"blueprint.cue": b.String(), "template/a.txt": "a"}), isolatedMemoryTimeout)
		}, "CUE evaluation exceeded 256 MiB"},
		{"cue: an input that makes the schema hungry, isolated", func(t *testing.T, s *sandbox) error {
			return s.isolated(s.blueprintDir(map[string]string{"blueprint.cue": "import \"list\"\n" + minimalCue +
				"parameters: {\n\tn: int | *1\n\tl: [...int] | *list.Range(0, n, 1)\n}\n", "template/a.txt": "a"}), isolatedMemoryTimeout, blueprint.Set("n=200000000"))
		}, "CUE evaluation exceeded 256 MiB"},

		// Symlinks at the top of a local blueprint.
		{"symlink: template/ to a directory outside", func(t *testing.T, s *sandbox) error {
			dir := s.blueprintDir(map[string]string{"blueprint.cue": minimalCue})
			require.NoError(t, os.Symlink(s.root, filepath.Join(dir, "template")))
			return s.renderDir(dir)
		}, "template is a symlink"},
		{"symlink: blueprint.cue to a secret", func(t *testing.T, s *sandbox) error {
			dir := s.blueprintDir(map[string]string{"template/a.txt": "a"})
			require.NoError(t, os.Symlink(s.secret, filepath.Join(dir, "blueprint.cue")))
			return s.renderDir(dir)
		}, "blueprint.cue is a symlink"},
		{"symlink: the blueprint directory", func(t *testing.T, s *sandbox) error {
			dir := s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt": "a"})
			link := filepath.Join(s.root, "link")
			require.NoError(t, os.Symlink(dir, link))
			return s.renderDir(link)
		}, "the blueprint directory is a symlink"},
		{"symlink: template/ to a directory outside, through Sources", func(t *testing.T, s *sandbox) error {
			dir := s.blueprintDir(map[string]string{"blueprint.cue": minimalCue})
			require.NoError(t, os.Symlink(s.root, filepath.Join(dir, "template")))
			return s.renderFetched(dir)
		}, "template is a symlink"},

		// Includes of fetched blueprints.
		{"include: a local path from git::file://", func(t *testing.T, s *sandbox) error {
			local := s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/local.txt": "local"})
			return s.renderFetched("git::file://" + gitRepo(t, s, map[string]string{"blueprint.cue": minimalCue +
				`include: loot: source: "` + local + `"` + "\n", "template/a.txt": "a"}) + "?ref=v1.0.0")
		}, "a fetched blueprint may not include the local source"},
		{"include: a file:// URL from a file:// archive", func(t *testing.T, s *sandbox) error {
			local := s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/local.txt": "local"})
			archive := filepath.Join(s.root, "a.tar.gz")
			require.NoError(t, os.WriteFile(archive, tarFiles(t, map[string]string{"blueprint.cue": minimalCue +
				`include: loot: source: "file://` + local + `"` + "\n", "template/a.txt": "a"}), 0o644))
			return s.renderFetched("file://" + archive)
		}, "a fetched blueprint may not include the local source"},
		{"include: a relative path out of an archive", func(t *testing.T, s *sandbox) error {
			return s.renderFetched(serve(t, "a.tar.gz", tarFiles(t, map[string]string{"blueprint.cue": minimalCue +
				`include: loot: source: "../../../../../../../../` + s.root + `"` + "\n", "template/a.txt": "a"})))
		}, "leaves"},

		// Credentials in addresses.
		{"secret: a password in an https URL", fetch(blueprint.Local, func(t *testing.T, s *sandbox) string {
			return "https://user:" + credential + "@example.com/x.tar.gz"
		}), "user:xxxxx@example.com"},
		{"secret: a password in a git:: URL", fetch(blueprint.Local, func(t *testing.T, s *sandbox) string {
			return "git::https://user:" + credential + "@example.com/r.git?ref=v1"
		}), "user:xxxxx@"},
		{"secret: a password in an http URL", fetch(blueprint.Local, func(t *testing.T, s *sandbox) string {
			return "http://user:" + credential + "@127.0.0.1:1/x.tar.gz"
		}), "user:xxxxx@"},
		{"secret: a token in the query", fetch(blueprint.Local, func(t *testing.T, s *sandbox) string {
			return "https://example.com/x.tar.gz?token=" + credential
		}), "token=xxxxx"},
		{"secret: an ssh key in a git:: query", fetch(blueprint.Local, func(t *testing.T, s *sandbox) string {
			return "git::https://example.com/r.git?ref=v1&sshkey=" + credential
		}), "sshkey=xxxxx"},

		// A refused render with Force leaves the directory as it was.
		{"force: a refused render into a directory goldenpath never rendered", func(t *testing.T, s *sandbox) error {
			dir := s.blueprintDir(map[string]string{"blueprint.cue": minimalCue, "template/a.txt.tmpl": `{{range mul 1000000 1000000}}{{end}}`})
			require.NoError(t, os.MkdirAll(s.out, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(s.out, "keep.txt"), []byte("theirs"), 0o644))
			ctx := context.Background()
			bp, err := blueprint.LoadDir(ctx, dir, nil)
			require.NoError(t, err)
			params, err := bp.Resolve(ctx)
			require.NoError(t, err)
			e, err := render.New(nil)
			require.NoError(t, err)
			_, err = e.Render(ctx, bp, params, s.out, &render.ApplyOptions{Force: true})
			assert.NoDirExists(t, filepath.Join(s.out, ".goldenpath"))
			entries, _ := os.ReadDir(s.out)
			assert.Len(t, entries, 1)
			return err
		}, "template steps"},

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
	require.GreaterOrEqual(t, len(cases), 60)
	// The cases whose work runs on after the call (runsOn) go last: the
	// CPU they go on using would otherwise be counted against the cases
	// after them by settled.
	slices.SortStableFunc(cases, func(a, b hostile) int {
		_, ra := runsOn[a.name]
		_, rb := runsOn[b.name]
		switch {
		case ra == rb:
			return 0
		case ra:
			return 1
		}
		return -1
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSandbox(t)
			goroutines := runtime.NumGoroutine()
			start := time.Now()
			err := c.run(t, s)
			took := time.Since(start)
			require.Error(t, err, "a hostile input was accepted")
			if c.want != "" {
				assert.ErrorContains(t, err, c.want)
			}
			assert.NotContains(t, err.Error(), "panic")
			assert.NotContains(t, err.Error(), secretText)
			assert.NotContains(t, err.Error(), credential)
			assert.Less(t, took, hangBound, "refusing took longer than every limit of the case")
			// Every case: the call starts no goroutine that outlives it, and
			// the process does no work once it returned.
			closeServers()
			if why, ok := runsOn[c.name]; ok {
				t.Logf("not checked for goroutines left running: %s", why)
			} else {
				settled(t, goroutines)
			}
			s.check()
			var pe *fs.PathError
			if errors.As(err, &pe) {
				assert.NotEqual(t, s.secret, pe.Path)
			}
			t.Logf("refused in %v: %v", took.Round(time.Millisecond), err)
		})
	}
	fmt.Printf("hostile cases: %d\n", len(cases))
}

// settled checks that no goroutine a call started is still running, and
// that the process does no work after the call returned. Goroutines that
// are ending (a closed connection's reader, an idle evaluation worker) get
// a few seconds to end; one that runs on is seen as running.
func settled(t *testing.T, goroutines int) {
	t.Helper()
	for wait := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > goroutines && time.Now().Before(wait); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines outlived the call (%d before it):\n%s", n-goroutines, goroutines, buf[:runtime.Stack(buf, true)])
	}
	cpu := processCPU()
	time.Sleep(400 * time.Millisecond)
	if cpu >= 0 {
		// A loop left running would take the whole 400 ms of a core; the
		// garbage collector, under -race on a busy machine, some of it.
		assert.Less(t, processCPU()-cpu, 200*time.Millisecond, "work went on after the call returned")
	}
}
