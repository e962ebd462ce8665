package systempart_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/internal/systempart"
)

// TestChildMissingTool is run by TestMissingToolUnderCI in a child process.
func TestChildMissingTool(t *testing.T) {
	if os.Getenv("SYSTEMPART_CHILD") != "1" {
		t.Skip("run by TestMissingToolUnderCI")
	}
	systempart.Tool(t, "gp-no-such-tool", "nothing installs it")
	t.Error("Tool returned for a missing program")
}

// TestMissingToolUnderCI checks in a child test process that a missing
// tool skips the test, naming it, and fails it with $CI set.
func TestMissingToolUnderCI(t *testing.T) {
	for _, tc := range []struct {
		ci    string
		fails bool
		want  string
	}{
		{"", false, "--- SKIP: TestChildMissingTool"},
		{"true", true, "gp-no-such-tool is not installed: nothing installs it (CI is set, so this fails instead of skipping)"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildMissingTool$", "-test.v", "-test.count=1")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "CI=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "SYSTEMPART_CHILD=1", "CI="+tc.ci)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if tc.fails != errors.As(err, &ee) || !tc.fails && err != nil {
			t.Errorf("CI=%q: the child ended with %v, want failure %v:\n%s", tc.ci, err, tc.fails, out)
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("CI=%q: the child's output lacks %q:\n%s", tc.ci, tc.want, out)
		}
	}
}

func TestToolFound(t *testing.T) {
	if p := systempart.Tool(t, "go", "the Go toolchain"); p == "" {
		t.Error("no path for go")
	}
}
