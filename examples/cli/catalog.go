package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

var catalogCmd = &command{
	name:    "catalog",
	summary: "list the blueprints of a catalog and show one of them",
	usage:   "catalog list|show NAME [VERSION] [--catalog SOURCE]... [--json]",
	help: `
Catalog reads the blueprints of one or more catalog sources: a directory of
blueprints, a blueprint, or a catalog index (catalog.yaml listing sources,
where versions: tags makes every semantic-version tag of a git repository a
version). The sources come from --catalog, repeatable, or else from
$GP_CATALOG (sources separated by spaces), or else ./blueprints.

"gp catalog list" prints every blueprint with its newest release, its
versions, its owner and its description. "gp catalog show NAME [VERSION]"
prints one version (default: the newest release) with its source, revision,
decisions and parameters. With --json, both print JSON on standard output.`,
	example: `
gp catalog list --catalog ./testdata/blueprints
gp catalog show go-service --catalog git::https://github.com/acme/blueprints.git?ref=main --json`,
	setup: func(fs *flag.FlagSet) runFunc {
		var sf sourceFlags
		sf.define(fs)
		var cats stringsFlag
		fs.Var(&cats, "catalog", "a catalog `SOURCE`; repeatable (default $GP_CATALOG, or ./blueprints)")
		asJSON := fs.Bool("json", false, "print JSON on standard output")
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) == 0 {
				return usageErrorf("catalog needs a subcommand: list or show")
			}
			sub, rest := args[0], args[1:]
			switch sub {
			case "list":
				if err := exactArgs(rest); err != nil {
					return err
				}
			case "show":
				if len(rest) < 1 || len(rest) > 2 {
					return usageErrorf("catalog show takes NAME and an optional VERSION")
				}
			default:
				return usageErrorf("unknown catalog subcommand %q (want list or show)", sub)
			}
			c, _, err := loadCatalog(ctx, &sf, cats)
			if err != nil {
				return err
			}
			if sub == "list" {
				return catalogList(e, c, *asJSON)
			}
			version := ""
			if len(rest) == 2 {
				version = rest[1]
			}
			return catalogShow(ctx, e, c, rest[0], version, *asJSON)
		}
	},
}

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, " ") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// loadCatalog loads the catalog of --catalog, or $GP_CATALOG, or else
// ./blueprints, and returns the sources it read.
func loadCatalog(ctx context.Context, sf *sourceFlags, cats stringsFlag) (*blueprint.Catalog, []string, error) {
	sources := cats.orEnv("GP_CATALOG")
	if len(sources) == 0 {
		sources = []string{"blueprints"}
	}
	lopts, err := sf.loadOptions()
	if err != nil {
		return nil, nil, err
	}
	c, err := blueprint.LoadCatalog(ctx, sources, lopts)
	return c, sources, err
}

// orEnv returns the values given, or else the space-separated fields of the
// environment variable name.
func (s stringsFlag) orEnv(name string) []string {
	if len(s) > 0 {
		return s
	}
	return strings.Fields(os.Getenv(name))
}

// catalogListEntry is one blueprint in gp catalog list --json.
type catalogListEntry struct {
	Name        string   `json:"name"`
	Latest      string   `json:"latest"`
	Versions    []string `json:"versions"`
	Owner       string   `json:"owner"`
	Description string   `json:"description"`
	Decisions   []string `json:"decisions,omitempty"`
}

func catalogList(e *env, c *blueprint.Catalog, asJSON bool) error {
	var list []catalogListEntry
	for _, name := range c.Names() {
		latest, _ := c.Latest(name)
		var vs []string
		for _, v := range c.Versions(name) {
			vs = append(vs, v.Version)
		}
		list = append(list, catalogListEntry{Name: name, Latest: latest.Version, Versions: vs,
			Owner: latest.Owner, Description: latest.Description, Decisions: latest.Decisions})
	}
	if asJSON {
		return writeJSON(e.stdout, list)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLATEST\tVERSIONS\tOWNER\tDESCRIPTION")
	for _, l := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Name, l.Latest, strings.Join(l.Versions, ","), l.Owner, l.Description)
	}
	return tw.Flush()
}

// catalogShowResult is gp catalog show --json.
type catalogShowResult struct {
	blueprint.CatalogEntry
	Digest     string                `json:"digest"`
	Versions   []string              `json:"versions"`
	Parameters []blueprint.Parameter `json:"parameters"`
}

func catalogShow(ctx context.Context, e *env, c *blueprint.Catalog, name, version string, asJSON bool) error {
	bp, err := c.Load(ctx, name, version)
	if err != nil {
		return err
	}
	entry, _ := c.Entry(name, bp.Version)
	entry.Revision = bp.Revision
	res := catalogShowResult{CatalogEntry: entry, Digest: bp.Digest, Parameters: bp.Parameters()}
	for _, v := range c.Versions(name) {
		res.Versions = append(res.Versions, v.Version)
	}
	if asJSON {
		return writeJSON(e.stdout, res)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s %s\n  %s\n\n", bp.Name, bp.Version, bp.Description)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "owner:\t%s\n", bp.Owner)
	fmt.Fprintf(tw, "source:\t%s\n", bp.Source)
	if bp.Revision != "" {
		fmt.Fprintf(tw, "revision:\t%s\n", bp.Revision)
	}
	fmt.Fprintf(tw, "digest:\t%s\n", bp.Digest)
	fmt.Fprintf(tw, "versions:\t%s\n", strings.Join(res.Versions, ", "))
	if len(bp.Tags) > 0 {
		fmt.Fprintf(tw, "tags:\t%s\n", strings.Join(bp.Tags, ", "))
	}
	if len(bp.Decisions) > 0 {
		fmt.Fprintf(tw, "decisions:\t%s\n", strings.Join(bp.Decisions, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nparameters:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range bp.Parameters() {
		req := ""
		if p.Required {
			req = " (required)"
		}
		def := ""
		if p.Default != nil {
			def = fmt.Sprintf(" default %v", p.Default)
		}
		fmt.Fprintf(tw, "  %s\t%s%s%s\t%s\n", p.Path, p.Constraint, def, req, firstLine(p.Doc))
	}
	return tw.Flush()
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}
