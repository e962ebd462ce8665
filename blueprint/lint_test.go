package blueprint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// lintSchema loads a blueprint made of schema alone and lints it.
func lintSchema(t *testing.T, schema string) []blueprint.FieldError {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blueprint.cue"), []byte(schema), 0o644))
	b, err := blueprint.LoadDir(t.Context(), dir, nil)
	require.NoError(t, err)
	got, err := b.Lint(t.Context())
	require.NoError(t, err)
	return got
}

const lintHeader = `package blueprint

name:        "svc"
version:     "1.0.0"
description: "lint cases"
owner:       "platform-team"
`

func TestLintDefaultOutsideDependentConstraint(t *testing.T) {
	got := lintSchema(t, lintHeader+`
parameters: {
	httpPort: int & >=1024 & <=65535 | *8080
	metricsPort: int & >=1024 & <=65535 & !=httpPort | *9090 @error("metricsPort must differ from httpPort")
}
`)
	require.Len(t, got, 1)
	assert.Equal(t, "metricsPort", got[0].Path)
	assert.Equal(t, 10, got[0].Pos().Line)
	assert.Contains(t, got[0].Message, "the default 9090 sits beside the constraints (int & >=1024 & <=65535 & !=httpPort), which depend on httpPort")
	assert.Contains(t, got[0].Message, "write int & >=1024 & <=65535 & !=httpPort & (*9090 | _)")
}

func TestLintDefaultBreaksConstraint(t *testing.T) {
	got := lintSchema(t, lintHeader+`
parameters: {
	replicas: int & >=1 & <=10 | *20
	ttl: =~"^[0-9]+h$" | *"2d"
	// Fine: defaults inside or satisfying their constraints, and enums.
	tier: *"dev" | "prod"
	port: int & >=1024 | *8080
	other: int & >=1024 & !=port & (*9090 | int)
	nested: {
		size: int & <=10 | *11
	}
}
`)
	var lines []string
	for _, fe := range got {
		lines = append(lines, fmt.Sprintf("%d:%d: %s: %s", fe.Pos().Line, fe.Pos().Column, fe.Path, fe.Message))
	}
	assert.Equal(t, []string{
		"9:2: replicas: the default 20 breaks the constraints beside it (int & >=1 & <=10), which never apply to it: every project that keeps the default gets a value the field refuses",
		`10:2: ttl: the default "2d" breaks the constraints beside it (=~"^[0-9]+h$"), which never apply to it: every project that keeps the default gets a value the field refuses`,
		"16:3: nested.size: the default 11 breaks the constraints beside it (int & <=10), which never apply to it: every project that keeps the default gets a value the field refuses",
	}, lines)
}

// Every bundled blueprint lints clean.
func TestLintBundledBlueprints(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/blueprints/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			b, err := blueprint.LoadDir(t.Context(), dir, nil)
			require.NoError(t, err)
			got, err := b.Lint(t.Context())
			require.NoError(t, err)
			var lines []string
			for _, fe := range got {
				lines = append(lines, fe.String())
			}
			assert.Empty(t, got, strings.Join(lines, "\n"))
		})
	}
}
