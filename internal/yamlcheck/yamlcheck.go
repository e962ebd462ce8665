// Package yamlcheck bounds a YAML or JSON document before any decoder
// resolves it.
//
// A YAML document can be far larger than its text: an alias (*a) or a merge
// key (<<: *a) stands for a copy of the anchored node, so nine levels of
// anchors that each merge the previous one ten times expand a 1.3 KB file
// past a billion nodes, and an anchor that merges itself (x: &a {<<: *a})
// sends a recursive decoder into an endless descent that overflows the
// stack, which Go cannot recover from. CUE's YAML decoder counts aliases but
// not merge keys, and it follows a merge into its own anchor.
//
// [Check] counts every node of the document as a decoder would produce it,
// aliases and merge keys expanded, against one budget, and refuses nesting
// deeper than a limit and any anchor that refers to itself. It never expands
// anything and never recurses: a cheap scan of the bytes first accepts the
// ordinary document that holds no alias and is clearly small; a second scan
// refuses the document whose structure alone shows more than twice the
// budget; any other is parsed into go.yaml.in/yaml/v3's node graph (aliases
// stay pointers there, and its scanner bounds nesting at 10 000) and walked
// with an explicit stack, the size of each anchored node computed once. Time
// is linear in the size of the text, and memory in the budget.
package yamlcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// Defaults of [Limits].
const (
	// DefaultMaxNodes is the node budget of one document stream: scalars,
	// mappings, sequences and every node an alias or merge key copies.
	DefaultMaxNodes = 100_000
	// DefaultMaxDepth is how deeply collections may nest, aliases
	// expanded.
	DefaultMaxDepth = 100
)

// Limits bounds a document. The zero value of each field is its default.
type Limits struct {
	// MaxNodes is the most nodes the document may expand to. Default
	// DefaultMaxNodes.
	MaxNodes int
	// MaxDepth is the deepest nesting allowed. Default DefaultMaxDepth.
	MaxDepth int
}

func (l Limits) withDefaults() Limits {
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultMaxNodes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// ErrLimit is wrapped by every *Error.
var ErrLimit = errors.New("YAML limit exceeded")

// Error is a document refused by [Check].
type Error struct {
	// File names the document, as given to Check.
	File string
	// Line and Column locate the node where the limit was crossed (1-based;
	// 0 when unknown).
	Line, Column int
	// Msg says which limit was crossed and its value.
	Msg string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	}
	return e.Msg
}

// Unwrap returns ErrLimit.
func (e *Error) Unwrap() error { return ErrLimit }

// Check returns an *Error when the YAML document stream data, named name,
// expands to more than lim.MaxNodes nodes, nests deeper than lim.MaxDepth, or
// holds an anchor that refers to itself (directly or through other
// anchors). A document that is not valid YAML is not an error of Check: the
// decoder that reads it next reports the syntax error with its position.
// Check is safe for concurrent use.
func Check(name string, data []byte, lim Limits) error {
	lim = lim.withDefaults()
	s := scan(data)
	if !s.aliases && s.nodes <= int64(lim.MaxNodes) && s.depth <= lim.MaxDepth {
		return nil
	}
	// The node graph costs about 200 bytes a node: a document whose
	// structure alone shows far more nodes than the budget is refused
	// before it is built.
	if line, col, over, _ := structure(data, 2*int64(lim.MaxNodes)); over {
		return &Error{File: name, Line: line, Column: col, Msg: fmt.Sprintf("YAML has more than %d nodes", lim.MaxNodes)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	w := walker{name: name, lim: lim, memo: map[*yaml.Node]result{}}
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			// io.EOF ends the stream; a syntax error is the decoder's to
			// report.
			return nil
		}
		if err := w.walk(&doc); err != nil {
			return err
		}
	}
}

// CheckJSON is Check for a JSON document: JSON has no aliases, so only the
// nodes (every value, object and array) and the nesting are counted, with
// encoding/json's tokenizer. Invalid JSON is left to the decoder to report.
func CheckJSON(name string, data []byte, lim Limits) error {
	lim = lim.withDefaults()
	s := scan(data)
	if s.nodes <= int64(lim.MaxNodes) && s.depth <= lim.MaxDepth {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	nodes, depth := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			if depth > lim.MaxDepth {
				return jsonError(name, data, dec.InputOffset(), fmt.Sprintf("nested deeper than %d levels", lim.MaxDepth))
			}
		case json.Delim('}'), json.Delim(']'):
			depth--
			continue
		default:
			// An object's keys are tokens too; count them as the YAML
			// walk counts a mapping's keys.
		}
		nodes++
		if nodes > lim.MaxNodes {
			return jsonError(name, data, dec.InputOffset(), fmt.Sprintf("more than %d values", lim.MaxNodes))
		}
	}
}

func jsonError(name string, data []byte, off int64, msg string) *Error {
	// off is just past the token: point at its last byte.
	off = min(max(off-1, 0), int64(len(data)))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return &Error{File: name, Line: line, Column: col, Msg: msg}
}

// estimate is what the cheap scan learned about a document.
type estimate struct {
	// nodes bounds the number of nodes from above, aliases not expanded.
	nodes int64
	// depth bounds the nesting from above.
	depth int
	// aliases is set when the text holds a '*', which every alias starts
	// with.
	aliases bool
}

// scan bounds, in one pass over the bytes and without parsing, how many
// nodes data can hold and how deeply they can nest. Every node of a parse
// starts at a token, and every token starts either a run of non-blank bytes
// or at an indicator inside one; a token yields at most a few nodes (an
// empty value, an implicit collection). Over-counting is harmless: it only
// sends the document to the exact walk.
func scan(data []byte) estimate {
	var (
		e             estimate
		tokens        int64
		flow, maxFlow int
		indent        int
		lineStart     = true
		perLine       int
		maxLine       int
		inRun         bool
	)
	for _, c := range data {
		switch c {
		case '\n', '\r':
			inRun, lineStart = false, true
			indent, perLine = 0, 0
			continue
		case ' ', '\t':
			inRun = false
			if lineStart {
				indent++
			}
			continue
		}
		if lineStart {
			lineStart = false
		}
		if !inRun {
			inRun = true
			tokens++
		}
		switch c {
		case '*':
			e.aliases = true
			tokens++
		case '[', '{':
			flow++
			maxFlow = max(maxFlow, flow)
			tokens++
		case ']', '}':
			flow = max(flow-1, 0)
			tokens++
		case ':', '-', '?':
			perLine++
			tokens++
		case ',', '"', '\'', '!', '&', '|', '>', '#':
			tokens++
		}
		maxLine = max(maxLine, indent+perLine)
	}
	e.nodes = 4*tokens + 4
	e.depth = maxFlow + maxLine + 2
	return e
}

// structure counts, in one pass over the bytes, the nodes that the
// document's structure shows for certain — a flow collection, an entry
// after each comma of one, a block sequence entry, a mapping value — and
// reports whether they are more than limit, and where the count crossed it.
// Comments, quoted scalars, block scalars and plain scalars (over all their
// lines) are skipped, so that the count is a lower bound of the nodes of any
// document a parser accepts: text it cannot place, it skips, which only
// lowers the count. FuzzStructure checks the bound.
func structure(data []byte, limit int64) (line, col int, over bool, n int64) {
	var (
		flow        int  // depth of flow collections
		line0       int  // offset of the current line
		indent      int  // of the current line
		blockIndent = -1 // the indent of the line that opened a block scalar
		// Block context only:
		nodeStart   bool // a node may start here
		dashes      bool // only "- " indicators so far on this line
		plain       bool // inside a plain scalar
		plainParent int  // a continuation line of the plain scalar must be indented more
		cont        bool // the previous line ended inside a plain scalar
		afterSpace  = true
	)
	line = 1
	isBreak := func(i int) bool {
		return i >= len(data) || data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'
	}
	lineStart := true
	for i := 0; i < len(data); i++ {
		if lineStart {
			lineStart = false
			j := i
			for j < len(data) && data[j] == ' ' {
				j++
			}
			indent = j - i
			blank := j == len(data) || data[j] == '\n' || data[j] == '\r' || data[j] == '#'
			if (blockIndent >= 0 && (blank || indent > blockIndent)) || (blank && flow == 0) {
				// A line of a block scalar, or a blank or comment line
				// (which a plain scalar may span): skip it.
				if !(blockIndent >= 0 && (blank || indent > blockIndent)) {
					blockIndent = -1
				}
				for i < len(data) && data[i] != '\n' {
					i++
				}
				line++
				line0 = i + 1
				lineStart = true
				continue
			}
			blockIndent = -1
			if flow == 0 {
				if cont && indent > plainParent {
					plain, nodeStart, dashes = true, false, false
				} else {
					plain, nodeStart, dashes = false, true, true
				}
			}
			cont, afterSpace = false, true
			if i = j; i == len(data) {
				break
			}
		}
		c := data[i]
		switch c {
		case '\n':
			line++
			line0 = i + 1
			lineStart = true
			cont = flow == 0 && plain
			continue
		case ' ', '\t', '\r':
			afterSpace = true
			continue
		}
		wasSpace := afterSpace
		afterSpace = false
		if c == '#' && wasSpace {
			// A comment ends the line, and any plain scalar.
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
			plain = false
			continue
		}
		if flow > 0 {
			switch c {
			case '"', '\'':
				i = skipQuoted(data, i, &line, &line0)
			case '[', '{':
				flow++
				n++
			case ']', '}':
				flow--
				if flow == 0 {
					plain, nodeStart, dashes = false, false, false
				}
			case ',':
				n++
			}
			if n > limit {
				return line, i - line0 + 1, true, n
			}
			continue
		}
		mapValue := c == ':' && isBreak(i+1)
		switch {
		case plain:
			if mapValue {
				n++
				plain, nodeStart, dashes = false, true, false
			}
		case mapValue:
			n++
			nodeStart, dashes = true, false
		case !nodeStart:
			// After a quoted scalar, an alias or a flow collection:
			// only a mapping value can follow.
		case c == '-' && dashes && isBreak(i+1):
			n++ // a block sequence entry
		case c == '?' && isBreak(i+1):
			n++ // an explicit key
			dashes = false
		case c == '[' || c == '{':
			flow, dashes = 1, false
			n++
		case c == '"' || c == '\'':
			i = skipQuoted(data, i, &line, &line0)
			nodeStart, dashes = false, false
		case c == '|' || c == '>':
			blockIndent = indent
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case c == '&' || c == '!':
			// An anchor or a tag: the node follows it.
			for !isBreak(i + 1) {
				i++
			}
			dashes = false
		default:
			// A plain scalar (or an alias) starts.
			plainParent = -1
			if !dashes || i-line0 > indent {
				plainParent = indent
			}
			plain, nodeStart, dashes = true, false, false
		}
		if n > limit {
			return line, i - line0 + 1, true, n
		}
	}
	return 0, 0, false, n
}

// skipQuoted returns the offset of the quote that closes the quoted scalar
// opening at i, counting the lines it spans (the end of data when it never
// closes).
func skipQuoted(data []byte, i int, line, line0 *int) int {
	q := data[i]
	for i++; i < len(data); i++ {
		switch {
		case data[i] == '\n':
			*line++
			*line0 = i + 1
		case q == '"' && data[i] == '\\':
			i++
		case data[i] == q:
			if q == '\'' && i+1 < len(data) && data[i+1] == '\'' {
				i++
				continue
			}
			return i
		}
	}
	return len(data)
}

// result is the expanded size and depth of a node.
type result struct {
	nodes int64
	depth int
}

// frame is a node being walked: its next child and what its finished
// children add up to.
type frame struct {
	n     *yaml.Node
	next  int
	nodes int64
	depth int
}

type walker struct {
	name  string
	lim   Limits
	total int64
	// memo holds the result of every anchored node walked; open marks the
	// anchored nodes whose walk has not finished, so that an alias to one
	// of them is a cycle.
	memo map[*yaml.Node]result
	open map[*yaml.Node]bool
}

func (w *walker) errorf(n *yaml.Node, format string, a ...any) *Error {
	return &Error{File: w.name, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, a...)}
}

// walk adds doc's expanded size to the total, with an explicit stack.
func (w *walker) walk(doc *yaml.Node) error {
	if w.open == nil {
		w.open = map[*yaml.Node]bool{}
	}
	stack := []frame{{n: doc}}
	// depth is the number of collections on the stack.
	depth := 0
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		n := top.n
		if n.Kind == yaml.AliasNode {
			if top.next == 0 {
				top.next = 1
				t := n.Alias
				if t == nil {
					w.pop(&stack, &depth, result{})
					continue
				}
				if r, ok := w.memo[t]; ok {
					if err := w.add(n, r, depth); err != nil {
						return err
					}
					w.pop(&stack, &depth, r)
					continue
				}
				if w.open[t] {
					return w.errorf(n, "YAML anchor %q refers to itself: an alias or merge key inside the anchored node names it", n.Value)
				}
				if err := w.push(&stack, &depth, t); err != nil {
					return err
				}
				continue
			}
			// The target finished: pass its result up unchanged.
			r := result{top.nodes, top.depth}
			w.pop(&stack, &depth, r)
			continue
		}
		if top.next < len(n.Content) {
			c := n.Content[top.next]
			top.next++
			if c.Kind == yaml.AliasNode {
				stack = append(stack, frame{n: c})
				continue
			}
			if err := w.push(&stack, &depth, c); err != nil {
				return err
			}
			continue
		}
		// All children done: this node is one more.
		r := result{top.nodes + 1, top.depth}
		if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
			r.depth++
		}
		if n.Kind != yaml.DocumentNode {
			w.total++
			if w.total > int64(w.lim.MaxNodes) {
				return w.budget(n)
			}
		}
		if n.Anchor != "" {
			w.memo[n] = r
			delete(w.open, n)
		}
		w.pop(&stack, &depth, r)
	}
	return nil
}

// push starts walking n.
func (w *walker) push(stack *[]frame, depth *int, n *yaml.Node) error {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		*depth++
		if *depth > w.lim.MaxDepth {
			return w.errorf(n, "YAML nested deeper than %d levels (aliases and merge keys expanded)", w.lim.MaxDepth)
		}
	}
	if n.Anchor != "" {
		w.open[n] = true
	}
	*stack = append(*stack, frame{n: n})
	return nil
}

// pop ends the top frame and hands r to its parent.
func (w *walker) pop(stack *[]frame, depth *int, r result) {
	s := *stack
	top := s[len(s)-1]
	if top.n.Kind == yaml.MappingNode || top.n.Kind == yaml.SequenceNode {
		*depth--
	}
	s = s[:len(s)-1]
	*stack = s
	if len(s) > 0 {
		p := &s[len(s)-1]
		p.nodes += r.nodes
		if p.nodes > int64(w.lim.MaxNodes) {
			p.nodes = int64(w.lim.MaxNodes) + 1
		}
		p.depth = max(p.depth, r.depth)
	}
}

// add counts the copy an alias (or merge key) n makes of a node already
// walked, whose result is r, at the current depth.
func (w *walker) add(n *yaml.Node, r result, depth int) error {
	if depth+r.depth > w.lim.MaxDepth {
		return w.errorf(n, "YAML nested deeper than %d levels (aliases and merge keys expanded)", w.lim.MaxDepth)
	}
	w.total += r.nodes
	if w.total > int64(w.lim.MaxNodes) {
		return w.budget(n)
	}
	return nil
}

func (w *walker) budget(n *yaml.Node) *Error {
	return w.errorf(n, "YAML expands to more than %d nodes (aliases and merge keys counted)", w.lim.MaxNodes)
}
