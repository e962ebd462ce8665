package render_test

import (
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/render"
)

// TestReadTargetsHostileYAML: a targets file of anchors that merge each
// other is refused before it is decoded.
func TestReadTargetsHostileYAML(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("- &t0 {dir: a, params: {x: 1}}\n")
	for i := 1; i < 12; i++ {
		bomb.WriteString("- &t" + string(rune('a'+i)) + " {dir: b, params: {")
		for j := range 10 {
			if j > 0 {
				bomb.WriteString(", ")
			}
			prev := "t0"
			if i > 1 {
				prev = "t" + string(rune('a'+i-1))
			}
			bomb.WriteString("k" + string(rune('0'+j)) + ": {<<: *" + prev + "}")
		}
		bomb.WriteString("}}\n")
	}
	for _, doc := range []string{bomb.String(), "- &a {dir: x, <<: *a}\n"} {
		_, err := render.ReadTargets(strings.NewReader(doc), t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "YAML") {
			t.Errorf("ReadTargets = %v", err)
		}
	}
}
