package main

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/render"
)

// decisionRef is a decision ID as a page shows it: with its title and
// status when the registry has it.
type decisionRef struct {
	ID     string
	Known  bool
	Title  string
	Status decision.Status
}

func (s *server) decisionRefs(ids []string) []decisionRef {
	out := make([]decisionRef, 0, len(ids))
	for _, id := range ids {
		ref := decisionRef{ID: id}
		if s.cfg.Decisions != nil {
			if d, ok := s.cfg.Decisions.Get(id); ok {
				ref.Known, ref.Title, ref.Status = true, d.Title, d.Status
			}
		}
		out = append(out, ref)
	}
	return out
}

// catalogItem is one blueprint on the catalog page.
type catalogItem struct {
	Latest    blueprint.CatalogEntry
	Versions  []blueprint.CatalogEntry
	Decisions []decisionRef
}

func (s *server) catalogPage(w http.ResponseWriter, r *http.Request) {
	var items []catalogItem
	for _, name := range s.cfg.Catalog.Names() {
		latest, ok := s.cfg.Catalog.Latest(name)
		if !ok {
			continue
		}
		items = append(items, catalogItem{Latest: latest, Versions: s.cfg.Catalog.Versions(name), Decisions: s.decisionRefs(latest.Decisions)})
	}
	s.page(w, r, http.StatusOK, "catalog.html", struct {
		Items     []catalogItem
		Decisions int
	}{items, s.decisionCount()})
}

// formPage is the data of a blueprint's page.
type formPage struct {
	Entry     blueprint.CatalogEntry
	Versions  []blueprint.CatalogEntry
	Latest    string
	Decisions []decisionRef
	Fields    []*field
	// Status is the response status: 422 marks the form as failed.
	Status int
	// Errors are problems that belong to no field.
	Errors []string
	// Findings are failing checks of decisions that belong to no field.
	Findings []decision.Finding
	Preview  *preview
	// Rating is the rating form; nil when the server keeps no signals.
	Rating *ratingForm
}

// newFormPage returns the page for one version of a blueprint, with the
// form its JSON Schema gives.
func (s *server) newFormPage(bp *blueprint.Blueprint, e blueprint.CatalogEntry) (*formPage, error) {
	fields, err := formFields(bp.JSONSchema())
	if err != nil {
		return nil, err
	}
	latest, _ := s.cfg.Catalog.Latest(e.Name)
	return &formPage{
		Entry:     e,
		Versions:  s.cfg.Catalog.Versions(e.Name),
		Latest:    latest.Version,
		Decisions: s.decisionRefs(e.Decisions),
		Fields:    fields,
		Status:    http.StatusOK,
		Rating:    s.newRatingForm("blueprint", "/blueprints/"+e.Name+"/rate", e.Version),
	}, nil
}

// lookupForm finds a blueprint of the catalog by name and version and
// makes its form page; on failure it has answered with an error page.
func (s *server) lookupForm(w http.ResponseWriter, r *http.Request, name, version string) (*blueprint.Blueprint, *formPage, bool) {
	bp, e, err := s.lookup(r.Context(), name, version)
	if err == nil {
		var p *formPage
		if p, err = s.newFormPage(bp, e); err == nil {
			return bp, p, true
		}
	}
	status, msg := s.status(r, err)
	s.errorPage(w, r, status, msg)
	return nil, nil, false
}

func (s *server) blueprintPage(w http.ResponseWriter, r *http.Request) {
	_, p, ok := s.lookupForm(w, r, r.PathValue("name"), r.URL.Query().Get("version"))
	if !ok {
		return
	}
	if p.Rating != nil {
		p.Rating.Thanks = r.URL.Query().Get("rated") == "1"
	}
	s.page(w, r, http.StatusOK, "blueprint.html", p)
}

// blueprintSubmit validates a submitted form on the server, whatever the
// browser checked, then downloads the rendered project as a .tar.gz or,
// with _action=preview, shows its files. Invalid values give the form back
// with each error next to its field, and status 422.
func (s *server) blueprintSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			status, msg := s.status(r, err)
			s.errorPage(w, r, status, msg)
			return
		}
		if isTimeout(err) {
			s.errorPage(w, r, http.StatusRequestTimeout, errBodyTimeout.Error())
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, "the form could not be read: "+err.Error())
		return
	}
	bp, p, ok := s.lookupForm(w, r, r.PathValue("name"), r.PostForm.Get("_version"))
	if !ok {
		return
	}
	pairs := formInput(p.Fields, r.PostForm)
	fail := func(err error) {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return // the client is gone
		}
		var (
			invalid  *blueprint.ValidationError
			enforced *decision.EnforcedError
		)
		switch {
		case errors.As(err, &invalid):
			p.Errors = attachValidation(p.Fields, invalid)
		case errors.As(err, &enforced):
			p.Findings = findings(attachFindings(p.Fields, enforced.Findings))
		default:
			_, msg := s.status(r, err)
			p.Errors = []string{msg}
		}
		p.Status, _ = s.status(r, err)
		retryAfter(w, err)
		s.page(w, r, p.Status, "blueprint.html", p)
	}
	params, err := s.resolve(r.Context(), bp, blueprint.Set(pairs...))
	if err != nil {
		fail(err)
		return
	}
	if r.PostForm.Get("_action") == "preview" {
		plan, err := s.plan(r.Context(), bp, params)
		if err != nil {
			fail(err)
			return
		}
		p.Preview = newPreview(plan)
		s.page(w, r, http.StatusOK, "blueprint.html", p)
		return
	}
	a, err := s.renderArchive(r.Context(), bp, params)
	if err != nil {
		fail(err)
		return
	}
	defer a.Close()
	a.serve(w)
}

// preview is the file tree of a plan.
type preview struct {
	Files    int
	Bytes    int64
	Levels   []levelCount
	Tree     []*treeNode
	Findings []decision.Finding
	Passed   int
}

type levelCount struct {
	Level blueprint.Level
	Files int
}

// treeNode is a file or directory of a preview.
type treeNode struct {
	Name     string
	Path     string
	Dir      bool
	Level    blueprint.Level
	Size     int64
	Part     string
	Children []*treeNode
}

// newPreview builds the preview of a plan: its files as a tree, directories
// first, with their levels, and the findings of the decisions in force.
func newPreview(plan *render.Plan) *preview {
	m := plan.Manifest
	p := &preview{Files: len(m.Files)}
	for _, l := range []blueprint.Level{blueprint.Managed, blueprint.Shared, blueprint.Seeded} {
		if n := plan.Levels()[l]; n > 0 {
			p.Levels = append(p.Levels, levelCount{l, n})
		}
	}
	root := &treeNode{Dir: true}
	dirs := map[string]*treeNode{"": root}
	var dir func(string) *treeNode
	dir = func(d string) *treeNode {
		if n, ok := dirs[d]; ok {
			return n
		}
		parent, name := "", d
		if i := strings.LastIndexByte(d, '/'); i >= 0 {
			parent, name = d[:i], d[i+1:]
		}
		n := &treeNode{Name: name, Path: d, Dir: true}
		pn := dir(parent)
		pn.Children = append(pn.Children, n)
		dirs[d] = n
		return n
	}
	for _, f := range m.Files {
		p.Bytes += f.Size
		d, name := "", f.Path
		if i := strings.LastIndexByte(f.Path, '/'); i >= 0 {
			d, name = f.Path[:i], f.Path[i+1:]
		}
		parent := dir(d)
		parent.Children = append(parent.Children, &treeNode{Name: name, Path: f.Path, Level: f.Level, Size: f.Size, Part: f.Part})
	}
	for _, d := range m.Dirs {
		dir(d)
	}
	var sortTree func([]*treeNode)
	sortTree = func(ns []*treeNode) {
		sort.Slice(ns, func(i, j int) bool {
			if ns[i].Dir != ns[j].Dir {
				return ns[i].Dir
			}
			return ns[i].Name < ns[j].Name
		})
		for _, n := range ns {
			sortTree(n.Children)
		}
	}
	sortTree(root.Children)
	p.Tree = root.Children
	if rep := plan.Evaluation(); rep != nil {
		p.Findings = findings(rep.Findings)
		p.Passed = rep.Count(decision.Pass)
	}
	return p
}

func (s *server) decisionsPage(w http.ResponseWriter, r *http.Request) {
	var ds []*decision.Decision
	if s.cfg.Decisions != nil {
		ds = s.cfg.Decisions.List(decision.Filter{})
	}
	s.page(w, r, http.StatusOK, "decisions.html", struct {
		Decisions  []*decision.Decision
		Configured bool
	}{ds, s.cfg.Decisions != nil})
}

// ruleView is a rule with its mode today.
type ruleView struct {
	*decision.Rule
	ModeNow decision.Mode
}

// linkView is a link with whether its target is in the registry.
type linkView struct {
	decision.Link
	Known bool
}

// decisionView is the data of a decision's page.
type decisionView struct {
	D          *decision.Decision
	Rules      []ruleView
	Links      []linkView
	History    []*decision.Decision
	Current    *decision.Decision
	Blueprints []blueprint.CatalogEntry
	Sections   []sectionView
	Overdue    bool
	// Rating is the rating form; nil when the server keeps no signals.
	Rating *ratingForm
}

func (s *server) decisionPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	data, ok := s.decisionData(id)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "no decision "+id)
		return
	}
	if data.Rating != nil {
		data.Rating.Thanks = r.URL.Query().Get("rated") == "1"
	}
	s.page(w, r, http.StatusOK, "decision.html", data)
}

// decisionData returns the data of the page of decision id, false when the
// registry does not have it.
func (s *server) decisionData(id string) (*decisionView, bool) {
	var d *decision.Decision
	ok := false
	if s.cfg.Decisions != nil {
		d, ok = s.cfg.Decisions.Get(id)
	}
	if !ok {
		return nil, false
	}
	reg := s.cfg.Decisions
	now := s.cfg.Now()
	var rules []ruleView
	for _, ru := range d.Rules {
		rules = append(rules, ruleView{ru, ru.ModeAt(now)})
	}
	var links []linkView
	for _, l := range d.Links {
		_, known := reg.Get(l.Target)
		links = append(links, linkView{l, known})
	}
	var current *decision.Decision
	if c, ok := reg.Current(id); ok && c.ID != id {
		current = c
	}
	// The blueprints whose latest version cites the decision.
	var cited []blueprint.CatalogEntry
	for _, name := range s.cfg.Catalog.Names() {
		if e, ok := s.cfg.Catalog.Latest(name); ok && slices.Contains(e.Decisions, id) {
			cited = append(cited, e)
		}
	}
	var sections []sectionView
	for _, sec := range d.Sections {
		if sec.Level > 1 {
			sections = append(sections, renderSection(sec.Level, sec.Title, sec.Body))
		}
	}
	return &decisionView{
		D: d, Rules: rules, Links: links, History: reg.History(id), Current: current, Blueprints: cited, Sections: sections,
		Overdue: !d.RevisitBy.IsZero() && d.RevisitBy.Before(now),
		Rating:  s.newRatingForm("decision", "/decisions/"+d.ID+"/rate", ""),
	}, true
}
