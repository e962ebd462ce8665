package merge

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lineCases are the classic cases of a 3-way line merge. Their expected
// outputs agree with git merge-file -p (with --diff3 where diff3 is set),
// as TestGitTable checks. Conflicts are at least four lines apart: git
// joins closer ones into one, which Lines does not.
var lineCases = []struct {
	name               string
	base, ours, theirs string
	diff3              bool
	want               string
	conflicts          []Conflict
}{
	{name: "all empty",
		want: ""},
	{name: "unchanged",
		base: "a\nb\n", ours: "a\nb\n", theirs: "a\nb\n",
		want: "a\nb\n"},
	{name: "only ours",
		base: "a\nb\nc\n", ours: "a\nB\nc\n", theirs: "a\nb\nc\n",
		want: "a\nB\nc\n"},
	{name: "only theirs",
		base: "a\nb\nc\n", ours: "a\nb\nc\n", theirs: "a\nb\nC\n",
		want: "a\nb\nC\n"},
	{name: "both same",
		base: "a\nb\nc\n", ours: "a\nX\nc\n", theirs: "a\nX\nc\n",
		want: "a\nX\nc\n"},
	{name: "disjoint",
		base: "a\nb\nc\nd\ne\n", ours: "A\nb\nc\nd\ne\n", theirs: "a\nb\nc\nd\nE\n",
		want: "A\nb\nc\nd\nE\n"},
	{name: "disjoint insertions",
		base: "a\nb\nc\n", ours: "o\na\nb\nc\n", theirs: "a\nb\nc\nt\n",
		want: "o\na\nb\nc\nt\n"},
	{name: "both different same place",
		base: "a\nb\nc\n", ours: "a\nX\nc\n", theirs: "a\nY\nc\n",
		want:      "a\n<<<<<<< ours\nX\n=======\nY\n>>>>>>> theirs\nc\n",
		conflicts: []Conflict{{Line: 2, Base: []byte("b\n"), Ours: []byte("X\n"), Theirs: []byte("Y\n")}}},
	{name: "both different diff3",
		base: "a\nb\nc\n", ours: "a\nX\nc\n", theirs: "a\nY\nc\n", diff3: true,
		want:      "a\n<<<<<<< ours\nX\n||||||| base\nb\n=======\nY\n>>>>>>> theirs\nc\n",
		conflicts: []Conflict{{Line: 2, Base: []byte("b\n"), Ours: []byte("X\n"), Theirs: []byte("Y\n")}}},
	{name: "adjacent lines",
		base: "a\nb\nc\n", ours: "A\nb\nc\n", theirs: "a\nB\nc\n",
		want:      "<<<<<<< ours\nA\nb\n=======\na\nB\n>>>>>>> theirs\nc\n",
		conflicts: []Conflict{{Line: 1, Base: []byte("a\nb\n"), Ours: []byte("A\nb\n"), Theirs: []byte("a\nB\n")}}},
	{name: "separated by one line",
		base: "a\nb\nc\n", ours: "A\nb\nc\n", theirs: "a\nb\nC\n",
		want: "A\nb\nC\n"},
	{name: "insertion next to edit",
		base: "a\nb\nc\n", ours: "a\nB\nc\n", theirs: "a\nb\nt\nc\n",
		want:      "a\n<<<<<<< ours\nB\n=======\nb\nt\n>>>>>>> theirs\nc\n",
		conflicts: []Conflict{{Line: 2, Base: []byte("b\n"), Ours: []byte("B\n"), Theirs: []byte("b\nt\n")}}},
	{name: "insertions at the same point",
		base: "a\nb\n", ours: "a\no\nb\n", theirs: "a\nt\nb\n",
		want:      "a\n<<<<<<< ours\no\n=======\nt\n>>>>>>> theirs\nb\n",
		conflicts: []Conflict{{Line: 2, Ours: []byte("o\n"), Theirs: []byte("t\n")}}},
	{name: "same insertion at the same point",
		base: "a\nb\n", ours: "a\nx\nb\n", theirs: "a\nx\nb\n",
		want: "a\nx\nb\n"},
	{name: "insertions sharing a prefix",
		base: "a\n", ours: "a\nx\ny\n", theirs: "a\nx\nz\n",
		want:      "a\nx\n<<<<<<< ours\ny\n=======\nz\n>>>>>>> theirs\n",
		conflicts: []Conflict{{Line: 3, Ours: []byte("y\n"), Theirs: []byte("z\n")}}},
	{name: "insertions sharing a prefix diff3",
		base: "a\n", ours: "a\nx\ny\n", theirs: "a\nx\nz\n", diff3: true,
		want:      "a\n<<<<<<< ours\nx\ny\n||||||| base\n=======\nx\nz\n>>>>>>> theirs\n",
		conflicts: []Conflict{{Line: 2, Ours: []byte("x\ny\n"), Theirs: []byte("x\nz\n")}}},
	{name: "deletion vs edit",
		base: "a\nb\nc\n", ours: "a\nc\n", theirs: "a\nB\nc\n",
		want:      "a\n<<<<<<< ours\n=======\nB\n>>>>>>> theirs\nc\n",
		conflicts: []Conflict{{Line: 2, Base: []byte("b\n"), Theirs: []byte("B\n")}}},
	{name: "same deletion",
		base: "a\nb\nc\n", ours: "a\nc\n", theirs: "a\nc\n",
		want: "a\nc\n"},
	{name: "deletion and distant edit",
		base: "a\nb\nc\nd\n", ours: "b\nc\nd\n", theirs: "a\nb\nc\nD\n",
		want: "b\nc\nD\n"},
	{name: "empty base, both add",
		base: "", ours: "x\n", theirs: "y\n",
		want:      "<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n",
		conflicts: []Conflict{{Line: 1, Ours: []byte("x\n"), Theirs: []byte("y\n")}}},
	{name: "empty base, one adds",
		base: "", ours: "", theirs: "y\n",
		want: "y\n"},
	{name: "emptied by ours",
		base: "a\nb\n", ours: "", theirs: "a\nb\n",
		want: ""},
	{name: "emptied vs edited",
		base: "a\nb\n", ours: "", theirs: "a\nB\n",
		want:      "<<<<<<< ours\n=======\na\nB\n>>>>>>> theirs\n",
		conflicts: []Conflict{{Line: 1, Base: []byte("a\nb\n"), Theirs: []byte("a\nB\n")}}},
	{name: "no trailing newline, one side",
		base: "a\nb\nc", ours: "A\nb\nc", theirs: "a\nb\nC",
		want: "A\nb\nC"},
	{name: "no trailing newline, conflict",
		base: "a\nb\nc", ours: "a\nb\nX", theirs: "a\nb\nY",
		want:      "a\nb\n<<<<<<< ours\nX\n=======\nY\n>>>>>>> theirs\n",
		conflicts: []Conflict{{Line: 3, Base: []byte("c"), Ours: []byte("X"), Theirs: []byte("Y")}}},
	{name: "no trailing newline, conflict diff3",
		base: "a\nb\nc", ours: "a\nb\nX", theirs: "a\nb\nY", diff3: true,
		want:      "a\nb\n<<<<<<< ours\nX\n||||||| base\nc\n=======\nY\n>>>>>>> theirs\n",
		conflicts: []Conflict{{Line: 3, Base: []byte("c"), Ours: []byte("X"), Theirs: []byte("Y")}}},
	{name: "newline added by one side",
		base: "a\nb", ours: "a\nb\n", theirs: "A\nb",
		want:      "<<<<<<< ours\na\nb\n=======\nA\nb\n>>>>>>> theirs\n",
		conflicts: []Conflict{{Line: 1, Base: []byte("a\nb"), Ours: []byte("a\nb\n"), Theirs: []byte("A\nb")}}},
	{name: "newline added by both",
		base: "a\nb", ours: "a\nb\n", theirs: "a\nb\n",
		want: "a\nb\n"},
	{name: "newline removed vs appended line",
		base: "a\nb\n", ours: "a\nb", theirs: "a\nb\nc\n",
		want:      "a\n<<<<<<< ours\nb\n=======\nb\nc\n>>>>>>> theirs\n",
		conflicts: []Conflict{{Line: 2, Base: []byte("b\n"), Ours: []byte("b"), Theirs: []byte("b\nc\n")}}},
	{name: "crlf kept",
		base: "a\r\nb\r\nc\r\nd\r\n", ours: "A\r\nb\r\nc\r\nd\r\n", theirs: "a\r\nb\r\nc\r\nD\r\n",
		want: "A\r\nb\r\nc\r\nD\r\n"},
	{name: "crlf conflict",
		base: "a\r\nb\r\nc\r\n", ours: "a\r\nX\r\nc\r\n", theirs: "a\r\nY\r\nc\r\n", diff3: true,
		want:      "a\r\n<<<<<<< ours\r\nX\r\n||||||| base\r\nb\r\n=======\r\nY\r\n>>>>>>> theirs\r\nc\r\n",
		conflicts: []Conflict{{Line: 2, Base: []byte("b\r\n"), Ours: []byte("X\r\n"), Theirs: []byte("Y\r\n")}}},
	{name: "crlf conflict without final newline",
		base: "a\r\nb", ours: "a\r\nX", theirs: "a\r\nY",
		want:      "a\r\n<<<<<<< ours\r\nX\r\n=======\r\nY\r\n>>>>>>> theirs\r\n",
		conflicts: []Conflict{{Line: 2, Base: []byte("b"), Ours: []byte("X"), Theirs: []byte("Y")}}},
	{name: "line ending changed by theirs",
		base: "a\nb\nc\nd\n", ours: "a\nb\nc\nD\n", theirs: "a\r\nb\nc\nd\n",
		want: "a\r\nb\nc\nD\n"},
	{name: "chained overlaps",
		base: "1\n2\n3\n4\n5\n6\n", ours: "1\nX\n3\nY\n5\n6\n", theirs: "1\n2\nZ\n4\n5\n6\n",
		want:      "1\n<<<<<<< ours\nX\n3\nY\n=======\n2\nZ\n4\n>>>>>>> theirs\n5\n6\n",
		conflicts: []Conflict{{Line: 2, Base: []byte("2\n3\n4\n"), Ours: []byte("X\n3\nY\n"), Theirs: []byte("2\nZ\n4\n")}}},
	{name: "two conflicts",
		base: "a\nb\nc\nd\ne\nf\n", ours: "A\nb\nc\nd\ne\nF\n", theirs: "1\nb\nc\nd\ne\n6\n",
		want: "<<<<<<< ours\nA\n=======\n1\n>>>>>>> theirs\nb\nc\nd\ne\n<<<<<<< ours\nF\n=======\n6\n>>>>>>> theirs\n",
		conflicts: []Conflict{
			{Line: 1, Base: []byte("a\n"), Ours: []byte("A\n"), Theirs: []byte("1\n")},
			{Line: 10, Base: []byte("f\n"), Ours: []byte("F\n"), Theirs: []byte("6\n")},
		}},
	{name: "common suffix taken out",
		base: "a\nb\n", ours: "a\nx\nend\nb\n", theirs: "a\ny\nend\nb\n",
		want:      "a\n<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\nend\nb\n",
		conflicts: []Conflict{{Line: 2, Ours: []byte("x\n"), Theirs: []byte("y\n")}}},
	{name: "common lines taken out",
		base: "a\nb\n", ours: "a\np\nq\nx\nr\ns\nb\n", theirs: "a\np\nq\ny\nr\ns\nb\n",
		want:      "a\np\nq\n<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\nr\ns\nb\n",
		conflicts: []Conflict{{Line: 4, Ours: []byte("x\n"), Theirs: []byte("y\n")}}},
	{name: "one side's insertion contains the other's",
		base: "a\nb\n", ours: "a\nx\nb\n", theirs: "a\nx\ny\nb\n",
		want:      "a\nx\n<<<<<<< ours\n=======\ny\n>>>>>>> theirs\nb\n",
		conflicts: []Conflict{{Line: 3, Theirs: []byte("y\n")}}},
}

func TestLinesTable(t *testing.T) {
	for _, tc := range lineCases {
		t.Run(tc.name, func(t *testing.T) {
			r := Lines([]byte(tc.base), []byte(tc.ours), []byte(tc.theirs), &Options{Diff3: tc.diff3})
			assert.Equal(t, tc.want, string(r.Merged))
			assert.Equal(t, tc.conflicts, r.Conflicts)
			assert.Equal(t, len(tc.conflicts) == 0, r.Clean())
			assert.False(t, r.Structured)
		})
	}
}

func TestLinesLabels(t *testing.T) {
	base, ours, theirs := []byte("a\nb\nc\n"), []byte("a\nX\nc\n"), []byte("a\nY\nc\n")
	r := Lines(base, ours, theirs, &Options{
		OursLabel: "blueprint v2", BaseLabel: "blueprint v1", TheirsLabel: "on disk", Diff3: true,
	})
	assert.Equal(t, "a\n<<<<<<< blueprint v2\nX\n||||||| blueprint v1\nb\n=======\nY\n>>>>>>> on disk\nc\n", string(r.Merged))

	// Empty labels default, like a nil *Options.
	r = Lines(base, ours, theirs, &Options{OursLabel: "new"})
	assert.Equal(t, "a\n<<<<<<< new\nX\n=======\nY\n>>>>>>> theirs\nc\n", string(r.Merged))
	assert.Equal(t, Lines(base, ours, theirs, &Options{}), Lines(base, ours, theirs, nil))
}

// TestLinesResolve checks that replacing each conflict's markers by its
// Ours or Theirs rebuilds the text a merge would give when one side is
// preferred, on a case mixing conflicts and clean changes.
func TestLinesResolve(t *testing.T) {
	base := "a\nb\nc\nd\ne\nf\ng"
	ours := "a\nB1\nc\nd\ne\nF\ng"
	theirs := "a\nB2\nc\nD\ne\nf\nG"
	for _, diff3 := range []bool{false, true} {
		r := Lines([]byte(base), []byte(ours), []byte(theirs), &Options{Diff3: diff3})
		require.Len(t, r.Conflicts, 2)
		out, err := resolveErr(r, &Options{Diff3: diff3}, pickOurs)
		require.NoError(t, err)
		assert.Equal(t, "a\nB1\nc\nD\ne\nF\ng", string(out))
		out, err = resolveErr(r, &Options{Diff3: diff3}, pickTheirs)
		require.NoError(t, err)
		assert.Equal(t, "a\nB2\nc\nD\ne\nf\nG", string(out))
	}
}

func TestLinesChunks(t *testing.T) {
	for _, tc := range lineCases {
		for _, refine := range []bool{false, true} {
			require.NoError(t, checkChunks([]byte(tc.base), []byte(tc.ours), []byte(tc.theirs), refine), tc.name)
		}
	}
}
