package blueprinttest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
	"github.com/goldenpath-dev/goldenpath/decision"
)

// writeBlueprint writes files (path → content) into a new directory and
// loads it.
func writeBlueprint(t *testing.T, files map[string]string) *blueprint.Blueprint {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(c), 0o644))
	}
	b, err := blueprint.LoadDir(t.Context(), dir, nil)
	require.NoError(t, err)
	return b
}

const matrixSchema = `package blueprint

name:        "svc"
version:     "1.0.0"
description: "matrix cases"
owner:       "platform-team"

parameters: {
	name:     string
	tier:     *"dev" | "prod"
	replicas: int & >=1 & <=10 | *2
	if tier == "prod" {
		replicas: >=3
	}
	database: *"none" | "postgres" | "mysql"
	debug:    bool | *false
	team?:    string
	port:     int & >=1024 & <=65535 | *8080
	db: size: *"small" | "large"
}
`

func TestMatrixCombinations(t *testing.T) {
	b := writeBlueprint(t, map[string]string{"blueprint.cue": matrixSchema, "template/README.md": "# {{.name}}\n"})
	m := &blueprinttest.Matrix{
		Base:   map[string]any{"name": "orders"},
		Values: map[string][]any{"team": {blueprinttest.Absent, "payments"}},
	}
	combos, left, err := m.Combinations(t.Context(), b)
	require.NoError(t, err)

	// The defaults come first.
	assert.Equal(t, "tier=dev replicas=2 database=none debug=false team=<absent> port=8080 db.size=small", combos[0].String())
	assert.Equal(t, map[string]any{"name": "orders", "tier": "dev", "replicas": int64(2), "database": "none", "debug": false, "port": int64(8080), "db.size": "small"}, combos[0].Values)

	// Every pair of values of two axes is in a combination, but those the
	// schema refuses, which are listed with its reason.
	axes := map[string][]string{
		"tier": {"dev", "prod"}, "replicas": {"2", "1", "10"}, "database": {"none", "postgres", "mysql"},
		"debug": {"false", "true"}, "team": {"<absent>", "payments"}, "port": {"8080", "1024", "65535"},
		"db.size": {"small", "large"},
	}
	has := func(c blueprinttest.Combination, k, v string) bool {
		return strings.Contains(" "+c.String()+" ", " "+k+"="+v+" ")
	}
	var missing []string
	for a, av := range axes {
		for b, bv := range axes {
			if a >= b {
				continue
			}
			for _, x := range av {
				for _, y := range bv {
					found := false
					for _, c := range combos {
						if has(c, a, x) && has(c, b, y) {
							found = true
						}
					}
					if !found {
						missing = append(missing, a+"="+x+" "+b+"="+y)
					}
				}
			}
		}
	}
	assert.ElementsMatch(t, []string{"replicas=1 tier=prod", "replicas=2 tier=prod"}, missing)
	require.Len(t, left, 2)
	assert.Equal(t, "tier=prod replicas=2", left[0].A.Path+"="+left[0].A.Value.(string)+" replicas=2")
	assert.Contains(t, left[1].String(), "tier=prod replicas=1: ")

	// Pairwise keeps the count small: 2·3·3·2·2·3·2 = 432 in full.
	assert.LessOrEqual(t, len(combos), 14)
	for _, c := range combos { // each resolves, nested db.size included, and renders
		assert.NoError(t, m.RunCombination(t.Context(), b, c, filepath.Join(t.TempDir(), "p")), "%s", c)
	}

	// Pinned and based parameters are not axes; added combinations come
	// last, and must be valid.
	m = &blueprinttest.Matrix{
		Base:   map[string]any{"name": "orders", "team": "payments"},
		Pin:    map[string]any{"database": "postgres"},
		Values: map[string][]any{"port": {8080}},
		Add:    []map[string]any{{"tier": "prod", "replicas": 7}},
	}
	combos, _, err = m.Combinations(t.Context(), b)
	require.NoError(t, err)
	last := combos[len(combos)-1]
	assert.Equal(t, "replicas=7 tier=prod", last.String())
	for _, c := range combos {
		assert.Equal(t, "postgres", c.Values["database"])
		assert.NotContains(t, c.String(), "database=")
	}
	m.Add = []map[string]any{{"tier": "prod", "replicas": 1}}
	_, _, err = m.Combinations(t.Context(), b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "added combination 1 (replicas=1 tier=prod) is invalid")

	// What the matrix cannot do without the author is said.
	_, _, err = (&blueprinttest.Matrix{}).Combinations(t.Context(), b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "parameter name is required: give it a value in Matrix.Base")
	assert.Contains(t, err.Error(), "optional parameter team has no value to be present with: give its values in Matrix.Values")
	_, _, err = (&blueprinttest.Matrix{Base: map[string]any{"name": "x", "team": "t"}, Values: map[string][]any{"nope": {1}}}).Combinations(t.Context(), b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Matrix.Values names nope, which is not a parameter of svc")
}

// A broken blueprint fails the kit, and every failure names the
// parameters that produced it.
func TestMatrixReportsTheParameters(t *testing.T) {
	b := writeBlueprint(t, map[string]string{
		"blueprint.cue": `package blueprint

name:        "svc"
version:     "1.0.0"
description: "broken on purpose"
owner:       "platform-team"

parameters: {
	name:     string
	database: *"none" | "postgres"
	debug:    bool | *false
}
`,
		"template/deploy/app.yaml.tmpl": "name: {{.name}}\n{{if eq .database \"postgres\"}}database: [postgres\n{{end}}",
		"template/config.json.tmpl":     "{\"debug\": {{.debug}}{{if .debug}},{{end}}\n}\n",
		"template/main.go.tmpl":         "package main\n\nfunc main() {\n{{if .debug}}println( \"debug\" ){{end}}\n}\n",
	})
	m := &blueprinttest.Matrix{
		Base:   map[string]any{"name": "orders"},
		Checks: []blueprinttest.MatrixCheck{blueprinttest.Parses(), blueprinttest.Gofmt(), blueprinttest.Command("sh", "-c", "test ! -e deploy/app.yaml || grep -q 'name: orders' deploy/app.yaml && test \"$(cat config.json | head -c1)\" = '{' && exit 0; exit 1")},
	}
	err := m.Test(t.Context(), b, t.TempDir())
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "svc 1.0.0 [database=postgres debug=")
	assert.Contains(t, msg, "]: check parses: deploy/app.yaml: document 1: yaml: line ")
	assert.Contains(t, msg, "debug=true]: check parses: config.json:2: invalid character '}'")
	assert.Contains(t, msg, "debug=true]: check gofmt: main.go:4: not gofmt-formatted: want \"\\tprintln(\\\"debug\\\")\"")
	assert.NotContains(t, msg, "[database=none debug=false]")

	// A command's failure carries its output.
	m.Checks = []blueprinttest.MatrixCheck{blueprinttest.Command("sh", "-c", "echo missing >&2; test -e nothing")}
	err = m.Test(t.Context(), b, t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "svc 1.0.0 [database=none debug=false]: check sh -c echo missing >&2; test -e nothing: exit status 1\nmissing")

	// A blueprint with lint warnings fails before rendering.
	lb := writeBlueprint(t, map[string]string{"blueprint.cue": `package blueprint

name:        "svc"
version:     "1.0.0"
description: "lint"
owner:       "platform-team"

parameters: {
	a: int & >=1024 | *8080
	b: int & >=1024 & !=a | *9090
}
`})
	err = (&blueprinttest.Matrix{}).Test(t.Context(), lb, t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "svc 1.0.0: blueprint.cue has lint warnings:")
	assert.Contains(t, err.Error(), "b: the default 9090 sits beside the constraints")
}

// The bundled go-service blueprints over their matrix: YAML and JSON parse,
// Go is formatted, and every decision they list passes in every mode.
func TestMatrixBundledGoService(t *testing.T) {
	reg, err := decision.LoadDir(t.Context(), "../../testdata/decisions", nil)
	require.NoError(t, err)
	for _, dir := range []string{"go-service", "go-service-v2"} {
		t.Run(dir, func(t *testing.T) {
			b := blueprinttest.Validate(t, "../../testdata/blueprints/"+dir, nil)
			m := &blueprinttest.Matrix{
				Base:   map[string]any{"name": "orders"},
				Values: map[string][]any{"team": {blueprinttest.Absent, "payments"}},
				Checks: []blueprinttest.MatrixCheck{
					blueprinttest.Parses(),
					blueprinttest.Gofmt(),
					blueprinttest.Decisions(reg, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)),
				},
			}
			m.Run(t, b)
		})
	}
}

// The decisions check fails on a rule of any mode, an audit one included,
// for the combinations that break it, and on a decision the registry lacks.
func TestMatrixDecisions(t *testing.T) {
	reg, err := decision.LoadDir(t.Context(), "../../testdata/decisions", nil)
	require.NoError(t, err)
	b := writeBlueprint(t, map[string]string{
		"blueprint.cue": `package blueprint

name:        "svc"
version:     "1.0.0"
description: "decisions"
owner:       "platform-team"
tags: ["service"]
decisions: ["ADR-0007", "ADR-0099"]

parameters: pinned: bool | *true
`,
		"template/Dockerfile.tmpl": `FROM golang:1.26-alpine{{if .pinned}}@sha256:7a3e50096189ad57c9f9f865e7e4aa8585ed1585248513dc5cda498e2f41812c{{end}} AS build
FROM gcr.io/distroless/static-debian12:nonroot@sha256:6ec5aa99dc335666e79dc64e4a6c8b89c33a543a1967f20d360922a80dd21f02
`,
	})
	m := &blueprinttest.Matrix{Checks: []blueprinttest.MatrixCheck{blueprinttest.Decisions(reg, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))}}
	err = m.Test(t.Context(), b, t.TempDir())
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "svc 1.0.0 [pinned=true]: check decisions: svc lists ADR-0099, which the registry does not hold")
	assert.Contains(t, msg, "svc 1.0.0 [pinned=false]: check decisions: ")
	assert.Contains(t, msg, "Dockerfile:1:1: ADR-0007/build-stages-pinned (audit, low)")
	assert.Equal(t, 1, strings.Count(msg, "build-stages-pinned"), msg)
}
