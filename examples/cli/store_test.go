package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore/pgtest"
	"github.com/goldenpath-dev/goldenpath/feedback/storetest"
	"github.com/goldenpath-dev/goldenpath/render"
)

// gpProcess runs gp, the test binary as the command testscript installs in
// $PATH, in dir: a process of its own.
func gpProcess(t *testing.T, dir string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("gp", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// gpOK runs gp in a process and returns its standard output, failing the
// test unless it exits with one of codes (0 when none is given).
func gpOK(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := gpProcess(t, dir, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "gp %s\nstderr: %s", strings.Join(args, " "), stderr.String())
	return stdout.String()
}

// storeIDs returns the IDs of the signals in the store at url, in order.
func storeIDs(t *testing.T, url string) []string {
	t.Helper()
	st, err := pgstore.Open(t.Context(), url, nil)
	require.NoError(t, err)
	defer st.Close()
	var ids []string
	for s, err := range st.Query(t.Context(), feedback.Filter{}) {
		require.NoError(t, err)
		ids = append(ids, s.ID)
	}
	return ids
}

// JSON Lines to PostgreSQL and back: nothing changes on the way, a second
// copy copies nothing more, and gp report reads either alike.
func TestStoreCopyPostgres(t *testing.T) {
	url := pgtest.Database(t)
	dir := t.TempDir()
	a := filepath.Join(dir, "a.jsonl")
	fst, err := feedback.OpenFileStore(a, nil)
	require.NoError(t, err)
	require.NoError(t, fst.Append(t.Context(), append([]feedback.Signal{storetest.Full()}, storetest.Signals("s", 2500)...)...))
	require.NoError(t, fst.Close())

	out := gpOK(t, dir, nil, "store", "copy", "a.jsonl", url)
	assert.Contains(t, out, "copied 2501 signals from a.jsonl to postgres://")
	gpOK(t, dir, nil, "store", "copy", "a.jsonl", url)
	assert.Len(t, storeIDs(t, url), 2501, "a second copy copies nothing more")

	gpOK(t, dir, nil, "store", "copy", url, "b.jsonl")
	want, err := os.ReadFile(a)
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dir, "b.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "the file copied back is the file copied")

	fromFile := gpOK(t, dir, nil, "report", "--store", "a.jsonl", "--date", "2026-12-01", "--format", "json")
	fromPG := gpOK(t, dir, []string{"GP_STORE=" + url}, "report", "--date", "2026-12-01", "--format", "json")
	assert.JSONEq(t, fromFile, fromPG, "gp report reads $GP_STORE, a PostgreSQL store, as it reads the file")

	cmd := gpProcess(t, dir, nil, "store", "copy", "missing.jsonl", url)
	outErr, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(outErr), "no signal store at missing.jsonl")
}

// writeApp writes the versions 1.0.0 and 2.0.0 of a small blueprint under
// dir/bp1 and dir/bp2.
func writeApp(t *testing.T, dir string) {
	t.Helper()
	for v, port := range map[string]string{"1": "8080", "2": "9090"} {
		files := map[string]string{
			"blueprint.cue": `name: "app"
version: "` + v + `.0.0"
description: "an app"
owner: "platform"
parameters: name: string & =~"^[a-z0-9]+$"
files: "README.md": level: "seeded"
`,
			"template/app.conf.tmpl":  "name = {{.name}}\nport = " + port + "\n",
			"template/README.md.tmpl": "# {{.name}}\n",
		}
		for name, body := range files {
			p := filepath.Join(dir, "bp"+v, name)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		}
	}
}

// writeTargets writes a targets file of n projects p0…p(n-1) from source.
func writeTargets(t *testing.T, path, source string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "{\"id\": \"p%d\", \"dir\": \"projects/p%d\", \"source\": %q, \"values\": {\"name\": \"p%d\"}}\n", i, i, source, i)
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
}

// Several gp scan processes append to one PostgreSQL store at once: every
// signal they report is stored, once.
func TestScanProcessesPostgres(t *testing.T) {
	url := pgtest.Database(t)
	dir := t.TempDir()
	writeApp(t, dir)
	writeTargets(t, filepath.Join(dir, "targets.jsonl"), "bp1", 8)
	gpOK(t, dir, nil, "fleet", "render", "--targets", "targets.jsonl")
	for i := range 8 {
		if i%2 == 0 { // drift in half of them
			p := filepath.Join(dir, "projects", "p"+strconv.Itoa(i), "app.conf")
			require.NoError(t, os.WriteFile(p, []byte("name = edited\nport = 8080\ntimeout = 30s\n"), 0o644))
		}
	}
	const shards = 4
	outs := make([][]byte, shards)
	var wg sync.WaitGroup
	for s := range shards {
		// Each process scans two projects, twice: a scan is a new
		// observation, with new IDs.
		args := []string{"scan", "--store", url, "--json"}
		for _, p := range []int{2 * s, 2*s + 1, 2 * s, 2*s + 1} {
			args = append(args, "projects/p"+strconv.Itoa(p))
		}
		cmd := gpProcess(t, dir, nil, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		wg.Go(func() {
			out, err := cmd.Output()
			assert.NoError(t, err, stderr.String())
			outs[s] = out
		})
	}
	wg.Wait()
	var reported []string
	for _, out := range outs {
		var sigs []feedback.Signal
		require.NoError(t, json.Unmarshal(out, &sigs))
		for _, s := range sigs {
			reported = append(reported, s.ID)
		}
	}
	stored := storeIDs(t, url)
	require.NotEmpty(t, reported)
	slices.Sort(reported)
	slices.Sort(stored)
	assert.Equal(t, reported, stored, "every signal the scans reported is stored once")
	assert.Len(t, slices.Compact(slices.Clone(stored)), len(stored))
}

// n gp fleet upgrade processes, one per shard, share one PostgreSQL store:
// every project is upgraded by exactly one of them, and its signal is
// stored once, even when a shard runs again.
func TestFleetShardsPostgres(t *testing.T) {
	url := pgtest.Database(t)
	dir := t.TempDir()
	writeApp(t, dir)
	const projects, shards = 24, 4
	writeTargets(t, filepath.Join(dir, "render.jsonl"), "bp1", projects)
	writeTargets(t, filepath.Join(dir, "upgrade.jsonl"), "bp2", projects)
	gpOK(t, dir, nil, "fleet", "render", "--targets", "render.jsonl")

	shardRun := func(i int) *exec.Cmd {
		// Half the shards as a Kubernetes Indexed Job runs them, half as a
		// CI matrix does.
		if i%2 == 0 {
			return gpProcess(t, dir, []string{"JOB_COMPLETION_INDEX=" + strconv.Itoa(i), "GP_SHARDS=" + strconv.Itoa(shards)},
				"fleet", "upgrade", "--targets", "upgrade.jsonl", "--store", url, "--json", "--concurrency", "2")
		}
		return gpProcess(t, dir, []string{"GP_STORE=" + url},
			"fleet", "upgrade", "--targets", "upgrade.jsonl", "--shard", fmt.Sprintf("%d/%d", i+1, shards), "--json", "--concurrency", "2")
	}
	outs := make([][]byte, shards)
	var wg sync.WaitGroup
	for i := range shards {
		cmd := shardRun(i)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		wg.Go(func() {
			out, err := cmd.Output()
			assert.NoError(t, err, "shard %d: %s", i, stderr.String())
			outs[i] = out
		})
	}
	wg.Wait()

	upgraded := map[string]int{}
	for i, out := range outs {
		var fo fleetOutput
		require.NoError(t, json.Unmarshal(out, &fo), "shard %d", i)
		for _, r := range fo.Results {
			assert.Equal(t, render.FleetOK, r.Status, r.ID)
			upgraded[r.ID]++
		}
	}
	assert.Len(t, upgraded, projects)
	for id, n := range upgraded {
		assert.Equal(t, 1, n, "%s upgraded by %d shards", id, n)
		m, err := render.ReadManifest(filepath.Join(dir, "projects", id))
		require.NoError(t, err)
		assert.Equal(t, "2.0.0", m.Blueprint.Version, id)
	}

	check := func() {
		st, err := pgstore.Open(t.Context(), url, nil)
		require.NoError(t, err)
		defer st.Close()
		per := map[string]int{}
		for s, err := range st.Query(t.Context(), feedback.Filter{Source: feedback.SourceUpgrade}) {
			require.NoError(t, err)
			if s.File != "" {
				continue // an outcome per file; the target's signal has none
			}
			per[s.Subject.Project]++
			assert.Equal(t, feedback.ResultPass, s.Result)
			assert.Equal(t, "app", s.Subject.Blueprint)
			assert.Equal(t, "2.0.0", s.Subject.Version)
		}
		assert.Len(t, per, projects)
		for p, n := range per {
			assert.Equal(t, 1, n, "%s has %d upgrade signals", p, n)
		}
	}
	check()
	// A shard run again (a restarted pod) upgrades nothing and records
	// nothing new.
	out, err := shardRun(0).Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), `"status": "ok"`)
	check()
}

// For every n from 1 to 16, the shards JOB_COMPLETION_INDEX 0…n-1 select
// every target of a generated targets file exactly once.
func TestShardsCoverTargets(t *testing.T) {
	dir := t.TempDir()
	const n = 300
	file := filepath.Join(dir, "targets.jsonl")
	var b strings.Builder
	for i := range n {
		// Ids of many shapes; the dirs do not exist, so each target fails
		// at once, which is all this test needs of it.
		fmt.Fprintf(&b, "{\"id\": \"team-%d/service.%x\", \"dir\": \"none/%d\"}\n", i%17, i*7919, i)
	}
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o644))
	for shards := 1; shards <= 16; shards++ {
		seen := map[string]int{}
		for i := range shards {
			t.Setenv("JOB_COMPLETION_INDEX", strconv.Itoa(i))
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"fleet", "check", "--targets", file, "--shards", strconv.Itoa(shards), "--json"}, nil, &stdout, &stderr)
			require.Equal(t, exitInvalid, code, stderr.String())
			var fo fleetOutput
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &fo))
			for _, r := range fo.Results {
				seen[r.ID]++
			}
		}
		require.Len(t, seen, n, "%d shards", shards)
		for id, c := range seen {
			require.Equal(t, 1, c, "%s in %d of %d shards", id, c, shards)
		}
	}
}

func TestShardOf(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		shard  string
		shards int
		env    func(string) string
		i, n   int
		err    string
	}{
		{env: env(), i: 0, n: 0},
		{shard: "2/8", env: env("JOB_COMPLETION_INDEX", "5"), i: 2, n: 8},
		{shards: 8, env: env("JOB_COMPLETION_INDEX", "0"), i: 1, n: 8},
		{shards: 8, env: env("JOB_COMPLETION_INDEX", "7"), i: 8, n: 8},
		{env: env("JOB_COMPLETION_INDEX", "3", "GP_SHARDS", "4"), i: 4, n: 4},
		{shards: 2, env: env("JOB_COMPLETION_INDEX", "3", "GP_SHARDS", "4"), i: 0, n: 0, err: "want 0 to 1 for 2 shards"},
		{shards: 8, env: env("JOB_COMPLETION_INDEX", "8"), err: "want 0 to 7"},
		{shards: 8, env: env("JOB_COMPLETION_INDEX", "x"), err: "want 0 to 7"},
		{env: env("JOB_COMPLETION_INDEX", "1"), err: "give the job's completions with --shards N"},
		{shards: 3, env: env(), err: "needs $JOB_COMPLETION_INDEX"},
		{env: env("GP_SHARDS", "zero"), err: "$GP_SHARDS"},
		{shard: "3/2", env: env(), err: "want I/N"},
	} {
		i, n, err := shardOf(tc.shard, tc.shards, tc.env)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, "%+v", tc)
			continue
		}
		assert.NoError(t, err, "%+v", tc)
		assert.Equal(t, [2]int{tc.i, tc.n}, [2]int{i, n}, "%+v", tc)
	}
}

// The fleet examples (examples/fleet) use flags gp has, and split the fleet
// into as many shards as they run.
func TestFleetExamples(t *testing.T) {
	// gpArgs returns the flags and arguments of "gp fleet …" in a command
	// line, checked against the fleet command's flags.
	gpArgs := func(line string) []string {
		t.Helper()
		_, rest, ok := strings.Cut(line, "gp fleet ")
		require.True(t, ok, line)
		// ${{ matrix.shard }} becomes {matrix.shard}; the output's
		// redirection ends the command.
		rest = regexp.MustCompile(`\$\{\{\s*(\S+)\s*\}\}`).ReplaceAllString(rest, "{$1}")
		rest, _, _ = strings.Cut(rest, ">")
		args := strings.Fields(strings.ReplaceAll(rest, `"`, ""))
		fs, _ := fleetCmd.newFlagSet()
		pos, err := parseInterspersed(fs, args)
		require.NoError(t, err, line)
		assert.Equal(t, []string{"upgrade"}, pos)
		assert.NotEmpty(t, fs.Lookup("store").Value.String(), "the shards share a store")
		return args
	}

	var job struct {
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int    `yaml:"completions"`
			Parallelism    int    `yaml:"parallelism"`
			Template       struct {
				Spec struct {
					Containers []struct {
						Args []string `yaml:"args"`
						Env  []struct {
							Name  string `yaml:"name"`
							Value string `yaml:"value"`
						} `yaml:"env"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	data, err := os.ReadFile("../fleet/indexed-job.yaml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &job))
	assert.Equal(t, "Indexed", job.Spec.CompletionMode)
	c := job.Spec.Template.Spec.Containers[0]
	shards := ""
	for _, e := range c.Env {
		if e.Name == "GP_SHARDS" {
			shards = e.Value
		}
	}
	assert.Equal(t, strconv.Itoa(job.Spec.Completions), shards, "GP_SHARDS is the job's completions")
	assert.Equal(t, job.Spec.Completions, job.Spec.Parallelism)
	gpArgs(strings.Join(c.Args, " "))

	var wf struct {
		Jobs map[string]struct {
			Strategy struct {
				Matrix struct {
					Shard []int `yaml:"shard"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	data, err = os.ReadFile("../fleet/ci-matrix.yml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &wf))
	up := wf.Jobs["upgrade"]
	n := len(up.Strategy.Matrix.Shard)
	for i, s := range up.Strategy.Matrix.Shard {
		assert.Equal(t, i+1, s, "the matrix lists shards 1 to N")
	}
	found := false
	for _, st := range up.Steps {
		if strings.Contains(st.Run, "gp fleet ") {
			found = true
			args := gpArgs(st.Run)
			i := slices.Index(args, "--shard")
			require.GreaterOrEqual(t, i, 0)
			assert.Equal(t, fmt.Sprintf("{matrix.shard}/%d", n), args[i+1])
		}
	}
	assert.True(t, found, "the workflow runs gp fleet")
}
