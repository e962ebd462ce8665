package render

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
)

// ManifestSchema is the version of the manifest format this package writes
// and reads.
const ManifestSchema = 1

// ManifestPath is where every rendered project keeps its manifest.
const ManifestPath = ".goldenpath/manifest.json"

// StateDir is the directory goldenpath keeps its own files in, inside a
// project. Blueprints cannot write into it.
const StateDir = ".goldenpath"

// ErrManifest is returned (wrapped) for a manifest that cannot be used.
var ErrManifest = errors.New("invalid manifest")

// Manifest records how a project was rendered: enough to rebuild it, detect
// drift and upgrade it. docs/manifest.md documents the format.
type Manifest struct {
	// Schema is ManifestSchema.
	Schema int `json:"schema"`
	// Generator names the library and version that rendered the project.
	Generator string `json:"generator"`
	// Blueprint identifies the blueprint.
	Blueprint BlueprintRef `json:"blueprint"`
	// Parameters are the resolved parameter values.
	Parameters json.RawMessage `json:"parameters"`
	// Includes are the blueprints a composed blueprint includes, with the
	// directory each renders into.
	Includes []IncludeRef `json:"includes,omitempty"`
	// Decisions are the decisions in force for the blueprint and its
	// includes when the render evaluated decisions, with their versions and
	// digests; otherwise the decisions the blueprints cite.
	Decisions []DecisionRef `json:"decisions"`
	// Findings are the failures of the rules in force that did not refuse
	// the render: audits, warnings, exempted failures and evaluation errors.
	Findings []decision.Finding `json:"findings,omitempty"`
	// Files are the rendered files, sorted by path.
	Files []File `json:"files"`
	// Dirs are the directories rendered even when empty, sorted.
	Dirs []string `json:"dirs,omitempty"`
	// Conflicts are the files the last upgrade left in conflict, sorted by
	// path, and not resolved since (see Project.Conflicts and Project.Resolve).
	// Upgrade refuses to run while any is unresolved.
	Conflicts []FileConflict `json:"conflicts,omitempty"`
}

// BlueprintRef identifies a blueprint version.
type BlueprintRef struct {
	// Name and Version are the blueprint's (Blueprint.Name, Version).
	Name    string `json:"name"`
	Version string `json:"version"`
	// Source is where it was loaded from, as given; Revision the commit
	// SHA or archive digest fetched, for a remote source.
	Source   string `json:"source"`
	Revision string `json:"revision,omitempty"`
	// Digest is Blueprint.Digest: "sha256:" over blueprint.cue and every
	// template file.
	Digest string `json:"digest"`
	// Tags are the blueprint's tags, which decide with Name and Decisions
	// which decisions are in force when the project is checked.
	Tags []string `json:"tags,omitempty"`
	// Decisions are the IDs of the decisions the blueprint cites.
	Decisions []string `json:"decisions,omitempty"`
}

// IncludeRef is one included blueprint of a composed one.
type IncludeRef struct {
	// Name is the include's name, dotted for nested includes.
	Name string `json:"name"`
	// Dir is the project directory its files render into.
	Dir string `json:"dir,omitempty"`
	// Blueprint identifies the included blueprint.
	Blueprint BlueprintRef `json:"blueprint"`
	// Parameters are the include's resolved parameter values.
	Parameters json.RawMessage `json:"parameters,omitempty"`
}

// DecisionRef names a decision in force.
type DecisionRef struct {
	// ID is the decision's ID.
	ID string `json:"id"`
	// Version is the decision's version, when its front matter gives one.
	Version string `json:"version,omitempty"`
	// Digest identifies the decision's text: "sha256:" and the hex SHA-256
	// of its file; empty when the render evaluated no decisions.
	Digest string `json:"digest,omitempty"`
}

// File is one rendered file.
type File struct {
	// Path is the slash-separated path in the project.
	Path string `json:"path"`
	// Template is the path of the template file it was rendered from.
	Template string `json:"template"`
	// Part names the include the file comes from; empty for the blueprint's
	// own files.
	Part string `json:"part,omitempty"`
	// Renderer names the renderer that wrote it.
	Renderer string `json:"renderer"`
	// Level is the file's responsibility level.
	Level blueprint.Level `json:"level"`
	// Mode holds the permission bits (0644 or 0755).
	Mode FileMode `json:"mode"`
	// Size is the length in bytes.
	Size int64 `json:"size"`
	// SHA256 is the hex digest of the content.
	SHA256 string `json:"sha256"`
}

// FileMode is a file's permission bits, written in JSON as an octal
// string ("0644").
type FileMode fs.FileMode

// MarshalJSON writes the mode as an octal string.
func (m FileMode) MarshalJSON() ([]byte, error) {
	return json.Marshal(fmt.Sprintf("%04o", fs.FileMode(m).Perm()))
}

// UnmarshalJSON reads an octal string.
func (m *FileMode) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o777 {
		return fmt.Errorf("mode %q is not an octal permission", s)
	}
	*m = FileMode(v)
	return nil
}

// File returns the manifest entry for path, if any.
func (m *Manifest) File(path string) (File, bool) {
	i, ok := slices.BinarySearchFunc(m.Files, path, func(f File, p string) int { return strings.Compare(f.Path, p) })
	if !ok {
		return File{}, false
	}
	return m.Files[i], true
}

// Marshal returns the manifest as indented JSON with a final newline. The
// same manifest always gives the same bytes.
func (m *Manifest) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encode writes the manifest to w as Marshal does, byte for byte, without
// holding its encoding: the file entries, most of a large manifest, are
// encoded one at a time as they are written.
func (m *Manifest) encode(w io.Writer) error {
	head := *m
	head.Files = nil
	data, err := head.Marshal()
	if err != nil {
		return err
	}
	// Top-level keys are the only lines indented by two spaces, and a
	// string never holds a raw newline: this finds the files key alone.
	const key = "\n  \"files\": "
	i := bytes.Index(data, []byte(key+"null"))
	if i < 0 {
		return fmt.Errorf("render: encoding the manifest: no files key")
	}
	i += len(key)
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.Write(data[:i])
	switch {
	case m.Files == nil:
		bw.WriteString("null")
	case len(m.Files) == 0:
		bw.WriteString("[]")
	default:
		bw.WriteByte('[')
		var buf []byte
		for k := range m.Files {
			if k > 0 {
				bw.WriteByte(',')
			}
			buf = appendFileJSON(buf[:0], &m.Files[k])
			bw.Write(buf)
		}
		bw.WriteString("\n  ]")
	}
	bw.Write(data[i+len("null"):])
	return bw.Flush()
}

// appendFileJSON appends f as an element of the manifest's files array,
// indented as Marshal indents it.
func appendFileJSON(b []byte, f *File) []byte {
	b = append(b, "\n    {\n      \"path\": "...)
	b = appendJSONString(b, f.Path)
	b = append(b, ",\n      \"template\": "...)
	b = appendJSONString(b, f.Template)
	if f.Part != "" {
		b = append(b, ",\n      \"part\": "...)
		b = appendJSONString(b, f.Part)
	}
	b = append(b, ",\n      \"renderer\": "...)
	b = appendJSONString(b, f.Renderer)
	b = append(b, ",\n      \"level\": "...)
	b = appendJSONString(b, string(f.Level))
	b = append(b, ",\n      \"mode\": \""...)
	perm := strconv.FormatUint(uint64(fs.FileMode(f.Mode).Perm()), 8)
	b = append(b, "0000"[:max(0, 4-len(perm))]...)
	b = append(b, perm...)
	b = append(b, "\",\n      \"size\": "...)
	b = strconv.AppendInt(b, f.Size, 10)
	b = append(b, ",\n      \"sha256\": "...)
	b = appendJSONString(b, f.SHA256)
	return append(b, "\n    }"...)
}

// appendJSONString appends s as encoding/json writes it without HTML
// escaping: printable ASCII other than a quote or a backslash as it is,
// anything else through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s) // a string always encodes
			return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// maxManifestBytes caps the manifest a reader accepts.
const maxManifestBytes = 64 << 20

// ReadManifest reads and checks the manifest of the project in dir, for a
// program that only needs the manifest: operations on a project open it
// once (OpenProject) and read its manifest from the Project. A project with
// an interrupted apply pending gives a *PendingError: its manifest may not
// describe its files.
func ReadManifest(dir string) (*Manifest, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if err := checkPending(root.FS(), dir); err != nil {
		return nil, err
	}
	f, err := root.Open(ManifestPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeManifest(f)
}

// DecodeManifest reads a manifest and checks it: the schema version, and that
// every path is a clean relative path that stays inside the project and
// outside .goldenpath/.
func DecodeManifest(r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxManifestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifestBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrManifest, maxManifestBytes)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	if m.Schema != ManifestSchema {
		return nil, fmt.Errorf("%w: schema %d, this library reads schema %d", ErrManifest, m.Schema, ManifestSchema)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, m.Parameters); err != nil || compact.Len() == 0 || compact.Bytes()[0] != '{' {
		return nil, fmt.Errorf("%w: parameters must be an object", ErrManifest)
	}
	m.Parameters = compact.Bytes()
	for i, f := range m.Files {
		if err := checkOutputPath(f.Path); err != nil {
			return nil, fmt.Errorf("%w: files[%d]: %v", ErrManifest, i, err)
		}
		if i > 0 && m.Files[i-1].Path >= f.Path {
			return nil, fmt.Errorf("%w: files are not sorted and unique at %q", ErrManifest, f.Path)
		}
		if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%w: files[%d] (%s): sha256 %q is not a hex SHA-256", ErrManifest, i, f.Path, f.SHA256)
		}
		switch f.Level {
		case blueprint.Managed, blueprint.Shared, blueprint.Seeded:
		default:
			return nil, fmt.Errorf("%w: files[%d] (%s): unknown level %q", ErrManifest, i, f.Path, f.Level)
		}
		if f.Size < 0 {
			return nil, fmt.Errorf("%w: files[%d] (%s): negative size", ErrManifest, i, f.Path)
		}
	}
	for i, d := range m.Dirs {
		if err := checkOutputPath(d); err != nil {
			return nil, fmt.Errorf("%w: dirs[%d]: %v", ErrManifest, i, err)
		}
	}
	for i, c := range m.Conflicts {
		if err := checkOutputPath(c.Path); err != nil {
			return nil, fmt.Errorf("%w: conflicts[%d]: %v", ErrManifest, i, err)
		}
		if i > 0 && m.Conflicts[i-1].Path >= c.Path {
			return nil, fmt.Errorf("%w: conflicts are not sorted and unique at %q", ErrManifest, c.Path)
		}
		if c.Saved != "" {
			rest, ok := strings.CutPrefix(c.Saved, ConflictsDir+"/")
			if !ok || checkOutputPath(rest) != nil {
				return nil, fmt.Errorf("%w: conflicts[%d] (%s): saved %q is not a path under %s/", ErrManifest, i, c.Path, c.Saved, ConflictsDir)
			}
		}
	}
	for i, inc := range m.Includes {
		if inc.Name == "" {
			return nil, fmt.Errorf("%w: includes[%d]: no name", ErrManifest, i)
		}
		if inc.Dir != "" {
			if err := checkOutputPath(inc.Dir); err != nil {
				return nil, fmt.Errorf("%w: includes[%d] (%s): %v", ErrManifest, i, inc.Name, err)
			}
		}
	}
	return &m, nil
}

// checkOutputPath checks a path in a project: clean, relative, slash
// separated, no "." or ".." segments, no backslashes or NULs, not inside
// .goldenpath/ and no .git segment.
func checkOutputPath(p string) error {
	if !fs.ValidPath(p) || p == "." {
		return fmt.Errorf("%q is not a clean relative path", p)
	}
	if strings.ContainsAny(p, "\\\x00") {
		return fmt.Errorf("%q contains a backslash or NUL", p)
	}
	for i, seg := range strings.Split(p, "/") {
		if strings.EqualFold(seg, ".git") {
			return fmt.Errorf("%q writes into a .git directory", p)
		}
		if i == 0 && strings.EqualFold(seg, StateDir) {
			return fmt.Errorf("%q writes into %s/, which goldenpath owns", p, StateDir)
		}
	}
	return nil
}
