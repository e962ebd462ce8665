package fetch

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAccepted(t *testing.T) {
	cases := []struct {
		src    string
		policy Policy
		kind   Kind
		repo   string
		ref    string
		subdir string
		format string
		norm   string
	}{
		{src: "git::https://github.com/acme/bp.git//services/go?ref=v1.2.0", kind: Git,
			repo: "git::https://github.com/acme/bp.git", ref: "v1.2.0", subdir: "services/go",
			norm: "git::https://github.com/acme/bp.git//services/go?ref=v1.2.0"},
		{src: "GIT::https://GitHub.com/acme/bp.git/", kind: Git, repo: "git::https://github.com/acme/bp.git",
			norm: "git::https://github.com/acme/bp.git"},
		{src: "git::https://h.example/r.git//a/./b/?ref=refs/heads/main", kind: Git,
			repo: "git::https://h.example/r.git", ref: "refs/heads/main", subdir: "a/b",
			norm: "git::https://h.example/r.git//a/b?ref=refs/heads/main"},
		{src: "git::https://h.example/r.git?ref=0123456789abcdef0123456789abcdef01234567", kind: Git,
			repo: "git::https://h.example/r.git", ref: "0123456789abcdef0123456789abcdef01234567"},
		{src: "https://h.example/dl/bp-1.0.tar.gz//go-service", kind: Archive, format: "tar.gz",
			repo: "https://h.example/dl/bp-1.0.tar.gz", subdir: "go-service"},
		{src: "https://h.example/dl/bp.TGZ", kind: Archive, format: "tgz", repo: "https://h.example/dl/bp.TGZ"},
		{src: "https://h.example/download?archive=zip", kind: Archive, format: "zip",
			repo: "https://h.example/download?archive=zip"},
		{src: "https://h.example/bp.zip//x?archive=zip", kind: Archive, format: "zip",
			repo: "https://h.example/bp.zip", subdir: "x", norm: "https://h.example/bp.zip//x"},
		{src: "git::file:///srv/repos/bp.git//go?ref=main", policy: Local, kind: Git,
			repo: "git::file:///srv/repos/bp.git", ref: "main", subdir: "go"},
		{src: "http://127.0.0.1:8080/bp.tar.gz", policy: Local, kind: Archive, format: "tar.gz",
			repo: "http://127.0.0.1:8080/bp.tar.gz"},
		{src: "http://localhost/bp.zip", policy: Local, kind: Archive, format: "zip", repo: "http://localhost/bp.zip"},
		{src: "file:///tmp/bp.tar.gz", policy: Local, kind: Archive, format: "tar.gz", repo: "file:///tmp/bp.tar.gz"},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			a, err := Parse(c.src, c.policy)
			require.NoError(t, err)
			assert.Equal(t, c.kind, a.Kind)
			assert.Equal(t, c.repo, a.Repo())
			assert.Equal(t, c.ref, a.Ref)
			assert.Equal(t, c.subdir, a.Subdir)
			assert.Equal(t, c.format, a.Format)
			if c.norm != "" {
				assert.Equal(t, c.norm, a.String())
			}
			// The normalized form parses to itself.
			b, err := Parse(a.String(), c.policy)
			require.NoError(t, err)
			assert.Equal(t, a.String(), b.String())
		})
	}
}

func TestParseLocalPath(t *testing.T) {
	a, err := Parse("testdata/x", Local)
	require.NoError(t, err)
	assert.Equal(t, Dir, a.Kind)
	assert.True(t, len(a.Path) > 0 && a.Path[0] == '/')
	_, err = Parse("testdata/x", Strict)
	assert.ErrorContains(t, err, "local paths are not allowed by the strict policy")
}

func TestParseRefused(t *testing.T) {
	cases := []struct {
		src    string
		policy Policy
		want   string
	}{
		// git option injection through ref (go-getter passes it to git
		// checkout) and through the URL.
		{"git::https://h.example/r.git?ref=--pathspec-from-file=/etc/passwd", Local, "starts with '-'"},
		{"git::https://h.example/r.git?ref=-c", Strict, "starts with '-'"},
		{"git::https://h.example/r.git?ref=a%20b", Strict, "holds characters"},
		{"git::https://h.example/r.git?ref=v1..v2", Strict, "not a valid git ref"},
		{"git::https://h.example/r.git?ref=main@{1}", Strict, "holds characters"},
		{"git::https://h.example/r.git?ref=a&ref=b", Strict, "ref given 2 times"},
		{"git::https://h.example/r.git?sshkey=AAAA", Strict, `query parameter "sshkey" is not allowed`},
		{"git::https://h.example/r.git?depth=1", Strict, `query parameter "depth" is not allowed`},
		{"git::ext::sh -c touch% /tmp/pwned", Local, "git sources need a URL"},
		{"git::--upload-pack=touch /tmp/pwned", Local, "git sources need a URL"},
		{"git::ssh://git@h.example/r.git", Local, `scheme "ssh" is not allowed`},
		{"git@github.com:acme/bp.git", Local, "ssh addresses are not allowed"},
		{"git::https://user:token@h.example/r.git", Strict, "credentials in the URL"},
		{"https://user@h.example/bp.tar.gz", Strict, "credentials in the URL"},
		{"git::https:///r.git", Strict, "no host"},
		{"git::https://h.example", Strict, "no path"},
		{"git::https://h.example/r.git#frag", Strict, "fragments"},
		// Other getters and schemes (protocol switching).
		{"s3::https://s3.amazonaws.com/bucket/bp.zip", Local, `getter "s3" is not allowed`},
		{"hg::https://h.example/r", Local, `getter "hg" is not allowed`},
		{"file::/etc", Local, `getter "file" is not allowed`},
		{"ftp://h.example/bp.tar.gz", Local, `scheme "ftp" is not allowed`},
		{"smb://h.example/share/bp.zip", Local, `scheme "smb" is not allowed`},
		// Policies.
		{"git::file:///srv/r.git", Strict, "file:// sources are not allowed by the strict policy"},
		{"file:///tmp/bp.tar.gz", Strict, "file:// sources are not allowed"},
		{"http://h.example/bp.tar.gz", Strict, "plain http is not allowed by the strict policy"},
		{"http://h.example/bp.tar.gz", Local, "loopback addresses only"},
		{"git::http://10.0.0.1/r.git", Local, "loopback addresses only"},
		{"file://otherhost/tmp/bp.tar.gz", Local, "file:// URLs name no host"},
		// Subdirectories.
		{"git::https://h.example/r.git//../../etc", Strict, "leaves the source"},
		{"https://h.example/bp.tar.gz//a/../../b", Strict, "leaves the source"},
		{"https://h.example/bp.tar.gz//a/*", Strict, "glob characters"},
		{"https://h.example/bp.tar.gz//a\\b", Strict, "backslashes"},
		{"https://h.example/a/../b.tar.gz", Strict, "'..' in the URL path"},
		// Archives.
		{"https://h.example/bp", Strict, "must be archives"},
		{"https://h.example/bp.tar.bz2", Strict, "must be archives"},
		{"https://h.example/bp?archive=rar", Strict, "archive must be one of"},
		{"https://h.example/bp.zip?filename=../../x", Strict, `query parameter "filename" is not allowed`},
		{"https://h.example/bp.zip?checksum=md5:00", Strict, `query parameter "checksum" is not allowed`},
		// Malformed.
		{"", Local, "empty address"},
		{"git::https://h.example/r.git\n", Local, "control character"},
		{"git::https://h.example:99x/r.git", Local, ""},
		{"a//b", Local, "'//' in a local path"},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			_, err := Parse(c.src, c.policy)
			require.Error(t, err)
			var ae *AddressError
			assert.True(t, errors.As(err, &ae), "an AddressError: %v", err)
			assert.ErrorContains(t, err, c.want)
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"git::https://github.com/acme/bp.git//services/go?ref=v1.2.0",
		"https://h.example/dl/bp-1.0.tar.gz//go-service",
		"git::file:///srv/r.git?ref=main",
		"http://127.0.0.1:8080/bp.zip?archive=zip",
		"./local/dir",
		"git::https://h.example/r.git?ref=--upload-pack=x",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, src string, local bool) {
		p := Strict
		if local {
			p = Local
		}
		a, err := Parse(src, p)
		if err != nil {
			return
		}
		if a.Kind == Git && a.Ref != "" {
			if a.Ref[0] == '-' || checkRef(a.Ref) != nil {
				t.Fatalf("accepted ref %q", a.Ref)
			}
		}
		if a.Subdir != "" && !within(a.Subdir) {
			t.Fatalf("accepted subdir %q", a.Subdir)
		}
		if a.Kind != Dir {
			if a.URL.User != nil {
				t.Fatalf("accepted userinfo in %q", src)
			}
			if p == Strict && a.URL.Scheme != "https" {
				t.Fatalf("strict policy accepted %q", src)
			}
			// The normalized form is stable.
			b, err := Parse(a.String(), p)
			if err != nil {
				t.Fatalf("normalized %q of %q does not parse: %v", a.String(), src, err)
			}
			if b.String() != a.String() {
				t.Fatalf("normalization not stable: %q -> %q", a.String(), b.String())
			}
		} else if p == Strict {
			t.Fatalf("strict policy accepted local path %q", src)
		}
	})
}

func TestJoin(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef01234567"
	cases := []struct{ base, ref, rev, want, err string }{
		{base: "git::https://h.example/r.git//envs/demo?ref=v1", ref: "../go-service", rev: sha,
			want: "git::https://h.example/r.git//envs/go-service?ref=" + sha},
		{base: "git::https://h.example/r.git//demo?ref=v1", ref: "../../x", err: "leaves git::https://h.example/r.git"},
		{base: "https://h.example/bp.tar.gz//demo", ref: "../svc", want: "https://h.example/bp.tar.gz//svc"},
		{base: "https://h.example/bp.tar.gz", ref: "svc", want: "https://h.example/bp.tar.gz//svc"},
		{base: "testdata/blueprints/demo", ref: "../go-service", want: "testdata/blueprints/go-service"},
		{base: "testdata/demo", ref: "git::https://h.example/r.git", want: "git::https://h.example/r.git"},
		{base: "mem::x", ref: "../y", err: "is not an address it can be relative to"},
	}
	for _, c := range cases {
		got, err := Join(c.base, c.ref, c.rev)
		if c.err != "" {
			assert.ErrorContains(t, err, c.err, c.base+" + "+c.ref)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c.want, got)
	}
}

// TestRefCharsMatchesItsSpecification checks the hand-written ref check
// against the regular expression it replaces, on random strings over the
// interesting alphabet.
func TestRefCharsMatchesItsSpecification(t *testing.T) {
	spec := regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._/+-]{0,254}$`)
	alphabet := "aZ09_./+-~^: @{}\\\x00é"
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		n := rng.IntN(8)
		if i%100 == 0 {
			n = 250 + rng.IntN(10)
		}
		var b strings.Builder
		for range n {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		if got, want := refChars(s), spec.MatchString(s); got != want {
			t.Fatalf("refChars(%q) = %v, the specification says %v", s, got, want)
		}
	}
}
