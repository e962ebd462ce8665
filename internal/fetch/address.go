// Package fetch fetches blueprint sources — git repositories and archives —
// through go-getter v2, under a source policy, into a content-addressed
// cache. The exported surface lives in package blueprint; this package holds
// the machinery.
package fetch

import (
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	getter "github.com/hashicorp/go-getter/v2"
)

// Policy decides which sources may be fetched.
type Policy int

const (
	// Strict allows https archives and git over https only: for addresses
	// that come from untrusted input.
	Strict Policy = iota
	// Local also allows local paths, git::file://, file:// archives and
	// plain http to loopback addresses: for a person running a tool on
	// their own sources.
	Local
)

// String returns "strict" or "local".
func (p Policy) String() string {
	if p == Local {
		return "local"
	}
	return "strict"
}

// Kind is the kind of a source.
type Kind int

const (
	// Dir is a local directory, used in place.
	Dir Kind = iota
	// Git is a git repository.
	Git
	// Archive is a tar.gz, tgz or zip archive.
	Archive
)

// Address is a parsed, validated source address.
type Address struct {
	Kind Kind
	// Path is the local directory (Dir) or archive file (file:// archives).
	Path string
	// URL is the repository or archive URL without subdirectory, ref or
	// other query parameters.
	URL *url.URL
	// Ref is the git ref: a branch, a tag or a full commit SHA; empty for
	// the remote's HEAD.
	Ref string
	// Format is the archive format: "tar.gz", "tgz" or "zip".
	Format string
	// Subdir is the slash-separated directory inside the repository or
	// archive, "" for its root.
	Subdir string
}

// maxAddressLen caps a source address.
const maxAddressLen = 2048

var (
	forcedRe = regexp.MustCompile(`^([A-Za-z0-9]+)::(.+)$`)
	schemeRe = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)
	scpRe    = regexp.MustCompile(`^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:`)
	// shaRe matches a full SHA-1 or SHA-256 commit ID.
	shaRe = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)
)

// refChars reports whether ref is in a conservative subset of git
// check-ref-format: 1 to 255 characters of [A-Za-z0-9._/+-], never starting
// with '-' (git would read an option) or '.', and none a shell, a refspec or
// a revision expression gives meaning to. (A loop, not a regexp: the
// bounded repetition compiled to a large program at every start.)
func refChars(ref string) bool {
	if len(ref) == 0 || len(ref) > 255 {
		return false
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_':
		case i > 0 && (c == '.' || c == '/' || c == '+' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// archiveFormats are the archive suffixes and ?archive= values accepted.
var archiveFormats = []string{"tar.gz", "tgz", "zip"}

// AddressError is a refused or malformed source address. Source is
// redacted (Redact).
type AddressError struct {
	Source string
	Reason string
}

// Error names the source and the reason.
func (e *AddressError) Error() string {
	return fmt.Sprintf("source %q: %s", e.Source, e.Reason)
}

// Parse parses and validates a source address under a policy. Nothing in
// the address reaches go-getter or git before it passes here.
func Parse(src string, p Policy) (*Address, error) {
	bad := func(format string, args ...any) error {
		return &AddressError{Source: Redact(src), Reason: Redact(fmt.Sprintf(format, args...))}
	}
	if src == "" {
		return nil, bad("empty address")
	}
	if len(src) > maxAddressLen {
		return nil, bad("address longer than %d bytes", maxAddressLen)
	}
	for _, r := range src {
		if r < 0x20 || r == 0x7f {
			return nil, bad("control character in address")
		}
	}
	forced := ""
	rest := src
	if m := forcedRe.FindStringSubmatch(src); m != nil {
		forced, rest = strings.ToLower(m[1]), m[2]
		if forced != "git" {
			return nil, bad("getter %q is not allowed (allowed: git)", m[1])
		}
	}
	sm := schemeRe.FindStringSubmatch(rest)
	if sm == nil {
		if forced != "" {
			return nil, bad("git sources need a URL: git::https://host/org/repo.git")
		}
		if scpRe.MatchString(rest) {
			return nil, bad("ssh addresses are not allowed; use git::https://")
		}
		return parseLocal(src, p)
	}
	scheme := strings.ToLower(sm[1])
	if scheme != "https" && scheme != "http" && scheme != "file" {
		return nil, bad("scheme %q is not allowed", scheme)
	}
	// go-getter's own splitting of "//subdir", with the query kept on the
	// source part.
	base, subdir := getter.SourceDirSubdir(rest)
	u, err := url.Parse(base)
	if err != nil {
		return nil, bad("%v", err)
	}
	u.Scheme = scheme
	if u.User != nil {
		return nil, bad("credentials in the URL are not allowed")
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return nil, bad("fragments are not allowed")
	}
	if u.Opaque != "" {
		return nil, bad("malformed URL")
	}
	a := &Address{}
	if a.Subdir, err = cleanSubdir(subdir); err != nil {
		return nil, bad("%v", err)
	}
	switch scheme {
	case "https":
	case "http":
		if p != Local {
			return nil, bad("plain http is not allowed by the strict policy")
		}
		if !isLoopbackHost(u.Hostname()) {
			return nil, bad("plain http is allowed to loopback addresses only")
		}
	case "file":
		if p != Local {
			return nil, bad("file:// sources are not allowed by the strict policy")
		}
		if u.Host != "" && u.Host != "localhost" {
			return nil, bad("file:// URLs name no host")
		}
		u.Host = ""
	default:
		return nil, bad("scheme %q is not allowed", scheme)
	}
	if scheme != "file" {
		if u.Hostname() == "" {
			return nil, bad("no host")
		}
		if port := u.Port(); port != "" && strings.TrimLeft(port, "0123456789") != "" {
			return nil, bad("invalid port %q", port)
		}
		u.Host = strings.ToLower(u.Host)
	}
	if forced == "git" {
		u.Path = strings.TrimRight(u.Path, "/")
	}
	if u.Path == "" || !strings.HasPrefix(u.Path, "/") {
		return nil, bad("no path")
	}
	if strings.Contains(u.Path, "/../") || strings.HasSuffix(u.Path, "/..") {
		return nil, bad("'..' in the URL path")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, bad("query: %v", err)
	}
	u.RawQuery = ""
	a.URL = u
	if forced == "git" {
		a.Kind = Git
		for k, v := range q {
			if k != "ref" {
				return nil, bad("query parameter %q is not allowed (allowed: ref)", k)
			}
			if len(v) != 1 {
				return nil, bad("ref given %d times", len(v))
			}
		}
		if ref, ok := q["ref"]; ok {
			if err := checkRef(ref[0]); err != nil {
				return nil, bad("%v", err)
			}
			a.Ref = ref[0]
		}
		return a, nil
	}
	a.Kind = Archive
	for k, v := range q {
		if k != "archive" {
			return nil, bad("query parameter %q is not allowed (allowed: archive)", k)
		}
		if len(v) != 1 || !isArchiveFormat(v[0]) {
			return nil, bad("archive must be one of %s", strings.Join(archiveFormats, ", "))
		}
		a.Format = v[0]
	}
	if a.Format == "" {
		for _, f := range archiveFormats {
			if strings.HasSuffix(strings.ToLower(u.Path), "."+f) {
				a.Format = f
				break
			}
		}
	}
	if a.Format == "" {
		return nil, bad("%s sources must be archives (.tar.gz, .tgz or .zip) or git:: repositories", scheme)
	}
	if scheme == "file" {
		a.Path = filepath.FromSlash(u.Path)
	}
	return a, nil
}

func parseLocal(src string, p Policy) (*Address, error) {
	if p != Local {
		return nil, &AddressError{Source: src, Reason: "local paths are not allowed by the strict policy"}
	}
	if strings.Contains(src, "//") {
		// A local directory is used in place: a subdirectory is part of the path.
		return nil, &AddressError{Source: src, Reason: "'//' in a local path: name the directory itself"}
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, &AddressError{Source: src, Reason: err.Error()}
	}
	return &Address{Kind: Dir, Path: abs}, nil
}

// checkRef validates a git ref before any git command sees it.
func checkRef(ref string) error {
	switch {
	case ref == "":
		return fmt.Errorf("empty ref")
	case strings.HasPrefix(ref, "-"):
		return fmt.Errorf("ref %q starts with '-'", ref)
	case !refChars(ref):
		return fmt.Errorf("ref %q holds characters a git ref may not (allowed: letters, digits, '.', '_', '/', '+', '-')", ref)
	case strings.Contains(ref, ".."), strings.Contains(ref, "//"), strings.Contains(ref, "/."),
		strings.HasSuffix(ref, "/"), strings.HasSuffix(ref, "."), strings.HasSuffix(ref, ".lock"):
		return fmt.Errorf("ref %q is not a valid git ref name", ref)
	}
	return nil
}

// IsCommit reports whether ref is a full commit ID.
func IsCommit(ref string) bool { return shaRe.MatchString(ref) }

func cleanSubdir(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if strings.ContainsAny(s, `\*?[`) {
		return "", fmt.Errorf("subdirectory %q: backslashes and glob characters are not allowed", s)
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == ".." {
			return "", fmt.Errorf("subdirectory %q leaves the source", s)
		}
	}
	c := path.Clean(strings.Trim(s, "/"))
	if c == "." {
		return "", nil
	}
	if !fs.ValidPath(c) {
		return "", fmt.Errorf("subdirectory %q is not a valid path", s)
	}
	return c, nil
}

func isArchiveFormat(f string) bool {
	for _, a := range archiveFormats {
		if a == f {
			return true
		}
	}
	return false
}

// Repo is the normalized address of what is fetched — the repository or the
// archive, without subdirectory or ref. Cache keys start from it.
func (a *Address) Repo() string {
	switch a.Kind {
	case Dir:
		return a.Path
	case Git:
		return "git::" + a.URL.String()
	}
	s := a.URL.String()
	if !strings.HasSuffix(strings.ToLower(a.URL.Path), "."+a.Format) {
		s += "?archive=" + a.Format
	}
	return s
}

// String is the normalized address: Repo with subdirectory and ref.
func (a *Address) String() string {
	if a.Kind == Dir {
		return a.Path
	}
	base := a.Repo()
	q := ""
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base, q = base[:i], base[i:]
	}
	if a.Subdir != "" {
		base += "//" + a.Subdir
	}
	if a.Ref != "" {
		q = "?ref=" + a.Ref
	}
	return base + q
}

// Pinned is String with the ref replaced by the resolved commit (git) — the
// address that fetches exactly this content again.
func (a *Address) Pinned(revision string) string {
	if a.Kind != Git || revision == "" {
		return a.String()
	}
	c := *a
	c.Ref = revision
	return c.String()
}

// Join resolves ref against the source base it was written in: an address
// stays as it is, and a relative path names a directory beside base — in
// the same repository at the same revision, in the same archive, or on the
// local disk. It never leaves a repository or archive.
func Join(base, ref, revision string) (string, error) {
	if forcedRe.MatchString(ref) || schemeRe.MatchString(ref) {
		return ref, nil
	}
	if filepath.IsAbs(ref) {
		return ref, nil
	}
	a, err := Parse(base, Local)
	if err != nil {
		return "", fmt.Errorf("%q is relative, and %q is not an address it can be relative to", ref, base)
	}
	if a.Kind == Dir {
		return filepath.Join(base, filepath.FromSlash(ref)), nil
	}
	if strings.Contains(ref, `\`) {
		return "", fmt.Errorf("%q: use forward slashes", ref)
	}
	sub := path.Join("/", a.Subdir, ref)
	for _, seg := range strings.Split(path.Join(a.Subdir, ref), "/") {
		if seg == ".." {
			return "", fmt.Errorf("%q leaves %s", ref, a.Repo())
		}
	}
	c := *a
	c.Subdir = strings.TrimPrefix(sub, "/")
	if c.Kind == Git && revision != "" {
		c.Ref = revision
	}
	return c.String(), nil
}
