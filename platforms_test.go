package goldenpath_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The platforms the library supports (README, "Platforms"): a partner's
// module that imports every public package and vendors goldenpath builds for
// each. .ci/run vets all six GOOS/GOARCH pairs; this test builds one
// architecture of each system, as a partner's release would.
var platforms = []struct{ goos, goarch string }{
	{"linux", "amd64"},
	{"darwin", "arm64"},
	{"windows", "amd64"},
}

func TestPartnerModuleBuildsOnEveryPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module for three systems")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	repo, err := filepath.Abs(".")
	require.NoError(t, err)

	// Every public package, as `go list` sees them now: new packages are
	// covered without editing this test.
	out := goCmd(t, repo, nil, "list", "./...")
	var imports []string
	for _, pkg := range strings.Fields(out) {
		if !strings.Contains(pkg+"/", "/internal/") {
			imports = append(imports, pkg)
		}
	}
	require.Contains(t, imports, "github.com/goldenpath-dev/goldenpath/render")

	// The partner's module requires what the library requires (so no module
	// is looked up), plus the library itself from this checkout.
	mod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	require.NoError(t, err)
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	require.NoError(t, err)
	gomod := strings.Replace(string(mod), "module github.com/goldenpath-dev/goldenpath\n",
		"module example.com/partner\n", 1)
	require.NotEqual(t, string(mod), gomod, "the library's module line moved")
	gomod += fmt.Sprintf("\nrequire github.com/goldenpath-dev/goldenpath v0.0.0\n\nreplace github.com/goldenpath-dev/goldenpath => %s\n",
		filepath.ToSlash(repo))

	var main bytes.Buffer
	main.WriteString("// Command partner links every public package of goldenpath.\npackage main\n\nimport (\n")
	for _, pkg := range imports {
		fmt.Fprintf(&main, "\t_ %q\n", pkg)
	}
	main.WriteString(")\n\nfunc main() {}\n")

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), main.Bytes(), 0o644))

	// tidy settles the requirements the library's tests alone need; vendor
	// is what a partner who ships goldenpath does.
	goCmd(t, dir, nil, "mod", "tidy")
	goCmd(t, dir, nil, "mod", "vendor")
	for _, p := range platforms {
		t.Run(p.goos+"-"+p.goarch, func(t *testing.T) {
			// -trimpath keeps the temporary directory out of the build
			// cache's keys, so a second run reuses the first one's work.
			goCmd(t, dir, []string{"GOOS=" + p.goos, "GOARCH=" + p.goarch, "CGO_ENABLED=0"},
				"build", "-mod=vendor", "-trimpath", "-o", os.DevNull, ".")
		})
	}
}

// goCmd runs the go command in dir, outside any workspace, and returns its
// standard output; a failure fails the test with its output.
func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=", "GOTOOLCHAIN=local")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "go %s in %s:\n%s", strings.Join(args, " "), dir, stderr.String())
	return stdout.String()
}
