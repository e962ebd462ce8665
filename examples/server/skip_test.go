package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestSkipBrowserUnderCI runs TestPatternsInNode in a child test process
// with GP_SKIP_BROWSER=1: it skips, naming the variable, and with CI set it
// fails instead, since CI must run every test.
func TestSkipBrowserUnderCI(t *testing.T) {
	for _, tc := range []struct {
		name, ci string
		fails    bool
		want     string
	}{
		{"outside CI", "", false, "--- SKIP: TestPatternsInNode"},
		{"with CI set", "true", true, "GP_SKIP_BROWSER=1 skips the tests that run a browser or node (CI is set, so this fails instead of skipping)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestPatternsInNode$", "-test.v", "-test.count=1")
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "CI=") && !strings.HasPrefix(kv, "GP_SKIP_BROWSER=") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, "GP_SKIP_BROWSER=1", "CI="+tc.ci)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			switch {
			case tc.fails && !errors.As(err, &ee):
				t.Errorf("the child passed (%v), want a failure:\n%s", err, out)
			case !tc.fails && err != nil:
				t.Errorf("the child failed (%v), want a skip:\n%s", err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("the child's output lacks %q:\n%s", tc.want, out)
			}
		})
	}
}
