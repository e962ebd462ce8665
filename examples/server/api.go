package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
)

// apiVersion is one version of a blueprint in the API. It leaves out the
// catalog entry's source, which names a place on the server.
type apiVersion struct {
	Version     string   `json:"version"`
	Description string   `json:"description,omitempty"`
	Owner       string   `json:"owner,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Decisions   []string `json:"decisions,omitempty"`
	Revision    string   `json:"revision,omitempty"`
}

// apiBlueprintSummary is one blueprint of the catalog in the API: its
// latest version's metadata, every version, and links.
type apiBlueprintSummary struct {
	Name     string   `json:"name"`
	Latest   string   `json:"latest"`
	Versions []string `json:"versions"`
	apiVersion
	Links map[string]string `json:"links"`
}

// apiParameter describes one parameter in the API.
type apiParameter struct {
	Path       string `json:"path"`
	Kind       string `json:"kind"`
	Doc        string `json:"doc,omitempty"`
	Required   bool   `json:"required,omitempty"`
	Optional   bool   `json:"optional,omitempty"`
	Default    any    `json:"default,omitempty"`
	Enum       []any  `json:"enum,omitempty"`
	Constraint string `json:"constraint,omitempty"`
}

// apiProblem is the body of every API error.
type apiProblem struct {
	Error     string                 `json:"error"`
	Blueprint string                 `json:"blueprint,omitempty"`
	Version   string                 `json:"version,omitempty"`
	Fields    []blueprint.FieldError `json:"fields,omitempty"`
	Findings  []decision.Finding     `json:"findings,omitempty"`
	// Omitted counts the fields and findings left out of a long reply
	// (config.MaxErrors).
	Omitted int `json:"omitted,omitempty"`
}

func toAPIVersion(e blueprint.CatalogEntry) apiVersion {
	return apiVersion{Version: e.Version, Description: e.Description, Owner: e.Owner, Tags: e.Tags, Decisions: e.Decisions, Revision: e.Revision}
}

func (s *server) summary(name string) (apiBlueprintSummary, bool) {
	latest, ok := s.cfg.Catalog.Latest(name)
	if !ok {
		return apiBlueprintSummary{}, false
	}
	sum := apiBlueprintSummary{
		Name:       name,
		Latest:     latest.Version,
		apiVersion: toAPIVersion(latest),
		Links: map[string]string{
			"form":     "/blueprints/" + name,
			"schema":   "/api/blueprints/" + name + "/schema",
			"validate": "/api/blueprints/" + name + "/validate",
			"render":   "/api/blueprints/" + name + "/render",
		},
	}
	for _, v := range s.cfg.Catalog.Versions(name) {
		sum.Versions = append(sum.Versions, v.Version)
	}
	return sum, true
}

func (s *server) apiBlueprints(w http.ResponseWriter, r *http.Request) {
	out := []apiBlueprintSummary{}
	for _, name := range s.cfg.Catalog.Names() {
		if sum, ok := s.summary(name); ok {
			out = append(out, sum)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"blueprints": out})
}

func (s *server) apiBlueprint(w http.ResponseWriter, r *http.Request) {
	name, version := r.PathValue("name"), r.URL.Query().Get("version")
	bp, e, err := s.lookup(r.Context(), name, version)
	if err != nil {
		s.apiError(w, r, err, nil)
		return
	}
	sum, _ := s.summary(name)
	params := []apiParameter{}
	for _, p := range bp.Parameters() {
		params = append(params, apiParameter{Path: p.Path, Kind: p.Kind, Doc: p.Doc, Required: p.Required, Optional: p.Optional, Default: p.Default, Enum: p.Enum, Constraint: p.Constraint})
	}
	var versions []apiVersion
	for _, v := range s.cfg.Catalog.Versions(name) {
		versions = append(versions, toAPIVersion(v))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name":       name,
		"version":    e.Version,
		"latest":     sum.Latest,
		"versions":   versions,
		"parameters": params,
		"links":      sum.Links,
	})
}

func (s *server) apiSchema(w http.ResponseWriter, r *http.Request) {
	bp, _, err := s.lookup(r.Context(), r.PathValue("name"), r.URL.Query().Get("version"))
	if err != nil {
		s.apiError(w, r, err, nil)
		return
	}
	w.Header().Set("Content-Type", "application/schema+json")
	w.Write(bp.JSONSchema())
}

// apiResolve reads the request body as parameter values and resolves them
// against the blueprint the path and ?version= name. It answers the request
// itself when it fails.
func (s *server) apiResolve(w http.ResponseWriter, r *http.Request) (*blueprint.Blueprint, blueprint.CatalogEntry, *blueprint.Params, bool) {
	bp, e, err := s.lookup(r.Context(), r.PathValue("name"), r.URL.Query().Get("version"))
	if err != nil {
		s.apiError(w, r, err, nil)
		return nil, e, nil, false
	}
	file := "request.json"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		switch mt {
		case "application/json":
		case "application/yaml", "application/x-yaml", "text/yaml":
			file = "request.yaml"
		case "application/x-www-form-urlencoded":
			// curl --data's default: take the body as JSON.
		default:
			writeJSON(w, http.StatusUnsupportedMediaType, apiProblem{Error: "send parameter values as application/json or application/yaml"})
			return nil, e, nil, false
		}
	}
	body, err := s.readBody(w, r)
	if err != nil {
		s.apiError(w, r, err, &e)
		return nil, e, nil, false
	}
	var inputs []blueprint.Input
	if len(bytes.TrimSpace(body)) > 0 {
		if file == "request.json" && !json.Valid(body) {
			// A body that is not JSON is a bad request, not invalid
			// parameters, as POST /api/signals answers it.
			var v any
			err := json.Unmarshal(body, &v)
			writeJSON(w, http.StatusBadRequest, apiProblem{Error: "malformed JSON: " + jsonErrorAt(body, err)})
			return nil, e, nil, false
		}
		inputs = append(inputs, blueprint.ValuesData(file, body))
	}
	params, err := s.resolve(r.Context(), bp, inputs...)
	if err != nil {
		s.apiError(w, r, err, &e)
		return nil, e, nil, false
	}
	return bp, e, params, true
}

func (s *server) apiValidate(w http.ResponseWriter, r *http.Request) {
	_, e, params, ok := s.apiResolve(w, r)
	if !ok {
		return
	}
	values, err := params.MarshalJSON()
	if err != nil {
		s.apiError(w, r, err, &e)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"valid":     true,
		"blueprint": e.Name,
		"version":   e.Version,
		"values":    json.RawMessage(values),
		"derived":   params.Derived(),
	})
}

func (s *server) apiRender(w http.ResponseWriter, r *http.Request) {
	bp, e, params, ok := s.apiResolve(w, r)
	if !ok {
		return
	}
	a, err := s.renderArchive(r.Context(), bp, params)
	if err != nil {
		s.apiError(w, r, err, &e)
		return
	}
	defer a.Close()
	a.serve(w)
}

func (s *server) apiDecisions(w http.ResponseWriter, r *http.Request) {
	out := []*decision.Decision{}
	if s.cfg.Decisions != nil {
		out = s.cfg.Decisions.List(decision.Filter{})
	}
	writeJSON(w, http.StatusOK, map[string]any{"decisions": out})
}

func (s *server) apiDecision(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var d *decision.Decision
	ok := false
	if s.cfg.Decisions != nil {
		d, ok = s.cfg.Decisions.Get(id)
	}
	if !ok {
		writeJSON(w, http.StatusNotFound, apiProblem{Error: "no decision " + id})
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// apiError answers with the status and message of err, and the fields of a
// validation error or the findings of enforced decisions.
func (s *server) apiError(w http.ResponseWriter, r *http.Request, err error, e *blueprint.CatalogEntry) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client is gone
	}
	status, msg := s.status(r, err)
	p := apiProblem{Error: msg}
	if e != nil {
		p.Blueprint, p.Version = e.Name, e.Version
	}
	var (
		invalid  *blueprint.ValidationError
		enforced *decision.EnforcedError
	)
	if errors.As(err, &invalid) {
		var n int
		p.Fields, n = s.capFields(fieldErrors(invalid))
		p.Omitted += n
	}
	if errors.As(err, &enforced) {
		var n int
		p.Findings, n = s.capFindings(findings(enforced.Findings))
		p.Omitted += n
	}
	retryAfter(w, err)
	writeJSON(w, status, p)
}

// jsonErrorAt says where in body err, an error of encoding/json, is: at line
// L, column C, and what it is.
func jsonErrorAt(body []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	off := int(se.Offset)
	if off > len(body) {
		off = len(body)
	}
	line := 1 + bytes.Count(body[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(body[:off], '\n')
	return fmt.Sprintf("line %d, column %d: %v", line, col, se)
}
