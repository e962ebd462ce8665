package merge

import (
	"bytes"
	"testing"
)

// maxFuzzInput bounds the size of each fuzzed text, as in package diff:
// larger inputs find nothing new and make minimizing slow.
const maxFuzzInput = 512

// FuzzLines checks, for any three texts, the invariants that hold whatever
// the alignment of the diffs: no change of either side is lost (the merge
// is made of chunks that rebuild base, ours and theirs, each taking a side
// only where the other side equals base, the rest being conflicts), the
// markers are well formed and resolving them gives the chunks' text, and
// merging x with x, base with x and x with base gives x.
func FuzzLines(f *testing.F) {
	for _, tc := range lineCases {
		f.Add([]byte(tc.base), []byte(tc.ours), []byte(tc.theirs), tc.diff3)
	}
	f.Add([]byte("a\n<<<<<<< ours\nb\n"), []byte("a\n=======\nb\n"), []byte("x\n>>>>>>> theirs\n"), false)
	f.Fuzz(func(t *testing.T, base, ours, theirs []byte, diff3 bool) {
		if len(base) > maxFuzzInput || len(ours) > maxFuzzInput || len(theirs) > maxFuzzInput {
			return
		}
		if err := checkAnyLines(base, ours, theirs, &Options{Diff3: diff3}); err != nil {
			t.Fatal(err)
		}
	})
}

// fuzzNames are the file names FuzzFile merges under, one per method.
var fuzzNames = []string{"a.yaml", "a.json", "a.txt", "a.YML"}

// FuzzFile checks that File never panics, that merging x with x, base
// with x and x with base gives x, that a line merge's result keeps the
// invariants of FuzzLines, and that a structured result either re-parses
// or has its conflicts marked so that taking either side everywhere gives
// a text that parses.
func FuzzFile(f *testing.F) {
	for _, tc := range fileCases {
		for i, name := range fuzzNames {
			if formatOf(name) == formatOf(tc.file) {
				f.Add(uint8(i), []byte(tc.base), []byte(tc.ours), []byte(tc.theirs))
				break
			}
		}
	}
	f.Add(uint8(0), []byte("a: 1\n"), []byte("a: 1\nb: 2\n"), []byte("a: 1\nb: 3\n"))
	f.Add(uint8(1), []byte(`{"a":[1]}`), []byte(`{"a":[1],"b":{"c":1}}`), []byte(`{"b":{"d":2},"a":[1]}`))
	f.Add(uint8(2), []byte("\x00a"), []byte("\x00b"), []byte("\x00c"))
	// A list item deleted on one side, the list extended on the other: the
	// lines merge into text that is not YAML.
	f.Add(uint8(0), []byte("ports:\n  - name: http\n    port: 80\nenv: []\n"), []byte("ports:\n    port: 80\nenv: []\n"),
		[]byte("ports:\n  - name: http\n    port: 80\n  - name: metrics\n    port: 90\nenv: []\n"))
	f.Add(uint8(1), []byte("{\r\n\t\"a\": 1,\r\n\t\"b\": [1, 2]\r\n}"), []byte("{\r\n\t\"a\": 1,  \r\n\t\"b\": [2]\r\n}"), []byte("{\n  \"a\": 2,\n  \"b\": [1, 2, 3]\n}\n"))
	f.Fuzz(func(t *testing.T, which uint8, base, ours, theirs []byte) {
		if len(base) > maxFuzzInput || len(ours) > maxFuzzInput || len(theirs) > maxFuzzInput {
			return
		}
		name := fuzzNames[int(which)%len(fuzzNames)]
		opts := &Options{Diff3: which&0x80 != 0}
		r := File(name, base, ours, theirs, opts)
		for _, x := range [][]byte{ours, theirs} {
			for _, pair := range [][2][]byte{{x, x}, {base, x}, {x, base}} {
				got := File(name, base, pair[0], pair[1], opts)
				if !got.Clean() || !bytes.Equal(got.Merged, x) {
					t.Fatalf("File(%s, base, %q, %q) = %q with %d conflicts, want %q clean",
						name, pair[0], pair[1], got.Merged, len(got.Conflicts), x)
				}
			}
		}
		switch {
		case r.Structured && r.Clean():
			if _, ok := parsedValue(formatOf(name), r.Merged); !ok {
				t.Fatalf("structured merge does not parse: %q", r.Merged)
			}
		case r.Structured:
			_, errB := parse(formatOf(name), base)
			_, errO := parse(formatOf(name), ours)
			_, errT := parse(formatOf(name), theirs)
			if err := checkMarked(formatOf(name), r, opts, errB == nil && errO == nil && errT == nil); err != nil {
				t.Fatalf("%v\nmerged:\n%s", err, r.Merged)
			}
		case len(r.Conflicts) == 1 && r.Conflicts[0].Line == 0:
			// A binary conflict.
			if !bytes.Equal(r.Merged, ours) {
				t.Fatalf("binary conflict merged to %q, want ours %q", r.Merged, ours)
			}
		default:
			if err := checkMerged(base, ours, theirs, opts, r); err != nil {
				t.Fatal(err)
			}
		}
	})
}
