package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestUpgradeConflictRepro runs the conflict of a YAML list as a team
// meets it: go-service 1.4.0 rendered, the name of its container's port
// (or of its first environment variable) deleted, an upgrade to 2.0.0. It
// exits 3 with markers in the file, or in the withheld copy, at the line
// and key it prints; every later upgrade, render and scan exits 3 until
// the team resolves the conflict.
func TestUpgradeConflictRepro(t *testing.T) {
	t.Setenv("GP_CACHE", t.TempDir())
	t.Setenv("GP_CATALOG", "")
	const (
		v1  = "../../testdata/blueprints/go-service"
		v2  = "../../testdata/blueprints/go-service-v2"
		dep = "deploy/k8s/deployment.yaml"
	)
	for _, tc := range []struct {
		name, line string
		withhold   bool
	}{
		{"port", "            - name: http\n", false},
		{"port withheld", "            - name: http\n", true},
		{"env", "            - name: PORT\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "p")
			code, _, errOut := gp(t, "render", v1, "-o", p, "--set", "name=orders")
			require.Equal(t, 0, code, errOut)
			file := filepath.Join(p, dep)
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			edited := strings.Replace(string(data), tc.line, "", 1)
			require.NoError(t, os.WriteFile(file, []byte(edited), 0o644))

			args := []string{"upgrade", p, "--to", v2}
			if tc.withhold {
				args = append(args, "--withhold")
			}
			code, out, errOut := gp(t, args...)
			require.Equal(t, exitConflicts, code, "%s\n%s", out, errOut)
			assert.Contains(t, out, "conflict at ")
			assert.Contains(t, out, "(key spec.template.spec.containers)")
			marked := file
			if tc.withhold {
				got, err := os.ReadFile(file)
				require.NoError(t, err)
				assert.Equal(t, edited, string(got), "withheld: the file is left as it was")
				marked = filepath.Join(p, ".goldenpath/conflicts", dep)
			}
			text, err := os.ReadFile(marked)
			require.NoError(t, err)
			var line int
			for i, l := range strings.Split(string(text), "\n") {
				if strings.HasPrefix(l, "<<<<<<< project") {
					line = i + 1
					break
				}
			}
			require.NotZero(t, line, "no markers in %s:\n%s", marked, text)
			rel, _ := filepath.Rel(p, marked)
			assert.Contains(t, errOut, filepath.ToSlash(rel)+":"+strconv.Itoa(line))

			// Remembered: exit 3 until resolved.
			for _, args := range [][]string{{"upgrade", p, "--to", v2}, {"render", v2, "-o", p, "--set", "name=orders", "--force"}, {"scan", p}} {
				code, _, errOut := gp(t, args...)
				assert.Equal(t, exitConflicts, code, "%v: %s", args, errOut)
				assert.Contains(t, errOut, dep+": ", "%v", args)
			}
			if !tc.withhold {
				code, _, errOut = gp(t, "upgrade", p, "--resolved", dep)
				assert.Equal(t, exitInvalid, code)
				assert.Contains(t, errOut, "still holds conflict markers")
				// The team takes 2.0.0's side.
				var keep []string
				in := true
				for _, l := range strings.SplitAfter(string(text), "\n") {
					switch {
					case strings.HasPrefix(l, "<<<<<<< "):
						in = false
					case l == "=======\n":
						in = true
					case strings.HasPrefix(l, ">>>>>>> "):
					case in:
						keep = append(keep, l)
					}
				}
				resolved := strings.Join(keep, "")
				var v any
				require.NoError(t, yaml.Unmarshal([]byte(resolved), &v), resolved)
				require.NoError(t, os.WriteFile(file, []byte(resolved), 0o644))
			}
			code, out, errOut = gp(t, "upgrade", p, "--resolved", filepath.Join(p, dep))
			require.Equal(t, 0, code, errOut)
			assert.Equal(t, "resolved "+dep+"\n", out)
			code, _, errOut = gp(t, "upgrade", p, "--to", v2)
			assert.Equal(t, 0, code, errOut)
		})
	}
}
