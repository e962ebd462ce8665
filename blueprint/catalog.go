package blueprint

import (
	"context"
	"errors"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/internal/fserr"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	cueyaml "cuelang.org/go/encoding/yaml"

	"github.com/goldenpath-dev/goldenpath/internal/fetch"
	"github.com/goldenpath-dev/goldenpath/internal/yamlcheck"
)

// IndexFiles returns the names of a catalog index, looked for in this order
// at the root of a catalog source, in a new slice.
func IndexFiles() []string { return []string{"catalog.yaml", "catalog.yml", "catalog.json"} }

// catalogSchema checks an index file.
const catalogSchema = `
blueprints: [...{
	// source is an address, or a path relative to the index.
	source: string & != ""
	// versions "tags": every semantic-version tag of the git repository is a
	// version; "source" (the default): the source is one version.
	versions: *"source" | "tags"
	// tagPrefix selects and strips a prefix of the tags: "go-service/"
	// for tags such as go-service/v1.2.0.
	tagPrefix: string | *""
}]
`

// CatalogEntry is one version of one blueprint in a catalog.
type CatalogEntry struct {
	// Name, Version, Description, Owner, Tags and Decisions are those of
	// the version's blueprint.cue (Blueprint's fields of the same names).
	Name        string   `json:"name"`
	Version     string   `json:"version"`
	Description string   `json:"description,omitempty"`
	Owner       string   `json:"owner,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Decisions   []string `json:"decisions,omitempty"`
	// Source is the address that loads this version.
	Source string `json:"source"`
	// Revision pins the source when it was loaded.
	Revision string `json:"revision,omitempty"`
	// Released is the day the version was published (YYYY-MM-DD), when its
	// blueprint.cue says; unknown for tagged versions not loaded yet.
	Released string `json:"released,omitempty"`

	bp *Blueprint
}

// Catalog is a set of blueprints from one or more sources, with every
// version of each. It is immutable once loaded and safe for concurrent use.
type Catalog struct {
	opts   Options
	byName map[string][]*CatalogEntry // ascending by version
}

// LoadCatalog loads the blueprints that sources name. A source is a
// blueprint itself (it has blueprint.cue), a catalog index (catalog.yaml,
// catalog.yml or catalog.json at its root, listing sources), or a directory
// whose immediate subdirectories are blueprints. Index entries with
// versions: tags make every semantic-version tag of a git repository a
// version, fetched only when it is loaded. opts.Fetcher fetches every
// source, as for Load.
func LoadCatalog(ctx context.Context, sources []string, opts *Options) (*Catalog, error) {
	if opts == nil {
		opts = &Options{}
	}
	c := &Catalog{opts: *opts, byName: map[string][]*CatalogEntry{}}
	f, err := c.fetcher()
	if err != nil {
		return nil, err
	}
	for _, src := range sources {
		if err := c.addSource(ctx, f, src, 0); err != nil {
			return nil, err
		}
	}
	for name, es := range c.byName {
		slices.SortFunc(es, func(a, b *CatalogEntry) int { return CompareVersions(a.Version, b.Version) })
		for i := 1; i < len(es); i++ {
			if es[i].Version == es[i-1].Version {
				return nil, fmt.Errorf("catalog: %s %s is published by both %s and %s", name, es[i].Version, es[i-1].Source, es[i].Source)
			}
		}
	}
	return c, nil
}

func (c *Catalog) fetcher() (Fetcher, error) {
	if c.opts.Fetcher != nil {
		return c.opts.Fetcher, nil
	}
	return DefaultSources()
}

// maxIndexDepth bounds indexes that list indexes.
const maxIndexDepth = 4

func (c *Catalog) addSource(ctx context.Context, f Fetcher, src string, depth int) error {
	if depth > maxIndexDepth {
		return fmt.Errorf("catalog: %s: indexes nested more than %d deep", Redact(src), maxIndexDepth)
	}
	got, err := f.Fetch(ctx, src)
	if err != nil {
		if err := loadError("catalog", src, err); errors.As(err, new(*fserr.Error)) {
			return err // catalog missing: no such directory
		}
		return fmt.Errorf("catalog: %w", loadError("", src, err))
	}
	if exists(got.FS, SchemaFile) {
		_, err := c.addBlueprint(ctx, src, nil)
		return err
	}
	for _, name := range IndexFiles() {
		if exists(got.FS, name) {
			return c.addIndex(ctx, f, got, name, depth)
		}
	}
	entries, err := fs.ReadDir(got.FS, ".")
	if err != nil {
		return fmt.Errorf("catalog: %s: %w", Redact(src), err)
	}
	found := false
	for _, e := range entries {
		if !e.IsDir() || !exists(got.FS, path.Join(e.Name(), SchemaFile)) {
			continue
		}
		sub, err := fetch.Join(got.Source, e.Name(), got.Revision)
		if err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
		if _, err := c.addBlueprint(ctx, sub, nil); err != nil {
			return err
		}
		found = true
	}
	if !found {
		return fmt.Errorf("catalog: %s holds no blueprint, no %s and no blueprint directories", Redact(src), IndexFiles()[0])
	}
	return nil
}

func exists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

// addBlueprint loads the blueprint at src and adds it; want, when set, is
// the version its tag promised.
func (c *Catalog) addBlueprint(ctx context.Context, src string, want *string) (*CatalogEntry, error) {
	bp, err := Load(ctx, src, &c.opts)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if want != nil && CompareVersions(*want, bp.Version) != 0 {
		return nil, fmt.Errorf("catalog: %s: tagged %s, but blueprint.cue says version %s", Redact(src), *want, bp.Version)
	}
	e := entryOf(bp)
	c.byName[bp.Name] = append(c.byName[bp.Name], e)
	return e, nil
}

func entryOf(bp *Blueprint) *CatalogEntry {
	return &CatalogEntry{
		Name: bp.Name, Version: bp.Version, Description: bp.Description, Owner: bp.Owner,
		Tags: bp.Tags, Decisions: bp.Decisions, Source: bp.Source, Revision: bp.Revision, Released: bp.Released, bp: bp,
	}
}

type indexEntry struct {
	Source    string `json:"source"`
	Versions  string `json:"versions"`
	TagPrefix string `json:"tagPrefix"`
}

func (c *Catalog) addIndex(ctx context.Context, f Fetcher, got *Fetched, name string, depth int) error {
	data, err := readFSCapped(got.FS, name, c.opts.maxInputBytes())
	if err != nil {
		return fmt.Errorf("catalog: %s: %w", name, err)
	}
	file := got.Source + "/" + name
	if got.Dir != "" && got.Revision == "" {
		file = path.Join(got.Source, name)
	}
	idx, err := decodeIndex(file, data)
	if err != nil {
		return err
	}
	for _, e := range idx {
		src, err := fetch.Join(got.Source, e.Source, got.Revision)
		if err != nil {
			return fmt.Errorf("catalog: %s: %w", file, err)
		}
		if e.Versions != "tags" {
			if err := c.addSource(ctx, f, src, depth+1); err != nil {
				return err
			}
			continue
		}
		if err := c.addTagged(ctx, f, src, e.TagPrefix); err != nil {
			return fmt.Errorf("catalog: %s: %w", file, err)
		}
	}
	return nil
}

func decodeIndex(file string, data []byte) ([]indexEntry, error) {
	if err := yamlcheck.Check(file, data, yamlcheck.Limits{}); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	ctx := cuecontext.New()
	expr, err := cueyaml.Extract(file, data)
	if err != nil {
		return nil, fmt.Errorf("catalog: %s", strings.TrimSpace(cueerrors.Details(err, nil)))
	}
	v := ctx.CompileString(catalogSchema, cue.Filename("catalog schema")).Unify(ctx.BuildFile(expr))
	if err := v.Validate(cue.Concrete(true)); err != nil {
		var lines []string
		for _, e := range cueerrors.Errors(err) {
			pos := file
			for _, p := range cueerrors.Positions(e) {
				if p.Filename() == file {
					pos = fmt.Sprintf("%s:%d:%d", file, p.Line(), p.Column())
					break
				}
			}
			path := strings.Join(e.Path(), ".")
			format, args := e.Msg()
			lines = append(lines, fmt.Sprintf("%s: %s: %s", pos, path, fmt.Sprintf(format, args...)))
		}
		return nil, fmt.Errorf("catalog: %s", strings.Join(lines, "\n"))
	}
	var idx struct {
		Blueprints []indexEntry `json:"blueprints"`
	}
	if err := v.Decode(&idx); err != nil {
		return nil, fmt.Errorf("catalog: %s: %w", file, err)
	}
	return idx.Blueprints, nil
}

// addTagged adds every semantic-version tag of src's repository (with the
// prefix) as a version of the blueprint at src. The newest is loaded to
// learn the blueprint's name and description; the others are loaded when
// asked for.
func (c *Catalog) addTagged(ctx context.Context, f Fetcher, src, prefix string) error {
	tl, ok := f.(TagLister)
	if !ok {
		return errors.New("versions: tags needs a fetcher that lists tags")
	}
	tags, err := tl.Tags(ctx, src)
	if err != nil {
		return err
	}
	type tagged struct{ tag, version string }
	var vs []tagged
	for _, t := range tags {
		v, ok := strings.CutPrefix(t, prefix)
		if ok && IsVersion(v) {
			vs = append(vs, tagged{t, strings.TrimPrefix(v, "v")})
		}
	}
	if len(vs) == 0 {
		return fmt.Errorf("%s: no tags %sX.Y.Z", Redact(src), prefix)
	}
	sort.Slice(vs, func(i, j int) bool { return CompareVersions(vs[i].version, vs[j].version) < 0 })
	newest := vs[len(vs)-1]
	base, _, _ := strings.Cut(src, "?")
	head, err := c.addBlueprint(ctx, base+"?ref="+newest.tag, &newest.version)
	if err != nil {
		return err
	}
	for _, t := range vs[:len(vs)-1] {
		e := *head
		e.Version, e.Source, e.Revision, e.Released, e.bp = t.version, base+"?ref="+t.tag, "", "", nil
		c.byName[head.Name] = append(c.byName[head.Name], &e)
	}
	return nil
}

// Names returns the names of the blueprints, sorted.
func (c *Catalog) Names() []string {
	names := make([]string, 0, len(c.byName))
	for n := range c.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Versions returns every version of the named blueprint, oldest first.
func (c *Catalog) Versions(name string) []CatalogEntry {
	var out []CatalogEntry
	for _, e := range c.byName[name] {
		out = append(out, *e)
	}
	return out
}

// Latest returns the newest release of the named blueprint (the newest
// pre-release when there is no release).
func (c *Catalog) Latest(name string) (CatalogEntry, bool) {
	es := c.byName[name]
	for i := len(es) - 1; i >= 0; i-- {
		if !strings.Contains(strings.SplitN(es[i].Version, "+", 2)[0], "-") {
			return *es[i], true
		}
	}
	if len(es) > 0 {
		return *es[len(es)-1], true
	}
	return CatalogEntry{}, false
}

// Entry returns one version of the named blueprint; version "" is Latest.
func (c *Catalog) Entry(name, version string) (CatalogEntry, bool) {
	if version == "" {
		return c.Latest(name)
	}
	for _, e := range c.byName[name] {
		if CompareVersions(e.Version, version) == 0 {
			return *e, true
		}
	}
	return CatalogEntry{}, false
}

// Load returns one version of the named blueprint (version "" is Latest),
// loading it through the catalog's fetcher when it was not loaded yet.
func (c *Catalog) Load(ctx context.Context, name, version string) (*Blueprint, error) {
	e, ok := c.Entry(name, version)
	if !ok {
		if _, known := c.byName[name]; !known {
			return nil, fmt.Errorf("catalog: no blueprint %q (known: %s)", name, strings.Join(c.Names(), ", "))
		}
		var vs []string
		for _, e := range c.byName[name] {
			vs = append(vs, e.Version)
		}
		return nil, fmt.Errorf("catalog: %s has no version %s (versions: %s)", name, version, strings.Join(vs, ", "))
	}
	if e.bp != nil {
		return e.bp, nil
	}
	bp, err := Load(ctx, e.Source, &c.opts)
	if err != nil {
		return nil, err
	}
	if bp.Name != name || CompareVersions(bp.Version, e.Version) != 0 {
		return nil, fmt.Errorf("catalog: %s is %s %s, not %s %s", e.Source, bp.Name, bp.Version, name, e.Version)
	}
	return bp, nil
}
