package blueprinttest

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/internal/diff"
	"github.com/goldenpath-dev/goldenpath/internal/english"
	"github.com/goldenpath-dev/goldenpath/render"
)

// updating reports whether golden directories are to be rewritten: the test
// binary defines an -update flag and it is set. The package registers no
// flag itself, so it never clashes with the -update flag a test suite
// defines; define one in each test package that calls Golden:
//
//	var _ = flag.Bool("update", false, "rewrite golden files")
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// updateHint says how to rewrite golden directories in this test binary.
func updateHint() string {
	if flag.Lookup("update") == nil {
		return `define an -update flag in the test package (var _ = flag.Bool("update", false, "rewrite golden files")) and run with -update`
	}
	return "run with -update"
}

// EmptyDirsFile is the file, under the golden directory's .goldenpath/, that
// lists the empty directories of the render one per line: git keeps no
// empty directory, so Golden records them there. Like the render's own
// .goldenpath/, it is never compared as a rendered file.
const EmptyDirsFile = "empty-dirs"

// Golden renders b with the inputs and compares the rendered files (not
// .goldenpath/) with the directory golden: same paths, same bytes, same
// executable bits, and the same empty directories (those that the
// blueprint's dirs: renders with nothing in them), which golden lists in
// .goldenpath/empty-dirs (EmptyDirsFile) or holds as empty directories.
// engine may be nil for the default engine.
//
// Run the test with -update to rewrite golden from the render. Golden reads
// the flag by name and registers none, so that it never clashes with a
// suite's own -update; a test package without one defines it:
//
//	var _ = flag.Bool("update", false, "rewrite golden files")
func Golden(t testing.TB, engine *render.Engine, b *blueprint.Blueprint, golden string, inputs ...blueprint.Input) {
	t.Helper()
	if engine == nil {
		var err error
		if engine, err = render.New(nil); err != nil {
			t.Fatalf("render engine: %v", err)
			return
		}
	}
	params := Resolve(t, b, inputs...)
	if params == nil {
		return
	}
	out := filepath.Join(t.TempDir(), "render")
	if _, err := engine.Render(t.Context(), b, params, out, nil); err != nil {
		t.Fatalf("rendering %s: %v", b.Name, err)
		return
	}
	got, gotDirs, err := readTree(out)
	if err != nil {
		t.Fatalf("reading the render: %v", err)
		return
	}
	if updating() {
		if err := writeGolden(golden, got, gotDirs); err != nil {
			t.Fatalf("update %s: %v", golden, err)
			return
		}
		t.Logf("updated %s (%s, %s)", golden, english.Count(len(got), "file"), english.Count(len(gotDirs), "empty directory"))
		return
	}
	want, onDisk, err := readTree(golden)
	var wantDirs []string
	if err == nil {
		wantDirs, err = readDirsFile(golden)
	}
	if err != nil {
		t.Fatalf("reading golden directory %s: %v (%s to create it)", golden, err, updateHint())
		return
	}
	var problems []string
	for _, p := range sortedKeys(want) {
		g, ok := got[p]
		switch {
		case !ok:
			problems = append(problems, p+": in the golden directory, not rendered")
		case !bytes.Equal(g.data, want[p].data):
			problems = append(problems, p+": differs:\n"+diff.Unified("golden/"+p, "rendered/"+p, want[p].data, g.data, 3))
		case g.mode&0o111 != want[p].mode&0o111:
			problems = append(problems, p+": rendered with mode "+g.mode.String()+", golden "+want[p].mode.String())
		}
	}
	for _, p := range sortedKeys(got) {
		if _, ok := want[p]; !ok {
			problems = append(problems, p+": rendered, not in the golden directory")
		}
	}
	for _, d := range onDisk {
		// An empty directory on disk counts, unless a listed one was
		// below it (a listed directory removed by hand).
		if !slices.ContainsFunc(wantDirs, func(w string) bool { return strings.HasPrefix(w, d+"/") }) {
			wantDirs = append(wantDirs, d)
		}
	}
	slices.Sort(wantDirs)
	wantDirs = slices.Compact(wantDirs)
	for _, d := range wantDirs {
		if !slices.Contains(gotDirs, d) {
			problems = append(problems, d+"/: an empty directory in the golden directory, not rendered empty")
		}
	}
	for _, d := range gotDirs {
		if !slices.Contains(wantDirs, d) {
			problems = append(problems, d+"/: rendered as an empty directory, not in the golden directory")
		}
	}
	if len(problems) > 0 {
		t.Errorf("%s does not match %s (%s to accept the render):\n%s", b.Name, golden, updateHint(), strings.Join(problems, "\n"))
	}
}

// writeGolden replaces the directory golden with the rendered files and
// empty directories, listing the latter in .goldenpath/empty-dirs.
func writeGolden(golden string, files map[string]treeFile, dirs []string) error {
	if err := os.RemoveAll(golden); err != nil {
		return err
	}
	if err := os.MkdirAll(golden, 0o755); err != nil {
		return err
	}
	for p, f := range files {
		dst := filepath.Join(golden, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, f.data, f.mode); err != nil {
			return err
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(golden, filepath.FromSlash(d)), 0o755); err != nil {
			return err
		}
	}
	state := filepath.Join(golden, render.StateDir)
	if err := os.MkdirAll(state, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(state, EmptyDirsFile), []byte(strings.Join(dirs, "\n")+"\n"), 0o644)
}

// readDirsFile returns the empty directories golden lists, if it lists any.
func readDirsFile(golden string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(golden, render.StateDir, EmptyDirsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSuffix(strings.TrimSpace(l), "/"); l != "" {
			dirs = append(dirs, l)
		}
	}
	return dirs, nil
}

type treeFile struct {
	data []byte
	mode fs.FileMode
}

// readTree returns the files under dir and its empty directories (sorted),
// leaving out .goldenpath/.
func readTree(dir string) (map[string]treeFile, []string, error) {
	out := map[string]treeFile{}
	var empty []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == render.StateDir {
				return fs.SkipDir
			}
			if rel != "." {
				entries, err := os.ReadDir(p)
				if err != nil {
					return err
				}
				if len(entries) == 0 {
					empty = append(empty, rel)
				}
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = treeFile{data: data, mode: info.Mode().Perm()}
		return nil
	})
	slices.Sort(empty)
	return out, empty, err
}

func sortedKeys(m map[string]treeFile) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
