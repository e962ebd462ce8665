package rendertest

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/goldenpath-dev/goldenpath/render"
)

var placeholder = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_.]*)\}`)

// Fake returns a reference renderer that conforms to every rule: it
// replaces ${key} and ${a.b} with values from the data, and fails on a key
// the data lacks or an unclosed "${".
func Fake() render.Renderer {
	return render.RendererFunc(func(ctx context.Context, w io.Writer, in *render.Request) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		src := string(in.Source)
		var firstErr error
		out := placeholder.ReplaceAllStringFunc(src, func(m string) string {
			key := m[2 : len(m)-1]
			v, ok := lookup(in.Data, key)
			if !ok && firstErr == nil {
				firstErr = fmt.Errorf("%s: no value for ${%s}", in.Path, key)
			}
			return fmt.Sprint(v)
		})
		if firstErr != nil {
			return firstErr
		}
		if i := strings.Index(placeholder.ReplaceAllString(src, ""), "${"); i >= 0 {
			return fmt.Errorf("%s: unclosed ${", in.Path)
		}
		_, err := io.WriteString(w, out)
		return err
	})
}

func lookup(data map[string]any, key string) (any, bool) {
	var cur any = data
	for _, seg := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return cur, true
}
