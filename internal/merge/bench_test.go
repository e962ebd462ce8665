package merge

import (
	"fmt"
	"strings"
	"testing"
)

// benchTexts returns a 500-line base and two versions of it: ours
// changes every 20th line and inserts a line every 50, theirs changes
// every 25th line and deletes one every 60; a few of the changes touch and
// conflict.
func benchTexts() (base, ours, theirs []byte) {
	var b, o, t strings.Builder
	for i := range 500 {
		line := fmt.Sprintf("line %d: some generated content that is long enough\n", i)
		b.WriteString(line)
		switch {
		case i%20 == 0:
			fmt.Fprintf(&o, "line %d: changed upstream\n", i)
		case i%50 == 7:
			o.WriteString(line)
			fmt.Fprintf(&o, "inserted upstream after %d\n", i)
		default:
			o.WriteString(line)
		}
		switch {
		case i%25 == 0:
			fmt.Fprintf(&t, "line %d: changed downstream\n", i)
		case i%60 == 30:
		default:
			t.WriteString(line)
		}
	}
	return []byte(b.String()), []byte(o.String()), []byte(t.String())
}

func BenchmarkLines(b *testing.B) {
	base, ours, theirs := benchTexts()
	r := Lines(base, ours, theirs, nil)
	b.ReportMetric(float64(len(r.Conflicts)), "conflicts")
	b.SetBytes(int64(len(base)))
	b.ReportAllocs()
	for b.Loop() {
		Lines(base, ours, theirs, nil)
	}
}

// BenchmarkFileYAML merges a YAML file of 100 keys whose adjacent keys are
// changed on different sides, so that the line merge conflicts and the
// structured merge resolves it.
func BenchmarkFileYAML(b *testing.B) {
	var base, ours, theirs strings.Builder
	for i := range 100 {
		fmt.Fprintf(&base, "key%d:\n  name: service %d\n  replicas: 3\n", i, i)
		fmt.Fprintf(&ours, "key%d:\n  name: service %d\n  replicas: %d\n", i, i, 3+i%2)
		fmt.Fprintf(&theirs, "key%d:\n  name: svc %d\n  replicas: 3\n", i, i)
	}
	bb, ob, tb := []byte(base.String()), []byte(ours.String()), []byte(theirs.String())
	if r := File("values.yaml", bb, ob, tb, nil); !r.Structured || !r.Clean() {
		b.Fatal("the structured merge was not used")
	}
	b.SetBytes(int64(len(bb)))
	b.ReportAllocs()
	for b.Loop() {
		File("values.yaml", bb, ob, tb, nil)
	}
}
