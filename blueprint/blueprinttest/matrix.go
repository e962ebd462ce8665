package blueprinttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/internal/english"
	"github.com/goldenpath-dev/goldenpath/render"
)

// Absent, as a value in Matrix.Values or Matrix.Add, leaves a parameter
// out of a combination: an optional parameter absent, or any other at its
// default.
var Absent = absent{}

type absent struct{}

func (absent) String() string { return "<absent>" }

// Matrix renders a blueprint over a matrix of parameter values and runs
// checks on every rendered project.
//
// The matrix comes from the blueprint's parameter schema. Each parameter
// with choices is an axis: every value of an enum, true and false for a
// bool, the default and each bound of a bounded number, absent and present
// for an optional field. The axes are combined pairwise: every pair of
// values of two axes is in at least one combination, so the count grows
// with the square of the largest axis, not with the product of all. A
// combination the schema refuses (tier=prod with replicas=1, say) is
// repaired by moving the other parameters the error names to another of
// their values; a pair no repair makes valid is left out and listed by
// Combinations. The first combination is every parameter at its default.
//
// A Matrix is configured once and may be used by several tests; its
// methods do not modify it.
type Matrix struct {
	// Base holds values given in every combination: at least the required
	// parameters, which have no default to fall back on. A parameter in
	// Base is not an axis.
	Base map[string]any
	// Values replaces the values of an axis, or makes one of a parameter
	// the schema gives no choices for (a string, an unbounded number). An
	// optional parameter without choices needs its present value here.
	// Absent among the values leaves the parameter out.
	Values map[string][]any
	// Pin fixes parameters to one value in every combination: they are
	// not axes.
	Pin map[string]any
	// Add lists further combinations, rendered as given on top of Base;
	// they must be valid.
	Add []map[string]any
	// Checks run, in order, on every rendered project; a failing check does
	// not stop the next one.
	Checks []MatrixCheck
	// Engine renders the projects. Nil is render.New(nil).
	Engine *render.Engine
	// Parallel runs the combinations as parallel subtests in Run.
	Parallel bool
}

// MatrixCheck is one check of a rendered project.
type MatrixCheck struct {
	// Name names the check in failures.
	Name string
	// Func returns an error naming what is wrong in p, or nil.
	Func func(ctx context.Context, p *Project) error
}

// Project is a project rendered for one combination.
type Project struct {
	// Dir is the project's directory, a temporary one.
	Dir string
	// Blueprint is the blueprint it was rendered from.
	Blueprint *blueprint.Blueprint
	// Params are the resolved parameters.
	Params *blueprint.Params
	// Combination is the combination rendered.
	Combination Combination
	// Plan is the render's plan.
	Plan *render.Plan
}

// Combination is one set of parameter values of a Matrix.
type Combination struct {
	// Values are the values given to Resolve, Base and Pin included, keyed
	// by dotted parameter path; an absent parameter is not there.
	Values map[string]any
	// Varied are the axes' values of this combination, in axis order
	// (Absent for an absent one), then those of an added combination.
	Varied []Setting
}

// Setting is one parameter's value in a combination.
type Setting struct {
	// Path is the parameter's dotted path ("database.engine").
	Path string
	// Value is the value given to Resolve, as Go decodes the parameter's
	// CUE kind (blueprint.Params), or Absent for an optional parameter
	// left out.
	Value any
}

// String lists the varied parameters: "tier=prod replicas=10 team=<absent>".
func (c Combination) String() string {
	parts := make([]string, len(c.Varied))
	for i, s := range c.Varied {
		parts[i] = s.Path + "=" + formatValue(s.Value)
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, " ")
}

func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case absent:
		return v.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Left is a pair of values the matrix could not combine in a valid
// combination, with the schema's reason.
type Left struct {
	// A and B are the two values, in axis order.
	A, B Setting
	// Reason is why no valid combination holds both: the schema's error,
	// on one line.
	Reason string
}

// String formats l as "tier=prod replicas=1: REASON".
func (l Left) String() string {
	return l.A.Path + "=" + formatValue(l.A.Value) + " " + l.B.Path + "=" + formatValue(l.B.Value) + ": " + l.Reason
}

// axis is one parameter of the matrix and its values, the default first.
type axis struct {
	path   string
	values []any
}

// Combinations returns the combinations of m for b, and the pairs left out
// because no valid combination holds them. The error is for a matrix that
// cannot be built: a required parameter missing from Base, an optional one
// without a value to be present with, an added combination b refuses.
func (m *Matrix) Combinations(ctx context.Context, b *blueprint.Blueprint) ([]Combination, []Left, error) {
	axes, err := m.axes(b)
	if err != nil {
		return nil, nil, err
	}
	g := &generator{ctx: ctx, b: b, m: m, axes: axes}
	combos, left := g.pairwise()
	for i, add := range m.Add {
		c := Combination{Values: m.baseValues()}
		keys := make([]string, 0, len(add))
		for k := range add {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := add[k]
			c.Varied = append(c.Varied, Setting{k, v})
			if v == Absent {
				delete(c.Values, k)
			} else {
				c.Values[k] = v
			}
		}
		if err := g.valid(c.Values); err != nil {
			return nil, nil, fmt.Errorf("matrix of %s: added combination %d (%s) is invalid:\n%w", b.Name, i+1, c, err)
		}
		combos = append(combos, c)
	}
	return combos, left, nil
}

func (m *Matrix) baseValues() map[string]any {
	out := map[string]any{}
	for k, v := range m.Base {
		out[k] = v
	}
	for k, v := range m.Pin {
		out[k] = v
	}
	return out
}

// axes reads the matrix's axes from b's parameters and JSON Schema.
func (m *Matrix) axes(b *blueprint.Blueprint) ([]axis, error) {
	bounds := schemaBounds(b.JSONSchema())
	params := b.Parameters()
	isParent := map[string]bool{}
	for _, p := range params {
		if i := strings.LastIndexByte(p.Path, '.'); i >= 0 {
			isParent[p.Path[:i]] = true
		}
	}
	var out []axis
	var errs []error
	for _, p := range params {
		_, inBase := m.Base[p.Path]
		_, pinned := m.Pin[p.Path]
		if inBase || pinned || isParent[p.Path] {
			continue
		}
		if vals, ok := m.Values[p.Path]; ok {
			out = append(out, axis{p.Path, slices.Clone(vals)})
			continue
		}
		if p.Required {
			errs = append(errs, fmt.Errorf("parameter %s is required: give it a value in Matrix.Base", p.Path))
			continue
		}
		var vals []any
		if p.Default != nil {
			vals = append(vals, p.Default)
		}
		switch {
		case len(p.Enum) > 0:
			vals = appendNew(vals, p.Enum...)
		case p.Kind == "bool":
			vals = appendNew(vals, false, true)
		case bounds[p.Path] != nil:
			vals = appendNew(vals, bounds[p.Path]...)
		}
		if p.Optional {
			if len(vals) == 0 {
				errs = append(errs, fmt.Errorf("optional parameter %s has no value to be present with: give its values in Matrix.Values", p.Path))
				continue
			}
			vals = append([]any{Absent}, vals[:1]...)
		}
		if len(vals) > 1 {
			out = append(out, axis{p.Path, vals})
		}
	}
	for k := range m.Values {
		if !slices.ContainsFunc(params, func(p blueprint.Parameter) bool { return p.Path == k }) {
			errs = append(errs, fmt.Errorf("Matrix.Values names %s, which is not a parameter of %s", k, b.Name))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("matrix of %s: %w", b.Name, errors.Join(errs...))
	}
	return out, nil
}

func appendNew(dst []any, vs ...any) []any {
	for _, v := range vs {
		if !slices.ContainsFunc(dst, func(x any) bool { return sameValue(x, v) }) {
			dst = append(dst, v)
		}
	}
	return dst
}

func sameValue(a, b any) bool { return formatValue(a) == formatValue(b) }

// schemaBounds returns the bounds of the bounded numbers of a JSON Schema,
// by dotted path: integers as int64, an exclusive bound moved inside.
func schemaBounds(data []byte) map[string][]any {
	var s jsonSchema
	if json.Unmarshal(data, &s) != nil {
		return nil
	}
	out := map[string][]any{}
	s.walk("", out)
	return out
}

type jsonSchema struct {
	Type             any                    `json:"type"`
	Properties       map[string]*jsonSchema `json:"properties"`
	Minimum          *float64               `json:"minimum"`
	Maximum          *float64               `json:"maximum"`
	ExclusiveMinimum *float64               `json:"exclusiveMinimum"`
	ExclusiveMaximum *float64               `json:"exclusiveMaximum"`
}

func (s *jsonSchema) walk(prefix string, out map[string][]any) {
	for name, p := range s.Properties {
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		if p.Properties != nil {
			p.walk(path, out)
			continue
		}
		isInt := p.Type == "integer"
		var bs []any
		add := func(f *float64, step float64) {
			if f == nil {
				return
			}
			v := *f + step
			if isInt {
				bs = append(bs, int64(v))
			} else if step == 0 {
				bs = append(bs, v)
			}
		}
		add(p.Minimum, 0)
		add(p.ExclusiveMinimum, 1)
		add(p.Maximum, 0)
		add(p.ExclusiveMaximum, -1)
		if len(bs) > 0 {
			out[path] = bs
		}
	}
}

// generator builds the pairwise combinations.
type generator struct {
	ctx  context.Context
	b    *blueprint.Blueprint
	m    *Matrix
	axes []axis
}

// valid resolves values against the blueprint.
func (g *generator) valid(values map[string]any) error {
	_, err := g.b.Resolve(g.ctx, blueprint.ValuesMap(nest(values)))
	return err
}

// nest turns dotted paths into nested maps.
func nest(flat map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range flat {
		parts := strings.Split(k, ".")
		cur := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[p] = next
			}
			cur = next
		}
		cur[parts[len(parts)-1]] = v
	}
	return out
}

type pair struct{ i, a, j, b int }

func (g *generator) combination(row []int) Combination {
	c := Combination{Values: g.m.baseValues()}
	for k, ax := range g.axes {
		v := ax.values[row[k]]
		c.Varied = append(c.Varied, Setting{ax.path, v})
		if v != Absent {
			c.Values[ax.path] = v
		}
	}
	return c
}

// pairwise covers every pair of axis values with valid rows, greedily.
func (g *generator) pairwise() ([]Combination, []Left) {
	n := len(g.axes)
	uncovered := map[pair]bool{}
	var order []pair
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			for a := range g.axes[i].values {
				for b := range g.axes[j].values {
					p := pair{i, a, j, b}
					uncovered[p] = true
					order = append(order, p)
				}
			}
		}
	}
	single := map[[2]int]bool{} // every value alone, for a matrix of one axis
	for k, ax := range g.axes {
		for v := range ax.values {
			single[[2]int{k, v}] = true
		}
	}
	var rows [][]int
	var left []Left
	cover := func(row []int) {
		for i := 0; i < n; i++ {
			delete(single, [2]int{i, row[i]})
			for j := i + 1; j < n; j++ {
				delete(uncovered, pair{i, row[i], j, row[j]})
			}
		}
		rows = append(rows, row)
	}
	// The defaults first: index 0 of every axis.
	if row := make([]int, n); g.repair(row, nil) == nil {
		cover(row)
	}
	for _, p := range order {
		if !uncovered[p] {
			continue
		}
		row := make([]int, n)
		fixed := map[int]bool{p.i: true, p.j: true}
		row[p.i], row[p.j] = p.a, p.b
		for k := 0; k < n; k++ {
			if fixed[k] {
				continue
			}
			best, bestN := 0, -1
			for v := range g.axes[k].values {
				cnt := 0
				for o := 0; o < n; o++ {
					if o == k || (!fixed[o] && o > k) {
						continue
					}
					a, b := k, o
					va, vb := v, row[o]
					if a > b {
						a, b, va, vb = b, a, vb, va
					}
					if uncovered[pair{a, va, b, vb}] {
						cnt++
					}
				}
				if cnt > bestN {
					best, bestN = v, cnt
				}
			}
			row[k] = best
		}
		if err := g.repair(row, fixed); err != nil {
			delete(uncovered, p)
			left = append(left, Left{
				A:      Setting{g.axes[p.i].path, g.axes[p.i].values[p.a]},
				B:      Setting{g.axes[p.j].path, g.axes[p.j].values[p.b]},
				Reason: oneLine(err),
			})
			continue
		}
		cover(row)
	}
	for k := 0; k < n; k++ {
		for v := range g.axes[k].values {
			if !single[[2]int{k, v}] {
				continue
			}
			row := make([]int, n)
			row[k] = v
			if err := g.repair(row, map[int]bool{k: true}); err == nil {
				cover(row)
			}
		}
	}
	combos := make([]Combination, len(rows))
	for i, r := range rows {
		combos[i] = g.combination(r)
	}
	return combos, left
}

// repair makes row valid by moving the axes the schema's errors name, other
// than the fixed ones, to another of their values; it returns the last
// error when it cannot.
func (g *generator) repair(row []int, fixed map[int]bool) error {
	err := g.valid(g.combination(row).Values)
	for range len(g.axes) {
		if err == nil {
			return nil
		}
		var ve *blueprint.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		moved := false
		for _, f := range ve.Fields {
			k := slices.IndexFunc(g.axes, func(a axis) bool { return a.path == f.Path })
			if k < 0 || fixed[k] {
				continue
			}
			orig := row[k]
			for v := range g.axes[k].values {
				if v == orig {
					continue
				}
				row[k] = v
				e := g.valid(g.combination(row).Values)
				if e == nil || !fieldFails(e, f.Path) {
					err, moved = e, true
					break
				}
				row[k] = orig
			}
			if moved {
				break
			}
		}
		if !moved {
			// The failing fields are fixed or not axes (metricsPort against
			// httpPort): try the other axes, one at a time.
			for k := range g.axes {
				if fixed[k] || moved {
					continue
				}
				orig := row[k]
				for v := range g.axes[k].values {
					if v == orig {
						continue
					}
					row[k] = v
					if g.valid(g.combination(row).Values) == nil {
						return nil
					}
				}
				row[k] = orig
			}
			return err
		}
	}
	return err
}

func fieldFails(err error, path string) bool {
	var ve *blueprint.ValidationError
	if !errors.As(err, &ve) {
		return true
	}
	_, ok := ve.Field(path)
	return ok
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// Test renders b for every combination of m into a directory under dir
// and runs the checks, returning every failure, each naming the blueprint
// and the parameters that produced it; nil when all pass. It fails first
// when Blueprint.Lint finds something in b. Test needs no testing.T, for
// other test frameworks; Run is the same for the testing package.
func (m *Matrix) Test(ctx context.Context, b *blueprint.Blueprint, dir string) error {
	if err := lint(ctx, b); err != nil {
		return err
	}
	combos, _, err := m.Combinations(ctx, b)
	if err != nil {
		return err
	}
	var errs []error
	for i, c := range combos {
		errs = append(errs, m.RunCombination(ctx, b, c, filepath.Join(dir, strconv.Itoa(i))))
	}
	return errors.Join(errs...)
}

func lint(ctx context.Context, b *blueprint.Blueprint) error {
	ws, err := b.Lint(ctx)
	if err != nil {
		return err
	}
	if len(ws) == 0 {
		return nil
	}
	lines := make([]string, len(ws))
	for i, w := range ws {
		lines[i] = w.String()
	}
	return fmt.Errorf("%s %s: blueprint.cue has lint warnings:\n%s", b.Name, b.Version, strings.Join(lines, "\n"))
}

// RunCombination renders b for c into dir, which must not exist or be
// empty, and runs the checks of m. The error names b, c and every failing
// check.
func (m *Matrix) RunCombination(ctx context.Context, b *blueprint.Blueprint, c Combination, dir string) error {
	prefix := fmt.Sprintf("%s %s [%s]", b.Name, b.Version, c)
	params, err := b.Resolve(ctx, blueprint.ValuesMap(nest(c.Values)))
	if err != nil {
		return fmt.Errorf("%s: resolve:\n%w", prefix, err)
	}
	e := m.Engine
	if e == nil {
		if e, err = render.New(nil); err != nil {
			return err
		}
	}
	plan, err := e.Render(ctx, b, params, dir, nil)
	if err != nil {
		return fmt.Errorf("%s: render: %w", prefix, err)
	}
	p := &Project{Dir: dir, Blueprint: b, Params: params, Combination: c, Plan: plan}
	var errs []error
	for _, ch := range m.Checks {
		if err := ch.Func(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("%s: check %s: %w", prefix, ch.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Run runs the matrix as subtests of t, one per combination, named by its
// varied parameters, each rendering into its own temporary directory. It
// logs the pairs the schema makes impossible, and fails t when the matrix
// cannot be built or Blueprint.Lint finds something in b.
func (m *Matrix) Run(t *testing.T, b *blueprint.Blueprint) {
	t.Helper()
	ctx := t.Context()
	if err := lint(ctx, b); err != nil {
		t.Fatal(err)
	}
	combos, left, err := m.Combinations(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range left {
		t.Logf("%s %s: no valid combination has %s", b.Name, b.Version, l)
	}
	start := time.Now()
	t.Cleanup(func() {
		t.Logf("%s %s: %s in %s", b.Name, b.Version, english.Count(len(combos), "combination"), time.Since(start).Round(time.Millisecond))
	})
	for i, c := range combos {
		t.Run(fmt.Sprintf("%02d %s", i, c), func(t *testing.T) {
			if m.Parallel {
				t.Parallel()
			}
			dir := filepath.Join(t.TempDir(), b.Name)
			if err := m.RunCombination(t.Context(), b, c, dir); err != nil {
				t.Error(err)
			}
		})
	}
}

// Decisions returns a check that the project passes every rule of the
// decisions its blueprint lists in decisions: (for a composed blueprint,
// each part's own) as they stand today in reg (decision.Registry.Current),
// whatever the rule's mode: an audit or warn failure fails the check too,
// so that a blueprint never reports its projects for its own mistake.
// Rules are evaluated at now; the zero time is time.Now.
func Decisions(reg *decision.Registry, now time.Time) MatrixCheck {
	return MatrixCheck{Name: "decisions", Func: func(ctx context.Context, p *Project) error {
		var errs []error
		for _, part := range p.Params.Parts() {
			var ds []*decision.Decision
			for _, id := range part.Blueprint.Decisions {
				d, ok := reg.Current(id)
				if !ok {
					errs = append(errs, fmt.Errorf("%s lists %s, which the registry does not hold", part.Blueprint.Name, id))
					continue
				}
				ds = append(ds, d)
			}
			root := filepath.Join(p.Dir, filepath.FromSlash(part.Dir))
			rep, err := decision.Evaluate(ctx, ds, &decision.Subject{
				Name:      root,
				Blueprint: part.Blueprint,
				Params:    part.Params.Values(),
				Files:     os.DirFS(root),
				Dir:       root,
			}, &decision.EvalOptions{Now: func() time.Time { return now }})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, f := range rep.Findings {
				if f.Result == decision.Fail || f.Result == decision.Error {
					errs = append(errs, errors.New(f.String()))
				}
			}
		}
		return errors.Join(errs...)
	}}
}
