package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// stdinName names standard input, given as "-f -", in positions.
const stdinName = "<stdin>"

// maxStdinBytes bounds how much of standard input is read; the library
// enforces its own, lower, limit on what it gets.
const maxStdinBytes = 64 << 20

// inputArg is one -f or --set, in command-line order.
type inputArg struct {
	set   bool   // a --set KEY=VALUE rather than a -f FILE
	value string // the file name or the KEY=VALUE pair
}

// inputFlags collects -f and --set into one list so that their order on the
// command line is kept, beside the flags that say where the blueprint comes
// from.
type inputFlags struct {
	list []inputArg
	src  sourceFlags
}

// define defines -f, --set and the source flags on fs.
func (in *inputFlags) define(fs *flag.FlagSet) {
	in.src.define(fs)
	fs.Var(fileFlag{in}, "f", "read parameter values from `FILE`: YAML, or JSON when it ends in .json; - reads standard input; repeatable")
	fs.Var(setFlag{in}, "set", "set a parameter: `KEY=VALUE`, KEY a dotted path, VALUE typed by the schema; repeatable")
}

func (in *inputFlags) empty() bool { return len(in.list) == 0 }

type fileFlag struct{ in *inputFlags }

func (f fileFlag) String() string { return "" }

func (f fileFlag) Set(v string) error {
	if v == "" {
		return errors.New("empty file name")
	}
	f.in.list = append(f.in.list, inputArg{value: v})
	return nil
}

type setFlag struct{ in *inputFlags }

func (f setFlag) String() string { return "" }

func (f setFlag) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return errors.New("want KEY=VALUE")
	}
	f.in.list = append(f.in.list, inputArg{set: true, value: v})
	return nil
}

// inputs returns the blueprint inputs in command-line order. Consecutive
// --set pairs become one blueprint.Set, so that line N of the "--set"
// pseudo-file in error positions is the N-th pair of that run.
func (in *inputFlags) inputs(stdin io.Reader) ([]blueprint.Input, error) {
	var out []blueprint.Input
	var pairs []string
	flush := func() {
		if len(pairs) > 0 {
			out = append(out, blueprint.Set(pairs...))
			pairs = nil
		}
	}
	readStdin := false
	for _, a := range in.list {
		if a.set {
			pairs = append(pairs, a.value)
			continue
		}
		flush()
		if a.value != "-" {
			out = append(out, blueprint.ValuesFile(a.value))
			continue
		}
		if readStdin {
			return nil, usageErrorf("-f - given more than once")
		}
		readStdin = true
		data, err := io.ReadAll(io.LimitReader(stdin, maxStdinBytes))
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		out = append(out, blueprint.ValuesData(stdinName, data))
	}
	flush()
	return out, nil
}
