package merge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goldenpath-dev/goldenpath/internal/diff"
	"go.yaml.in/yaml/v3"
)

// format is a data format the structured merge understands.
type format uint8

const (
	formatNone format = iota
	formatYAML
	formatJSON
)

// formatOf returns the format of a file by the extension of its name.
func formatOf(name string) format {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml":
		return formatYAML
	case ".json":
		return formatJSON
	}
	return formatNone
}

// errNotMapping is returned by parse for documents the structured merge
// does not handle.
var errNotMapping = errors.New("not a single document whose root is a mapping")

// parse parses data as a single document of format f whose root is a
// mapping, and returns its document node. It refuses documents with
// anchors, aliases, merge keys, keys that are not scalars and duplicate
// keys, whose values a key-by-key merge cannot tell apart.
func parse(f format, data []byte) (doc *yaml.Node, err error) {
	defer func() {
		// The parsers are not ours to trust on arbitrary input.
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("parser panic: %v", r)
		}
	}()
	switch f {
	case formatYAML:
		doc, err = parseYAML(data)
	case formatJSON:
		doc, err = parseJSON(data)
	default:
		return nil, errNotMapping
	}
	if err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errNotMapping
	}
	if err := checkTree(doc.Content[0], 0); err != nil {
		return nil, err
	}
	return doc, nil
}

func parseYAML(data []byte) (*yaml.Node, error) {
	// YAML reads every line break as "\n", but the parser keeps a "\r"
	// in some comments, which would then be written twice.
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		return nil, errNotMapping
	}
	return &doc, nil
}

// maxDepth bounds the nesting of the documents merged by structure.
const maxDepth = 1000

// checkTree checks that the tree n, at depth, has none of what parse
// refuses.
func checkTree(n *yaml.Node, depth int) error {
	if depth > maxDepth {
		return errors.New("document nested too deeply")
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return errors.New("anchors and aliases are not merged by structure")
	}
	if n.Kind == yaml.MappingNode {
		if len(n.Content)%2 != 0 {
			return errNotMapping
		}
		seen := make(map[string]bool, len(n.Content)/2)
		for i := 0; i < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Anchor != "" || k.Tag == "!!merge" {
				return errors.New("mapping keys must be plain scalars")
			}
			id := keyID(k)
			if seen[id] {
				return fmt.Errorf("duplicate key %q", k.Value)
			}
			seen[id] = true
		}
	}
	for _, c := range n.Content {
		if err := checkTree(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// keyID identifies a mapping key: its resolved tag and its value, so that
// the keys 1 and "1" differ as they do in the data.
func keyID(k *yaml.Node) string { return k.ShortTag() + "\x00" + k.Value }

// parseJSON parses a JSON document into a YAML node tree, with
// encoding/json, whose parser is strict where YAML's is lenient.
func parseJSON(data []byte) (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	root, err := jsonValue(dec, &lineCounter{data: data}, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}, nil
}

// lineCounter gives the line of the JSON token a decoder reads next, for
// the key nodes' Line, which locates the conflicts of a structured merge.
// The offsets it is asked about only grow, so it counts each line once.
type lineCounter struct {
	data      []byte
	off, line int // line is the number of newlines before off
}

// next returns the 1-based line of the token after the decoder's offset
// off: past white space and the separators "," and ":".
func (c *lineCounter) next(off int64) int {
	i := int(off)
	for i < len(c.data) && strings.IndexByte(" \t\r\n,:", c.data[i]) >= 0 {
		i++
	}
	for ; c.off < i && c.off < len(c.data); c.off++ {
		if c.data[c.off] == '\n' {
			c.line++
		}
	}
	return c.line + 1
}

func jsonValue(dec *json.Decoder, lc *lineCounter, depth int) (*yaml.Node, error) {
	if depth > maxDepth {
		return nil, errors.New("document nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if v == '[' {
			n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		}
		for dec.More() {
			if n.Kind == yaml.MappingNode {
				line := lc.next(dec.InputOffset())
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				kn := jsonString(k.(string))
				kn.Line = line
				n.Content = append(n.Content, kn)
			}
			c, err := jsonValue(dec, lc, depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return jsonString(v), nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(v), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(v)}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func jsonString(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
}

// writeJSON appends the compact JSON encoding of the tree n, built by
// parseJSON and merged, to b.
func writeJSON(b *bytes.Buffer, n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		open, closing := byte('{'), byte('}')
		if n.Kind == yaml.SequenceNode {
			open, closing = '[', ']'
		}
		b.WriteByte(open)
		step := 1
		if n.Kind == yaml.MappingNode {
			step = 2
		}
		for i := 0; i < len(n.Content); i += step {
			if i > 0 {
				b.WriteByte(',')
			}
			if step == 2 {
				writeJSONString(b, n.Content[i].Value)
				b.WriteByte(':')
			}
			writeJSON(b, n.Content[i+step-1])
		}
		b.WriteByte(closing)
	default:
		if n.Tag == "!!str" {
			writeJSONString(b, n.Value)
		} else {
			b.WriteString(n.Value)
		}
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Truncate(b.Len() - 1)
}

// encodeDoc encodes the merged document doc in format f in the layout of
// the text layout: its indentation, line endings, final newline and, for
// YAML, a leading document marker.
func encodeDoc(f format, doc *yaml.Node, layout []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("encoder panic: %v", r)
		}
	}()
	var b bytes.Buffer
	switch f {
	case formatYAML:
		if bytes.HasPrefix(layout, []byte("---")) {
			b.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&b)
		indent, compact := yamlLayout(layout)
		enc.SetIndent(indent)
		if compact {
			enc.CompactSeqIndent()
		}
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
		if len(layout) > 0 && layout[len(layout)-1] != '\n' {
			b.Truncate(len(bytes.TrimRight(b.Bytes(), "\n")))
		}
	case formatJSON:
		var compact bytes.Buffer
		writeJSON(&compact, doc.Content[0])
		if indent, ok := jsonIndent(layout); ok {
			if err := json.Indent(&b, compact.Bytes(), "", indent); err != nil {
				return nil, err
			}
		} else {
			b.Write(compact.Bytes())
		}
		if bytes.HasSuffix(layout, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	out = b.Bytes()
	if i := bytes.IndexByte(layout, '\n'); i > 0 && layout[i-1] == '\r' {
		out = bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n"))
	}
	return out, nil
}

// yamlLayout returns the indentation step of the YAML text data, the
// smallest indentation of a line with content, between 2 and 8 and 2 when
// no line is indented, and whether its block sequences are compact, their
// "- " at the indentation of the key they are the value of.
func yamlLayout(data []byte) (indent int, compact bool) {
	prev := -1 // indentation of the previous line, if it ends in ":"
	for line := range bytes.Lines(data) {
		n := len(line) - len(bytes.TrimLeft(line, " "))
		rest := bytes.TrimSpace(line[n:])
		if len(rest) == 0 || rest[0] == '#' {
			continue
		}
		if n > 0 && (indent == 0 || n < indent) {
			indent = n
		}
		if n == prev && (bytes.HasPrefix(rest, []byte("- ")) || bytes.Equal(rest, []byte("-"))) {
			compact = true
		}
		prev = -1
		if i := bytes.Index(rest, []byte(" #")); i >= 0 {
			rest = bytes.TrimSpace(rest[:i])
		}
		if bytes.HasSuffix(rest, []byte(":")) {
			prev = n
		}
	}
	return min(max(indent, 2), 8), compact
}

// jsonIndent returns the indentation step of the JSON text data, the
// leading white space of its second line, and whether data is indented
// at all rather than on one line.
func jsonIndent(data []byte) (string, bool) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 || len(bytes.TrimSpace(data[i:])) == 0 {
		return "", false
	}
	rest := data[i+1:]
	ws := rest[:len(rest)-len(bytes.TrimLeft(rest, " \t"))]
	if len(ws) == 0 {
		return "  ", true
	}
	return string(ws), true
}

// encodeValue encodes a value of a conflict, nil for a missing one.
func encodeValue(f format, n *yaml.Node) []byte {
	if n == nil {
		return nil
	}
	var b bytes.Buffer
	if f == formatJSON {
		writeJSON(&b, n)
		return b.Bytes()
	}
	func() {
		defer func() { _ = recover() }()
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		_ = enc.Encode(n)
		_ = enc.Close()
	}()
	return b.Bytes()
}

// value decodes the data of a tree into Go values, to compare documents
// by what they mean rather than how they are written.
func value(f format, n *yaml.Node) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	if f == formatJSON {
		if n.Kind == yaml.DocumentNode {
			n = n.Content[0]
		}
		var b bytes.Buffer
		writeJSON(&b, n)
		dec := json.NewDecoder(&b)
		dec.UseNumber()
		err = dec.Decode(&v)
		return v, err
	}
	err = n.Decode(&v)
	return v, err
}

// structMerge is the state of a structured merge.
type structMerge struct {
	f         format
	conflicts []Conflict
	keys      [][]string          // the key IDs of the path of each conflict
	paths     map[string][]string // the key IDs of each data path merged
}

// conflict records a conflict at the data path p.
func (m *structMerge) conflict(p string, b, o, t *yaml.Node) {
	m.conflicts = append(m.conflicts, Conflict{
		Path: p,
		Base: encodeValue(m.f, b), Ours: encodeValue(m.f, o), Theirs: encodeValue(m.f, t),
	})
	m.keys = append(m.keys, m.paths[p])
}

// structState is a structured merge: the parsed documents, the merged one
// and its conflicts, each with the key IDs of its path.
type structState struct {
	docs      [3]*yaml.Node // base, ours, theirs
	doc       *yaml.Node
	conflicts []Conflict
	keys      [][]string
}

// structured merges the documents base, ours and theirs of format f by
// structure. It returns the merged document and its conflicts, and false
// when the documents are not all mappings (see parse).
func structured(f format, base, ours, theirs []byte) (*yaml.Node, []Conflict, bool) {
	st, ok := mergeTrees(f, base, ours, theirs)
	if !ok {
		return nil, nil, false
	}
	return st.doc, st.conflicts, true
}

// mergeTrees is structured, keeping the parsed documents and the key
// paths of the conflicts. The merged tree is ours' (the project's): its
// order, comments and styles, and ours' values where there is a conflict.
func mergeTrees(f format, base, ours, theirs []byte) (*structState, bool) {
	var docs [3]*yaml.Node
	for i, data := range [][]byte{base, ours, theirs} {
		doc, err := parse(f, data)
		if err != nil {
			return nil, false
		}
		docs[i] = doc
	}
	m := &structMerge{f: f, paths: map[string][]string{}}
	// node keeps the layout of its last argument: ours'.
	doc := m.node("", docs[0], docs[2], docs[1])
	for i := range m.conflicts {
		c := &m.conflicts[i]
		c.Ours, c.Theirs = c.Theirs, c.Ours
	}
	return &structState{docs: docs, doc: doc, conflicts: m.conflicts, keys: m.keys}, true
}

// node merges the nodes b, o and t, which are present, except that b is
// nil when both sides added the node. Where one side changed a node and the
// other did not, it takes the changed one; where both changed a mapping,
// or a document, it merges their entries; any other change of both sides
// to different nodes is a conflict, for which it keeps t. Where o and t
// are equal, it takes t: t is the side whose layout the result has.
//
// Comments are part of a node, so that a change of a comment on one side
// is kept like any other change, but they are merged apart from the
// node's value: one side may change a value's comment and the other the
// value.
func (m *structMerge) node(p string, b, o, t *yaml.Node) *yaml.Node {
	switch {
	case equalNode(o, t), equalNode(b, o):
		return t
	case equalNode(b, t):
		return o
	}
	bk := yaml.Kind(0)
	if b != nil {
		bk = b.Kind
	}
	var n *yaml.Node
	switch {
	case o.Kind == t.Kind && (o.Kind == yaml.MappingNode || o.Kind == yaml.DocumentNode) && (b == nil || bk == o.Kind):
		c := *t
		n = &c
		n.Tag = attr(m, p, b, o, t, func(n *yaml.Node) string { return n.Tag })
		n.Style = attr(m, p, b, o, t, func(n *yaml.Node) yaml.Style { return n.Style })
		if o.Kind == yaml.MappingNode {
			n.Content = m.entries(p, b, o, t)
		} else {
			n.Content = []*yaml.Node{m.node(p, b.Content[0], o.Content[0], t.Content[0])}
		}
	case equalContent(o, t), equalContent(b, o):
		c := *t
		n = &c
	case equalContent(b, t):
		c := *o
		n = &c
	default:
		m.conflict(p, b, o, t)
		return t
	}
	n.HeadComment = attr(m, p, b, o, t, func(n *yaml.Node) string { return n.HeadComment })
	n.LineComment = attr(m, p, b, o, t, func(n *yaml.Node) string { return n.LineComment })
	n.FootComment = attr(m, p, b, o, t, func(n *yaml.Node) string { return n.FootComment })
	return n
}

// attr merges an attribute of the nodes b (nil when absent), o and t.
func attr[T comparable](m *structMerge, p string, b, o, t *yaml.Node, get func(*yaml.Node) T) T {
	var vb T
	if b != nil {
		vb = get(b)
	}
	vo, vt := get(o), get(t)
	switch {
	case vo == vt, vb == vo:
		return vt
	case vb == vt:
		return vo
	}
	m.conflict(p, b, o, t)
	return vt
}

// entry is a key and its value in a mapping.
type entry struct{ key, value *yaml.Node }

func entriesOf(n *yaml.Node) (map[string]entry, []string) {
	if n == nil {
		return nil, nil
	}
	es := make(map[string]entry, len(n.Content)/2)
	ids := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		id := keyID(n.Content[i])
		es[id] = entry{n.Content[i], n.Content[i+1]}
		ids = append(ids, id)
	}
	return es, ids
}

// entries merges the entries of the mappings b (nil when absent), o and
// t, key by key. The result has the keys of t in their order, then the
// keys only ours has inserted each after the key before it in o.
func (m *structMerge) entries(p string, b, o, t *yaml.Node) []*yaml.Node {
	be, _ := entriesOf(b)
	oe, oids := entriesOf(o)
	te, tids := entriesOf(t)
	type item struct {
		id string
		e  entry
	}
	out := make([]item, 0, len(tids)+len(oids))
	for _, id := range tids {
		if e, ok := m.entry(p, be, oe, te, id); ok {
			out = append(out, item{id, e})
		}
	}
	at := 0 // where the next key of ours goes
	for _, id := range oids {
		if _, ok := te[id]; ok {
			for i, it := range out {
				if it.id == id {
					at = i + 1
					break
				}
			}
			continue
		}
		if e, ok := m.entry(p, be, oe, te, id); ok {
			out = append(out, item{})
			copy(out[at+1:], out[at:])
			out[at] = item{id, e}
			at++
		}
	}
	content := make([]*yaml.Node, 0, 2*len(out))
	for _, it := range out {
		content = append(content, it.e.key, it.e.value)
	}
	return content
}

// entry merges the entries with key id of three mappings, and reports
// whether the merged mapping has one.
func (m *structMerge) entry(p string, be, oe, te map[string]entry, id string) (entry, bool) {
	b, inB := be[id]
	o, inO := oe[id]
	t, inT := te[id]
	key := o.key // entry is called for the keys of ours and theirs
	if inT {
		key = t.key
	}
	kp := childPath(p, key.Value)
	if _, ok := m.paths[kp]; !ok {
		m.paths[kp] = append(slices.Clone(m.paths[p]), id)
	}
	eq := func(x entry, inX bool, y entry, inY bool) bool {
		return inX == inY && (!inX || equalNode(x.key, y.key) && equalNode(x.value, y.value))
	}
	switch {
	case eq(o, inO, t, inT), eq(b, inB, o, inO):
		return t, inT
	case eq(b, inB, t, inT):
		return o, inO
	case !inO || !inT:
		// Deleted on one side, changed on the other.
		var bv, ov, tv *yaml.Node
		if inB {
			bv = b.value
		}
		if inO {
			ov = o.value
		}
		if inT {
			tv = t.value
		}
		m.conflict(kp, bv, ov, tv)
		return t, inT
	}
	var bk, bv *yaml.Node
	if inB {
		bk, bv = b.key, b.value
	}
	k := *t.key
	k.Style = attr(m, kp, bk, o.key, t.key, func(n *yaml.Node) yaml.Style { return n.Style })
	k.HeadComment = attr(m, kp, bk, o.key, t.key, func(n *yaml.Node) string { return n.HeadComment })
	k.LineComment = attr(m, kp, bk, o.key, t.key, func(n *yaml.Node) string { return n.LineComment })
	k.FootComment = attr(m, kp, bk, o.key, t.key, func(n *yaml.Node) string { return n.FootComment })
	return entry{&k, m.node(kp, bv, o.value, t.value)}, true
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// childPath returns the data path of the key k under the path p: p.k, or
// p["k"] when k is not a plain identifier.
func childPath(p, k string) string {
	switch {
	case !plainKey.MatchString(k):
		return p + "[" + strconv.Quote(k) + "]"
	case p == "":
		return k
	}
	return p + "." + k
}

// equalNode reports whether x and y, either of which may be nil, are the
// same tree, with the same values, tags, styles and comments.
func equalNode(x, y *yaml.Node) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.HeadComment == y.HeadComment && x.LineComment == y.LineComment &&
		x.FootComment == y.FootComment && equalContent(x, y)
}

// equalContent is equalNode for two non-nil nodes, except that the
// comments of the nodes themselves are not compared.
func equalContent(x, y *yaml.Node) bool {
	if x == nil || y == nil {
		return x == y
	}
	if x.Kind != y.Kind || x.Tag != y.Tag || x.Value != y.Value || x.Style != y.Style ||
		x.Anchor != y.Anchor || len(x.Content) != len(y.Content) {
		return false
	}
	for i := range x.Content {
		if !equalNode(x.Content[i], y.Content[i]) {
			return false
		}
	}
	return true
}

// structResult is a structured merge for File: the merge itself, the
// value of the merged document, and, when it has no conflicts, whether its
// text can be used: encoded, true to the merged value and the comments,
// and in ours' layout (see layoutKept).
type structResult struct {
	*structState
	res    *Result
	want   any
	usable bool
}

// mergeStructured merges base, ours and theirs of format f by structure
// and, without conflicts, encodes the merged document in ours' layout. It
// returns false when the documents are not all mappings.
func mergeStructured(f format, base, ours, theirs []byte) (*structResult, bool) {
	st, ok := mergeTrees(f, base, ours, theirs)
	if !ok {
		return nil, false
	}
	want, err := value(f, st.doc)
	if err != nil {
		return nil, false
	}
	sr := &structResult{structState: st, want: want, res: &Result{Conflicts: st.conflicts, Structured: true}}
	if len(st.conflicts) > 0 {
		return sr, true
	}
	out, err := encodeDoc(f, st.doc, ours)
	if err != nil {
		return sr, true
	}
	valid := func(out []byte) bool {
		got, ok := parsedValue(f, out)
		return ok && reflect.DeepEqual(got, want) &&
			(f != formatYAML || commentsKept(out, base, ours) && commentsKept(out, base, theirs))
	}
	if !valid(out) {
		return sr, true
	}
	out = restoreLayout(out, ours, valid)
	sr.res.Merged = out
	sr.usable = layoutKept(out, base, ours, theirs, st.docs)
	return sr, true
}

// layoutKept reports whether out, the structured merge of ours and theirs,
// is in ours' layout: the same final newline, the same line endings when
// ours has one kind only, and, line for line, ours' text wherever theirs
// changed nothing but white space. That is checked on the merge of the
// texts where each line is its text without white space, after the data
// path of the key it is under (see lineKeys): every line of ours in a
// region of that merge that theirs did not change must be in out, as it
// is in ours (white space and line ending included), in order. So a
// team's indentation, trailing blanks, blank lines and line endings are
// kept wherever the new version did not change the line.
func layoutKept(out, base, ours, theirs []byte, docs [3]*yaml.Node) bool {
	if len(ours) > 0 && ours[len(ours)-1] == '\n' != (len(out) > 0 && out[len(out)-1] == '\n') {
		return false
	}
	crlf, lf := lineEndings(ours)
	ocrlf, olf := lineEndings(out)
	if crlf > 0 && lf == 0 && olf > 0 || lf > 0 && crlf == 0 && ocrlf > 0 {
		return false
	}
	kb, ko, kt := lineKeys(docs[0], base), lineKeys(docs[1], ours), lineKeys(docs[2], theirs)
	cs := chunks(diff.SplitLines(kb), diff.SplitLines(ko), diff.SplitLines(kt), diff.Lines(kb, ko), diff.Lines(kb, kt), false)
	ol, outl := diff.SplitLines(ours), diff.SplitLines(out)
	trim := func(l []byte) []byte { return bytes.TrimSuffix(l, []byte("\n")) }
	j := 0
	for _, c := range cs {
		if c.kind == theirsOnly || c.kind == conflict {
			continue
		}
		for _, l := range ol[c.o0:c.o1] {
			for j < len(outl) && !bytes.Equal(trim(outl[j]), trim(l)) {
				j++
			}
			if j == len(outl) {
				return false
			}
			j++
		}
	}
	return true
}

// lineKeys returns the lines of data, the text of the document doc, as
// the keys layoutKept aligns them by: each line's text without white
// space, after the data path of the last key at or before it. The paths
// keep lines that read the same under different keys (a "k: 1" at two
// depths, a closing bracket) from being taken one for another.
func lineKeys(doc *yaml.Node, data []byte) []byte {
	var paths []string // by line, 1-based: the path of a key on that line
	var walk func(n *yaml.Node, p string)
	walk = func(n *yaml.Node, p string) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				kp := p + "\x01" + k.Value
				if k.Line > 0 {
					for len(paths) <= k.Line {
						paths = append(paths, "")
					}
					paths[k.Line] = kp
				}
				walk(n.Content[i+1], kp)
			}
			return
		}
		for _, c := range n.Content {
			walk(c, p)
		}
	}
	walk(doc, "")
	var b []byte
	cur := ""
	n := 0
	for l := range bytes.Lines(data) {
		n++
		if n < len(paths) && paths[n] != "" {
			cur = paths[n]
		}
		b = append(nonSpace(append(append(b, cur...), '\x00'), l), '\n')
	}
	return b
}

// lineEndings counts the lines of data that end in "\r\n" and in a bare
// "\n".
func lineEndings(data []byte) (crlf, lf int) {
	for l := range bytes.Lines(data) {
		switch {
		case bytes.HasSuffix(l, []byte("\r\n")):
			crlf++
		case bytes.HasSuffix(l, []byte("\n")):
			lf++
		}
	}
	return crlf, lf
}

// restoreLayout gives back to the encoded document out the layout of the
// text layout (ours) where the encoder changed only white space. It aligns
// the lines of layout and out by their text without line endings and
// trailing blanks, and takes layout's lines where their text without white
// space is the same: single lines that differ in spacing, indentation,
// trailing blanks or line ending, runs of lines that differ in line breaks
// (folded text, JSON arrays), blank lines the encoder dropped, also at the
// ends of a run of changed lines. Indentation matters in YAML, and line
// breaks in its block scalars, so the result must pass valid, which checks
// its value; otherwise only the dropped blank lines are put back, and if
// that fails too out is returned as it is.
func restoreLayout(out, layout []byte, valid func([]byte) bool) []byte {
	tl, ol := diff.SplitLines(layout), diff.SplitLines(out)
	key := func(lines [][]byte) []byte {
		var b []byte
		for _, l := range lines {
			b = append(append(b, bytes.TrimRight(l, " \t\r\n")...), '\n')
		}
		return b
	}
	edits := diff.Lines(key(tl), key(ol))
	for _, blankOnly := range []bool{false, true} {
		b := make([]byte, 0, len(out))
		restored := false
		add := func(t, o [][]byte) {
			lines := o
			switch {
			case equalLines(t, o):
			case bytes.Equal(nonSpace(nil, t...), nonSpace(nil, o...)) && (!blankOnly || len(o) == 0):
				lines, restored = t, true
			default:
				// An edit joins changed lines with their neighbours:
				// put back layout's lines at its start and end where only
				// white space differs.
				pt, po := commonLines(t, o, false)
				st, so := commonLines(t[pt:], o[po:], true)
				if (pt > 0 || st > 0) && (!blankOnly || po == 0 && so == 0) {
					lines = slices.Concat(t[:pt], o[po:len(o)-so], t[len(t)-st:])
					restored = true
				}
			}
			for _, l := range lines {
				b = append(b, l...)
			}
		}
		i, j := 0, 0 // next lines of layout and out
		for _, e := range edits {
			for ; i < e.OldStart; i, j = i+1, j+1 {
				add(tl[i:i+1], ol[j:j+1])
			}
			add(tl[e.OldStart:e.OldEnd], ol[e.NewStart:e.NewEnd])
			i, j = e.OldEnd, e.NewEnd
		}
		for ; i < len(tl); i, j = i+1, j+1 {
			add(tl[i:i+1], ol[j:j+1])
		}
		if restored && valid(b) {
			return b
		}
	}
	return out
}

// commonLines returns how many lines at the start of t and of o (at the
// end with fromEnd) hold the same text once white space is left out: the
// most, including blank lines, such that the rest of both starts (ends) at
// a line boundary.
func commonLines(t, o [][]byte, fromEnd bool) (int, int) {
	seq := func(ls [][]byte) ([]byte, []int) {
		var s []byte
		cum := []int{0}
		for k := range ls {
			l := ls[k]
			if fromEnd {
				l = ls[len(ls)-1-k]
			}
			n := nonSpace(nil, l)
			if fromEnd {
				slices.Reverse(n)
			}
			s = append(s, n...)
			cum = append(cum, len(s))
		}
		return s, cum
	}
	st, ct := seq(t)
	so, co := seq(o)
	p := 0
	for p < len(st) && p < len(so) && st[p] == so[p] {
		p++
	}
	bi, bj := 0, 0
	i, j := 0, 0
	for i < len(ct) && j < len(co) && ct[i] <= p && co[j] <= p {
		switch {
		case ct[i] == co[j]:
			bi, bj = i, j
			switch {
			case i+1 < len(ct) && ct[i+1] == ct[i]:
				i++
			case j+1 < len(co) && co[j+1] == co[j]:
				j++
			default:
				i, j = i+1, j+1
			}
		case ct[i] < co[j]:
			i++
		default:
			j++
		}
	}
	return bi, bj
}

// nonSpace appends to b the bytes of lines other than white space.
func nonSpace(b []byte, lines ...[]byte) []byte {
	for _, l := range lines {
		for _, c := range l {
			switch c {
			case ' ', '\t', '\r', '\n':
			default:
				b = append(b, c)
			}
		}
	}
	return b
}

// commentsKept reports whether out has every comment side added or
// changed: each comment of the lines side changed from base that the
// base lines they replace do not have. The YAML parser attaches comments
// to nodes and could, in some position, drop one; this check keeps such a
// loss from going unnoticed. A "#" in a quoted string counts as a
// comment, which only makes the check stricter.
func commentsKept(out, base, side []byte) bool {
	bl, sl := diff.SplitLines(base), diff.SplitLines(side)
	for _, e := range diff.Lines(base, side) {
		old := make(map[string]bool, e.OldEnd-e.OldStart)
		for _, l := range bl[e.OldStart:e.OldEnd] {
			if c := comment(l); c != nil {
				old[string(c)] = true
			}
		}
		for _, l := range sl[e.NewStart:e.NewEnd] {
			if c := comment(l); c != nil && !old[string(c)] && !bytes.Contains(out, c) {
				return false
			}
		}
	}
	return true
}

// comment returns the text of the comment on a YAML line, from its "#" to
// the end of the line, or nil.
func comment(line []byte) []byte {
	line = bytes.TrimRight(line, "\r\n")
	for i, c := range line {
		if c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return bytes.TrimSpace(line[i:])
		}
	}
	return nil
}

// wellFormed reports whether data is well-formed in format f: JSON, or
// any number of YAML documents.
func wellFormed(f format, data []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if f == formatJSON {
		return json.Valid(data)
	}
	dec := yaml.NewDecoder(bytes.NewReader(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))))
	for {
		var n yaml.Node
		switch err := dec.Decode(&n); {
		case err == io.EOF:
			return true
		case err != nil:
			return false
		}
	}
}

// parsedValue parses data as parse does and returns its value.
func parsedValue(f format, data []byte) (any, bool) {
	doc, err := parse(f, data)
	if err != nil {
		return nil, false
	}
	v, err := value(f, doc)
	return v, err == nil
}
