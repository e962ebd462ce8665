// Package blueprinttest helps users test their own blueprints with the
// standard testing package: load a blueprint directory and fail with the
// readable errors, resolve an input, and assert that an input is rejected
// for the given fields. Matrix renders a blueprint over a pairwise matrix
// of its parameters and runs checks on every rendered project: built-in
// ones (Parses, Gofmt, Decisions, Command) and the author's own.
//
// Every helper takes a testing.TB, calls t.Helper, and reports through
// t.Fatalf or t.Errorf, so failures point at the caller's line. Loading,
// resolving and rendering run under t.Context, so they stop when the test
// ends.
//
// Golden rewrites golden directories when the test binary runs with
// -update, the switch every golden test of goldenpath itself uses; the
// package registers no flag itself (see Golden).
package blueprinttest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// Validate loads the blueprint directory dir and fails the test with every
// error, one per line in the FILE:LINE:COL convention, if it does not load.
// opts may be nil. To check the renderer names of the files rules against
// the engine that will render the blueprint, set opts.Renderers to
// engine.Renderers(): a name the engine lacks then fails the test with the
// *blueprint.UnknownRendererError's position.
func Validate(t testing.TB, dir string, opts *blueprint.Options) *blueprint.Blueprint {
	t.Helper()
	b, err := blueprint.LoadDir(t.Context(), dir, opts)
	if err != nil {
		t.Fatalf("blueprint %s does not load:\n%v", dir, err)
		return nil
	}
	return b
}

// Resolve resolves inputs against b and fails the test with the readable
// errors if they are invalid.
func Resolve(t testing.TB, b *blueprint.Blueprint, inputs ...blueprint.Input) *blueprint.Params {
	t.Helper()
	p, err := b.Resolve(t.Context(), inputs...)
	if err != nil {
		t.Fatalf("parameters of %s are invalid:\n%v", b.Name, err)
		return nil
	}
	return p
}

// Rejects asserts that inputs are rejected with errors on exactly the given
// field paths (in any order), and returns the error for further checks. It
// fails the test if the inputs are valid, if the error is not a
// *blueprint.ValidationError, or if the failing fields differ.
func Rejects(t testing.TB, b *blueprint.Blueprint, fields []string, inputs ...blueprint.Input) *blueprint.ValidationError {
	t.Helper()
	_, err := b.Resolve(t.Context(), inputs...)
	if err == nil {
		t.Fatalf("parameters of %s are valid; want errors on %s", b.Name, strings.Join(fields, ", "))
		return nil
	}
	var ve *blueprint.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("resolving %s: %v; want a validation error on %s", b.Name, err, strings.Join(fields, ", "))
		return nil
	}
	var got []string
	for _, f := range ve.Fields {
		got = append(got, f.Path)
	}
	want := slices.Clone(fields)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s rejected fields %s; want %s\n%v", b.Name, strings.Join(got, ", "), strings.Join(want, ", "), ve)
	}
	return ve
}
