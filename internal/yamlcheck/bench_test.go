package yamlcheck

import (
	"fmt"
	"strings"
	"testing"

	cueyaml "cuelang.org/go/encoding/yaml"
)

// The pre-pass against what it guards: CUE's YAML decoder on the same
// document (the baseline every YAML input pays anyway).
func benchDocs() map[string][]byte {
	var big strings.Builder // 2 000 entries with anchors and merges: the exact walk
	big.WriteString("base: &base {cpu: 1, memory: 2Gi, labels: {team: payments}}\n")
	for i := range 2000 {
		fmt.Fprintf(&big, "svc%d:\n  <<: *base\n  name: service-%d\n  replicas: %d\n", i, i, i%10)
	}
	return map[string][]byte{
		"values":  []byte("name: orders\ntier: prod\nreplicas: 3\ndatabase: postgres\nlabels: {team: payments, cost-center: \"42\"}\n"),
		"anchors": []byte(big.String()),
	}
}

func BenchmarkCheck(b *testing.B) {
	for name, doc := range benchDocs() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if err := Check("in.yaml", doc, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCUEDecode(b *testing.B) {
	for name, doc := range benchDocs() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := cueyaml.Extract("in.yaml", doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
