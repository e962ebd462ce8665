package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelp builds benchbaseline and runs it with --help: the usage and
// every flag as gp shows them (two dashes, one for a single letter), exit 0.
func TestHelp(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "benchbaseline")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("benchbaseline --help: %v\n%s", err, out)
	}
	for _, want := range []string{
		"usage: benchbaseline -t TEMPLATE_DIR -o OUT [--projects N]\n",
		"\n  --check          hash-compare",
		"\n  --files N        ",
		"\n  --gen DIR        ",
		"\n  -o OUT           ",
		"\n  --projects N     ",
		"\n  -t TEMPLATE_DIR  ",
		"\n  -h, --help       show this help\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "\n  -check") || strings.Contains(string(out), "\n  -files") {
		t.Errorf("--help shows a long flag with one dash:\n%s", out)
	}
}
