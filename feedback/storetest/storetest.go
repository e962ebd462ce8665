// Package storetest checks that a [feedback.Store] keeps the contract of the
// interface, in the manner of testing/slogtest and testing/fstest: write a
// store, then have its tests call [Run] (each rule a subtest) or
// [TestStore] (every failure joined in one error).
//
// The rules, one subtest each:
//
//   - RoundTrip: a signal with every field set reads back equal, its Time in
//     UTC to the nanosecond; stores keep copies.
//   - Empty: an empty store yields nothing; appending no signal is not an
//     error.
//   - Order: Query yields signals in the order they were appended, not by
//     time; a batch larger than any page a store reads keeps its order.
//   - Filters: each field of [feedback.Filter] alone and combined selects
//     what [feedback.Filter.Match] selects (Since inclusive and Until
//     exclusive, to the nanosecond).
//   - Visible: once Append has returned, a query started afterwards, on any
//     goroutine, sees the signals (the durability the interface promises
//     that can be checked in one process).
//   - Invalid: a batch with an invalid signal is refused with an error
//     wrapping [feedback.ErrInvalidSignal] that names the signal, and none
//     of the batch is stored.
//   - Idempotent: appending a signal whose ID is stored, in a later batch or
//     twice in one batch, stores nothing more: the first signal with an ID
//     is kept, so a retried Append is safe.
//   - Concurrent: appends and queries from many goroutines lose nothing and
//     store every signal once, including when two goroutines append the
//     same IDs.
//   - StopEarly: a loop that breaks releases what the query held: many
//     such loops leave the store usable.
//   - AppendWhileQuerying: Append called inside a query's loop completes.
//   - Cancel: a cancelled context makes Append store nothing and return the
//     context's error, and Query yield that error; a context cancelled in
//     the middle of a query ends it with the context's error.
//   - Closed: when the store has a Close method, Append and Query on a
//     closed store return [feedback.ErrClosed]. Stores without one skip it.
//   - Durable: with [Options.Reopen], what Append stored is in the store
//     reopened after the first one is closed, as a restarted process opens
//     it: every signal once, in order, equal; and an ID stored before is
//     still not stored again. Stores with nothing to reopen (a memory
//     store) leave Reopen nil and skip it.
//
// Durability across crashes cannot be checked from one process; each store
// tests it on its own (see the file store's and the PostgreSQL store's
// process tests).
//
// The kit does not depend on any assertion library, so that a store's
// tests need nothing but the standard library.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
)

// Options adds the checks a store can opt into. A nil *Options is the zero
// value: every rule that needs nothing more.
type Options struct {
	// Reopen opens anew the signals of st, a store newStore made, as a
	// restarted process would: a new store over the same file, or the same
	// database and schema. The Durable rule appends to st, closes it (when
	// it has a Close method), calls Reopen and checks the store it
	// returns, which the kit closes at the end of the rule. Nil skips the
	// rule.
	Reopen func(ctx context.Context, st feedback.Store) (feedback.Store, error)
}

// TestStore checks every rule of the [feedback.Store] contract and returns
// the failures joined, nil if there are none. newStore is called once per
// rule and must return a new, empty store; TestStore closes it at the end
// of the rule when it has a Close method. A rule whose store cannot be made
// fails with newStore's error. opts may be nil.
func TestStore(ctx context.Context, newStore func(ctx context.Context) (feedback.Store, error), opts *Options) error {
	var errs []error
	for _, r := range rules {
		c := newChecker(r.name, opts)
		func() {
			st, err := newStore(ctx)
			if err != nil {
				c.errorf("making a store: %v", err)
				return
			}
			defer c.close(st)
			r.run(ctx, c, st)
		}()
		if c.skipped {
			continue
		}
		for _, e := range c.errs {
			errs = append(errs, fmt.Errorf("%s: %s", r.name, e))
		}
	}
	return errors.Join(errs...)
}

// Run checks every rule of the [feedback.Store] contract, each in a subtest
// named after the rule. newStore is called once per rule and must return a
// new, empty store; the test closes it at the end of the rule when it has a
// Close method (closing it again in a t.Cleanup is harmless for the
// library's stores). opts may be nil.
func Run(t *testing.T, newStore func(t *testing.T) feedback.Store, opts *Options) {
	t.Helper()
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			st := newStore(t)
			c := newChecker(r.name, opts)
			defer c.close(st)
			r.run(t.Context(), c, st)
			if c.skipped {
				t.Skip(c.skipWhy)
			}
			for _, e := range c.errs {
				t.Error(e)
			}
		})
	}
}

func closeStore(st feedback.Store) {
	if c, ok := st.(interface{ Close() error }); ok {
		c.Close()
	}
}

// checker collects a rule's failures. Its methods are safe for concurrent
// use.
type checker struct {
	name    string
	reopen  func(ctx context.Context, st feedback.Store) (feedback.Store, error)
	mu      sync.Mutex
	errs    []string
	skipped bool
	skipWhy string
	closed  bool // the rule closed the store itself
}

func newChecker(name string, opts *Options) *checker {
	c := &checker{name: name}
	if opts != nil {
		c.reopen = opts.Reopen
	}
	return c
}

// close closes the rule's store at its end, unless the rule did.
func (c *checker) close(st feedback.Store) {
	if !c.closed {
		closeStore(st)
	}
}

func (c *checker) errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

// collect returns the signals of a query, or the first error.
func collect(ctx context.Context, st feedback.Store, f feedback.Filter) ([]feedback.Signal, error) {
	var out []feedback.Signal
	for s, err := range st.Query(ctx, f) {
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, nil
}

// query returns the signals of a query, recording an error in c.
func (c *checker) query(ctx context.Context, st feedback.Store, f feedback.Filter) []feedback.Signal {
	got, err := collect(ctx, st, f)
	if err != nil {
		c.errorf("Query(%+v): %v", f, err)
	}
	return got
}

// append appends, recording an error in c, and reports whether it worked.
func (c *checker) append(ctx context.Context, st feedback.Store, signals ...feedback.Signal) bool {
	if err := st.Append(ctx, signals...); err != nil {
		c.errorf("Append of %d signals: %v", len(signals), err)
		return false
	}
	return true
}

// wantIDs checks that got holds the signals with IDs want, in that order.
func (c *checker) wantIDs(what string, got []feedback.Signal, want []string) {
	if g := ids(got); !slices.Equal(g, want) {
		c.errorf("%s: got %d signals %s, want %d %s", what, len(g), brief(g), len(want), brief(want))
	}
}

func ids(ss []feedback.Signal) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

// brief shows a list of IDs, cut in the middle when long.
func brief(ids []string) string {
	if len(ids) > 12 {
		return fmt.Sprintf("[%s … %s]", strings.Join(ids[:6], " "), strings.Join(ids[len(ids)-3:], " "))
	}
	return fmt.Sprint(ids)
}

type rule struct {
	name string
	run  func(ctx context.Context, c *checker, st feedback.Store)
}

var rules = []rule{
	{"RoundTrip", roundTrip},
	{"Empty", empty},
	{"Order", order},
	{"Filters", filters},
	{"Visible", visible},
	{"Invalid", invalid},
	{"Idempotent", idempotent},
	{"Concurrent", concurrent},
	{"StopEarly", stopEarly},
	{"AppendWhileQuerying", appendWhileQuerying},
	{"Cancel", cancel},
	{"Closed", closed},
	{"Durable", durable},
}

// t0 is the time of the kit's signals.
var t0 = time.Date(2026, 11, 3, 10, 15, 0, 0, time.UTC)

// Full returns a valid signal with every field set, its Time in UTC with
// nanoseconds: what a store must give back as it was appended.
func Full() feedback.Signal {
	v := 15.25
	return feedback.Signal{
		ID:     "0193f8a2c4e17b3f9d2a6c41e0b5d7a8",
		Time:   t0.Add(123456789 * time.Nanosecond),
		Source: feedback.SourceRule,
		Subject: feedback.Subject{
			Project: "orders", Dir: "/srv/orders", Owner: "team-orders",
			Blueprint: "go-service", Version: "1.4.0",
		},
		Decision: "ADR-0007",
		Rule:     "postgres-16",
		Mode:     decision.Enforce,
		File:     "deploy/postgres/values.yaml.tmpl",
		Result:   feedback.ResultFail,
		Value:    &v,
		Unit:     "major",
		Severity: decision.High,
		Evidence: feedback.Evidence{
			Message: "postgres major version is 15, want 16 — “quoted”, <tagged> & kept",
			Hunk:    "@@ -1,2 +1,2 @@\n image: postgres\n-tag: \"16\"\n+tag: \"15\" # <pinned>\t\\ kept\n",
			Path:    "deploy/postgres/values.yaml",
			Line:    2,
			Link:    "https://ci.example.com/runs/42?a=1&b=2",
		},
		Labels: map[string]string{"exception": "EX-12", "approvedBy": "alice"},
	}
}

// Signals returns n valid signals whose IDs are prefix followed by their
// index, one second apart from t0.
func Signals(prefix string, n int) []feedback.Signal {
	out := make([]feedback.Signal, n)
	for i := range out {
		out[i] = feedback.Signal{
			ID:       fmt.Sprintf("%s%d", prefix, i),
			Time:     t0.Add(time.Duration(i) * time.Second),
			Source:   feedback.SourceRule,
			Subject:  feedback.Subject{Project: "orders", Blueprint: "go-service", Version: "1.4.0"},
			Decision: "ADR-0007",
			Rule:     "postgres-16",
			Result:   feedback.ResultPass,
		}
	}
	return out
}

func roundTrip(ctx context.Context, c *checker, st feedback.Store) {
	in := []feedback.Signal{Full(), {ID: "b", Time: t0, Source: feedback.SourceMetric}}
	in[0].Time = in[0].Time.In(time.FixedZone("X", -7200))
	if !c.append(ctx, st, in...) {
		return
	}
	want := []feedback.Signal{Full(), {ID: "b", Time: t0, Source: feedback.SourceMetric}}
	got := c.query(ctx, st, feedback.Filter{})
	if !reflect.DeepEqual(got, want) {
		c.errorf("read back:\n got %+v\nwant %+v (Time in UTC, empty Labels nil)", got, want)
		return
	}
	// Stores keep copies: editing what was appended or returned changes
	// nothing stored.
	in[1].Labels = map[string]string{"x": "y"}
	*in[0].Value = 1
	got[0].Labels["exception"] = "changed"
	*got[0].Value = 99
	if again := c.query(ctx, st, feedback.Filter{}); !reflect.DeepEqual(again, want) {
		c.errorf("after editing the appended and the returned signals, read back:\n got %+v\nwant %+v", again, want)
	}
}

func empty(ctx context.Context, c *checker, st feedback.Store) {
	if got := c.query(ctx, st, feedback.Filter{}); len(got) != 0 {
		c.errorf("a new store yields %d signals, want none", len(got))
	}
	if err := st.Append(ctx); err != nil {
		c.errorf("Append of no signal: %v", err)
	}
	if got := c.query(ctx, st, feedback.Filter{Project: "orders"}); len(got) != 0 {
		c.errorf("after appending nothing, the store yields %d signals, want none", len(got))
	}
}

func order(ctx context.Context, c *checker, st feedback.Store) {
	// Times go backwards, so an order by time would show.
	var all []feedback.Signal
	for b, size := range []int{1, 3, 5000, 2} {
		batch := Signals(fmt.Sprintf("o%d-", b), size)
		for i := range batch {
			batch[i].Time = t0.Add(-time.Duration(len(all)+i) * time.Millisecond)
		}
		if !c.append(ctx, st, batch...) {
			return
		}
		all = append(all, batch...)
	}
	c.wantIDs("the whole store", c.query(ctx, st, feedback.Filter{}), ids(all))
}

func filters(ctx context.Context, c *checker, st feedback.Store) {
	var all []feedback.Signal
	i := 0
	for _, project := range []string{"orders", "billing"} {
		for _, bp := range []string{"go-service", "tf-module"} {
			for _, d := range []string{"ADR-0007", "ADR-0012", ""} {
				for _, src := range []feedback.Source{feedback.SourceRule, feedback.SourceDrift} {
					i++
					all = append(all, feedback.Signal{
						// Hours apart, and a nanosecond more each: the
						// bounds of a time range are exact.
						ID: fmt.Sprintf("s%02d", i), Time: t0.Add(time.Duration(i)*time.Hour + time.Duration(i)*time.Nanosecond),
						Source: src, Decision: d,
						Subject: feedback.Subject{Project: project, Blueprint: bp},
					})
				}
			}
		}
	}
	if !c.append(ctx, st, all[:10]...) || !c.append(ctx, st, all[10:]...) {
		return
	}
	at := func(i int) time.Time { return all[i-1].Time }
	for _, f := range []feedback.Filter{
		{},
		{Project: "orders"},
		{Project: "nobody"},
		{Project: "order"},
		{Blueprint: "tf-module"},
		{Decision: "ADR-0012"},
		{Source: feedback.SourceDrift},
		{Source: feedback.SourceRating},
		{Since: at(5)},
		{Since: at(5).Add(time.Nanosecond)},
		{Since: at(5).Add(-time.Nanosecond)},
		{Until: at(5)},
		{Until: at(5).Add(time.Nanosecond)},
		{Until: at(5).Add(-time.Nanosecond)},
		{Since: at(3), Until: at(3)},
		{Since: at(3), Until: at(4)},
		{Since: at(3).In(time.FixedZone("Y", 5*3600)), Until: at(9).In(time.FixedZone("Z", -3600))},
		{Since: at(3), Until: at(9), Project: "orders", Source: feedback.SourceRule},
		{Project: "billing", Blueprint: "go-service", Decision: "ADR-0007", Source: feedback.SourceRule},
		{Project: "orders", Decision: "ADR-0012"},
		{Since: at(7), Blueprint: "tf-module", Decision: "ADR-0007"},
	} {
		var want []string
		for _, s := range all {
			if f.Match(s) {
				want = append(want, s.ID)
			}
		}
		c.wantIDs(fmt.Sprintf("Query(%+v)", f), c.query(ctx, st, f), want)
	}
}

func visible(ctx context.Context, c *checker, st feedback.Store) {
	for round := range 20 {
		batch := Signals(fmt.Sprintf("v%02d-", round), 1+round%4)
		if !c.append(ctx, st, batch...) {
			return
		}
		last := batch[len(batch)-1].ID
		done := make(chan bool)
		go func() {
			ok := false
			for s, err := range st.Query(ctx, feedback.Filter{}) {
				if err != nil {
					c.errorf("Query: %v", err)
					break
				}
				ok = ok || s.ID == last
			}
			done <- ok
		}()
		if !<-done {
			c.errorf("signal %q, whose Append returned, is not seen by a query started afterwards on another goroutine", last)
			return
		}
	}
}

func invalid(ctx context.Context, c *checker, st feedback.Store) {
	for _, bad := range []feedback.Signal{
		{ID: "bad", Time: t0, Source: "gossip"},
		{ID: "", Time: t0, Source: feedback.SourceRule},
		{ID: "bad", Source: feedback.SourceRule},
		{ID: "bad", Time: t0, Source: feedback.SourceRule, Result: "maybe"},
	} {
		err := st.Append(ctx, Signals("ok", 3)[0], bad, Signals("ok", 3)[1])
		switch {
		case !errors.Is(err, feedback.ErrInvalidSignal):
			c.errorf("Append of %+v: got %v, want an error wrapping feedback.ErrInvalidSignal", bad, err)
		case bad.ID != "" && !strings.Contains(err.Error(), `"`+bad.ID+`"`):
			c.errorf("Append of an invalid signal: the error %q does not name it (%q)", err, bad.ID)
		}
	}
	if got := c.query(ctx, st, feedback.Filter{}); len(got) != 0 {
		c.errorf("batches with an invalid signal stored %s, want nothing", brief(ids(got)))
	}
}

func idempotent(ctx context.Context, c *checker, st feedback.Store) {
	first := Signals("d", 4)
	if !c.append(ctx, st, first[:2]...) {
		return
	}
	// A retry of the batch, then a batch overlapping the first one whose
	// repeated signal says something else: the stored one stays.
	changed := first[1]
	changed.Evidence.Message = "a second signal with a stored ID"
	if !c.append(ctx, st, first[:2]...) || !c.append(ctx, st, changed, first[2]) {
		return
	}
	// The same ID twice in one batch.
	dup := first[3]
	dup.Result = feedback.ResultFail
	if !c.append(ctx, st, first[3], dup) {
		return
	}
	got := c.query(ctx, st, feedback.Filter{})
	c.wantIDs("after retries and repeated IDs", got, ids(first))
	if len(got) == len(first) && !reflect.DeepEqual(got, first) {
		c.errorf("a repeated ID replaced the stored signal:\n got %+v\nwant %+v", got, first)
	}
	if got := c.query(ctx, st, feedback.Filter{Project: "orders"}); len(got) != len(first) {
		c.errorf("with a filter, %d signals, want %d", len(got), len(first))
	}
}

func concurrent(ctx context.Context, c *checker, st feedback.Store) {
	const writers, each = 16, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				// Batches of 1 and 3, appended twice by two writers
				// (w and w^1), with queries between them.
				batch := Signals(fmt.Sprintf("w%02d-%03d-", w&^1, i), 1+2*(i%2))
				if !c.append(ctx, st, batch...) {
					return
				}
				if i%10 == 0 {
					for _, err := range st.Query(ctx, feedback.Filter{}) {
						if err != nil {
							c.errorf("Query while appending: %v", err)
							break
						}
					}
				}
			}
		})
	}
	wg.Wait()
	count := make(map[string]int)
	for _, s := range c.query(ctx, st, feedback.Filter{}) {
		count[s.ID]++
	}
	want := 0
	for i := range each {
		want += 1 + 2*(i%2)
	}
	if want *= writers / 2; len(count) != want {
		c.errorf("%d distinct signals stored, want %d", len(count), want)
	}
	for id, n := range count {
		if n != 1 {
			c.errorf("signal %q stored %d times", id, n)
		}
	}
}

func stopEarly(ctx context.Context, c *checker, st feedback.Store) {
	if !c.append(ctx, st, Signals("s", 3000)...) {
		return
	}
	// More early stops than any pool has connections.
	for range 64 {
		n := 0
		for _, err := range st.Query(ctx, feedback.Filter{}) {
			if err != nil {
				c.errorf("Query: %v", err)
				return
			}
			if n++; n == 3 {
				break
			}
		}
		if n != 3 {
			c.errorf("the loop stopped after %d signals, want 3", n)
			return
		}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if c.append(ctx, st, Signals("t", 1)...) {
		if got := c.query(ctx, st, feedback.Filter{}); len(got) != 3001 {
			c.errorf("after 64 queries stopped early, %d signals, want 3001", len(got))
		}
	}
}

func appendWhileQuerying(ctx context.Context, c *checker, st feedback.Store) {
	if !c.append(ctx, st, Signals("q", 10)...) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n := 0
	for s, err := range st.Query(ctx, feedback.Filter{Project: "orders"}) {
		if err != nil {
			c.errorf("Query: %v", err)
			return
		}
		if n++; n <= 2 {
			more := Signals("more-"+s.ID+"-", 2)
			if err := st.Append(ctx, more...); err != nil {
				c.errorf("Append inside a query's loop: %v", err)
				return
			}
		}
	}
	if n < 10 {
		c.errorf("the query yielded %d signals, want at least the 10 appended before it", n)
	}
	if got := c.query(ctx, st, feedback.Filter{}); len(got) != 14 {
		c.errorf("%d signals stored, want 14", len(got))
	}
}

func cancel(ctx context.Context, c *checker, st feedback.Store) {
	if !c.append(ctx, st, Signals("s", 2000)...) {
		return
	}
	cctx, stop := context.WithCancel(ctx)
	stop()
	if err := st.Append(cctx, Signals("t", 1)...); !errors.Is(err, context.Canceled) {
		c.errorf("Append with a cancelled context: got %v, want context.Canceled", err)
	}
	var errs []error
	n := 0
	for _, err := range st.Query(cctx, feedback.Filter{}) {
		if err != nil {
			errs = append(errs, err)
		} else {
			n++
		}
	}
	if n != 0 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		c.errorf("Query with a cancelled context: %d signals and errors %v, want none and one context.Canceled", n, errs)
	}
	if got := c.query(ctx, st, feedback.Filter{}); len(got) != 2000 {
		c.errorf("the cancelled append stored something: %d signals, want 2000", len(got))
	}

	// Cancelled in the middle: the query ends with the context's error
	// before the end.
	cctx, stop = context.WithCancel(ctx)
	defer stop()
	n, errs = 0, nil
	for _, err := range st.Query(cctx, feedback.Filter{}) {
		if err != nil {
			errs = append(errs, err)
			break
		}
		if n++; n == 1 {
			stop()
		}
	}
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || n == 2000 {
		c.errorf("Query cancelled after its first signal: %d signals and errors %v, want fewer than 2000 and context.Canceled", n, errs)
	}
}

func closed(ctx context.Context, c *checker, st feedback.Store) {
	cl, ok := st.(interface{ Close() error })
	if !ok {
		c.skipped, c.skipWhy = true, "the store has no Close method"
		return
	}
	if !c.append(ctx, st, Signals("s", 2)...) {
		return
	}
	if err := cl.Close(); err != nil {
		c.errorf("Close: %v", err)
		return
	}
	if err := st.Append(ctx, Signals("t", 1)...); !errors.Is(err, feedback.ErrClosed) {
		c.errorf("Append after Close: got %v, want feedback.ErrClosed", err)
	}
	_, err := collect(ctx, st, feedback.Filter{})
	if !errors.Is(err, feedback.ErrClosed) {
		c.errorf("Query after Close: got %v, want feedback.ErrClosed", err)
	}
}

func durable(ctx context.Context, c *checker, st feedback.Store) {
	if c.reopen == nil {
		c.skipped, c.skipWhy = true, "no Options.Reopen: the store has nothing to reopen"
		return
	}
	// Several batches, one larger than any page a store reads, and a
	// retried one.
	batches := [][]feedback.Signal{{Full()}, Signals("p", 3), Signals("q", 1200), Signals("p", 3)}
	var want []feedback.Signal
	for i, b := range batches {
		if !c.append(ctx, st, b...) {
			return
		}
		if i < len(batches)-1 {
			want = append(want, b...)
		}
	}
	if cl, ok := st.(interface{ Close() error }); ok {
		c.closed = true
		if err := cl.Close(); err != nil {
			c.errorf("Close: %v", err)
			return
		}
	}
	re, err := c.reopen(ctx, st)
	if err != nil {
		c.errorf("Reopen: %v", err)
		return
	}
	if re == nil {
		c.errorf("Reopen returned no store and no error")
		return
	}
	defer closeStore(re)
	got := c.query(ctx, re, feedback.Filter{})
	c.wantIDs("the reopened store", got, ids(want))
	if len(got) == len(want) {
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				c.errorf("the reopened store reads back another signal %s:\n got %+v\nwant %+v", want[i].ID, got[i], want[i])
				return
			}
		}
	}
	// The reopened store knows the IDs stored before it was opened.
	changed := Full()
	changed.Evidence.Message = "a second signal with a stored ID"
	after := Signals("r", 1)
	if !c.append(ctx, re, changed, after[0]) {
		return
	}
	got = c.query(ctx, re, feedback.Filter{})
	wantAfter := ids(append(want, after...))
	c.wantIDs("the reopened store after appending a stored ID and a new one", got, wantAfter)
	if slices.Equal(ids(got), wantAfter) && !reflect.DeepEqual(got[0], Full()) {
		c.errorf("the reopened store replaced a stored signal:\n got %+v\nwant %+v", got[0], Full())
	}
}
