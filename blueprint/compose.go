package blueprint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/goldenpath-dev/goldenpath/internal/fetch"
)

// Include is a blueprint composed into another: rendered with the
// parameters its "with" maps, into Dir.
type Include struct {
	// Name is the include's key in blueprint.cue.
	Name string
	// Source is the address as written in blueprint.cue, redacted (Redact).
	Source string
	// Dir is the directory of the project its files render into; "" is
	// the root.
	Dir string
	// Blueprint is the included blueprint, with its own includes loaded.
	Blueprint *Blueprint
}

// Includes returns the blueprints b includes, in the order blueprint.cue
// declares them.
func (b *Blueprint) Includes() []Include {
	return append([]Include(nil), b.includes...)
}

// includeDecl is an include as blueprint.cue declares it.
type includeDecl struct {
	name, source, dir string
	pos               Position
}

// maxIncludeDepth bounds chains of includes.
const maxIncludeDepth = 8

// readIncludes records the include declarations of a checked blueprint.cue.
func (b *Blueprint) readIncludes(root cue.Value) error {
	inc := root.LookupPath(cue.ParsePath("include"))
	if !inc.Exists() {
		return nil
	}
	it, err := inc.Fields()
	if err != nil {
		return &ValidationError{Fields: b.shaper("", nil).shape(err)}
	}
	for it.Next() {
		d := includeDecl{name: it.Selector().Unquoted(), pos: toPosition(it.Value().Pos())}
		if err := it.Value().LookupPath(cue.ParsePath("source")).Decode(&d.source); err != nil {
			return &ValidationError{Fields: b.shaper("", nil).shape(err)}
		}
		if p := it.Value().LookupPath(cue.ParsePath("path")); p.Exists() {
			if err := p.Decode(&d.dir); err != nil {
				return &ValidationError{Fields: b.shaper("", nil).shape(err)}
			}
			if d.dir != "" {
				if err := checkRelPath(d.dir); err != nil {
					return &ValidationError{Fields: []FieldError{{Path: "include." + d.name + ".path", Message: err.Error(), Schema: posOf(p)}}}
				}
			}
		}
		b.includeDecls = append(b.includeDecls, d)
	}
	return nil
}

// loadIncludes loads what b includes, checks each mapping against the
// included schema, and folds the included digests into b's. stack holds the
// sources being loaded, outermost first, to find cycles; local reports
// whether b is a local directory the program named.
func (b *Blueprint) loadIncludes(ctx context.Context, opts *Options, stack []string, local bool) error {
	if len(b.includeDecls) == 0 {
		return nil
	}
	if len(stack) > maxIncludeDepth {
		return fmt.Errorf("load blueprint %s: includes nested more than %d deep", b.Source, maxIncludeDepth)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", b.Digest)
	var fields []FieldError
	for _, d := range b.includeDecls {
		child, err := b.loadInclude(ctx, d, opts, stack, local)
		if err != nil {
			return err
		}
		fields = append(fields, b.checkMapping(d, child)...)
		b.includes = append(b.includes, Include{Name: d.name, Source: Redact(d.source), Dir: d.dir, Blueprint: child})
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", d.name, d.dir, child.Digest)
	}
	if len(fields) > 0 {
		sortFieldErrors(fields)
		return &ValidationError{Blueprint: b.Source, Fields: fields}
	}
	b.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return nil
}

func (b *Blueprint) loadInclude(ctx context.Context, d includeDecl, opts *Options, stack []string, local bool) (*Blueprint, error) {
	wrap := func(err error) error {
		return fmt.Errorf("%s: include %s: %w", d.pos, d.name, err)
	}
	isAddr := strings.Contains(d.source, "::") || strings.Contains(d.source, "://")
	if local && !isAddr {
		// A relative path in a directory the program named is trusted like
		// that directory.
		dir := d.source
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(b.Source, filepath.FromSlash(dir))
		}
		dir = filepath.Clean(dir)
		if err := checkCycle(stack, dir); err != nil {
			return nil, wrap(err)
		}
		child, err := loadDir(ctx, dir, opts, append(stack, dir))
		if err != nil {
			return nil, wrap(err)
		}
		return child, nil
	}
	// A fetched blueprint reaches only other remote sources, never the disk
	// of the machine that loads it, whatever it was fetched from (file://
	// and git::file:// included). A relative include names a directory of
	// the same repository or archive: fetch.Join refuses one that leaves it.
	relative := !isAddr && !filepath.IsAbs(d.source) && !path.IsAbs(d.source) && filepath.VolumeName(d.source) == ""
	if !local && !relative && namesLocal(d.source) {
		return nil, wrap(fmt.Errorf("a fetched blueprint may not include the local source %q", Redact(d.source)))
	}
	base := b.Source
	if b.fetched != "" {
		base = b.fetched
	}
	src, err := fetch.Join(base, d.source, b.Revision)
	if err != nil {
		return nil, wrap(err)
	}
	if err := checkCycle(stack, src); err != nil {
		return nil, wrap(err)
	}
	child, err := loadSource(ctx, src, opts, append(stack, src))
	if err != nil {
		return nil, wrap(err)
	}
	return child, nil
}

// namesLocal reports whether an include source names something on the
// loading machine: a path, or a file: URL under any getter.
func namesLocal(source string) bool {
	if filepath.IsAbs(source) || path.IsAbs(source) || filepath.VolumeName(source) != "" {
		return true
	}
	a, err := fetch.Parse(source, fetch.Local)
	if err != nil {
		// Not an address the library knows: only a custom Fetcher can load
		// it, and a forced getter or URL scheme decides what it reaches.
		lower := strings.ToLower(source)
		return strings.Contains(lower, "file:") || strings.HasPrefix(lower, "file::")
	}
	return a.Kind == fetch.Dir || (a.URL != nil && strings.EqualFold(a.URL.Scheme, "file"))
}

func checkCycle(stack []string, src string) error {
	for i, s := range stack {
		if s == src {
			return fmt.Errorf("include cycle: %s", strings.Join(append(append([]string(nil), stack[i:]...), src), " -> "))
		}
	}
	return nil
}

// checkMapping unifies the include's "with" with the included parameter
// schema without any input: constraints that can never hold together are
// reported statically, with the position in both files; so are names the
// included blueprint does not have and required parameters left unmapped.
func (b *Blueprint) checkMapping(d includeDecl, child *Blueprint) []FieldError {
	prefix := "include." + d.name + ".with"
	pf, err := b.parse()
	if err != nil {
		return nil // reported when b was checked
	}
	cf, err := child.parse()
	if err != nil {
		return nil
	}
	ctx := cuecontext.New()
	parent := ctx.BuildFile(pf)
	with := parent.LookupPath(cue.MakePath(cue.Str("include"), cue.Str(d.name), cue.Str("with")))
	schema := ctx.BuildFile(cf).LookupPath(cue.ParsePath("parameters"))
	var fields []FieldError
	given := map[string]bool{}
	known := topLevelParams(child)
	if with.Exists() {
		it, err := with.Fields(cue.Optional(true))
		if err == nil {
			for it.Next() {
				name := it.Selector().Unquoted()
				given[name] = true
				if !slices.Contains(known, name) {
					fields = append(fields, FieldError{
						Path:    prefix + "." + name,
						Message: fmt.Sprintf("%s has no parameter %s (known: %s)", child.Name, name, strings.Join(known, ", ")),
						Schema:  posOf(it.Value()),
					})
				}
			}
		}
		if err := schema.Unify(with).Validate(cue.All()); err != nil {
			// The included blueprint's shaper: its positions are the
			// schema's, the mapping's are the input's.
			for _, fe := range child.shaper("parameters", nil).shape(err) {
				fe.Path = prefix + "." + fe.Path
				fields = append(fields, fe)
			}
		}
	}
	for _, p := range child.params {
		if p.Required && !strings.Contains(p.Path, ".") && !given[p.Path] {
			fields = append(fields, FieldError{
				Path:    prefix,
				Message: fmt.Sprintf("%s needs parameter %s: map it in with", child.Name, p.Path),
				Schema:  []Position{d.pos},
			})
		}
	}
	return fields
}

func topLevelParams(b *Blueprint) []string {
	var names []string
	for _, p := range b.params {
		if !strings.Contains(p.Path, ".") {
			names = append(names, p.Path)
		}
	}
	sort.Strings(names)
	return names
}

// Part is one blueprint of a render, with its resolved parameters.
type Part struct {
	// Name is the include's name, dotted for nested includes; "" for the
	// blueprint itself.
	Name string
	// Blueprint is the part's blueprint.
	Blueprint *Blueprint
	// Params are the part's resolved parameters.
	Params *Params
	// Dir is the directory of the project its files render into; "" is
	// the root.
	Dir string
}

// Parts returns what a render of these parameters consists of: the
// blueprint itself first, then each include in declaration order, each
// followed by its own includes. When two parts render a file at the same
// path, the earlier part's file wins: the including blueprint's over an
// included one's, and a first-declared include's over a later one's.
func (p *Params) Parts() []Part {
	parts := []Part{{Blueprint: p.bp, Params: p}}
	for _, inc := range p.includes {
		for _, sub := range inc.params.Parts() {
			name := inc.name
			if sub.Name != "" {
				name += "." + sub.Name
			}
			sub.Name = name
			sub.Dir = joinDir(inc.dir, sub.Dir)
			parts = append(parts, sub)
		}
	}
	return parts
}

func joinDir(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "/" + b
}

// resolvedInclude is one include's resolution.
type resolvedInclude struct {
	name, dir string
	params    *Params
}

// resolveIncludes resolves each include with the values its "with" takes
// under p.
func (b *Blueprint) resolveIncludes(ctx context.Context, p *Params) error {
	for _, inc := range b.includes {
		vals := p.with[inc.Name]
		if vals == nil {
			vals = map[string]any{}
		}
		cp, err := inc.Blueprint.Resolve(ctx, ValuesMap(vals))
		if err != nil {
			if ve, ok := err.(*ValidationError); ok {
				out := &ValidationError{Blueprint: b.Name}
				for _, f := range ve.Fields {
					f.Path = "include." + inc.Name + ".with." + f.Path
					out.Fields = append(out.Fields, f)
				}
				return out
			}
			return fmt.Errorf("include %s: %w", inc.Name, err)
		}
		p.includes = append(p.includes, resolvedInclude{name: inc.Name, dir: inc.Dir, params: cp})
	}
	return nil
}
