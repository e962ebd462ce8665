package blueprinttest

import (
	"bytes"
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/internal/diff"
	"github.com/goldenpath-dev/goldenpath/render"
)

// UpdateEnv is the environment variable that makes Golden rewrite golden
// directories instead of comparing with them.
const UpdateEnv = "GOLDENPATH_UPDATE"

// updating reports whether golden directories are to be rewritten: the test
// binary defines an -update flag that is set, or GOLDENPATH_UPDATE=1. The
// package registers no flag itself, so it never clashes with the -update
// flag many test suites already define.
func updating() bool {
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		return true
	}
	return os.Getenv(UpdateEnv) == "1"
}

// Golden renders b with the inputs and compares the rendered files (not
// .goldenpath/) with the directory golden: same paths, same bytes, same
// executable bits. Run the test with -update (when the test defines that
// flag) or GOLDENPATH_UPDATE=1 to rewrite golden from the render. engine may
// be nil for the default engine.
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
	if _, err := engine.Render(context.Background(), b, params, out, nil); err != nil {
		t.Fatalf("rendering %s: %v", b.Name, err)
		return
	}
	got, err := readTree(out)
	if err != nil {
		t.Fatalf("reading the render: %v", err)
		return
	}
	if updating() {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatalf("update %s: %v", golden, err)
			return
		}
		for p, f := range got {
			dst := filepath.Join(golden, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatalf("update %s: %v", golden, err)
				return
			}
			if err := os.WriteFile(dst, f.data, f.mode); err != nil {
				t.Fatalf("update %s: %v", golden, err)
				return
			}
		}
		t.Logf("updated %s (%d files)", golden, len(got))
		return
	}
	want, err := readTree(golden)
	if err != nil {
		t.Fatalf("reading golden directory %s: %v (run with -update or %s=1 to create it)", golden, err, UpdateEnv)
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
	if len(problems) > 0 {
		t.Errorf("%s does not match %s (run with -update or %s=1 to accept the render):\n%s", b.Name, golden, UpdateEnv, strings.Join(problems, "\n"))
	}
}

type treeFile struct {
	data []byte
	mode fs.FileMode
}

func readTree(dir string) (map[string]treeFile, error) {
	out := map[string]treeFile{}
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
	return out, err
}

func sortedKeys(m map[string]treeFile) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
