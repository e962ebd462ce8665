package blueprint_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// copyBlueprint copies testdata/blueprints/name to dst with its version
// replaced.
func copyBlueprint(t testing.TB, name, dst, version string) {
	t.Helper()
	require.NoError(t, os.CopyFS(dst, os.DirFS(filepath.Join("..", "testdata", "blueprints", name))))
	setVersion(t, dst, version)
}

func setVersion(t testing.TB, dir, version string) {
	t.Helper()
	p := filepath.Join(dir, "blueprint.cue")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "version:") {
			l = `version: "` + version + `"`
		}
		out = append(out, l)
	}
	require.NoError(t, os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o644))
}

func runGit(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

func TestCatalogDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	copyBlueprint(t, "go-service", filepath.Join(dir, "go-service"), "1.4.0")
	copyBlueprint(t, "go-service", filepath.Join(dir, "go-service-2"), "2.0.0")
	copyBlueprint(t, "terraform-module", filepath.Join(dir, "terraform-module"), "1.0.0")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "not-a-blueprint"), 0o755))

	c, err := blueprint.LoadCatalog(ctx, []string{dir, "../testdata/blueprints/preview-environment"}, &blueprint.Options{Fetcher: localSources(t)})
	require.NoError(t, err)
	assert.Equal(t, []string{"go-service", "preview-environment", "terraform-module"}, c.Names())
	var versions []string
	for _, e := range c.Versions("go-service") {
		versions = append(versions, e.Version)
	}
	assert.Equal(t, []string{"1.4.0", "2.0.0"}, versions)
	latest, ok := c.Latest("go-service")
	require.True(t, ok)
	assert.Equal(t, "2.0.0", latest.Version)
	assert.Equal(t, filepath.Join(dir, "go-service-2"), latest.Source)
	assert.Equal(t, "platform-team", latest.Owner)

	bp, err := c.Load(ctx, "go-service", "1.4.0")
	require.NoError(t, err)
	assert.Equal(t, "1.4.0", bp.Version)
	_, err = c.Load(ctx, "go-service", "3.0.0")
	assert.ErrorContains(t, err, "go-service has no version 3.0.0 (versions: 1.4.0, 2.0.0)")
	_, err = c.Load(ctx, "rust-service", "")
	assert.ErrorContains(t, err, `no blueprint "rust-service" (known: go-service, preview-environment, terraform-module)`)

	// The same name and version from two places is an error.
	copyBlueprint(t, "go-service", filepath.Join(dir, "go-service-dup"), "2.0.0")
	_, err = blueprint.LoadCatalog(ctx, []string{dir}, &blueprint.Options{Fetcher: localSources(t)})
	assert.ErrorContains(t, err, "go-service 2.0.0 is published by both")
}

func TestCatalogIndexWithTags(t *testing.T) {
	ctx := context.Background()
	repo := gitRepoOf(t, "go-service")
	bp := filepath.Join(repo, "blueprints", "go-service")
	runGit(t, repo, "tag", "go-service/v1.4.0")
	setVersion(t, bp, "1.5.0")
	runGit(t, repo, "commit", "-qam", "1.5.0")
	runGit(t, repo, "tag", "go-service/v1.5.0")
	setVersion(t, bp, "2.0.0-rc.1")
	runGit(t, repo, "commit", "-qam", "2.0.0-rc.1")
	runGit(t, repo, "tag", "go-service/v2.0.0-rc.1")
	runGit(t, repo, "tag", "go-service/not-a-version")

	idx := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(idx, "catalog.yaml"), []byte(`# the platform team's blueprints
blueprints:
  - source: git::file://`+repo+`//blueprints/go-service
    versions: tags
    tagPrefix: go-service/
  - source: ../`+filepath.Base(idx)+`-local/terraform-module
`), 0o644))
	copyBlueprint(t, "terraform-module", filepath.Join(idx+"-local", "terraform-module"), "1.0.0")
	t.Cleanup(func() { os.RemoveAll(idx + "-local") })

	s := localSources(t)
	c, err := blueprint.LoadCatalog(ctx, []string{idx}, &blueprint.Options{Fetcher: s})
	require.NoError(t, err)
	assert.Equal(t, []string{"go-service", "terraform-module"}, c.Names())
	var versions []string
	for _, e := range c.Versions("go-service") {
		versions = append(versions, e.Version)
	}
	assert.Equal(t, []string{"1.4.0", "1.5.0", "2.0.0-rc.1"}, versions)
	latest, _ := c.Latest("go-service")
	assert.Equal(t, "1.5.0", latest.Version, "the newest release, not the release candidate")
	assert.Equal(t, int64(1), s.Stats().Fetches, "only the newest tag is fetched to learn the blueprint")

	old, err := c.Load(ctx, "go-service", "1.4.0")
	require.NoError(t, err)
	assert.Equal(t, "1.4.0", old.Version)
	assert.Equal(t, "git::file://"+repo+"//blueprints/go-service?ref=go-service/v1.4.0", old.Source)
	assert.Len(t, old.Revision, 40)
}

func TestCatalogIndexErrors(t *testing.T) {
	ctx := context.Background()
	idx := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(idx, "catalog.yaml"), []byte("blueprints:\n  - source: ./x\n    versions: all\n"), 0o644))
	_, err := blueprint.LoadCatalog(ctx, []string{idx}, &blueprint.Options{Fetcher: localSources(t)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(idx, "catalog.yaml")+":3:15: blueprints.0.versions:")

	repo := gitRepoOf(t, "go-service")
	runGit(t, repo, "tag", "v9.0.0") // blueprint.cue says 1.4.0
	require.NoError(t, os.WriteFile(filepath.Join(idx, "catalog.yaml"), []byte("blueprints:\n  - source: git::file://"+repo+"//blueprints/go-service\n    versions: tags\n"), 0o644))
	_, err = blueprint.LoadCatalog(ctx, []string{idx}, &blueprint.Options{Fetcher: localSources(t)})
	assert.ErrorContains(t, err, "tagged 9.0.0, but blueprint.cue says version 1.4.0")

	_, err = blueprint.LoadCatalog(ctx, []string{t.TempDir()}, &blueprint.Options{Fetcher: localSources(t)})
	assert.ErrorContains(t, err, "holds no blueprint")
}

// IndexFiles returns a fresh list: changing it changes nothing else.
func TestIndexFilesIsACopy(t *testing.T) {
	names := blueprint.IndexFiles()
	assert.Equal(t, []string{"catalog.yaml", "catalog.yml", "catalog.json"}, names)
	names[0] = "elsewhere.yaml"
	assert.Equal(t, "catalog.yaml", blueprint.IndexFiles()[0])
}
