package render_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/render"
)

// fleetBlueprint writes a blueprint directory (not loaded) and returns it.
func fleetBlueprint(t testing.TB, version, body string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "blueprint.cue"), fmt.Sprintf(`name: "fleet"
version: %q
description: "a fleet's blueprint"
owner: "platform"
parameters: {
	name: string & =~"^[a-z]+[0-9]*$"
	n: int | *1
}
files: "README.md": level: "seeded"
`, version), 0o644)
	writeFile(t, filepath.Join(dir, "template", "app.conf.tmpl"), "name = {{.name}}\nn = {{.n}}\n"+body, 0o644)
	writeFile(t, filepath.Join(dir, "template", "README.md.tmpl"), "# {{.name}}\n", 0o644)
	return dir
}

func fleetTargets(root, source string, n int) []render.Target {
	var ts []render.Target
	for i := range n {
		ts = append(ts, render.Target{
			ID:     fmt.Sprintf("svc%02d", i),
			Dir:    filepath.Join(root, fmt.Sprintf("svc%02d", i)),
			Source: source,
			Values: map[string]any{"name": fmt.Sprintf("svc%d", i), "n": i},
		})
	}
	return ts
}

func localLoad(t testing.TB) *blueprint.Options {
	t.Helper()
	s, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: t.TempDir()})
	require.NoError(t, err)
	return &blueprint.Options{Fetcher: s}
}

func TestFleetRender(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	src := fleetBlueprint(t, "1.0.0", "")
	root := t.TempDir()
	targets := fleetTargets(root, src, 20)
	targets[7].Values["name"] = "Bad_Name"

	var progress []render.FleetProgress
	results := map[string]render.FleetResult{}
	sum, err := e.Fleet(ctx, targets, &render.FleetOptions{
		Op: render.FleetRender, Concurrency: 4, Load: localLoad(t),
		Progress: func(p render.FleetProgress) { progress = append(progress, p) },
		Result:   func(r render.FleetResult) { results[r.ID] = r },
	})
	require.NoError(t, err, "a failed target does not fail the run")
	assert.Equal(t, 20, sum.Total)
	assert.Equal(t, 19, sum.Statuses[render.FleetOK])
	assert.Equal(t, 1, sum.Statuses[render.FleetFailed])
	assert.Equal(t, 19*2, sum.Files)
	require.Len(t, progress, 20)
	for i, p := range progress {
		assert.Equal(t, i+1, p.Done)
		assert.Equal(t, 20, p.Total)
	}
	assert.Equal(t, 1, progress[19].Failed)
	assert.Contains(t, results["svc07"].Error, "name")
	assert.NoDirExists(t, targets[7].Dir, "a failed target writes nothing")
	for i, tg := range targets {
		if i == 7 {
			continue
		}
		assert.Equal(t, fmt.Sprintf("name = svc%d\nn = %d\n", i, i), readFile(t, filepath.Join(tg.Dir, "app.conf")))
		assert.Equal(t, "1.0.0", results[tg.ID].Version)
	}

	// FailFast stops at the first failure.
	targets = fleetTargets(t.TempDir(), src, 20)
	targets[0].Values["name"] = "Bad_Name"
	sum, err = e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetRender, Concurrency: 1, FailFast: true, Load: localLoad(t)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "svc00")
	assert.Less(t, sum.Statuses[render.FleetOK], 19)
}

func TestFleetShards(t *testing.T) {
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("team-%d/service-%d", i%37, i)
	}
	const n = 8
	counts := make([]int, n+1)
	for _, id := range ids {
		in := 0
		for s := 1; s <= n; s++ {
			if render.InShard(id, s, n) {
				in++
				counts[s]++
			}
		}
		assert.Equal(t, 1, in, "%s is in exactly one shard", id)
	}
	for s := 1; s <= n; s++ {
		assert.InDelta(t, 1000/n, counts[s], 40, "shard %d is balanced", s)
	}
	// Stable: the hash is FNV-1a, the same everywhere.
	assert.True(t, render.InShard("orders", 1, 4)) // FNV-1a("orders") % 4 == 0

	// Fleet runs only its shard's targets; the shards cover the fleet.
	ctx := context.Background()
	e := newEngine(t, nil)
	src := fleetBlueprint(t, "1.0.0", "")
	targets := fleetTargets(t.TempDir(), src, 24)
	var mu sync.Mutex
	var all []string
	for s := 1; s <= 3; s++ {
		sum, err := e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetRender, Shard: s, Shards: 3, Load: localLoad(t),
			Result: func(r render.FleetResult) {
				mu.Lock()
				all = append(all, r.ID)
				mu.Unlock()
				assert.True(t, render.InShard(r.ID, s, 3))
			}})
		require.NoError(t, err)
		assert.Positive(t, sum.Total)
	}
	slices.Sort(all)
	var want []string
	for _, tg := range targets {
		want = append(want, tg.ID)
	}
	assert.Equal(t, want, all)

	_, err := e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetRender, Shard: 4, Shards: 3})
	assert.Error(t, err)
}

func TestFleetResumesFromItsJournal(t *testing.T) {
	e := newEngine(t, nil)
	src := fleetBlueprint(t, "1.0.0", "")
	targets := fleetTargets(t.TempDir(), src, 30)
	journal := filepath.Join(t.TempDir(), "fleet.journal")
	load := localLoad(t)

	// The first run is interrupted after 10 targets.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := map[string]bool{}
	_, err := e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetRender, Concurrency: 2, Journal: journal, Load: load,
		Result: func(r render.FleetResult) {
			first[r.ID] = true
			if len(first) == 10 {
				cancel()
			}
		}})
	require.ErrorIs(t, err, context.Canceled)
	require.GreaterOrEqual(t, len(first), 10)
	require.Less(t, len(first), 30)

	// The second run skips what the journal records and does the rest.
	var skipped, ran []string
	sum, err := e.Fleet(context.Background(), targets, &render.FleetOptions{Op: render.FleetRender, Concurrency: 2, Journal: journal, Load: load,
		Result: func(r render.FleetResult) {
			if r.Status == render.FleetSkipped {
				skipped = append(skipped, r.ID)
			} else {
				ran = append(ran, r.ID)
			}
		}})
	require.NoError(t, err)
	assert.Equal(t, 30, sum.Total)
	assert.Len(t, skipped, len(first))
	for _, id := range skipped {
		assert.True(t, first[id], id)
	}
	for _, id := range ran {
		assert.False(t, first[id], "%s ran twice", id)
	}
	for _, tg := range targets {
		assert.FileExists(t, filepath.Join(tg.Dir, render.ManifestPath))
	}

	// A journal of another operation is refused.
	_, err = e.Fleet(context.Background(), targets, &render.FleetOptions{Op: render.FleetCheck, Journal: journal, Load: load})
	assert.ErrorContains(t, err, "records a render run")
}

func TestFleetUpgradeAndCheck(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	v1 := fleetBlueprint(t, "1.0.0", "a = 1\nb = 2\n")
	v2 := fleetBlueprint(t, "2.0.0", "a = 1\nb = 3\n")
	load := localLoad(t)
	targets := fleetTargets(t.TempDir(), v1, 6)
	_, err := e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetRender, Load: load})
	require.NoError(t, err)

	// Check: one project drifted in a shared file, one edited its README
	// (seeded: the team's, not drift).
	writeFile(t, filepath.Join(targets[1].Dir, "app.conf"), strings.Replace(readFile(t, filepath.Join(targets[1].Dir, "app.conf")), "n = 1\n", "n = 1\nlocal = true\n", 1), 0o644)
	writeFile(t, filepath.Join(targets[2].Dir, "README.md"), "# ours\n", 0o644)
	writeFile(t, filepath.Join(targets[3].Dir, "app.conf"), strings.Replace(readFile(t, filepath.Join(targets[3].Dir, "app.conf")), "b = 2", "b = 4", 1), 0o644)
	res := map[string]render.FleetResult{}
	sum, err := e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetCheck, Load: load, Result: func(r render.FleetResult) { res[r.ID] = r }})
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Statuses[render.FleetDrift])
	assert.Equal(t, render.FleetDrift, res["svc01"].Status)
	assert.Equal(t, 1, res["svc01"].Changes[render.Changed])
	assert.Equal(t, render.FleetOK, res["svc02"].Status)

	// Upgrade: svc03 changed the line 2.0.0 changes: a conflict; svc01's
	// edit merges.
	for i := range targets {
		targets[i].Source = v2
		targets[i].Values = nil
	}
	res = map[string]render.FleetResult{}
	sum, err = e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetUpgrade, Load: load, Result: func(r render.FleetResult) { res[r.ID] = r }})
	require.NoError(t, err)
	assert.Equal(t, 5, sum.Statuses[render.FleetOK], "%+v", res)
	assert.Equal(t, 1, sum.Statuses[render.FleetConflict])
	assert.Equal(t, render.FleetConflict, res["svc03"].Status)
	assert.Equal(t, 1, res["svc01"].Changes[render.Merged])
	assert.Equal(t, "2.0.0", res["svc00"].Version)
	assert.Contains(t, readFile(t, filepath.Join(targets[1].Dir, "app.conf")), "n = 1\nlocal = true\na = 1\nb = 3\n")

	// Upgrading again: svc03's conflict is unresolved, so it is still a
	// conflict, and nothing is written to it.
	before := tree(t, targets[3].Dir)
	res = map[string]render.FleetResult{}
	sum, err = e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetUpgrade, Load: load, Result: func(r render.FleetResult) { res[r.ID] = r }})
	require.NoError(t, err)
	assert.Equal(t, 5, sum.Statuses[render.FleetOK], "%+v", res)
	assert.Equal(t, render.FleetConflict, res["svc03"].Status)
	assert.Contains(t, res["svc03"].Error, "app.conf: markers at app.conf:")
	assert.Equal(t, before, tree(t, targets[3].Dir))
}

func TestReadTargets(t *testing.T) {
	yamlTargets := `
- id: orders
  dir: projects/orders
  source: ../blueprints/go-service
  values: {name: orders, replicas: 3}
- dir: /srv/payments
  source: git::https://example.com/bp.git?ref=v1.0.0
`
	ts, err := render.ReadTargets(strings.NewReader(yamlTargets), "/work/fleet")
	require.NoError(t, err)
	require.Len(t, ts, 2)
	assert.Equal(t, render.Target{ID: "orders", Dir: "/work/fleet/projects/orders", Source: "/work/blueprints/go-service", Values: map[string]any{"name": "orders", "replicas": 3}}, ts[0])
	assert.Equal(t, "/srv/payments", ts[1].ID)
	assert.Equal(t, "git::https://example.com/bp.git?ref=v1.0.0", ts[1].Source)

	jsonl := `{"id": "a", "dir": "a", "values": {"n": 1}}
{"id": "b", "dir": "b"}
`
	ts, err = render.ReadTargets(strings.NewReader(jsonl), "")
	require.NoError(t, err)
	require.Len(t, ts, 2)
	assert.Equal(t, "b", ts[1].Dir)

	for _, bad := range []struct{ in, msg string }{
		{"- id: a\n  dir: x\n- id: a\n  dir: y\n", `same id "a"`},
		{"- id: a\n", "target 1: no dir"},
		{"- dir: a\n  colour: red\n", "colour"},
		{`{"dir": "a"}` + "\n" + `{"dir": 1}`, "record 2"},
	} {
		_, err := render.ReadTargets(strings.NewReader(bad.in), "")
		assert.ErrorContains(t, err, bad.msg, bad.in)
	}
	_, err = render.ReadTargets(strings.NewReader(""), "")
	assert.NoError(t, err)
}

func TestFleetCheckEvaluatesDecisions(t *testing.T) {
	ctx := context.Background()
	reg, err := decision.LoadDir(ctx, "../testdata/decisions", nil)
	require.NoError(t, err)
	src, err := filepath.Abs(goService)
	require.NoError(t, err)
	root := t.TempDir()
	targets := []render.Target{
		{ID: "named", Dir: filepath.Join(root, "named"), Source: src, Values: map[string]any{"name": "orders", "team": "payments-core"}},
		{ID: "anonymous", Dir: filepath.Join(root, "anonymous"), Source: src, Values: map[string]any{"name": "billing"}},
	}
	load := localLoad(t)
	_, err = newEngine(t, nil).Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetRender, Load: load})
	require.NoError(t, err)

	e := newEngine(t, &render.Options{Decisions: reg, Now: func() time.Time { return time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC) }})
	res := map[string]render.FleetResult{}
	sum, err := e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetCheck, Load: load, Result: func(r render.FleetResult) { res[r.ID] = r }})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Statuses[render.FleetViolation])
	assert.Equal(t, render.FleetViolation, res["anonymous"].Status)
	assert.Equal(t, 1, res["anonymous"].Enforced)
	assert.Equal(t, render.FleetOK, res["named"].Status, "%+v", res["named"])
}

// TestFleetCheckDrift: a deleted file and a changed mode are drift, as a
// changed content is; the team's seeded files are not.
func TestFleetCheckDrift(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	load := localLoad(t)
	targets := fleetTargets(t.TempDir(), fleetBlueprint(t, "1.0.0", ""), 4)
	_, err := e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetRender, Load: load})
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(targets[0].Dir, "app.conf")))
	require.NoError(t, os.Chmod(filepath.Join(targets[1].Dir, "app.conf"), 0o755))
	require.NoError(t, os.Remove(filepath.Join(targets[2].Dir, "README.md"))) // seeded, but gone: a render adds it back
	writeFile(t, filepath.Join(targets[3].Dir, "README.md"), "# ours\n", 0o644)
	res := map[string]render.FleetResult{}
	_, err = e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetCheck, Load: load, Result: func(r render.FleetResult) { res[r.ID] = r }})
	require.NoError(t, err)
	assert.Equal(t, map[render.Change]int{render.Added: 1}, res["svc00"].Changes)
	assert.Equal(t, map[render.Change]int{render.Changed: 1}, res["svc01"].Changes)
	assert.Equal(t, map[render.Change]int{render.Added: 1}, res["svc02"].Changes)
	assert.Equal(t, render.FleetOK, res["svc03"].Status)
	assert.Empty(t, res["svc03"].Changes)
}

// A fleet render removes what interrupted renders of its targets left
// beside them, as Recover does for one directory, and nothing else: the
// staging siblings of other directories, and of targets it does not run,
// stay.
func TestFleetRenderSweepsStagingSiblings(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	src := fleetBlueprint(t, "1.0.0", "")
	root := t.TempDir()
	targets := fleetTargets(root, src, 3)
	// A base name holding the marker itself, and one that is a prefix of
	// another target's.
	targets[1].Dir = filepath.Join(root, "svc.goldenpath-x")
	targets[2].Dir = filepath.Join(root, "svc0")
	stale := []string{
		".svc00.goldenpath-123",          // targets[0]'s
		".svc.goldenpath-x.goldenpath-9", // targets[1]'s
		".svc0.goldenpath-77",            // targets[2]'s
	}
	kept := []string{
		".other.goldenpath-1", // no target's
		".svc01.goldenpath-5", // a target not in the run
		"svc00.goldenpath-2",  // no leading dot: not a staging directory
	}
	for _, name := range append(slices.Clone(stale), kept...) {
		writeFile(t, filepath.Join(root, name, "half-written.txt"), "x", 0o644)
	}
	sum, err := e.Fleet(ctx, targets, &render.FleetOptions{Op: render.FleetRender, Load: localLoad(t)})
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Statuses[render.FleetOK])
	for _, name := range stale {
		assert.NoDirExists(t, filepath.Join(root, name))
	}
	for _, name := range kept {
		assert.DirExists(t, filepath.Join(root, name))
	}
	for i, tg := range targets {
		assert.Equal(t, fmt.Sprintf("name = svc%d\nn = %d\n", i, i), readFile(t, filepath.Join(tg.Dir, "app.conf")))
	}
}

// A target whose template fails to execute fails alone, whether the fleet
// runs targets side by side (each rendering its files in turn) or one at a
// time (each with its own workers): nothing of it is written, not even a
// staging directory, and the others are rendered.
func TestFleetRenderTemplateFailsOneTarget(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, nil)
	src := fleetBlueprint(t, "1.0.0", "{{if eq .n 3}}{{index \"ab\" 5}}{{end}}\n")
	for _, conc := range []int{1, 4} {
		t.Run(fmt.Sprint("concurrency=", conc), func(t *testing.T) {
			root := t.TempDir()
			targets := fleetTargets(root, src, 6)
			results := map[string]render.FleetResult{}
			sum, err := e.Fleet(ctx, targets, &render.FleetOptions{
				Op: render.FleetRender, Concurrency: conc, Load: localLoad(t),
				Result: func(r render.FleetResult) { results[r.ID] = r },
			})
			require.NoError(t, err)
			assert.Equal(t, 5, sum.Statuses[render.FleetOK])
			assert.Equal(t, render.FleetFailed, results["svc03"].Status)
			assert.Contains(t, results["svc03"].Error, "app.conf.tmpl")
			assert.NoDirExists(t, targets[3].Dir)
			entries, err := os.ReadDir(root)
			require.NoError(t, err)
			assert.Len(t, entries, 5, "the five rendered projects, and no staging directory")
			assert.Equal(t, "name = svc4\nn = 4\n\n", readFile(t, filepath.Join(targets[4].Dir, "app.conf")))
		})
	}
}
