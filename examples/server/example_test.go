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
	"github.com/goldenpath-dev/goldenpath/render"
)

// The JSON API checks parameter values against a blueprint of the catalog
// and answers 422 with one error per field, positioned in the request body.
func Example_validate() {
	ctx := context.Background()
	cache, err := os.MkdirTemp("", "gp-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(cache)
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
	s, err := newServer(&config{Catalog: catalog, Engine: engine, Logger: slog.New(slog.DiscardHandler)})
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
