package blueprint

import (
	"encoding/json"
	"maps"
	"strings"

	"github.com/goldenpath-dev/goldenpath/internal/values"
)

// Params are resolved parameters: concrete, defaulted, with the derived
// values filled in and the conditional files rules decided. Params are
// immutable and safe to share between goroutines: every method that returns
// values returns a copy, which the caller may change freely.
//
// Values decode from CUE to these Go types:
//
//	CUE              Go
//	int              int64 (*big.Int beyond the range of int64)
//	float, number    float64 (1.0 and 1e3 are floats)
//	string           string
//	bytes            []byte
//	bool             bool
//	null             nil
//	list             []any
//	struct           map[string]any
//
// Parameters read back from a manifest (render) follow the same rules:
// a JSON number written without a fraction or an exponent becomes an
// int64, any other a float64.
type Params struct {
	bp       *Blueprint
	with     map[string]map[string]any // each include's mapped values
	includes []resolvedInclude
	values   map[string]any
	derived  map[string]any
	include  map[string]bool
	data     map[string]any
}

// Values returns a copy of the parameter values.
func (p *Params) Values() map[string]any { return values.DeepCopy(p.values) }

// Derived returns a copy of the derived values.
func (p *Params) Derived() map[string]any { return values.DeepCopy(p.derived) }

// Data returns a copy of the template data: every parameter and every
// derived value at top level (a derived value wins over a parameter of the
// same name). Changing the copy changes nothing in p.
func (p *Params) Data() map[string]any { return values.DeepCopy(p.data) }

// Lookup returns the value at a dotted path of parameters or derived values.
func (p *Params) Lookup(path string) (any, bool) {
	var cur any = p.data
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return values.DeepCopyValue(cur), true
}

// Included reports whether files matching the rule with the given glob are
// rendered. Rules without a condition report their static value; unknown
// globs report true.
func (p *Params) Included(glob string) bool {
	if v, ok := p.include[glob]; ok {
		return v
	}
	return true
}

// MarshalJSON returns the parameter values as a JSON object with sorted
// keys: the same values always give the same bytes.
func (p *Params) MarshalJSON() ([]byte, error) { return json.Marshal(p.values) }

func mergedData(values, derived map[string]any) map[string]any {
	data := make(map[string]any, len(values)+len(derived))
	maps.Copy(data, values)
	maps.Copy(data, derived)
	return data
}
