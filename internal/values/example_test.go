package values_test

import (
	"fmt"

	"github.com/goldenpath-dev/goldenpath/internal/values"
)

func ExampleDeepCopy() {
	in := map[string]any{"labels": map[string]any{"team": "payments"}}
	out := values.DeepCopy(in)
	out["labels"].(map[string]any)["team"] = "orders"
	fmt.Println(in["labels"], out["labels"])
	// Output: map[team:payments] map[team:orders]
}
