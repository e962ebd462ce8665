// Package blueprint loads golden-path blueprints and resolves their
// parameters.
//
// A blueprint is a directory holding blueprint.cue, checked against an
// embedded CUE meta-schema (#Blueprint), and template/, the tree to render.
// Parameters are a CUE struct, so types, bounds, regular expressions, enums,
// defaults and cross-field rules are one language. Load reads a blueprint from
// a directory, LoadFS from any fs.FS; Resolve turns layered input (YAML or
// JSON files, Go maps, KEY=VALUE pairs) into concrete, defaulted Params, or a
// ValidationError with one entry per failing field.
//
// A Blueprint is immutable once loaded, and all its methods may be called
// concurrently.
package blueprint

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/internal/fserr"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"

	"github.com/goldenpath-dev/goldenpath/internal/bound"
	"github.com/goldenpath-dev/goldenpath/internal/fastfile"
	"github.com/goldenpath-dev/goldenpath/internal/fetch"
	globs "github.com/goldenpath-dev/goldenpath/internal/glob"
)

//go:embed schema.cue
var metaSchema []byte

// MetaSchema returns the CUE source of #Blueprint, the schema every
// blueprint.cue is checked against.
func MetaSchema() []byte { return append([]byte(nil), metaSchema...) }

const (
	// SchemaFile is the name of the blueprint's CUE file.
	SchemaFile = "blueprint.cue"
	// TemplateDir is the directory holding the tree to render.
	TemplateDir = "template"

	metaFile = "goldenpath:schema.cue"
)

// Level is who owns a rendered file after the first render.
type Level string

// The responsibility levels.
const (
	// Managed files belong to the platform: overwritten on upgrade, and a
	// downstream edit is drift.
	Managed Level = "managed"
	// Shared files are merged three ways on upgrade; downstream edits are kept.
	Shared Level = "shared"
	// Seeded files are written once and then belong to the team.
	Seeded Level = "seeded"
)

// FileRule is one entry of a blueprint's files section.
type FileRule struct {
	// Glob matches template paths ("deploy/**", "*.md"); "*" stays within a
	// path segment and "**" spans any number of segments.
	Glob string
	// Level is the responsibility level of matching files; empty when the rule
	// does not set one.
	Level Level
	// Renderer names the renderer for matching files; empty when the rule does
	// not set one.
	Renderer string
	// Conditional reports whether the include condition depends on the
	// parameters; Params.Included gives its value for one resolution.
	Conditional bool
	// Include is the include condition when it does not depend on parameters.
	Include bool
}

// A Fetcher makes a blueprint source available as a file system. Sources
// (go-getter, with a cache) is the library's; an in-house tool can plug in
// its own artifact store.
type Fetcher interface {
	// Fetch makes the source available, or returns why it cannot; it
	// must honour ctx.
	Fetch(ctx context.Context, source string) (*Fetched, error)
}

// Fetched is what a Fetcher returns.
type Fetched struct {
	// FS is the blueprint directory: it holds blueprint.cue and template/.
	FS fs.FS
	// Dir is the same directory on the local disk, when it is on one; error
	// positions then name its files.
	Dir string
	// Source is the normalised source address.
	Source string
	// Revision pins what was fetched: a commit SHA or an archive digest.
	Revision string
}

// Options configures loading and resolution. The zero value, and a nil
// *Options, give the defaults.
type Options struct {
	// Fetcher fetches the sources Load is given. Nil uses DefaultSources:
	// the strict policy and the user's cache directory.
	Fetcher Fetcher
	// Logger receives debug logs. Nil discards them.
	Logger *slog.Logger
	// MaxInputBytes caps each parameter input. Default 1 MiB.
	MaxInputBytes int64
	// MaxInputNodes caps the values of each YAML or JSON parameter input:
	// every scalar, mapping and list counts, and so does every node an
	// alias or a merge key copies. It is checked before the input is
	// decoded or evaluated, and so is nesting (at most 100 levels).
	// Default 100 000.
	MaxInputNodes int
	// MaxSchemaBytes caps blueprint.cue. Default 1 MiB.
	MaxSchemaBytes int64
	// MaxTemplateFiles caps the number of files in template/. Default 50 000.
	MaxTemplateFiles int
	// MaxTemplateBytes caps the total size of template/. Default 512 MiB.
	MaxTemplateBytes int64
	// EvalTimeout bounds each CUE evaluation. Default 10 s.
	EvalTimeout time.Duration
	// EvaluatorUses is how many resolutions one CUE context serves before it
	// is dropped for a fresh one, which keeps memory flat. Default 512.
	EvaluatorUses int
	// Renderers, when not nil, are the renderer names files rules may use
	// (render.Engine.Renderers gives an engine's): loading a blueprint, or
	// one it includes, that names another fails with *UnknownRendererError.
	// Nil accepts any name; rendering then refuses unknown ones.
	Renderers []string
	// Isolation, when set, runs every CUE evaluation (the check at load and
	// each Resolve, of the blueprint and of what it includes) first in a
	// child process with a memory limit and EvalTimeout, and in process only
	// when it ended there within both. Without it, EvalTimeout bounds the
	// wait but not the memory. Supported on Linux; elsewhere every
	// evaluation fails with ErrIsolationUnsupported.
	Isolation *Isolation
}

func (o *Options) maxInputBytes() int64    { return orDefault(o.MaxInputBytes, 1<<20) }
func (o *Options) maxInputNodes() int      { return orDefault(o.MaxInputNodes, 100_000) }
func (o *Options) maxSchemaBytes() int64   { return orDefault(o.MaxSchemaBytes, 1<<20) }
func (o *Options) maxTemplateFiles() int   { return orDefault(o.MaxTemplateFiles, 50_000) }
func (o *Options) maxTemplateBytes() int64 { return orDefault(o.MaxTemplateBytes, 512<<20) }
func (o *Options) evalTimeout() time.Duration {
	return orDefault(o.EvalTimeout, 10*time.Second)
}
func (o *Options) evaluatorUses() int { return orDefault(o.EvaluatorUses, 512) }
func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

func orDefault[T int | int64 | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// Blueprint is a loaded, checked blueprint. It is immutable and safe for
// concurrent use.
//
// Only Load, LoadDir, LoadFS and Catalog.Load make usable Blueprints. The
// zero Blueprint{} is not one: its Resolve returns ErrNotLoaded, its
// Template is empty, and its Parameters, Schema and Includes are empty; its
// exported fields are information about a loaded blueprint, and setting
// them makes no blueprint.
type Blueprint struct {
	// Name and Version identify the blueprint (blueprint.cue's name and
	// version); Description and Owner are blueprint.cue's, for people.
	Name        string
	Version     string
	Description string
	Owner       string
	// Released is the day the version was published (YYYY-MM-DD), when
	// blueprint.cue says.
	Released string
	// Tags are blueprint.cue's tags, which decisions' scopes select by.
	Tags []string
	// Decisions lists the IDs of the decisions the blueprint implements.
	Decisions []string
	// Source is where the blueprint was loaded from.
	Source string
	// Revision pins a remote source (commit SHA or archive digest); empty for
	// local sources.
	Revision string
	// Digest is "sha256:…" over blueprint.cue and every template file.
	Digest string
	// Files are the files rules in the order of the glob patterns.
	Files []FileRule
	// Dirs are directories rendered even when empty.
	Dirs []string

	fsys         fs.FS
	fetched      string // the address as fetched, which Source redacts
	schemaSrc    []byte
	schemaName   string
	opts         Options
	msgs         []authorMsg
	params       []Parameter
	kinds        map[string]cue.Kind
	enums        map[string][]string
	decl         map[string]Position
	derived      []string
	migrations   []Migration
	includeDecls []includeDecl
	includes     []Include
	rendererPos  map[string]Position // by files glob: where its renderer is named
	jsonOnce     sync.Once
	jsonParams   cue.Value
	jsonSchema   []byte
	pool         *pool
}

// Template returns the template tree (the blueprint's template/ directory).
func (b *Blueprint) Template() fs.FS {
	if b.fsys == nil {
		return emptyFS{}
	}
	sub, err := fs.Sub(b.fsys, TemplateDir)
	if err != nil {
		return emptyFS{}
	}
	return sub
}

// Schema returns the source of blueprint.cue.
func (b *Blueprint) Schema() []byte { return append([]byte(nil), b.schemaSrc...) }

type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// Load loads the blueprint at source through opts.Fetcher, which decides by
// its policy what source may name: with Sources, a git repository
// (git::https://host/org/repo.git//dir?ref=v1.2.0), an archive
// (https://host/bp.tar.gz//dir), and under the local policy a local
// directory or git::file://. A nil Fetcher is DefaultSources, which is
// strict. opts may be nil.
func Load(ctx context.Context, source string, opts *Options) (*Blueprint, error) {
	if opts == nil {
		opts = &Options{}
	}
	return loadSource(ctx, source, opts, []string{source})
}

// loadSource loads a blueprint through the fetcher, then its includes.
func loadSource(ctx context.Context, source string, opts *Options, stack []string) (*Blueprint, error) {
	f := opts.Fetcher
	if f == nil {
		var err error
		if f, err = DefaultSources(); err != nil {
			return nil, fmt.Errorf("load %s: %w", Redact(source), err)
		}
	}
	got, err := f.Fetch(ctx, source)
	if err != nil {
		return nil, loadError("blueprint", source, err)
	}
	// A pinned revision never changes: Sources keeps what it loaded.
	s, _ := f.(*Sources)
	var key string
	if s != nil && got.Revision != "" {
		key = fmt.Sprintf("%s\x00%s\x00%d,%d,%d,%d,%d,%v,%d,%p,%p", got.Source, got.Revision, opts.MaxInputBytes, opts.MaxInputNodes, opts.MaxSchemaBytes,
			opts.MaxTemplateFiles, opts.MaxTemplateBytes, opts.EvalTimeout, opts.EvaluatorUses, opts.Logger, opts.Isolation)
		if b := s.lookup(key); b != nil {
			if opts.Renderers != nil {
				// Kept whatever the names: check them for this load.
				if err := b.CheckRenderers(opts.Renderers); err != nil {
					return nil, err
				}
			}
			return b, nil
		}
	}
	// Sources refuses credentials in addresses; a custom Fetcher may take
	// them, and they must reach no error, log or manifest.
	named := Redact(got.Source)
	schemaName := named + "/" + SchemaFile
	local := got.Dir != "" && got.Revision == ""
	if local {
		// A local directory used in place: positions name its file.
		schemaName = filepath.Join(got.Source, SchemaFile)
	}
	b, err := load(ctx, got.FS, named, schemaName, opts)
	if err != nil {
		return nil, err
	}
	b.fetched = got.Source
	b.Revision = got.Revision
	if err := b.loadIncludes(ctx, opts, stack, local); err != nil {
		return nil, err
	}
	if key != "" {
		s.keep(key, b)
	}
	return b, nil
}

// loadError is a failed fetch of source, naming it once: redacted, and not
// again when the fetcher's error already names it. A local directory that
// is missing, or not a directory, is said in a sentence naming what (a
// "blueprint", a "catalog") was being read.
func loadError(what, source string, err error) error {
	named := Redact(source)
	var pe *fs.PathError
	if what != "" && errors.As(err, &pe) && filepath.Clean(pe.Path) == filepath.Clean(source) {
		// A local directory that is not there, or not a directory.
		return fserr.Wrap(what, named, "no such directory", err)
	}
	msg := err.Error()
	if strings.Contains(msg, named) || strings.Contains(msg, strconv.Quote(named)) {
		return fmt.Errorf("load: %w", err)
	}
	if a, perr := fetch.Parse(source, fetch.Local); perr == nil && strings.Contains(msg, a.Repo()) {
		return fmt.Errorf("load: %w", err)
	}
	return fmt.Errorf("load %s: %w", named, err)
}

// Redact returns a source address with its credentials replaced by
// "xxxxx": the password of URL user information (user:xxxxx@, the form of
// url.URL.Redacted), a user name standing alone (often a token), and the
// values of query parameters named like credentials (token, sshkey,
// password, secret…). Errors, logs and manifests of the library carry
// addresses only in this form; a program printing an address a user gave
// should do the same.
func Redact(source string) string { return fetch.Redact(source) }

// LoadDir loads the blueprint in the local directory dir: a path the
// program itself names, trusted like its own files. Addresses that come from
// users or other untrusted input go through Load, whose source policy
// decides what they may name. opts may be nil.
func LoadDir(ctx context.Context, dir string, opts *Options) (*Blueprint, error) {
	if opts == nil {
		opts = &Options{}
	}
	return loadDir(ctx, dir, opts, []string{filepath.Clean(dir)})
}

func loadDir(ctx context.Context, dir string, opts *Options, stack []string) (*Blueprint, error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, fserr.Wrap("blueprint", dir, "no such directory", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("load blueprint %s: the blueprint directory is a symlink: %w", dir, ErrSymlink)
	}
	if !fi.IsDir() {
		return nil, fserr.NotDir("blueprint", dir)
	}
	b, err := load(ctx, fastfile.DirFS(dir), dir, filepath.Join(dir, SchemaFile), opts)
	if err != nil {
		return nil, err
	}
	if err := b.loadIncludes(ctx, opts, stack, true); err != nil {
		return nil, err
	}
	return b, nil
}

// LoadFS loads the blueprint whose directory is the root of fsys (an
// embed.FS needs fs.Sub first). source names it in errors and manifests.
// opts may be nil.
func LoadFS(ctx context.Context, fsys fs.FS, source string, opts *Options) (*Blueprint, error) {
	if opts == nil {
		opts = &Options{}
	}
	name := SchemaFile
	if source != "" {
		name = source + "/" + SchemaFile
	}
	b, err := load(ctx, fsys, source, name, opts)
	if err != nil {
		return nil, err
	}
	// Includes of a blueprint in an fs.FS are addresses, fetched like
	// Load's; a relative one resolves against source when it is an address.
	if err := b.loadIncludes(ctx, opts, []string{source}, false); err != nil {
		return nil, err
	}
	return b, nil
}

func load(ctx context.Context, fsys fs.FS, source, schemaName string, opts *Options) (*Blueprint, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := refuseSymlinks(fsys); err != nil {
		return nil, fmt.Errorf("load blueprint %s: %w", source, err)
	}
	src, err := readFSCapped(fsys, SchemaFile, opts.maxSchemaBytes())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &fserr.Error{What: "blueprint", Name: source, Msg: "it holds no " + SchemaFile, Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("load blueprint %s: %w", source, err)
	}
	b := &Blueprint{
		Source:     source,
		fsys:       fsys,
		schemaSrc:  src,
		schemaName: schemaName,
		opts:       *opts,
	}
	digest, err := b.digest()
	if err != nil {
		return nil, fmt.Errorf("load blueprint %s: %w", source, err)
	}
	b.Digest = digest
	err = b.isolate(ctx, "check", nil)
	if err == nil {
		err = b.bounded(ctx, func() error { return b.check() })
	}
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) && ve.Blueprint == "" {
			ve.Blueprint = source
		}
		if errors.Is(err, ErrEvalTimeout) || errors.Is(err, ErrEvalMemory) || errors.Is(err, ErrIsolationUnsupported) {
			return nil, fmt.Errorf("load blueprint %s: %w", source, err)
		}
		return nil, err
	}
	if opts.Renderers != nil {
		if err := b.checkRenderers(opts.Renderers); err != nil {
			return nil, err
		}
	}
	b.pool = &pool{uses: opts.evaluatorUses(), build: b.newEvaluator}
	opts.logger().Debug("blueprint loaded", "name", b.Name, "version", b.Version, "source", source, "digest", b.Digest)
	return b, nil
}

// refuseSymlinks refuses a blueprint whose root, blueprint.cue or
// template/ is a symlink, when fsys can tell (fs.ReadLinkFS: os.DirFS can).
// Opening them would follow the link out of the blueprint. Symlinks under
// template/ are refused by digest.
func refuseSymlinks(fsys fs.FS) error {
	rl, ok := fsys.(fs.ReadLinkFS)
	if !ok {
		return nil
	}
	for _, name := range []string{".", SchemaFile, TemplateDir} {
		fi, err := rl.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) && name != "." {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if name == "." {
				name = "the blueprint directory"
			}
			return fmt.Errorf("%s is a symlink: %w", name, ErrSymlink)
		}
	}
	return nil
}

func readFSCapped(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w: the limit is %d bytes", name, ErrTooLarge, max)
	}
	return data, nil
}

// digest hashes blueprint.cue and the template tree, and enforces the
// template limits and the ban on symlinks and special files.
func (b *Blueprint) digest() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", SchemaFile, len(b.schemaSrc))
	h.Write(b.schemaSrc)
	files, total := 0, int64(0)
	buf := make([]byte, 32<<10) // one copy buffer for the whole tree
	err := fs.WalkDir(b.fsys, TemplateDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == TemplateDir {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symlink: %w", p, ErrSymlink)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: only regular files are allowed in a template (found %s)", p, d.Type())
		}
		files++
		if files > b.opts.maxTemplateFiles() {
			return fmt.Errorf("%s: %w: more than %d files", TemplateDir, ErrTooLarge, b.opts.maxTemplateFiles())
		}
		f, err := b.fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", p, fi.Mode().Perm()&0o111, fi.Size())
		n, err := io.CopyBuffer(h, io.LimitReader(f, b.opts.maxTemplateBytes()-total+1), buf)
		if err != nil {
			return err
		}
		total += n
		if total > b.opts.maxTemplateBytes() {
			return fmt.Errorf("%s: %w: more than %d bytes", TemplateDir, ErrTooLarge, b.opts.maxTemplateBytes())
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// parse parses blueprint.cue with comments.
func (b *Blueprint) parse() (*ast.File, error) {
	return parser.ParseFile(b.schemaName, b.schemaSrc, parser.ParseComments)
}

func (b *Blueprint) shaper(strip string, metaMsgs []authorMsg) *shaper {
	sh := &shaper{
		schemaFile: b.schemaName,
		hidden:     metaFile,
		strip:      strip,
		msgs:       append(append([]authorMsg(nil), b.msgs...), metaMsgs...),
		enums:      b.enums,
		decl:       b.decl,
	}
	if strip == "parameters" {
		sh.kinds, sh.params = b.kinds, b.params
	}
	return sh
}

// check compiles blueprint.cue, validates it against #Blueprint and reads
// its static parts.
func (b *Blueprint) check() error {
	f, err := b.parse()
	if err != nil {
		return &ValidationError{Fields: b.shaper("", nil).shape(err)}
	}
	b.msgs = collectAuthorMsgs(f)
	metaAST, err := parser.ParseFile(metaFile, metaSchema, parser.ParseComments)
	if err != nil {
		return fmt.Errorf("meta-schema: %w", err) // a bug in the library
	}
	metaMsgs := collectAuthorMsgs(metaAST)
	ctx := cuecontext.New()
	root := ctx.BuildFile(f)
	if err := root.Err(); err != nil {
		return &ValidationError{Fields: b.shaper("", nil).shape(err)}
	}
	def := ctx.BuildFile(metaAST).LookupPath(cue.MakePath(cue.Def("#Blueprint")))
	u := def.Unify(root)
	var fields []FieldError
	if err := u.Validate(cue.All()); err != nil {
		fields = b.shaper("", metaMsgs).shape(err)
	}
	for _, req := range []string{"name", "version", "description", "owner"} {
		if v := u.LookupPath(cue.ParsePath(req)); !v.Exists() || !v.IsConcrete() {
			if _, dup := (&ValidationError{Fields: fields}).Field(req); !dup {
				fields = append(fields, FieldError{Path: req, Message: "required", Input: &Position{Filename: b.schemaName}})
			}
		}
	}
	if !root.LookupPath(cue.ParsePath("parameters")).Exists() {
		fields = append(fields, FieldError{Path: "parameters", Message: "required (write parameters: {} for none)", Input: &Position{Filename: b.schemaName}})
	}
	if len(fields) > 0 {
		sortFieldErrors(fields)
		return &ValidationError{Fields: fields}
	}
	var meta struct {
		Name        string   `json:"name"`
		Version     string   `json:"version"`
		Description string   `json:"description"`
		Owner       string   `json:"owner"`
		Released    string   `json:"released"`
		Tags        []string `json:"tags"`
		Decisions   []string `json:"decisions"`
		Dirs        []string `json:"dirs"`
	}
	for _, fld := range []struct {
		path string
		dst  any
	}{
		{"name", &meta.Name}, {"version", &meta.Version}, {"description", &meta.Description},
		{"owner", &meta.Owner}, {"released", &meta.Released}, {"tags", &meta.Tags}, {"decisions", &meta.Decisions}, {"dirs", &meta.Dirs},
	} {
		v := root.LookupPath(cue.ParsePath(fld.path))
		if !v.Exists() {
			continue
		}
		if err := v.Decode(fld.dst); err != nil {
			return &ValidationError{Fields: b.shaper("", metaMsgs).shape(err)}
		}
	}
	b.Name, b.Version, b.Description, b.Owner = meta.Name, meta.Version, meta.Description, meta.Owner
	b.Tags, b.Decisions, b.Dirs, b.Released = meta.Tags, meta.Decisions, meta.Dirs, meta.Released
	for _, d := range b.Dirs {
		if err := checkRelPath(d); err != nil {
			return &ValidationError{Fields: []FieldError{{Path: "dirs", Message: err.Error(), Schema: posOf(root.LookupPath(cue.ParsePath("dirs")))}}}
		}
	}
	if err := b.readFiles(root); err != nil {
		return err
	}
	if err := b.readIncludes(root); err != nil {
		return err
	}
	if err := b.readMigrations(root); err != nil {
		return err
	}
	params := root.LookupPath(cue.ParsePath("parameters"))
	b.kinds = map[string]cue.Kind{}
	b.enums = map[string][]string{}
	b.decl = map[string]Position{}
	b.params = walkParams(params, "", paramIndex{b.kinds, b.enums, b.decl})
	if err := b.readDerived(root); err != nil {
		return err
	}
	// The JSON Schema is generated on first use: most loads (a fleet's, a
	// cached source's) never ask for it.
	b.jsonParams = params
	return nil
}

func posOf(v cue.Value) []Position {
	if p := toPosition(v.Pos()); p.IsValid() {
		return []Position{p}
	}
	return nil
}

// checkRelPath checks that p is a clean, relative, slash-separated path.
func checkRelPath(p string) error {
	if !fs.ValidPath(p) || p == "." {
		return fmt.Errorf("%q is not a clean relative path", p)
	}
	return nil
}

func (b *Blueprint) readFiles(root cue.Value) error {
	files := root.LookupPath(cue.ParsePath("files"))
	if !files.Exists() {
		return nil
	}
	it, err := files.Fields()
	if err != nil {
		return &ValidationError{Fields: b.shaper("", nil).shape(err)}
	}
	var errs []FieldError
	for it.Next() {
		glob := it.Selector().Unquoted()
		v := it.Value()
		rule := FileRule{Glob: glob, Include: true}
		if err := globs.Check(glob); err != nil {
			errs = append(errs, FieldError{Path: "files." + glob, Message: err.Error(), Schema: posOf(v)})
			continue
		}
		if lv := v.LookupPath(cue.ParsePath("level")); lv.Exists() {
			s, err := lv.String()
			if err != nil {
				errs = append(errs, FieldError{Path: "files." + glob + ".level", Message: "must be a concrete level: managed, shared or seeded", Schema: posOf(lv)})
			}
			rule.Level = Level(s)
		}
		if rv := v.LookupPath(cue.ParsePath("renderer")); rv.Exists() {
			s, err := rv.String()
			if err != nil {
				errs = append(errs, FieldError{Path: "files." + glob + ".renderer", Message: "must be a concrete renderer name", Schema: posOf(rv)})
			}
			rule.Renderer = s
			if p := posOf(rv); len(p) > 0 {
				if b.rendererPos == nil {
					b.rendererPos = map[string]Position{}
				}
				b.rendererPos[glob] = p[0]
			}
		}
		if iv := v.LookupPath(cue.ParsePath("include")); iv.Exists() {
			// Only a literal is static: anything else may depend on the
			// parameters, even when their defaults make it concrete now.
			if bv, err := iv.Bool(); err == nil && isBoolLiteral(iv.Source()) {
				rule.Include = bv
			} else {
				rule.Conditional = true
			}
		}
		b.Files = append(b.Files, rule)
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	return nil
}

func isBoolLiteral(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.Field:
		return isBoolLiteral(x.Value)
	case *ast.BasicLit:
		return x.Value == "true" || x.Value == "false"
	case *ast.Ident:
		return x.Name == "true" || x.Name == "false"
	}
	return false
}

func (b *Blueprint) readDerived(root cue.Value) error {
	d := root.LookupPath(cue.ParsePath("derived"))
	if !d.Exists() {
		return nil
	}
	it, err := d.Fields()
	if err != nil {
		return &ValidationError{Fields: b.shaper("", nil).shape(err)}
	}
	for it.Next() {
		name := it.Selector().Unquoted()
		if _, clash := b.kinds[name]; clash {
			return &ValidationError{Fields: []FieldError{{
				Path:    "derived." + name,
				Message: "has the name of a parameter; templates see both at top level, so rename one",
				Schema:  posOf(it.Value()),
			}}}
		}
		b.derived = append(b.derived, name)
	}
	return nil
}

// bounded runs f with a deadline, as bound.Run does, on an evaluation
// worker: a goroutine that ran an evaluation before, when one is idle.
func bounded(ctx context.Context, d time.Duration, f func() error) error {
	return bound.RunOn(ctx, d, ErrEvalTimeout, f, goEval)
}

// bounded runs an evaluation of b in process. Without Isolation, it waits
// at most EvalTimeout, and until ctx ends. With it, the evaluation already
// ended in the child within EvalTimeout and the memory limit (CUE is
// deterministic: it needs here what it needed there), and the call waits
// for its end whatever ctx and the clock say, so that no evaluation runs
// on behind the call.
func (b *Blueprint) bounded(ctx context.Context, f func() error) error {
	if b.opts.Isolation != nil {
		return bound.RunOn(context.WithoutCancel(ctx), math.MaxInt64, ErrEvalTimeout, f, goEval)
	}
	return bounded(ctx, b.opts.evalTimeout(), f)
}

// evalJobs hands an evaluation to an idle worker. CUE's evaluator recurses
// deeply: a new goroutine per evaluation grows its stack from 8 KiB to
// tens of KiB, copying it at each doubling, every time; a worker keeps
// the stack it grew.
var evalJobs = make(chan func())

// evalWorkerIdle is how long a worker waits for the next evaluation.
// Short: a burst of resolutions keeps its workers, and nothing lingers
// after it.
const evalWorkerIdle = 50 * time.Millisecond

// goEval runs job on an idle worker, or on a new one.
func goEval(job func()) {
	select {
	case evalJobs <- job:
	default:
		go evalWorker(job)
	}
}

func evalWorker(job func()) {
	t := time.NewTimer(evalWorkerIdle)
	defer t.Stop()
	for {
		job()
		t.Reset(evalWorkerIdle)
		select {
		case job = <-evalJobs:
		case <-t.C:
			return
		}
	}
}

// errorsOf lists the CUE errors in err.
func errorsOf(err error) []cueerrors.Error { return cueerrors.Errors(err) }

// pool hands out evaluators, each with its own cue.Context, and drops an
// evaluator after a fixed number of uses so that memory stays flat.
type pool struct {
	mu    sync.Mutex
	idle  []*evaluator
	uses  int
	build func() (*evaluator, error)
}

func (p *pool) get() (*evaluator, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		e := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return e, nil
	}
	p.mu.Unlock()
	return p.build()
}

func (p *pool) put(e *evaluator) {
	e.used++
	if e.used >= p.uses {
		return
	}
	p.mu.Lock()
	if len(p.idle) < 64 {
		p.idle = append(p.idle, e)
	}
	p.mu.Unlock()
}
