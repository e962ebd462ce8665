package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// interruptBlueprint writes a blueprint of n template files, each holding
// the name parameter, and returns its directory. With header, every file
// starts with it: another version of the same blueprint.
func interruptBlueprint(t *testing.T, version, header string, n int) string {
	t.Helper()
	dir := t.TempDir()
	write := func(p, data string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
	write(filepath.Join(dir, "blueprint.cue"), fmt.Sprintf(`name: "many"
version: %q
description: "many files"
owner: "platform"
parameters: name: string | *"alpha"
`, version))
	for i := range n {
		write(filepath.Join(dir, "template", fmt.Sprintf("d%d/f%d.txt.tmpl", i%13, i)),
			header+strings.Repeat(fmt.Sprintf("line %d of {{.name}}\n", i), 30))
	}
	return dir
}

// gpBinary returns a path that runs this test binary as gp (testscript.Main
// dispatches on the program's name).
func gpBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "gp")
	require.NoError(t, os.Symlink(self, bin))
	return bin
}

// gpRun runs gp in this process and returns its exit code, stdout and
// stderr.
func gpRun(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, nil, &out, &errb)
	return code, out.String(), errb.String()
}

// interruptEnv keeps the user's settings out of the commands.
func interruptEnv(t *testing.T) []string {
	env := []string{"GP_CACHE=" + t.TempDir(), "GP_STORE=", "GP_DECISIONS=", "GP_CATALOG="}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return env
}

// killInCommit starts gp with args, which applies a change to the project
// in dir, and watches for the journal that commits the change
// (.goldenpath/journal.json). With within > 0 it kills gp with SIGKILL at a
// random point of the first within after the journal appears, in the
// middle of the commit; otherwise it lets gp finish. It returns how long the
// commit took (from the journal's appearance to its removal) when gp
// finished, and whether the kill came after the journal appeared.
func killInCommit(t *testing.T, bin string, env []string, dir string, within time.Duration, args ...string) (commit time.Duration, inCommit bool) {
	t.Helper()
	commit, _, inCommit = killAt(t, bin, env, dir, within, 0, args...)
	return commit, inCommit
}

// killInStaging starts gp with args like killInCommit, and kills it with
// SIGKILL at a random point of the first within after it started: while it
// stages the new files, before it commits them, when within is the
// staging time killAt measured. It reports whether the journal had
// appeared by then (the kill came late, in the commit).
func killInStaging(t *testing.T, bin string, env []string, dir string, within time.Duration, args ...string) (journal bool) {
	t.Helper()
	_, _, journal = killAt(t, bin, env, dir, 0, within, args...)
	return journal
}

// killAt is killInCommit (within > 0) and killInStaging (staging > 0);
// with neither it lets gp finish, and returns how long the commit took and
// how long gp took from its start to the journal's appearance (staging).
func killAt(t *testing.T, bin string, env []string, dir string, within, staging time.Duration, args ...string) (commit, staged time.Duration, journalSeen bool) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	exited := make(chan error, 1)
	start := time.Now()
	require.NoError(t, cmd.Start())
	go func() { exited <- cmd.Wait() }()
	journal := filepath.Join(dir, ".goldenpath", "journal.json")
	var seen time.Time
	var kill <-chan time.Time
	if staging > 0 {
		kill = time.After(time.Duration(rand.Int64N(int64(staging))))
	}
	for {
		select {
		case err := <-exited:
			require.NoError(t, err, stderr.String())
			if !seen.IsZero() {
				commit, staged = time.Since(seen), seen.Sub(start)
			}
			return commit, staged, false
		case <-kill:
			_ = cmd.Process.Kill() // SIGKILL: no chance to clean up
			<-exited
			if staging > 0 {
				_, err := os.Stat(journal)
				return 0, 0, err == nil
			}
			return 0, 0, true
		case <-time.After(200 * time.Microsecond):
		}
		if seen.IsZero() {
			if _, err := os.Stat(journal); err == nil {
				seen = time.Now()
				if within > 0 {
					kill = time.After(time.Duration(rand.Int64N(int64(within) + 1)))
				}
			}
		}
	}
}

// pendingMessage is what a reading command says of a project with an
// interrupted apply pending.
func pendingMessage(dir string) string {
	return fmt.Sprintf("an interrupted apply is pending in %s: run gp recover %s", dir, dir)
}

// seesOneVersion runs the commands that read a project and checks that each
// either refuses it, naming gp recover, or sees one version of it whole: a
// scan finds no drift (nobody edited the project), and a dry run of the
// given render sees every file unchanged or every file changed. It reports
// whether the commands refused. With mustRead, refusing is a failure.
func seesOneVersion(t *testing.T, dir string, mustRead bool, dryRun ...string) (refused bool) {
	t.Helper()
	code, out, errOut := gpRun("scan", dir, "--json")
	if code != 0 {
		require.False(t, mustRead, "gp scan: %s", errOut)
		require.Contains(t, errOut, pendingMessage(dir))
		refused = true
	} else {
		var sigs []struct {
			Source string `json:"source"`
			File   string `json:"file"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &sigs))
		for _, s := range sigs {
			require.NotEqual(t, "drift", s.Source, "gp scan saw drift in %s: the project is a mix of two versions", s.File)
		}
	}

	code, out, errOut = gpRun(append(dryRun, "--dry-run", "--json")...)
	if code != 0 {
		require.False(t, mustRead, "gp %s: %s", dryRun[0], errOut)
		require.Contains(t, errOut, pendingMessage(dir))
		require.True(t, refused, "gp scan read the project, gp %s refused it", dryRun[0])
		return true
	}
	require.False(t, refused, "gp scan refused the project, gp %s read it", dryRun[0])
	type change struct {
		Path   string `json:"path"`
		Change string `json:"change"`
	}
	var plan struct {
		Changes []change `json:"changes"` // gp render --dry-run
		Files   []change `json:"files"`   // gp upgrade --dry-run
	}
	require.NoError(t, json.Unmarshal([]byte(out), &plan))
	seen := map[string]int{}
	for _, c := range append(plan.Changes, plan.Files...) {
		seen[c.Change]++
	}
	require.Len(t, seen, 1, "gp %s --dry-run saw %v: the project is a mix of two versions", dryRun[0], seen)
	return false
}

// TestKilledRenderNeverReadAsAMix kills gp render with SIGKILL at random
// points of re-renders of a project and checks, after each kill, that every
// command reading the project either refuses it (run gp recover) or sees one
// version whole; after gp recover they all see one version.
func TestKilledRenderNeverReadAsAMix(t *testing.T) {
	if testing.Short() {
		t.Skip("starts gp processes and kills them")
	}
	env := interruptEnv(t)
	bin := gpBinary(t)
	bp := interruptBlueprint(t, "1.0.0", "", 400)
	dir := filepath.Join(t.TempDir(), "p")
	renderAs := func(name string) []string { return []string{"render", bp, "-o", dir, "--set", "name=" + name} }

	code, _, errOut := gpRun(renderAs("alpha")...)
	require.Zero(t, code, errOut)
	// A re-render commits through a journal; how long it takes bounds
	// where the kills land.
	commit, staging, _ := killAt(t, bin, env, dir, 0, 0, renderAs("beta")...)
	require.NotZero(t, commit, "the re-render committed no journal")
	seesOneVersion(t, dir, true, renderAs("beta")...)

	// Kills while gp stages the new files, before any journal: the project
	// is the old version, read as it is, nothing pending.
	staged, rounds := 0, 8
	for i := range rounds {
		name := []string{"alpha", "beta"}[i%2]
		journal := killInStaging(t, bin, env, dir, staging, renderAs(name)...)
		if !journal {
			staged++
		}
		seesOneVersion(t, dir, !journal, renderAs(name)...)
		code, _, errOut := gpRun("recover", dir)
		require.Zero(t, code, errOut)
		if journal { // otherwise recover had nothing to do, and was read above
			seesOneVersion(t, dir, true, renderAs(name)...)
		}
	}
	t.Logf("staging takes %v; %d of %d kills landed before the journal", staging, staged, rounds)

	pending, rounds := 0, 8
	for i := range rounds {
		name := []string{"alpha", "beta"}[i%2]
		if _, killed := killInCommit(t, bin, env, dir, commit, renderAs(name)...); !killed {
			continue
		}
		if seesOneVersion(t, dir, false, renderAs(name)...) {
			pending++
		}
		code, _, errOut := gpRun("recover", dir)
		require.Zero(t, code, errOut)
		seesOneVersion(t, dir, true, renderAs(name)...)
	}
	t.Logf("a commit takes %v; %d of %d kills in the commit left an interrupted apply pending", commit, pending, rounds)
}

// TestKilledUpgradeNeverReadAsAMix is TestKilledRenderNeverReadAsAMix for
// gp upgrade: after a kill the project is refused, or it is the old version
// or the new one, whole.
func TestKilledUpgradeNeverReadAsAMix(t *testing.T) {
	if testing.Short() {
		t.Skip("starts gp processes and kills them")
	}
	env := interruptEnv(t)
	bin := gpBinary(t)
	v1 := interruptBlueprint(t, "1.0.0", "", 400)
	v2 := interruptBlueprint(t, "2.0.0", "version two\n", 400)
	seed := filepath.Join(t.TempDir(), "seed")
	code, _, errOut := gpRun("render", v1, "-o", seed, "--set", "name=alpha")
	require.Zero(t, code, errOut)
	upgrade := func(dir string) []string { return []string{"upgrade", dir, "--to", v2} }

	first := filepath.Join(t.TempDir(), "first")
	require.NoError(t, os.CopyFS(first, os.DirFS(seed)))
	commit, staging, _ := killAt(t, bin, env, first, 0, 0, upgrade(first)...)
	require.NotZero(t, commit, "the upgrade committed no journal")
	seesOneVersion(t, first, true, upgrade(first)...)

	// Kills while gp stages, before any journal: the old version, whole.
	staged, rounds := 0, 8
	for i := range rounds {
		dir := filepath.Join(t.TempDir(), fmt.Sprint("s", i))
		require.NoError(t, os.CopyFS(dir, os.DirFS(seed)))
		journal := killInStaging(t, bin, env, dir, staging, upgrade(dir)...)
		if !journal {
			staged++
		}
		seesOneVersion(t, dir, !journal, upgrade(dir)...)
		code, _, errOut := gpRun("recover", dir)
		require.Zero(t, code, errOut)
		if journal { // otherwise recover had nothing to do, and was read above
			seesOneVersion(t, dir, true, upgrade(dir)...)
		}
	}
	t.Logf("staging takes %v; %d of %d kills landed before the journal", staging, staged, rounds)

	pending, rounds := 0, 8
	for i := range rounds {
		dir := filepath.Join(t.TempDir(), fmt.Sprint("p", i))
		require.NoError(t, os.CopyFS(dir, os.DirFS(seed)))
		if _, killed := killInCommit(t, bin, env, dir, commit, upgrade(dir)...); !killed {
			continue
		}
		if seesOneVersion(t, dir, false, upgrade(dir)...) {
			pending++
		}
		code, _, errOut := gpRun("recover", dir)
		require.Zero(t, code, errOut)
		seesOneVersion(t, dir, true, upgrade(dir)...)
	}
	t.Logf("a commit takes %v; %d of %d kills in the commit left an interrupted apply pending", commit, pending, rounds)
}
