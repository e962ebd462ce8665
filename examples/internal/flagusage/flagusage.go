// Package flagusage prints the flags of a flag.FlagSet the way every
// program of the examples shows them: two dashes for a long name, one for a
// single letter, the argument's name, what the flag does and its default.
package flagusage

import (
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
)

// Print writes the flags of fs to fs.Output(), then -h, --help.
func Print(fs *flag.FlagSet) {
	tw := tabwriter.NewWriter(fs.Output(), 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if len(f.Name) == 1 {
			name = "-" + f.Name
		}
		if arg != "" {
			name += " " + arg
		}
		if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "[]" && !strings.Contains(usage, "(default") {
			usage += fmt.Sprintf(" (default %s)", d)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, usage)
	})
	fmt.Fprintf(tw, "  %s\t%s\n", "-h, --help", "show this help")
	tw.Flush()
}
