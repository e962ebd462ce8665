package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// terminal reports whether r is an interactive terminal: a character
// device, or a reader that says so (tests).
func terminal(r io.Reader) bool {
	if t, ok := r.(interface{ Terminal() bool }); ok {
		return t.Terminal()
	}
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// maxPromptRounds bounds how often prompt asks again for invalid values.
const maxPromptRounds = 3

// prompt asks on a terminal for the parameters of bp — every one, or only
// those in only — showing each one's description, default and constraints;
// an empty answer keeps the default. The answers are resolved over given,
// and the fields that fail are asked again.
func prompt(ctx context.Context, e *env, bp *blueprint.Blueprint, given []blueprint.Input, only map[string]bool) (*blueprint.Params, error) {
	in := bufio.NewReader(e.stdin)
	answers := map[string]string{}
	var order []string
	ask := func(p blueprint.Parameter) error {
		fmt.Fprintf(e.stderr, "\n%s", p.Path)
		var facts []string
		switch {
		case len(p.Enum) > 0:
			var vs []string
			for _, v := range p.Enum {
				vs = append(vs, fmt.Sprint(v))
			}
			facts = append(facts, "one of "+strings.Join(vs, ", "))
		case p.Kind != "":
			facts = append(facts, p.Kind)
		}
		if p.Required {
			facts = append(facts, "required")
		}
		if p.Optional {
			facts = append(facts, "optional")
		}
		fmt.Fprintf(e.stderr, " (%s)", strings.Join(facts, ", "))
		if p.Doc != "" {
			fmt.Fprintf(e.stderr, ": %s", strings.TrimSpace(p.Doc))
		}
		fmt.Fprintln(e.stderr)
		if p.Constraint != "" && len(p.Enum) == 0 {
			fmt.Fprintf(e.stderr, "  constraint: %s\n", p.Constraint)
		}
		for tries := 0; ; tries++ {
			if p.Default != nil {
				fmt.Fprintf(e.stderr, "%s [%v]> ", p.Path, p.Default)
			} else {
				fmt.Fprintf(e.stderr, "%s> ", p.Path)
			}
			line, err := in.ReadString('\n')
			if err != nil && !(errors.Is(err, io.EOF) && line != "") {
				if errors.Is(err, io.EOF) {
					return fmt.Errorf("%s: no answer (end of input)", p.Path)
				}
				return err
			}
			line = strings.TrimSpace(line)
			if line == "" && p.Required && tries < maxPromptRounds {
				fmt.Fprintf(e.stderr, "  %s is required\n", p.Path)
				continue
			}
			if line == "" {
				delete(answers, p.Path)
				return nil
			}
			if _, seen := answers[p.Path]; !seen {
				order = append(order, p.Path)
			}
			answers[p.Path] = line
			return nil
		}
	}
	params := bp.Parameters()
	for _, p := range params {
		if p.Kind == "struct" || only != nil && !only[p.Path] {
			continue
		}
		if err := ask(p); err != nil {
			return nil, err
		}
	}
	byPath := map[string]blueprint.Parameter{}
	for _, p := range params {
		byPath[p.Path] = p
	}
	for round := 0; ; round++ {
		var pairs []string
		for _, path := range order {
			if v, ok := answers[path]; ok {
				pairs = append(pairs, path+"="+v)
			}
		}
		resolved, err := bp.Resolve(ctx, append(slices.Clip(given), blueprint.Set(pairs...))...)
		var ve *blueprint.ValidationError
		if err == nil || !errors.As(err, &ve) || round == maxPromptRounds {
			return resolved, err
		}
		fmt.Fprintln(e.stderr)
		for _, f := range ve.Fields {
			fmt.Fprintf(e.stderr, "%s: %s\n", f.Path, f.Message)
		}
		for _, f := range ve.Fields {
			p, ok := byPath[f.Path]
			if !ok {
				p = blueprint.Parameter{Path: f.Path}
			}
			if err := ask(p); err != nil {
				return nil, err
			}
		}
	}
}

// missingOnly returns the parameters err says lack a value, when that is
// all it says (derived values that follow from them aside): then a terminal
// can ask for them. Otherwise it returns nil.
func missingOnly(bp *blueprint.Blueprint, err error) map[string]bool {
	var ve *blueprint.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 {
		return nil
	}
	params := map[string]bool{}
	for _, p := range bp.Parameters() {
		params[p.Path] = true
	}
	missing := map[string]bool{}
	for _, f := range ve.Fields {
		if !f.Missing {
			return nil
		}
		if params[f.Path] {
			missing[f.Path] = true
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return missing
}
