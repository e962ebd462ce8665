package blueprint_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

func TestCompareVersions(t *testing.T) {
	// semver.org's precedence example, shuffled, plus numeric widths.
	want := []string{"not-a-version", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "v1.2.0", "1.10.0", "2.0.0", "10.0.0"}
	got := []string{"10.0.0", "1.0.0-beta.11", "1.0.0", "1.10.0", "1.0.0-alpha.beta", "not-a-version", "2.0.0",
		"1.0.0-rc.1", "1.0.0-alpha", "v1.2.0", "1.0.0-beta.2", "1.0.0-alpha.1", "1.0.0-beta"}
	slices.SortFunc(got, blueprint.CompareVersions)
	assert.Equal(t, want, got)
	assert.Equal(t, 0, blueprint.CompareVersions("v1.2.3", "1.2.3+build.5"))
	assert.True(t, blueprint.IsVersion("v1.2.3-rc.1"))
	assert.False(t, blueprint.IsVersion("1.2"))
	assert.False(t, blueprint.IsVersion("01.2.3"))
}
