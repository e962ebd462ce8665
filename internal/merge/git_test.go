package merge

import (
	"github.com/goldenpath-dev/goldenpath/internal/systempart"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gitMergeFile runs git merge-file -p on the three texts and returns the
// merged text. It skips the test when git is not installed.
func gitMergeFile(t *testing.T, base, ours, theirs string, diff3 bool) string {
	t.Helper()
	systempart.Tool(t, "git", "Debian: apt-get install git")
	dir := t.TempDir()
	paths := make([]string, 3)
	for i, s := range []string{ours, base, theirs} {
		paths[i] = filepath.Join(dir, []string{"ours", "base", "theirs"}[i])
		require.NoError(t, os.WriteFile(paths[i], []byte(s), 0o644))
	}
	args := []string{"merge-file", "-p", "-L", "ours", "-L", "base", "-L", "theirs"}
	if diff3 {
		args = append(args, "--diff3")
	}
	cmd := exec.Command("git", append(args, paths...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.Output()
	if err != nil {
		// The exit status is the number of conflicts.
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() < 0 || ee.ExitCode() > 127 {
			t.Fatalf("git %v: %v", args, err)
		}
	}
	return string(out)
}

// TestGitTable checks the table of TestLinesTable against git merge-file.
func TestGitTable(t *testing.T) {
	for _, tc := range lineCases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, gitMergeFile(t, tc.base, tc.ours, tc.theirs, tc.diff3), tc.want)
		})
	}
}
