package decision

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/encoding/yaml"

	"github.com/goldenpath-dev/goldenpath/internal/yamlcheck"
)

// ExceptionsFile is where a project keeps its exceptions, relative to its
// root, beside the manifest.
const ExceptionsFile = ".goldenpath/exceptions.yaml"

// Exception exempts a project from one rule of one decision until it
// expires. An exempted failure is counted as exempt, never as a pass:
// exceptions are evidence that a decision may need to change.
type Exception struct {
	// Decision is the ID of the decision.
	Decision string `json:"decision"`
	// Rule is the rule's name, or "*" for every rule of the decision.
	Rule string `json:"rule"`
	// Justification says why the project cannot follow the rule; required.
	Justification string `json:"justification"`
	// RequestedBy is who asked for the exception; required.
	RequestedBy string `json:"requestedBy"`
	// ApprovedBy is who granted it; required.
	ApprovedBy string `json:"approvedBy"`
	// Expires is the last day the exception applies; required.
	Expires time.Time `json:"-"`
	// Pos is where the exception is written.
	Pos Position `json:"pos"`
}

// Active reports whether the exception applies on the day of t: up to and
// including its Expires day.
func (x Exception) Active(t time.Time) bool {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return !day.After(x.Expires)
}

// Covers reports whether x names the rule of the decision.
func (x Exception) Covers(decision, rule string) bool {
	return x.Decision == decision && (x.Rule == rule || x.Rule == "*")
}

// MarshalJSON writes the exception with its expiry as YYYY-MM-DD.
func (x Exception) MarshalJSON() ([]byte, error) {
	type plain Exception
	return json.Marshal(struct {
		plain
		Expires string `json:"expires"`
	}{plain(x), formatDate(x.Expires)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (x *Exception) UnmarshalJSON(b []byte) error {
	type plain Exception
	var j struct {
		plain
		Expires string `json:"expires"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*x = Exception(j.plain)
	if j.Expires != "" {
		t, err := parseISODate(j.Expires)
		if err != nil {
			return fmt.Errorf("exception expires %q: %v", j.Expires, err)
		}
		x.Expires = t
	}
	return nil
}

func activeException(xs []Exception, decision, rule string, now time.Time) *Exception {
	for i := range xs {
		if xs[i].Covers(decision, rule) && xs[i].Active(now) {
			x := xs[i]
			return &x
		}
	}
	return nil
}

// ReadExceptions reads ExceptionsFile from a project's tree. A project
// without the file has no exceptions. name names the file in positions.
func ReadExceptions(fsys fs.FS, name string) ([]Exception, error) {
	data, err := fs.ReadFile(fsys, ExceptionsFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	return ParseExceptions(name, data)
}

// ParseExceptions parses an exceptions file:
//
//	exceptions:
//	  - decision: ADR-0012
//	    rule: limits
//	    justification: the batch job is sized by the cluster autoscaler
//	    requested-by: jane@acme.dev
//	    approved-by: platform-team
//	    expires: 2026-06-30
//
// It returns a *LoadError naming every missing or malformed field with its
// line.
func ParseExceptions(name string, data []byte) ([]Exception, error) {
	if len(data) > MaxFileBytes {
		return nil, &LoadError{Problems: []Problem{problemf(Position{Filename: name}, "", Syntax, "larger than %d bytes", MaxFileBytes)}}
	}
	if err := yamlcheck.Check(name, data, yamlcheck.Limits{}); err != nil {
		return nil, &LoadError{Problems: []Problem{limitProblem(err)}}
	}
	f, err := yaml.Extract(name, data)
	if err != nil {
		return nil, &LoadError{Problems: []Problem{yamlProblem(name, err, 1)}}
	}
	v := cuecontext.New().BuildFile(f)
	if err := v.Err(); err != nil {
		return nil, &LoadError{Problems: []Problem{yamlProblem(name, err, 1)}}
	}
	top := Position{Filename: name, Line: 1, Column: 1}
	if v.Kind() == cue.NullKind {
		return nil, nil
	}
	list := v.LookupPath(cue.ParsePath("exceptions"))
	if v.IncompleteKind() != cue.StructKind || (list.Exists() && list.Kind() != cue.ListKind && list.Kind() != cue.NullKind) {
		return nil, &LoadError{Problems: []Problem{problemf(top, "", Syntax, "want a mapping with an exceptions list")}}
	}
	var out []Exception
	var probs []Problem
	it, _ := v.Fields()
	for it.Next() {
		if k := it.Selector().Unquoted(); k != "exceptions" {
			probs = append(probs, problemf(posOr(it.Value(), top), "", Field, "unknown key %q (want exceptions)", k))
		}
	}
	li, _ := list.List()
	for list.Kind() == cue.ListKind && li.Next() {
		e := li.Value()
		p := posOr(e, top)
		if e.Kind() != cue.StructKind {
			probs = append(probs, problemf(p, "", Field, "an exception must be a mapping"))
			continue
		}
		x := Exception{Pos: p}
		fields := map[string]*string{
			"decision": &x.Decision, "rule": &x.Rule, "justification": &x.Justification,
			"requested-by": &x.RequestedBy, "approved-by": &x.ApprovedBy,
		}
		var expires string
		fi, _ := e.Fields()
		for fi.Next() {
			k := fi.Selector().Unquoted()
			fp := posOr(fi.Value(), p)
			dst, ok := fields[k]
			if k == "expires" {
				dst, ok = &expires, true
			}
			if !ok {
				probs = append(probs, problemf(fp, "", Field, "unknown key %q (want decision, rule, justification, requested-by, approved-by, expires)", k))
				continue
			}
			s, ok := scalarString(fi.Value())
			if !ok {
				probs = append(probs, problemf(fp, "", Field, "%s: want a string", k))
				continue
			}
			*dst = s
		}
		for _, k := range []string{"decision", "rule", "justification", "requested-by", "approved-by"} {
			if strings.TrimSpace(*fields[k]) == "" {
				probs = append(probs, problemf(p, x.Decision, Field, "exception without %s: it is required", k))
			}
		}
		if expires == "" {
			probs = append(probs, problemf(p, x.Decision, Field, "exception without expires: every exception expires"))
		} else if t, err := parseISODate(expires); err != nil {
			probs = append(probs, problemf(posOr(e.LookupPath(cue.ParsePath("expires")), p), x.Decision, Field, "expires %q: %v", expires, err))
		} else {
			x.Expires = t
		}
		out = append(out, x)
	}
	if len(probs) > 0 {
		return nil, &LoadError{Problems: probs}
	}
	return out, nil
}

// CheckExceptions reports exceptions that name a decision or rule the
// registry does not have.
func (r *Registry) CheckExceptions(xs []Exception) []Problem {
	var probs []Problem
	for _, x := range xs {
		d, ok := r.byID[x.Decision]
		switch {
		case !ok:
			probs = append(probs, problemf(x.Pos, x.Decision, Dangling, "exception for %s, which does not exist", x.Decision))
		case x.Rule != "*" && d.Rule(x.Rule) == nil:
			probs = append(probs, problemf(x.Pos, x.Decision, Dangling, "exception for rule %q, which %s does not have", x.Rule, x.Decision))
		}
	}
	return probs
}
