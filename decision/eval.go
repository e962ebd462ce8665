package decision

import (
	"bytes"
	"context"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/internal/tree"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	cuejson "cuelang.org/go/encoding/json"
	"cuelang.org/go/encoding/yaml"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/internal/english"
	globs "github.com/goldenpath-dev/goldenpath/internal/glob"
	"github.com/goldenpath-dev/goldenpath/internal/yamlcheck"
)

// ErrEvalTimeout is returned (wrapped) when evaluating rules takes longer
// than EvalOptions.Timeout. CUE evaluation cannot be interrupted, so the
// evaluation is abandoned and its resources are reclaimed when it ends. It
// is blueprint.ErrEvalTimeout: one error for every CUE evaluation that
// timed out.
var ErrEvalTimeout = blueprint.ErrEvalTimeout

// Result is the outcome of a check or a finding.
type Result string

// The results.
const (
	// Pass: the rule holds.
	Pass Result = "pass"
	// Fail: the rule does not hold.
	Fail Result = "fail"
	// Exempt: the rule does not hold, and an active exception covers it.
	// Exemptions are counted on their own, never as passes.
	Exempt Result = "exempt"
	// Error: the rule could not be evaluated, such as for a file that is not
	// valid YAML.
	Error Result = "error"
	// Skip: the rule was not evaluated: parameters rules without
	// parameters, tree rules without a tree.
	Skip Result = "skip"
)

// Subject is what rules are evaluated against: one project, or one part of
// a composed project.
type Subject struct {
	// Name names the subject in findings: a project directory, say.
	Name string
	// Blueprint is the blueprint the subject was rendered from. When set,
	// findings about parameters point at their declarations in its
	// blueprint.cue.
	Blueprint *blueprint.Blueprint
	// Params are the resolved parameter values. Nil skips parameters rules.
	Params map[string]any
	// Files is the rendered tree, the root of the subject. Nil skips tree
	// rules.
	Files fs.FS
	// Paths lists the files of Files, slash-separated; nil walks Files,
	// leaving out .goldenpath/ and .git/.
	Paths []string
	// Dir is prefixed to the paths of Files in positions, so that they name
	// files a person can open; "" leaves them relative.
	Dir string
	// Exceptions are the subject's exceptions.
	Exceptions []Exception
}

// EvalOptions configures Evaluate. The zero value, and a nil *EvalOptions,
// give the defaults.
type EvalOptions struct {
	// Now returns the time rule schedules and exception expiry are compared
	// with; it is called once per evaluation. Nil means time.Now.
	Now func() time.Time
	// Timeout bounds the evaluation. Default 30 s.
	Timeout time.Duration
	// MaxFileBytes caps each file a tree rule reads. Default 8 MiB; larger
	// files give an error finding.
	MaxFileBytes int64
}

// Finding is one failure of a rule, exempted or not, or an error evaluating
// it.
type Finding struct {
	// Decision is the ID of the decision.
	Decision string `json:"decision"`
	// Rule is the rule's name.
	Rule string `json:"rule"`
	// RulePos is where the rule, or the part of it that failed, is written.
	RulePos Position `json:"rulePos"`
	// Severity is the rule's severity.
	Severity Severity `json:"severity"`
	// Mode is the rule's mode at the time of the evaluation.
	Mode Mode `json:"mode"`
	// Result is Fail, Exempt or Error.
	Result Result `json:"result"`
	// Subject names what was evaluated.
	Subject string `json:"subject,omitempty"`
	// File is the offending file, relative to the subject; empty for
	// parameters rules.
	File string `json:"file,omitempty"`
	// Field is the offending parameter or, in a YAML or JSON file, the
	// offending data path.
	Field string `json:"field,omitempty"`
	// Pos is where the offence is: the line in File, or the parameter's
	// declaration in the blueprint.cue.
	Pos Position `json:"pos"`
	// Message says what is wrong: the rule's message when it has one.
	Message string `json:"message"`
	// Pattern is the regular expression of a matches or notMatches rule
	// that the file failed, for tools; people read Message.
	Pattern string `json:"pattern,omitempty"`
	// Exception is the exception that exempts the finding.
	Exception *Exception `json:"exception,omitempty"`
}

// String formats f as POS: ID/RULE (MODE, SEVERITY[, exempt]): [FIELD: ]MESSAGE
// [rule at RULEPOS], naming the decision and both positions.
func (f Finding) String() string {
	var b strings.Builder
	if p := f.Pos; p.Filename != "" {
		b.WriteString(p.String())
		b.WriteString(": ")
	} else if f.File != "" {
		b.WriteString(f.File)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s/%s (%s, %s", f.Decision, f.Rule, f.Mode, f.Severity)
	switch f.Result {
	case Exempt:
		b.WriteString(", exempt")
	case Error:
		b.WriteString(", error")
	}
	b.WriteString("): ")
	if f.Field != "" {
		b.WriteString(f.Field)
		b.WriteString(": ")
	}
	b.WriteString(f.Message)
	if f.RulePos.IsValid() {
		fmt.Fprintf(&b, " [rule at %s]", f.RulePos)
	}
	if f.Exception != nil {
		fmt.Fprintf(&b, " [exception at %s, until %s]", f.Exception.Pos, formatDate(f.Exception.Expires))
	}
	return b.String()
}

// Check is the outcome of one rule for one subject.
type Check struct {
	// Decision is the decision's ID.
	Decision string `json:"decision"`
	// Version and Digest identify the decision's text.
	Version string `json:"version,omitempty"`
	Digest  string `json:"digest"`
	// Rule is the rule's name; Mode its mode at the evaluation's time
	// (Rule.ModeAt) and Severity its severity.
	Rule     string   `json:"rule"`
	Mode     Mode     `json:"mode"`
	Severity Severity `json:"severity"`
	// Result is Fail when any finding failed, else Error when any errored,
	// else Exempt when any was exempted, else Pass (or Skip).
	Result Result `json:"result"`
}

// Evaluation is the outcome of evaluating decisions against a subject.
type Evaluation struct {
	// Subject names what was evaluated (Subject.Name).
	Subject string `json:"subject,omitempty"`
	// Time is when the evaluation ran (EvalOptions.Now).
	Time time.Time `json:"time"`
	// Checks holds one entry per rule evaluated, in decision and rule order.
	Checks []Check `json:"checks"`
	// Findings are the failures, exemptions and errors, in check order.
	Findings []Finding `json:"findings"`
	// Expired are the subject's exceptions that have expired: they no
	// longer apply.
	Expired []Exception `json:"expired,omitempty"`
}

// Count returns how many checks had result res.
func (r *Evaluation) Count(res Result) int {
	n := 0
	for _, c := range r.Checks {
		if c.Result == res {
			n++
		}
	}
	return n
}

// Enforced returns the failing findings of enforced rules: those that
// refuse a plan.
func (r *Evaluation) Enforced() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Result == Fail && f.Mode == Enforce {
			out = append(out, f)
		}
	}
	return out
}

// Err returns an *EnforcedError listing every finding when an enforced rule
// failed, and nil otherwise.
func (r *Evaluation) Err() error {
	if len(r.Enforced()) == 0 {
		return nil
	}
	return &EnforcedError{Subject: r.Subject, Findings: slices.Clone(r.Findings)}
}

// Merge appends the checks, findings and expired exceptions of o to r.
func (r *Evaluation) Merge(o *Evaluation) {
	r.Checks = append(r.Checks, o.Checks...)
	r.Findings = append(r.Findings, o.Findings...)
	for _, e := range o.Expired {
		if !slices.ContainsFunc(r.Expired, func(x Exception) bool { return x.Pos == e.Pos }) {
			r.Expired = append(r.Expired, e)
		}
	}
}

// EnforcedError is returned when enforced rules fail. It lists every
// finding, enforced or not, so that one run shows everything to fix.
type EnforcedError struct {
	// Subject names what was evaluated (Evaluation.Subject).
	Subject string
	// Findings are the evaluation's findings (Evaluation.Findings),
	// enforced or not.
	Findings []Finding
}

// Enforced returns the failing findings of enforced rules.
func (e *EnforcedError) Enforced() []Finding {
	return (&Evaluation{Findings: e.Findings}).Enforced()
}

// Error lists the enforced failures first, one per line, then the others.
func (e *EnforcedError) Error() string {
	var enforced, other []string
	for _, f := range e.Findings {
		if f.Result == Fail && f.Mode == Enforce {
			enforced = append(enforced, f.String())
		} else {
			other = append(other, f.String())
		}
	}
	head := english.Count(len(enforced), "enforced rule failure")
	if e.Subject != "" {
		head = e.Subject + ": " + head
	}
	return head + ":\n" + strings.Join(append(enforced, other...), "\n")
}

// evaluator compiles rule blocks in one CUE context.
type evaluator struct {
	ctx    *cue.Context
	blocks map[string]cue.Value
}

func newEvaluator() *evaluator {
	return &evaluator{ctx: cuecontext.New(), blocks: map[string]cue.Value{}}
}

// constraint returns the field key of rule r, compiled in e's context.
func (e *evaluator) constraint(r *Rule, key string) (cue.Value, error) {
	k := fmt.Sprintf("%s#%d", r.file, r.block)
	v, ok := e.blocks[k]
	if !ok {
		v = e.ctx.CompileString(r.src, cue.Filename(r.file))
		e.blocks[k] = v
	}
	c := v.LookupPath(cue.MakePath(cue.Str(r.Name), cue.Str(key)))
	if err := c.Err(); err != nil && !cue.IsIncomplete(err) {
		return c, err
	}
	return c, nil
}

// Evaluate evaluates the rules of decisions against s and returns the
// evaluation. Enforced failures are in it, not an error: Evaluation.Err
// turns them into one. The error is for evaluations that could not run: a
// timeout, a cancelled ctx, a tree that cannot be listed.
func Evaluate(ctx context.Context, decisions []*Decision, s *Subject, opts *EvalOptions) (*Evaluation, error) {
	if opts == nil {
		opts = &EvalOptions{}
	}
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	now := clock()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	maxBytes := opts.MaxFileBytes
	if maxBytes <= 0 {
		maxBytes = 8 << 20
	}
	rep := &Evaluation{Subject: s.Name, Time: now, Checks: []Check{}, Findings: []Finding{}}
	for _, x := range s.Exceptions {
		if !x.Active(now) {
			rep.Expired = append(rep.Expired, x)
		}
	}
	paths := s.Paths
	if s.Files != nil && paths == nil {
		var err error
		if paths, err = tree.Files(s.Files); err != nil {
			return nil, fmt.Errorf("decisions: list %s: %w", s.Name, err)
		}
	}
	var decls *decl
	if s.Blueprint != nil {
		decls = declarations(schemaName(s.Blueprint), s.Blueprint.Schema())
	}
	run := &evalRun{s: s, paths: paths, decls: decls, now: now, maxBytes: maxBytes, files: map[string]*fileData{}}
	err := bounded(ctx, timeout, func() error {
		run.ev = newEvaluator()
		for _, d := range decisions {
			for _, r := range d.Rules {
				if err := ctx.Err(); err != nil {
					return err
				}
				run.rule(rep, d, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("decisions: evaluate %s: %w", s.Name, err)
	}
	return rep, nil
}

type evalRun struct {
	s        *Subject
	paths    []string
	decls    *decl
	now      time.Time
	maxBytes int64
	ev       *evaluator
	files    map[string]*fileData
}

// fileData is a file read once per evaluation.
type fileData struct {
	data []byte
	err  error
	// The file's documents as CUE values, built once for every unify
	// rule that reads the file.
	docs    []cue.Value
	docsErr error
	built   bool
}

// docs returns the documents of the file p, whose content is data, built
// in the run's context once per evaluation.
func (run *evalRun) docs(p, name string, data []byte) ([]cue.Value, error) {
	f := run.files[p]
	if f == nil {
		f = &fileData{data: data}
		run.files[p] = f
	}
	if !f.built {
		f.built = true
		exprs, err := decodeDocs(name, data)
		f.docsErr = err
		for _, doc := range exprs {
			f.docs = append(f.docs, run.ev.ctx.BuildExpr(doc))
		}
	}
	return f.docs, f.docsErr
}

func (run *evalRun) read(p string) ([]byte, error) {
	if f, ok := run.files[p]; ok {
		return f.data, f.err
	}
	f := &fileData{}
	fh, err := run.s.Files.Open(p)
	if err == nil {
		f.data, err = io.ReadAll(io.LimitReader(fh, run.maxBytes+1))
		fh.Close()
		if err == nil && int64(len(f.data)) > run.maxBytes {
			f.data, err = nil, fmt.Errorf("larger than %d bytes", run.maxBytes)
		}
	}
	f.err = err
	run.files[p] = f
	return f.data, f.err
}

// pos names a position in a file of the subject.
func (run *evalRun) pos(p string, line, col int) Position {
	name := p
	if run.s.Dir != "" {
		name = filepath.Join(run.s.Dir, filepath.FromSlash(p))
	}
	return Position{Filename: name, Line: line, Column: col}
}

func (run *evalRun) rule(rep *Evaluation, d *Decision, r *Rule) {
	mode := r.ModeAt(run.now)
	base := Finding{Decision: d.ID, Rule: r.Name, RulePos: r.Pos, Severity: r.Severity, Mode: mode, Result: Fail, Subject: run.s.Name}
	if r.Kind == Matches || r.Kind == NotMatches {
		base.Pattern = r.Pattern
	}
	var found []Finding
	add := func(f Finding) {
		if f.Message == "" {
			f.Message = r.Message
		}
		found = append(found, f)
	}
	fail := func(file, field string, p, rulePos Position, msg string) {
		f := base
		f.File, f.Field, f.Pos, f.Message = file, field, p, msg
		if rulePos.IsValid() {
			f.RulePos = rulePos
		}
		add(f)
	}
	errf := func(file string, p Position, format string, args ...any) {
		f := base
		f.Result, f.File, f.Pos, f.Message = Error, file, p, fmt.Sprintf(format, args...)
		found = append(found, f)
	}
	skipped := false
	switch {
	case r.Kind == Params && run.s.Params == nil, r.Kind != Params && run.s.Files == nil:
		skipped = true
	case r.Kind == Params:
		run.params(r, fail, errf)
	case r.Kind == Exists:
		if !slices.ContainsFunc(run.paths, func(p string) bool { return globs.Match(r.Glob, p) }) {
			fail(r.Glob, "", Position{}, Position{}, orDefault(r.Message, "no file matches "+r.Glob))
		}
	case r.Kind == Absent:
		for _, p := range run.paths {
			if globs.Match(r.Glob, p) {
				fail(p, "", run.pos(p, 0, 0), Position{}, orDefault(r.Message, "must not exist (matches "+r.Glob+")"))
			}
		}
	default:
		for _, p := range run.paths {
			if !globs.Match(r.Glob, p) {
				continue
			}
			data, err := run.read(p)
			if err != nil {
				errf(p, run.pos(p, 0, 0), "read: %v", err)
				continue
			}
			switch r.Kind {
			case Matches:
				if !r.re.Match(data) {
					fail(p, "", run.pos(p, 0, 0), Position{}, orDefault(r.Message, "does not match /"+r.Pattern+"/"))
				}
			case NotMatches:
				for _, loc := range r.re.FindAllIndex(data, 10) {
					line, col := lineCol(data, loc[0])
					snippet := strings.TrimSpace(string(firstLine(data[loc[0]:loc[1]])))
					// The rule's message says what is wrong; the pattern is
					// only for readers of JSON, unless there is no message.
					msg := fmt.Sprintf("%q matches /%s/", snippet, r.Pattern)
					if r.Message != "" {
						msg = fmt.Sprintf("%s: %q", r.Message, snippet)
					}
					fail(p, "", run.pos(p, line, col), Position{}, msg)
				}
			case Unify:
				run.unify(r, p, data, fail, errf)
			}
		}
	}
	// Exceptions turn failures into exemptions.
	for i := range found {
		if found[i].Result != Fail {
			continue
		}
		if x := activeException(run.s.Exceptions, d.ID, r.Name, run.now); x != nil {
			found[i].Result = Exempt
			found[i].Exception = x
		}
	}
	c := Check{Decision: d.ID, Version: d.Version, Digest: d.Digest, Rule: r.Name, Mode: mode, Severity: r.Severity, Result: Pass}
	switch {
	case skipped:
		c.Result = Skip
	case slices.ContainsFunc(found, func(f Finding) bool { return f.Result == Fail }):
		c.Result = Fail
	case slices.ContainsFunc(found, func(f Finding) bool { return f.Result == Error }):
		c.Result = Error
	case len(found) > 0:
		c.Result = Exempt
	}
	rep.Checks = append(rep.Checks, c)
	rep.Findings = append(rep.Findings, found...)
}

// notSet rewrites CUE's "incomplete value X" for a field the data lacks.
func notSet(msg string) string {
	want := strings.TrimPrefix(msg, "incomplete value ")
	if want == "_" {
		return "not set"
	}
	return "not set, want " + want
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

func lineCol(data []byte, off int) (int, int) {
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, off - start + 1
}

type failFunc func(file, field string, p, rulePos Position, msg string)
type errFunc func(file string, p Position, format string, args ...any)

func (run *evalRun) params(r *Rule, fail failFunc, errf errFunc) {
	c, err := run.ev.constraint(r, "params")
	if err != nil {
		errf("", r.Pos, "%v", err)
		return
	}
	data := run.ev.ctx.Encode(run.s.Params)
	if err := data.Err(); err != nil {
		errf("", Position{}, "parameters: %v", err)
		return
	}
	u := data.Unify(c)
	for _, e := range groupErrors(u.Validate(cue.Concrete(true))) {
		field := strings.Join(e.path, ".")
		p := Position{}
		if run.decls != nil {
			p = run.decls.param(field)
		}
		msg := e.msg
		switch {
		case r.Message != "" && e.got != "":
			msg = r.Message + " (got " + e.got + ")"
		case r.Message != "":
			msg = r.Message + " (" + e.msg + ")"
		}
		if e.incomplete {
			msg = orDefault(r.Message, "must be set") + " (" + notSet(e.msg) + ")"
		}
		fail("", field, p, e.in(r.file), msg)
	}
}

// cueError is one grouped CUE error: its data path, message, and
// positions in the rule and in the data.
type cueError struct {
	path       []string
	msg        string
	incomplete bool
	positions  []Position
	// got is the offending value of a value out of its bound, as CUE
	// prints it, for a message that is the rule's own.
	got string
}

// in returns the first of e's positions in file.
func (e cueError) in(file string) Position {
	for _, p := range e.positions {
		if p.Filename == file {
			return p
		}
	}
	return Position{}
}

// groupErrors turns a CUE error into one entry per path, dropping
// "errors in empty disjunction" headers when there is more to say.
func groupErrors(err error) []cueError {
	var out []cueError
	index := map[string]int{}
	for _, e := range cueerrors.Errors(err) {
		f, a := e.Msg()
		msg := fmt.Sprintf(f, a...)
		key := strings.Join(e.Path(), ".")
		var ps []Position
		if p := toPos(e.Position()); p.IsValid() {
			ps = append(ps, p)
		}
		for _, ip := range e.InputPositions() {
			if p := toPos(ip); p.IsValid() && !slices.Contains(ps, p) {
				ps = append(ps, p)
			}
		}
		got := ""
		if f == "invalid value %v (out of bound %s)" && len(a) == 2 {
			msg = fmt.Sprintf("must be %v (got %v)", a[1], a[0])
			got = fmt.Sprint(a[0])
		}
		i, seen := index[key]
		if !seen {
			index[key] = len(out)
			out = append(out, cueError{path: e.Path(), msg: msg, incomplete: strings.HasPrefix(msg, "incomplete value"), positions: ps, got: got})
			continue
		}
		ce := &out[i]
		if strings.Contains(ce.msg, "errors in empty disjunction") {
			ce.msg = msg
		} else if !strings.Contains(msg, "errors in empty disjunction") && !strings.Contains(ce.msg, msg) {
			ce.msg += "; " + msg
		}
		for _, p := range ps {
			if !slices.Contains(ce.positions, p) {
				ce.positions = append(ce.positions, p)
			}
		}
	}
	return out
}

func (run *evalRun) unify(r *Rule, p string, data []byte, fail failFunc, errf errFunc) {
	c, err := run.ev.constraint(r, "unify")
	if err != nil {
		errf(p, r.Pos, "%v", err)
		return
	}
	var where cue.Value
	if r.Where != "" {
		if where, err = run.ev.constraint(r, "where"); err != nil {
			errf(p, r.Pos, "%v", err)
			return
		}
	}
	name := run.pos(p, 0, 0).Filename
	docs, err := run.docs(p, name, data)
	if err != nil {
		errf(p, run.pos(p, 0, 0), "%v", err)
		return
	}
	for _, v := range docs {
		if err := v.Err(); err != nil {
			errf(p, run.pos(p, 0, 0), "%v", err)
			continue
		}
		if r.Where != "" && v.Unify(where).Validate(cue.Concrete(true)) != nil {
			continue
		}
		u := v.Unify(c)
		for _, e := range groupErrors(u.Validate(cue.Concrete(true))) {
			off := Position{}
			for _, ep := range e.positions {
				if ep.Filename == name {
					off = ep
					break
				}
			}
			if !off.IsValid() {
				// A missing field: point at the nearest enclosing value.
				for n := len(e.path); n >= 0 && !off.IsValid(); n-- {
					off = toPos(v.LookupPath(cue.ParsePath(quotePath(e.path[:n]))).Pos())
				}
			}
			if !off.IsValid() {
				off = run.pos(p, 0, 0)
			}
			msg := e.msg
			if e.incomplete {
				msg = notSet(msg)
			}
			switch {
			case r.Message != "" && e.got != "":
				msg = r.Message + " (got " + e.got + ")"
			case r.Message != "":
				msg = r.Message + " (" + msg + ")"
			}
			fail(p, strings.Join(e.path, "."), off, e.in(r.file), msg)
		}
	}
}

// quotePath makes a CUE path of selectors, quoting labels that are not
// identifiers and keeping list indexes.
func quotePath(sel []string) string {
	var b strings.Builder
	for i, s := range sel {
		if isIndex(s) {
			b.WriteString("[" + s + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		if ast.IsValidIdent(s) && !strings.HasPrefix(s, "#") && !strings.HasPrefix(s, "_") {
			b.WriteString(s)
		} else {
			b.WriteString(fmt.Sprintf("%q", s))
		}
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// maxTreeNodes is the node budget of one YAML file a tree rule reads, aliases
// and merge keys expanded: generous for a file of MaxFileBytes (8 MiB).
const maxTreeNodes = 2_000_000

// decodeDocs decodes a JSON file, or every document of a YAML file.
func decodeDocs(name string, data []byte) ([]ast.Expr, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".json":
		e, err := cuejson.Extract(name, data)
		if err != nil {
			return nil, err
		}
		return []ast.Expr{e}, nil
	case ".yaml", ".yml":
		// A project's files are untrusted: count their aliases and merge
		// keys before the decoder expands them.
		if err := yamlcheck.Check(name, data, yamlcheck.Limits{MaxNodes: maxTreeNodes}); err != nil {
			return nil, err
		}
		dec := yaml.NewDecoder(name, bytes.NewReader(data))
		var docs []ast.Expr
		for {
			e, err := dec.Extract()
			if err == io.EOF {
				return docs, nil
			}
			if err != nil {
				return nil, err
			}
			if l, ok := e.(*ast.BasicLit); ok && l.Value == "null" {
				continue // an empty document
			}
			docs = append(docs, e)
		}
	}
	return nil, fmt.Errorf("not a YAML or JSON file: unify rules read .yaml, .yml and .json files")
}
