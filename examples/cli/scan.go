package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/examples/internal/signalstore"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

var scanCmd = &command{
	name:    "scan",
	summary: "observe rendered projects: drift, decisions, exceptions, upgrade lag",
	usage:   "scan DIR... [--store FILE|URL] [--catalog SOURCE]... [--decisions SOURCE] [--date YYYY-MM-DD] [--jobs N] [--json]",
	help: `
Scan observes each project DIR and turns what it finds into feedback
signals: drift of managed and shared files against a fresh render of the
recorded blueprint and parameters (one signal per edited hunk; seeded files
are the team's), the result of every rule of the decisions in force
(--decisions or $GP_DECISIONS), the project's exceptions, active or
expired, and how many released versions of its blueprint are newer
(--catalog or $GP_CATALOG). A file that still holds the conflict markers
of an upgrade gives no drift, but an upgrade signal saying it is in an
unresolved conflict.

Projects are scanned --jobs at a time (default: the number of CPUs), each
recorded blueprint version loaded once for all of them; the output and the
store get the projects in the order given, whatever the order the scans
finish in. A project that cannot be scanned stops the scan with its error,
after the projects before it are printed and stored.

With --store (or $GP_STORE) the signals are appended to the store, where
gp report aggregates them. A summary per project is printed, or with --json
every signal.

Exit 1 when an enforced rule fails in any project, else 3 when a project
has conflicts an upgrade left and that are not resolved (listed; see gp
upgrade --resolved).`,
	example: `
gp scan ./orders ./billing --decisions testdata/decisions --catalog testdata/blueprints --store signals.jsonl
gp scan ./orders --json`,
	setup: func(fs *flag.FlagSet) runFunc {
		var sf sourceFlags
		sf.define(fs)
		var df decisionFlags
		df.defineForRender(fs)
		var st storeFlag
		st.define(fs, "append the signals to")
		var cats stringsFlag
		fs.Var(&cats, "catalog", "measure upgrade lag against the catalog `SOURCE`; repeatable (default $GP_CATALOG)")
		asJSON := fs.Bool("json", false, "print every signal as JSON")
		jobs := fs.Int("jobs", 0, "scan `N` projects at once (default: the number of CPUs)")
		conc := fs.Int("concurrency", 0, "the same as --jobs, as gp fleet spells it: `N`")
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) == 0 {
				return usageErrorf("scan needs at least one project DIR")
			}
			if *jobs == 0 {
				*jobs = *conc
			}
			if *jobs < 0 {
				return usageErrorf("--jobs %d: want 1 or more (0: the number of CPUs)", *jobs)
			}
			opts := scan.Options{}
			lopts, err := sf.loadOptions()
			if err != nil {
				return err
			}
			opts.Load = lopts
			eo, err := df.engineOptions(ctx, &sf)
			if err != nil {
				return err
			}
			opts.Registry = eo.Decisions
			opts.Now = eo.Now
			if cats := cats.orEnv("GP_CATALOG"); len(cats) > 0 {
				if opts.Catalog, err = blueprint.LoadCatalog(ctx, cats, opts.Load); err != nil {
					return err
				}
			}
			var store signalstore.Store
			if st.name("") != "" {
				if store, err = st.open(ctx, "", false); err != nil {
					return err
				}
				defer store.Close()
			}
			// Every project is opened before any is scanned: one with an
			// interrupted apply pending refuses the scan before a signal
			// is recorded.
			projects := make([]*render.Project, len(args))
			for i, dir := range args {
				p, done, err := readProject(dir)
				if err != nil {
					return err
				}
				defer done()
				projects[i] = p
			}
			// A scan's live heap is small and made again for each project:
			// collecting at four times it, not twice, takes a fifth off the
			// CPU time of a fleet's scan for 35 MiB more. $GOGC overrides.
			if os.Getenv("GOGC") == "" {
				debug.SetGCPercent(400)
			}
			// One engine, so that each template is parsed once for the
			// whole scan, and each recorded blueprint loaded once.
			if opts.Engine, err = render.New(nil); err != nil {
				return err
			}
			blueprints := &blueprintCache{load: opts.Load}
			results, stop := scanAll(ctx, projects, *jobs, func(ctx context.Context, p *render.Project) ([]feedback.Signal, error) {
				o := opts
				o.Blueprint = blueprints.get(ctx, p.Manifest().Blueprint.Source)
				return scan.Project(ctx, p, &o)
			})
			// Deferred after the projects' roots, so it runs before they
			// are closed: whatever ends the run, no scan is left running.
			defer stop()
			var all []feedback.Signal
			enforced := map[string]bool{} // project, decision and rule of each failing enforced rule
			conflicts := 0                // projects with unresolved upgrade conflicts
			// The results are taken in the order of the arguments, whatever
			// the order the scans finish in: the output and the store's
			// order are those of a scan one project at a time.
			for i, dir := range args {
				r := <-results[i]
				if r.err != nil {
					return r.err // the first failure in order: those after it were not scanned
				}
				sigs := r.sigs
				if store != nil {
					if err := store.Append(ctx, sigs...); err != nil {
						return err
					}
				}
				for _, s := range sigs {
					// One signal per finding: count each rule once.
					if s.Source == feedback.SourceRule && s.Result == feedback.ResultFail && s.Mode == decision.Enforce {
						enforced[dir+"\x00"+s.Decision+"\x00"+s.Rule] = true
					}
				}
				if !*asJSON {
					printScan(e.stdout, dir, sigs)
				}
				all = append(all, sigs...)
				if pending, err := projects[i].Conflicts(); err == nil && len(pending) > 0 {
					printConflicts(e.stderr, dir, "since an upgrade", pending)
					conflicts++
				}
			}
			if *asJSON {
				if all == nil {
					all = []feedback.Signal{}
				}
				if err := writeJSON(e.stdout, all); err != nil {
					return err
				}
			}
			if store != nil {
				fmt.Fprintf(e.stderr, "appended %s to %s\n", english.Count(len(all), "signal"), st.display(""))
			}
			if len(enforced) > 0 {
				verb := "fail"
				if len(enforced) == 1 {
					verb = "fails"
				}
				fmt.Fprintf(e.stderr, "gp: %s %s\n", english.Count(len(enforced), "enforced rule"), verb)
				return &exitError{code: exitInvalid}
			}
			if conflicts > 0 {
				return &exitError{code: exitConflicts}
			}
			return nil
		}
	},
}

// scanResult is the outcome of one project's scan.
type scanResult struct {
	sigs []feedback.Signal
	err  error
}

// scanAll scans the projects, jobs at a time (0: GOMAXPROCS), and returns
// one channel per project, in the projects' order, that receives its
// result. The scans start in order, so that results are taken as they come
// while later ones run. A failed scan lets those running finish and starts
// no more after it in the projects' order: those receive errStopped, while
// every project before the failed one (already taken, since they start in
// order) is scanned, so that its result is its own. scanAll returns at
// once; the channels all receive. stop starts no more scans and returns
// when those running have finished.
func scanAll(ctx context.Context, projects []*render.Project, jobs int, scanOne func(context.Context, *render.Project) ([]feedback.Signal, error)) (results []chan scanResult, stop func()) {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	jobs = min(jobs, len(projects))
	results = make([]chan scanResult, len(projects))
	for i := range results {
		results[i] = make(chan scanResult, 1)
	}
	// failed is the lowest index whose scan failed (-1 once stopped):
	// projects after it are not scanned.
	var failed atomic.Int64
	failed.Store(math.MaxInt64)
	lower := func(i int64) {
		for f := failed.Load(); i < f && !failed.CompareAndSwap(f, i); f = failed.Load() {
		}
	}
	var wg sync.WaitGroup
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range projects {
			if int64(i) > failed.Load() {
				results[i] <- scanResult{err: errStopped}
				continue
			}
			next <- i
		}
	}()
	for range jobs {
		wg.Go(func() {
			for i := range next {
				if int64(i) > failed.Load() {
					results[i] <- scanResult{err: errStopped}
					continue
				}
				sigs, err := scanOne(ctx, projects[i])
				if err != nil {
					lower(int64(i))
				}
				results[i] <- scanResult{sigs, err}
			}
		})
	}
	return results, func() {
		lower(-1)
		wg.Wait()
	}
}

// errStopped is the result of a scan not started because an earlier one
// failed.
var errStopped = errors.New("not scanned: an earlier project failed")

// blueprintCache loads each recorded blueprint source once for a scan.
type blueprintCache struct {
	load *blueprint.Options
	mu   sync.Mutex
	m    map[string]*cachedBlueprint
}

type cachedBlueprint struct {
	once sync.Once
	bp   *blueprint.Blueprint
}

// get returns the blueprint source names, loaded once, or nil when it does
// not load: the scan then loads it itself and says why it does not.
func (c *blueprintCache) get(ctx context.Context, source string) *blueprint.Blueprint {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*cachedBlueprint{}
	}
	e, ok := c.m[source]
	if !ok {
		e = &cachedBlueprint{}
		c.m[source] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		e.bp, _ = blueprint.Load(ctx, source, c.load)
	})
	return e.bp
}

// printScan prints one project's signals, grouped.
func printScan(w io.Writer, dir string, sigs []feedback.Signal) {
	fmt.Fprintf(w, "%s: %s\n", dir, english.Count(len(sigs), "signal"))
	for _, s := range sigs {
		switch s.Source {
		case feedback.SourceDrift:
			path := s.Evidence.Path
			if path == "" {
				path = s.File
			}
			fmt.Fprintf(w, "  drift      %-7s %s:%d (%s)\n", s.Labels["level"], path, s.Evidence.Line, s.Labels["change"])
		case feedback.SourceRule:
			if s.Result != feedback.ResultPass {
				fmt.Fprintf(w, "  rule       %-7s %s %s (%s): %s\n", s.Result, s.Decision, s.Rule, s.Mode, s.Evidence.Message)
			}
		case feedback.SourceException:
			fmt.Fprintf(w, "  exception  %-7s %s %s until %s\n", s.Labels["status"], s.Decision, s.Rule, s.Labels["expires"])
		case feedback.SourceLag:
			fmt.Fprintf(w, "  lag        %s\n", s.Evidence.Message)
		case feedback.SourceUpgrade:
			fmt.Fprintf(w, "  upgrade    %-7s %s\n", s.Labels["change"], s.Evidence.Message)
		}
	}
	pass := 0
	for _, s := range sigs {
		if s.Source == feedback.SourceRule && s.Result == feedback.ResultPass {
			pass++
		}
	}
	if pass > 0 {
		fmt.Fprintf(w, "  rules passing: %d\n", pass)
	}
}

var feedbackCmd = &command{
	name:    "feedback",
	summary: "record a rating of a blueprint or a decision",
	usage:   "feedback rate BLUEPRINT|DECISION --score N [--comment TEXT] [--by NAME] [--store FILE|URL] [--json]",
	help: `
Feedback records what people think of a golden path: "gp feedback rate"
appends a rating from 1 to 5, with an optional comment, of a blueprint (a
name such as go-service) or of a decision (an ID such as ADR-0012) to the
signal store (--store, $GP_STORE, or ./signals.jsonl). gp report shows
the ratings, and low ones are a reason to revisit a decision.`,
	example: `
gp feedback rate go-service --score 4 --comment "fast to start, the Makefile is dated"
gp feedback rate ADR-0012 --score 2 --comment "limits too tight for JVM services" --by sam`,
	setup: func(fs *flag.FlagSet) runFunc {
		var st storeFlag
		st.define(fs, "append the rating to")
		var sf sourceFlags
		sf.define(fs)
		var cats stringsFlag
		fs.Var(&cats, "catalog", "check a blueprint's name against the catalog `SOURCE`; repeatable (default $GP_CATALOG)")
		decisions := fs.String("decisions", "", "check a decision's ID against the decisions `SOURCE` (default $GP_DECISIONS)")
		score := fs.Int("score", 0, "the rating, `N` from 1 to 5")
		comment := fs.String("comment", "", "what to say about it: `TEXT`")
		by := fs.String("by", os.Getenv("USER"), "who rates: `NAME` (default $USER)")
		asJSON := fs.Bool("json", false, "print the recorded signal as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) != 2 || args[0] != "rate" {
				return usageErrorf("feedback takes: rate BLUEPRINT|DECISION")
			}
			if *score == 0 {
				return usageErrorf("--score N is required")
			}
			var bp, id string
			if decisionID().MatchString(args[1]) {
				id = args[1]
			} else {
				bp = args[1]
			}
			if err := checkSubject(ctx, e.stderr, &sf, cats.orEnv("GP_CATALOG"), *decisions, bp, id); err != nil {
				return err
			}
			s, err := feedback.Rate(nil, feedback.Rating{Blueprint: bp, Decision: id, Score: *score, Comment: *comment, By: *by})
			if err != nil {
				return usageErrorf("%v", strings.TrimPrefix(err.Error(), "feedback: "))
			}
			store, err := st.open(ctx, "signals.jsonl", false)
			if err != nil {
				return err
			}
			defer store.Close()
			if err := store.Append(ctx, s); err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(e.stdout, s)
			}
			fmt.Fprintf(e.stdout, "rated %s %d/5 in %s\n", args[1], *score, st.display("signals.jsonl"))
			return nil
		}
	},
}

// checkSubject refuses a rating of a blueprint the catalogs do not hold, or
// of a decision the decisions do not hold, listing the known ones. Without a
// catalog (or decisions) to check against, any name (or ID) is taken, with
// a note on stderr that says so and how to have it checked.
func checkSubject(ctx context.Context, stderr io.Writer, sf *sourceFlags, cats []string, decisions, bp, id string) error {
	if decisions == "" {
		decisions = os.Getenv("GP_DECISIONS")
	}
	lopts, err := sf.loadOptions()
	if err != nil {
		return err
	}
	switch {
	case bp != "" && len(cats) > 0:
		c, err := blueprint.LoadCatalog(ctx, cats, lopts)
		if err != nil {
			return err
		}
		if names := c.Names(); !slices.Contains(names, bp) {
			return usageErrorf("no blueprint %s in %s: the catalog has %s", bp, strings.Join(cats, ", "), strings.Join(names, ", "))
		}
	case id != "" && decisions != "":
		reg, err := decision.Load(ctx, decisions, &decision.Options{Fetcher: lopts.Fetcher})
		if reg == nil {
			return err
		}
		if _, ok := reg.Get(id); !ok {
			var ids []string
			for _, d := range reg.List(decision.Filter{}) {
				ids = append(ids, d.ID)
			}
			return usageErrorf("no decision %s in %s: it has %s", id, decisions, strings.Join(ids, ", "))
		}
	case bp != "":
		fmt.Fprintf(stderr, "note: blueprint %s not checked: no catalog given; --catalog SOURCE (or $GP_CATALOG) refuses a name the catalog does not hold\n", bp)
	default:
		fmt.Fprintf(stderr, "note: decision %s not checked: no decisions given; --decisions SOURCE (or $GP_DECISIONS) refuses an ID the decisions do not hold\n", id)
	}
	return nil
}

// decisionID tells decision IDs (ADR-0012, SEC-7) from blueprint names,
// which are lowercase DNS labels.
var decisionID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z][A-Z0-9]*-[0-9]+$`) })
