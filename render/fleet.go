package render

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/internal/yamlcheck"
)

// FleetOp is what a fleet run does to each target.
type FleetOp string

// The operations of a fleet run.
const (
	// FleetRender renders each target's blueprint with its values into its
	// directory, like Render.
	FleetRender FleetOp = "render"
	// FleetUpgrade upgrades each target's project to the target's blueprint,
	// like Upgrade.
	FleetUpgrade FleetOp = "upgrade"
	// FleetCheck compares each target's project with a fresh render of its
	// recorded blueprint and parameters, and reports drift. It writes
	// nothing.
	FleetCheck FleetOp = "check"
)

// Target is one project of a fleet.
type Target struct {
	// ID names the target in results, journals and shards. Default: Dir.
	ID string `json:"id,omitempty" yaml:"id,omitempty"`
	// Dir is the project directory.
	Dir string `json:"dir" yaml:"dir"`
	// Source is the blueprint to render or upgrade to. For check it may be
	// empty: the source the project's manifest records is used.
	Source string `json:"source,omitempty" yaml:"source,omitempty"`
	// Values are the parameter values (render), or values resolved over
	// the migrated ones (upgrade).
	Values map[string]any `json:"values,omitempty" yaml:"values,omitempty"`
}

func (t Target) id() string {
	if t.ID != "" {
		return t.ID
	}
	return t.Dir
}

// ReadTargets reads a targets file: a YAML or JSON list of targets, or JSON
// Lines (one target object per line). Relative directories and local
// sources are taken relative to base, normally the file's directory. Every
// target needs a dir; IDs must be unique.
func ReadTargets(r io.Reader, base string) ([]Target, error) {
	data, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return nil, err
	}
	var ts []Target
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("{")) {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		for line := 1; ; line++ {
			var t Target
			err := dec.Decode(&t)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("targets: record %d: %w", line, err)
			}
			ts = append(ts, t)
		}
	} else {
		// A fleet is large, but no larger than its text: aliases and merge
		// keys may not make it grow past that.
		if err := yamlcheck.Check("targets", data, yamlcheck.Limits{MaxNodes: max(len(data), 1<<20)}); err != nil {
			return nil, err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&ts); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("targets: %w", err)
		}
	}
	seen := map[string]int{}
	for i := range ts {
		t := &ts[i]
		if t.Dir == "" {
			return nil, fmt.Errorf("targets: target %d: no dir", i+1)
		}
		if !filepath.IsAbs(t.Dir) && base != "" {
			t.Dir = filepath.Join(base, t.Dir)
		}
		if t.Source != "" && isLocalSource(t.Source) && !filepath.IsAbs(t.Source) && base != "" {
			t.Source = filepath.Join(base, t.Source)
		}
		if t.ID == "" {
			t.ID = t.Dir
		}
		if j, dup := seen[t.ID]; dup {
			return nil, fmt.Errorf("targets: targets %d and %d have the same id %q", j, i+1, t.ID)
		}
		seen[t.ID] = i + 1
	}
	return ts, nil
}

func isLocalSource(s string) bool { return !strings.Contains(s, "::") && !strings.Contains(s, "://") }

// InShard reports whether the target with id belongs to shard i of n
// (1 ≤ i ≤ n) under the stable hash Fleet uses: FNV-1a of the id, modulo n.
// The same id is in the same shard on every machine and every run.
func InShard(id string, i, n int) bool {
	if n <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return int(h.Sum64()%uint64(n)) == i-1
}

// FleetStatus is the outcome of one target.
type FleetStatus string

// The outcomes of a target.
const (
	// FleetOK: done, nothing to report.
	FleetOK FleetStatus = "ok"
	// FleetConflict: upgraded, with conflicts left to resolve; or not
	// upgraded because conflicts of an earlier upgrade are unresolved
	// (Error lists them).
	FleetConflict FleetStatus = "conflict"
	// FleetDrift: the project differs from a fresh render (check).
	FleetDrift FleetStatus = "drift"
	// FleetViolation: an enforced rule of a decision in force fails
	// (check, with Options.Decisions).
	FleetViolation FleetStatus = "violation"
	// FleetFailed: the target failed; Error says why. Nothing was written
	// to it.
	FleetFailed FleetStatus = "failed"
	// FleetSkipped: the journal records the target as done by an earlier
	// run.
	FleetSkipped FleetStatus = "skipped"
)

// FleetResult is the result of one target.
type FleetResult struct {
	// ID and Dir are the target's (Target.ID, defaulted; Target.Dir).
	ID  string `json:"id"`
	Dir string `json:"dir"`
	// Status is what became of the target.
	Status FleetStatus `json:"status"`
	// Error is why the target failed.
	Error string `json:"error,omitempty"`
	// Version is the blueprint version rendered, upgraded to or recorded.
	Version string `json:"version,omitempty"`
	// Files counts the project's files.
	Files int `json:"files"`
	// Changes counts files per change: upgrade results, or drift for check.
	Changes map[Change]int `json:"changes,omitempty"`
	// Findings counts the findings of the decisions in force per result
	// (fail, exempt, error), when the Engine has Options.Decisions.
	Findings map[decision.Result]int `json:"findings,omitempty"`
	// Enforced counts the failures of enforced rules among Findings.
	Enforced int `json:"enforced,omitempty"`
	// Duration is how long the target took.
	Duration time.Duration `json:"duration"`
	// Upgrade is the result of the target's upgrade, file by file, for
	// FleetOptions.Result to record (scan.Upgrade); nil for other
	// operations and when the target was not upgraded. It is not kept by
	// Fleet: a caller that keeps results should drop it, so that memory
	// stays flat in the number of targets.
	Upgrade *UpgradeResult `json:"-"`
}

// FleetProgress is reported after each target.
type FleetProgress struct {
	// Done is how many targets have finished, Failed how many of them
	// failed, of Total, the targets of the run (of its shard).
	Done, Total, Failed int
}

// FleetOptions configures Fleet. Op is required.
type FleetOptions struct {
	// Op is what the run does to each target.
	Op FleetOp
	// Concurrency is how many targets run at once. Default GOMAXPROCS.
	Concurrency int
	// Shard and Shards select shard Shard of Shards (1 ≤ Shard ≤ Shards):
	// only the targets InShard selects are run. Zero runs every target.
	Shard, Shards int
	// Journal is a file recording each finished target. A run given the
	// journal of an interrupted run skips the targets it records as done
	// (not those that failed) and appends to it. Empty: no journal.
	Journal string
	// Load configures loading blueprint sources. Each source is loaded once
	// per run, and its templates are parsed once across the fleet.
	Load *blueprint.Options
	// Upgrade holds the options of each upgrade (Base, Load and Inputs are
	// set per target).
	Upgrade UpgradeOptions
	// FailFast stops the run at the first failed target. By default every
	// target runs and failures are reported in their results.
	FailFast bool
	// Progress, when set, is called after each target, never concurrently.
	Progress func(FleetProgress)
	// Result, when set, is called with each target's result, never
	// concurrently, in completion order.
	Result func(FleetResult)
}

// FleetSummary counts the results of a fleet run.
type FleetSummary struct {
	// Total is the number of targets of the run (of its shard).
	Total int `json:"total"`
	// Statuses counts the finished targets per status.
	Statuses map[FleetStatus]int `json:"statuses"`
	// Files is the sum of the finished targets' FleetResult.Files.
	Files int `json:"files"`
	// Duration is how long the run took.
	Duration time.Duration `json:"duration"`
}

// Fleet runs opts.Op over targets with bounded concurrency. Each target's
// result goes to opts.Result as it finishes; a target's failure does not
// stop the others unless opts.FailFast. Cancelling ctx stops the run:
// targets not started are not run (and not journaled, so a resumed run does
// them), those running finish or are abandoned atomically. Memory stays
// flat in the number of targets: nothing of a finished target is kept but
// its counts.
//
// The error is nil when every target ran, whatever their results; it is
// the context's error when the run was cancelled, the first failure's with
// FailFast, or a journal error.
func (e *Engine) Fleet(ctx context.Context, targets []Target, opts *FleetOptions) (*FleetSummary, error) {
	e.init()
	if opts == nil || opts.Op == "" {
		return nil, errors.New("render: fleet needs an operation")
	}
	switch opts.Op {
	case FleetRender, FleetUpgrade, FleetCheck:
	default:
		return nil, fmt.Errorf("render: unknown fleet operation %q", opts.Op)
	}
	if opts.Shards < 0 || opts.Shards > 0 && (opts.Shard < 1 || opts.Shard > opts.Shards) {
		return nil, fmt.Errorf("render: shard %d/%d: want 1 <= shard <= shards", opts.Shard, opts.Shards)
	}
	start := time.Now()
	f := &fleet{e: e, opts: opts, sum: &FleetSummary{Statuses: map[FleetStatus]int{}}}
	if opts.Journal != "" {
		done, err := readJournal(opts.Journal, opts.Op)
		if err != nil {
			return nil, err
		}
		j, err := os.OpenFile(opts.Journal, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		defer j.Close()
		f.journal, f.done = j, done
	}
	var run []Target
	for _, t := range targets {
		if opts.Shards > 0 && !InShard(t.id(), opts.Shard, opts.Shards) {
			continue
		}
		run = append(run, t)
	}
	f.sum.Total = len(run)
	if opts.Op == FleetRender {
		var dirs []string
		for _, t := range run {
			if !f.done[t.id()] {
				dirs = append(dirs, t.Dir)
			}
		}
		f.swept = sweepStaging(dirs)
	}
	conc := opts.Concurrency
	if conc <= 0 {
		conc = runtime.GOMAXPROCS(0)
	}
	f.sideBySide = conc > 1 && len(run) > 1
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for _, t := range run {
		if gctx.Err() != nil {
			break
		}
		if f.done[t.id()] {
			_ = f.finish(FleetResult{ID: t.id(), Dir: t.Dir, Status: FleetSkipped}) // not journaled: no error
			continue
		}
		g.Go(func() error {
			if gctx.Err() != nil {
				return nil
			}
			r := f.target(gctx, t)
			if r.Status == FleetFailed && gctx.Err() != nil {
				return nil // cancelled: not a result, not journaled
			}
			if err := f.finish(r); err != nil {
				return err
			}
			if r.Status == FleetFailed && opts.FailFast {
				return fmt.Errorf("%s: %s", r.ID, r.Error)
			}
			return nil
		})
	}
	err := g.Wait()
	f.sum.Duration = time.Since(start)
	if err == nil {
		err = ctx.Err()
	}
	return f.sum, err
}

type fleet struct {
	e    *Engine
	opts *FleetOptions

	loads singleflight.Group
	bpMu  sync.Mutex
	bps   map[string]*blueprint.Blueprint

	// swept holds the (clean) directories whose stale staging siblings
	// were removed before the run: their renders need not list their
	// parent directory again.
	swept map[string]bool
	// sideBySide: targets run concurrently, each rendering its files in
	// its own goroutine rather than handing them to workers of its own.
	sideBySide bool

	mu      sync.Mutex // guards what follows, and serialises callbacks
	sum     *FleetSummary
	journal *os.File
	done    map[string]bool
	n       int
	failed  int
}

// load loads a source once per run.
func (f *fleet) load(ctx context.Context, src string) (*blueprint.Blueprint, error) {
	f.bpMu.Lock()
	bp, ok := f.bps[src]
	f.bpMu.Unlock()
	if ok {
		return bp, nil
	}
	v, err, _ := f.loads.Do(src, func() (any, error) {
		bp, err := blueprint.Load(context.WithoutCancel(ctx), src, f.opts.Load)
		if err != nil {
			return nil, err
		}
		f.bpMu.Lock()
		if f.bps == nil {
			f.bps = map[string]*blueprint.Blueprint{}
		}
		f.bps[src] = bp
		f.bpMu.Unlock()
		return bp, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*blueprint.Blueprint), nil
}

// sweepStaging removes the staging directories that interrupted renders
// of dirs left beside them (what Recover removes for one directory), reading
// each parent directory once, and returns the directories it swept. A
// directory whose parent cannot be read, or one of whose staging
// directories cannot be removed, is left out: its render recovers it, and
// fails with the error if it persists.
func sweepStaging(dirs []string) map[string]bool {
	byParent := map[string]map[string]bool{} // parent -> base names
	for _, d := range dirs {
		d = filepath.Clean(d)
		parent, base := filepath.Dir(d), filepath.Base(d)
		if byParent[parent] == nil {
			byParent[parent] = map[string]bool{}
		}
		byParent[parent][base] = true
	}
	swept := make(map[string]bool, len(dirs))
	for parent, bases := range byParent {
		entries, err := os.ReadDir(parent)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		failed := map[string]bool{}
		for _, e := range entries {
			name := e.Name()
			if base, ok := stagingOf(name, bases); ok {
				if err := os.RemoveAll(filepath.Join(parent, name)); err != nil {
					failed[base] = true
				}
			}
		}
		for base := range bases {
			if !failed[base] {
				swept[filepath.Join(parent, base)] = true
			}
		}
	}
	return swept
}

// stagingOf returns the base name among bases whose staging directory
// name is (".BASE.goldenpath-RANDOM", as writeNew names it), if any. BASE
// may itself hold the marker: the shortest base in bases wins.
func stagingOf(name string, bases map[string]bool) (string, bool) {
	if !strings.HasPrefix(name, ".") {
		return "", false
	}
	for i := 1; i < len(name); {
		j := strings.Index(name[i:], stagingMarker)
		if j < 0 {
			break
		}
		if base := name[1 : i+j]; bases[base] {
			return base, true
		}
		i += j + 1
	}
	return "", false
}

// target runs the operation on one target.
func (f *fleet) target(ctx context.Context, t Target) (r FleetResult) {
	start := time.Now()
	r = FleetResult{ID: t.id(), Dir: t.Dir, Status: FleetOK}
	defer func() { r.Duration = time.Since(start) }()
	err := func() error {
		switch f.opts.Op {
		case FleetRender:
			if t.Source == "" {
				return errors.New("no source")
			}
			bp, err := f.load(ctx, t.Source)
			if err != nil {
				return err
			}
			params, err := bp.Resolve(ctx, blueprint.ValuesMap(t.Values))
			if err != nil {
				return err
			}
			h := renderHints{swept: f.swept[filepath.Clean(t.Dir)], sequential: f.sideBySide}
			plan, err := f.e.renderWith(ctx, bp, params, t.Dir, nil, nil, h)
			if err != nil {
				return err
			}
			r.Version, r.Files = bp.Version, len(plan.Manifest.Files)
		case FleetUpgrade:
			if t.Source == "" {
				return errors.New("no source to upgrade to")
			}
			to, err := f.load(ctx, t.Source)
			if err != nil {
				return err
			}
			proj, err := OpenProject(t.Dir)
			if err != nil {
				return err
			}
			m := proj.Manifest()
			uo := f.opts.Upgrade
			if !uo.WithoutBase {
				if uo.Base, err = f.load(ctx, m.Blueprint.Source); err != nil {
					return fmt.Errorf("loading the recorded blueprint: %w", err)
				}
			}
			uo.Inputs = nil
			if len(t.Values) > 0 {
				uo.Inputs = []blueprint.Input{blueprint.ValuesMap(t.Values)}
			}
			res, err := f.e.Upgrade(ctx, proj, to, &uo)
			var ce *ConflictsError
			if errors.As(err, &ce) {
				// Conflicts of an earlier upgrade are still there: nothing
				// was written, and the project is not in a clean state.
				r.Status, r.Error, r.Version = FleetConflict, ce.Error(), m.Blueprint.Version
				return nil
			}
			if err != nil {
				return err
			}
			r.Version, r.Files, r.Changes, r.Upgrade = to.Version, len(res.Manifest.Files), res.Count(), res
			if res.Conflicts() > 0 {
				r.Status = FleetConflict
			}
		case FleetCheck:
			// A check reads: a project with an interrupted apply pending
			// is refused, not read as a mix of two versions.
			root, err := os.OpenRoot(t.Dir)
			if err != nil {
				return err
			}
			defer root.Close()
			proj, err := OpenProjectFS(root.FS(), t.Dir)
			if err != nil {
				return err
			}
			m := proj.Manifest()
			bp, err := f.load(ctx, m.Blueprint.Source)
			if err != nil {
				return fmt.Errorf("loading the recorded blueprint: %w", err)
			}
			r.Version, r.Files = bp.Version, len(m.Files)
			r.Changes = map[Change]int{}
			for d, err := range f.e.Drift(ctx, bp, proj) {
				if err != nil {
					return err
				}
				// Seeded files are the team's: their edits are not drift.
				if d.Change != Unchanged && (d.Change == Added || d.File.Level != blueprint.Seeded) {
					r.Changes[d.Change]++
				}
			}
			if len(r.Changes) > 0 {
				r.Status = FleetDrift
			}
			if f.e.decisions != nil {
				rep, err := proj.Evaluate(ctx, f.e.decisions, &EvaluateOptions{Now: f.e.now, Blueprint: bp})
				if err != nil {
					return err
				}
				r.Findings = map[decision.Result]int{}
				for _, fd := range rep.Findings {
					r.Findings[fd.Result]++
				}
				if r.Enforced = len(rep.Enforced()); r.Enforced > 0 {
					r.Status = FleetViolation
				}
			}
		}
		return nil
	}()
	if err != nil {
		r.Status, r.Error = FleetFailed, err.Error()
	}
	return r
}

// journalEntry is one line of a fleet journal.
type journalEntry struct {
	Op     FleetOp     `json:"op"`
	ID     string      `json:"id"`
	Status FleetStatus `json:"status"`
}

// finish records a result: journal, counts, callbacks. Its only error is
// writing the journal, which skipped and failed results are not.
func (f *fleet) finish(r FleetResult) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.journal != nil && r.Status != FleetSkipped && r.Status != FleetFailed {
		line, _ := json.Marshal(journalEntry{Op: f.opts.Op, ID: r.ID, Status: r.Status})
		// One write per line: a killed process leaves whole lines; a
		// machine crash may lose the last ones, which are then redone.
		if _, err := f.journal.Write(append(line, '\n')); err != nil {
			return fmt.Errorf("fleet journal: %w", err)
		}
	}
	f.n++
	f.sum.Statuses[r.Status]++
	f.sum.Files += r.Files
	if r.Status == FleetFailed {
		f.failed++
	}
	if f.opts.Result != nil {
		f.opts.Result(r)
	}
	if f.opts.Progress != nil {
		f.opts.Progress(FleetProgress{Done: f.n, Total: f.sum.Total, Failed: f.failed})
	}
	return nil
}

// readJournal returns the IDs a journal records as done for op. A torn
// last line (a killed writer) is ignored.
func readJournal(path string, op FleetOp) (map[string]bool, error) {
	done := map[string]bool{}
	file, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return done, nil
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var e journalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue // a torn line
		}
		if e.Op != op {
			return nil, fmt.Errorf("fleet journal %s:%d: records a %s run, not %s: use another journal", path, n, e.Op, op)
		}
		done[e.ID] = true
	}
	return done, sc.Err()
}
