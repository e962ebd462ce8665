package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gp runs gp in process and returns its exit code, stdout and stderr.
func gp(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, nil, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

const (
	exampleDecisions = "../../testdata/decisions"
	exampleProject   = "../../testdata/decisions/_projects/orders"
)

// TestDecisionsOnTheExamples runs gp decisions on the repository's example
// decisions, blueprints and the orders project with its exceptions.
func TestDecisionsOnTheExamples(t *testing.T) {
	t.Setenv("GP_DECISIONS", exampleDecisions)
	t.Setenv("GP_CACHE", t.TempDir())

	code, out, errOut := gp(t, "decisions", "list", "--status", "superseded")
	if code != 0 || errOut != "" {
		t.Fatalf("list: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"ADR-0002  superseded  2024-02-19  0      Use MySQL for relational data", "ADR-0005"} {
		if !strings.Contains(out, want) {
			t.Errorf("list: %q does not contain %q", out, want)
		}
	}

	code, out, _ = gp(t, "decisions", "list", "--blueprint", "../../testdata/blueprints/terraform-module", "--json")
	var list listResult
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Decisions) != 3 || list.Decisions[0].ID != "ADR-0003" || list.Problems == nil {
		t.Errorf("list --blueprint --json: exit %d, %s", code, out)
	}

	code, out, _ = gp(t, "decisions", "show", "ADR-0005", "--json")
	var show struct {
		Decision struct {
			ID     string `json:"id"`
			Format string `json:"format"`
		} `json:"decision"`
		History []string `json:"history"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &show) != nil || show.Decision.Format != "adr-tools" || strings.Join(show.History, ",") != "ADR-0002,ADR-0005,ADR-0007" {
		t.Errorf("show --json: exit %d, %s", code, out)
	}

	code, out, errOut = gp(t, "decisions", "lint", "--date", "2026-11-30",
		"--blueprint", "../../testdata/blueprints/go-service", "--blueprint", "../../testdata/blueprints/preview-environment",
		"--blueprint", "../../testdata/blueprints/terraform-module", "--blueprint", "../../testdata/blueprints/demo-environment")
	if code != 0 || errOut != "" || !strings.Contains(out, "12 decisions, 4 blueprints: 0 errors, 2 warnings, 0 notes") {
		t.Errorf("lint: exit %d\n%s%s", code, out, errOut)
	}

	// The orders project: the memory limit was removed under an exception
	// that has expired; a test key is covered by an active one.
	code, out, errOut = gp(t, "decisions", "check", exampleProject, "--date", "2026-11-30",
		"--blueprint", "../../testdata/blueprints/go-service")
	if code != 1 {
		t.Errorf("check: exit %d, want 1\n%s%s", code, out, errOut)
	}
	proj := filepath.FromSlash(exampleProject)
	for _, want := range []string{
		"8 checks: 5 pass, 2 fail, 1 exempt, 0 error, 0 skip",
		filepath.Join(proj, "deploy/k8s/deployment.yaml") + ":45:13: ADR-0012/limits (enforce, high): spec.template.spec.containers.0.resources.limits.memory:",
		filepath.Join(proj, "certs/dev-tls.pem") + ": ADR-0014/private-keys (enforce, critical, exempt)",
		"../../testdata/blueprints/go-service/blueprint.cue:27:2: ADR-0013/team-set (warn, medium)",
		filepath.Join(proj, ".goldenpath/exceptions.yaml") + ":11:5: expired exception for ADR-0012/limits (expired 2026-04-30, approved by tom.okafor)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check: output does not contain %q:\n%s", want, out)
		}
	}
	if errOut != "gp: "+exampleProject+": 1 enforced rule failure\n" {
		t.Errorf("check: stderr %q", errOut)
	}
	// Before the exception expired, the project passed.
	if code, out, _ := gp(t, "decisions", "check", exampleProject, "--date", "2026-04-30"); code != 0 {
		t.Errorf("check on 2026-04-30: exit %d\n%s", code, out)
	}
}

// TestRenderRefusedByAnExampleDecision renders the preview environment
// with a TTL ADR-0015 forbids: refused with both positions, nothing
// written.
func TestRenderRefusedByAnExampleDecision(t *testing.T) {
	t.Setenv("GP_CACHE", t.TempDir())
	out := filepath.Join(t.TempDir(), "web")
	code, stdout, stderr := gp(t, "render", "../../testdata/blueprints/preview-environment", "-o", out,
		"--set", "service=web", "--set", "mergeRequest=42", "--set", "ttl=120h", "--decisions", exampleDecisions)
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	want := `../../testdata/blueprints/preview-environment/blueprint.cue:16:2: ADR-0015/max-ttl (enforce, high): ttl: preview environments live at most 72h (got "120h") [rule at ../../testdata/decisions/0015-preview-environments-expire.md:37:15]
gp: render refused: 1 enforced rule failure; nothing written
`
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s exists after a refused render", out)
	}
}
