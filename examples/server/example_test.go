package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/render"
)

// exampleConfig returns the config of a server over the bundled
// blueprints, and a function removing its cache.
func exampleConfig() (*config, func()) {
	ctx := context.Background()
	cache, err := os.MkdirTemp("", "gp-example-")
	if err != nil {
		panic(err)
	}
	sources, err := blueprint.NewSources(&blueprint.SourceOptions{Policy: blueprint.Local, CacheDir: cache})
	if err != nil {
		panic(err)
	}
	catalog, err := blueprint.LoadCatalog(ctx, []string{"../../testdata/blueprints"}, &blueprint.Options{Fetcher: sources})
	if err != nil {
		panic(err)
	}
	engine, err := render.New(nil)
	if err != nil {
		panic(err)
	}
	return &config{Catalog: catalog, Engine: engine, Logger: slog.New(slog.DiscardHandler)}, func() { os.RemoveAll(cache) }
}

// The JSON API checks parameter values against a blueprint of the catalog
// and answers 422 with one error per field, positioned in the request body.
func Example_validate() {
	cfg, cleanup := exampleConfig()
	defer cleanup()
	s, err := newServer(cfg)
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()

	resp, err := http.Post(ts.URL+"/api/blueprints/go-service/validate", "application/json",
		strings.NewReader(`{"name": "orders", "tier": "prod", "replicas": 2}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var problem struct {
		Version string
		Fields  []blueprint.FieldError
	}
	if err := json.NewDecoder(resp.Body).Decode(&problem); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, "go-service", problem.Version)
	for _, f := range problem.Fields {
		fmt.Printf("%s: %s: %s\n", f.Input, f.Path, f.Message)
	}
	// Output:
	// 422 go-service 2.0.0
	// request.json:1:48: replicas: prod services need at least 3 replicas
}

// Ratings posted to the API, in their short form, are appended to the
// feedback store; the report finds the blueprint rated low.
func Example_signals() {
	cfg, cleanup := exampleConfig()
	defer cleanup()
	cfg.Signals = feedback.NewMemoryStore()
	s, err := newServer(cfg)
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()

	resp, err := http.Post(ts.URL+"/api/signals", "application/json", strings.NewReader(`[
		{"blueprint": "go-service", "score": 2, "by": "alice"},
		{"blueprint": "go-service", "score": 1, "by": "bob", "comment": "CI takes 20 minutes"},
		{"blueprint": "go-service", "score": 2, "by": "carol"}]`))
	if err != nil {
		panic(err)
	}
	var stored struct{ Stored int }
	if err := json.NewDecoder(resp.Body).Decode(&stored); err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, stored.Stored)

	resp, err = http.Get(ts.URL + "/api/report")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var report struct{ Revisit []report.Revisit }
	if err := json.NewDecoder(resp.Body).Decode(&report); err != nil {
		panic(err)
	}
	for _, rv := range report.Revisit {
		for _, r := range rv.Reasons {
			fmt.Printf("%s: %s\n", r.Reason, r.Summary)
		}
	}
	// Output:
	// 201 3
	// low-rating: blueprint go-service is rated 1.7 out of 5 on average by 3 ratings (3 under 3)
}
