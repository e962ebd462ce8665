package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gpExit runs gp in a process in dir and returns its exit status, standard
// output and standard error.
func gpExit(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := gpProcess(t, dir, []string{"GP_STORE=", "GP_CATALOG=", "GP_DECISIONS=", "GP_CACHE=" + t.TempDir()}, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, stdout.String(), stderr.String()
}

// gp propose as a user runs it, after gp render and gp scan: 4 of 8
// projects add the same make target naming themselves, 3 add a comment
// to main.go indented differently (a tab in one): the first is written
// as go-service 2.1.0, which gp render turns into each project's edited
// Makefile; the second is refused with the reason. Proposing only the
// refused one writes nothing and exits 1.
func TestProposeCommand(t *testing.T) {
	dir := t.TempDir()
	catalog, err := filepath.Abs("../../testdata/blueprints")
	require.NoError(t, err)
	src := filepath.Join(catalog, "go-service-v2")
	var names []string
	for i := range 8 {
		name := fmt.Sprintf("svc-%02d", i)
		names = append(names, name)
		set := []string{"render", src, "-o", name, "--set", "name=" + name}
		if i%3 == 0 {
			set = append(set, "--set", "tier=prod", "--set", "replicas=3")
		}
		gpOK(t, dir, nil, set...)
	}
	logs := func(name string) string {
		return "lint:\n\tgolangci-lint run\n\nlogs:\n\tkubectl logs -l app.kubernetes.io/name=" + name + " -f\n"
	}
	edit := func(name, file, old, new string) {
		p := filepath.Join(dir, name, file)
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Contains(t, string(data), old)
		require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644))
	}
	for _, name := range names[:4] {
		edit(name, "Makefile", "lint:\n\tgolangci-lint run\n", logs(name))
	}
	for i, name := range names[4:7] {
		indent := "  "
		if i == 1 {
			indent = "\t"
		}
		edit(name, "cmd/"+name+"/main.go", "package main\n", "package main\n\n"+indent+"// Built by the platform.\n")
	}
	gpOK(t, dir, nil, append([]string{"scan", "--store", "signals.jsonl"}, names...)...)

	code, out, errOut := gpExit(t, dir, "propose", "go-service", "--store", "signals.jsonl", "--catalog", catalog, "-o", "proposals", "--date", "2026-12-01")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "go-service 2.0.0 -> 2.1.0 (2026-12-01): 1 of 2 desire paths applied")
	assert.Contains(t, out, "+\tkubectl logs -l app.kubernetes.io/name={{.name}} -f")
	assert.Contains(t, out, "the new template reproduces the edit exactly in 4 projects, and 4 other projects render as before")
	assert.Regexp(t, `refused [0-9a-f]{16} cmd/\{\{\.name\}\}/main\.go\.tmpl \(3 projects\)`, out)
	assert.Contains(t, out, "no parameter explains")
	assert.Contains(t, errOut, "wrote go-service 2.1.0 to "+filepath.Join("proposals", "go-service-2.1.0"))

	next := filepath.Join(dir, "proposals", "go-service-2.1.0")
	changes, err := os.ReadFile(filepath.Join(next, "CHANGES.md"))
	require.NoError(t, err)
	assert.Contains(t, string(changes), "## 2.1.0 (2026-12-01)")
	assert.Contains(t, string(changes), "Made in 4 projects: svc-00, svc-01, svc-02, svc-03.")
	for _, name := range names[:2] {
		gpOK(t, dir, nil, "render", next, "-o", "fresh-"+name, "--set", "name="+name)
	}
	for _, name := range names[:1] {
		// svc-00 is prod: render it so.
		require.NoError(t, os.RemoveAll(filepath.Join(dir, "fresh-"+name)))
		gpOK(t, dir, nil, "render", next, "-o", "fresh-"+name, "--set", "name="+name, "--set", "tier=prod", "--set", "replicas=3")
	}
	for _, name := range names[:2] {
		want, err := os.ReadFile(filepath.Join(dir, name, "Makefile"))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(dir, "fresh-"+name, "Makefile"))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "2.1.0's Makefile for %s", name)
	}

	// Upgraded to the proposed version, a project that made the edit no
	// longer drifts, and one that did not has the new target.
	for _, name := range []string{"svc-01", "svc-07"} {
		gpOK(t, dir, nil, "upgrade", name, "--to", next)
		_, scanOut, _ := gpExit(t, dir, "scan", name, "--json")
		assert.NotContains(t, scanOut, `"file": "Makefile.tmpl"`, "%s drifts in its Makefile after the upgrade", name)
		mk, err := os.ReadFile(filepath.Join(dir, name, "Makefile"))
		require.NoError(t, err)
		assert.Contains(t, string(mk), "kubectl logs -l app.kubernetes.io/name="+name+" -f\n")
	}

	// JSON: the refused desire path alone.
	var refused string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "refused" {
			refused = f[1]
		}
	}
	code, out, errOut = gpExit(t, dir, "propose", "go-service@2.0.0", "--store", "signals.jsonl", "--catalog", catalog, "-o", "more", "--only", refused, "--json")
	require.Equal(t, 1, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	var res struct {
		Version string `json:"version"`
		Dir     string `json:"dir"`
		Changes []struct {
			HunkID, Status, Reason string
		} `json:"changes"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	require.Len(t, res.Changes, 1)
	assert.Equal(t, refused, res.Changes[0].HunkID)
	assert.Equal(t, "refused", res.Changes[0].Status)
	assert.Contains(t, res.Changes[0].Reason, `"\t// Built by the platform."`)
	assert.Empty(t, res.Dir)
	assert.Contains(t, errOut, "no desire path of go-service 2.0.0 could be applied: nothing written")
	_, err = os.Stat(filepath.Join(dir, "more"))
	assert.True(t, os.IsNotExist(err), "propose wrote %s", filepath.Join(dir, "more"))

	// A version the catalog has already is not proposed again.
	gpOK(t, dir, nil, append([]string{"scan", "--store", "signals.jsonl"}, names...)...)
	// (Most projects are still on 2.0.0: it is the version proposed from.)
	code, _, errOut = gpExit(t, dir, "propose", "go-service", "--store", "signals.jsonl", "--catalog", catalog, "--catalog", "proposals", "-o", "again")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "the catalog has go-service 2.1.0 already")

	code, _, errOut = gpExit(t, dir, "propose", "go-service", "--store", "signals.jsonl", "--catalog", catalog)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "-o DIR is required")
	code, _, errOut = gpExit(t, dir, "propose", "nothing", "--store", "signals.jsonl", "--catalog", catalog, "-o", "x")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "has no blueprint nothing")
}
