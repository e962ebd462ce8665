package blueprinttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// walkFiles calls f for every regular file of the project whose name ends
// with one of exts, slash-separated and relative to dir, leaving out
// .goldenpath/ and .git/.
func walkFiles(dir string, exts []string, f func(rel string, data []byte) error) error {
	var errs []error
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == ".goldenpath" || p == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !hasExt(p, exts) {
			return nil
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		if err := f(p, data); err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	return errors.Join(append(errs, err)...)
}

func hasExt(p string, exts []string) bool {
	ext := path.Ext(p)
	for _, e := range exts {
		if ext == e {
			return true
		}
	}
	return false
}

// Parses returns a check that every YAML file (.yaml, .yml), each of its
// documents, and every JSON file (.json) of the project parses. A failure
// names the file and the line.
func Parses() MatrixCheck {
	return MatrixCheck{Name: "parses", Func: func(_ context.Context, p *Project) error {
		return walkFiles(p.Dir, []string{".yaml", ".yml", ".json"}, func(rel string, data []byte) error {
			if path.Ext(rel) == ".json" {
				var v any
				if err := json.Unmarshal(data, &v); err != nil {
					var se *json.SyntaxError
					if errors.As(err, &se) {
						line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
						return fmt.Errorf("%s:%d: %v", rel, line, err)
					}
					return fmt.Errorf("%s: %v", rel, err)
				}
				return nil
			}
			dec := yaml.NewDecoder(bytes.NewReader(data))
			for doc := 1; ; doc++ {
				var n yaml.Node
				err := dec.Decode(&n)
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					// yaml.v3 says "yaml: line N: ...": keep it after the file.
					return fmt.Errorf("%s: document %d: %v", rel, doc, err)
				}
			}
		})
	}}
}

// Gofmt returns a check that every Go file of the project parses and is
// formatted as gofmt formats it. A failure names the file and the first
// line that differs.
func Gofmt() MatrixCheck {
	return MatrixCheck{Name: "gofmt", Func: func(_ context.Context, p *Project) error {
		return walkFiles(p.Dir, []string{".go"}, func(rel string, data []byte) error {
			got, err := format.Source(data)
			if err != nil {
				return fmt.Errorf("%s:%v", rel, err) // format says "LINE:COL: ..."
			}
			if bytes.Equal(got, data) {
				return nil
			}
			a, b := strings.Split(string(data), "\n"), strings.Split(string(got), "\n")
			line := 0
			for line < len(a) && line < len(b) && a[line] == b[line] {
				line++
			}
			want := ""
			if line < len(b) {
				want = b[line]
			}
			return fmt.Errorf("%s:%d: not gofmt-formatted: want %q", rel, line+1, want)
		})
	}}
}

// Command returns a check that runs name with args in the project's
// directory, with the test's environment, and fails with its output when
// it exits non-zero. The command is the author's test code: rendering a
// blueprint never runs one.
func Command(name string, args ...string) MatrixCheck {
	return CommandEnv(nil, name, args...)
}

// CommandEnv is Command with env (KEY=VALUE) added to the environment.
func CommandEnv(env []string, name string, args ...string) MatrixCheck {
	label := strings.Join(append([]string{name}, args...), " ")
	return MatrixCheck{Name: label, Func: func(ctx context.Context, p *Project) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = p.Dir
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			const max = 4 << 10
			if len(out) > max {
				out = append([]byte("…"), out[len(out)-max:]...)
			}
			return fmt.Errorf("%w\n%s", err, bytes.TrimSpace(out))
		}
		return nil
	}}
}
