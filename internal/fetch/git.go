package fetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	getter "github.com/hashicorp/go-getter/v2"
)

// git runs git confined: without the user's system and global config (so
// no url.insteadOf rewriting, credential helpers, hooks or filters from
// there), without prompts, without submodules, without hooks, and with only
// the transports the policy allows.
type git struct {
	path      string // the git binary
	allowFile bool   // file:// transport (the local policy)
	allowHTTP bool   // plain http transport (the local policy, loopback)
	home      string // an empty directory used as HOME
	maxBytes  int64  // cap on the repository size during a fetch
}

func (g *git) env() []string {
	protos := "https"
	if g.allowHTTP {
		protos += ":http"
	}
	if g.allowFile {
		protos += ":file"
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + g.home,
		"XDG_CONFIG_HOME=" + filepath.Join(g.home, "config"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_CONFIG_SYSTEM=" + os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=",
		"SSH_ASKPASS=",
		"GIT_SSH_COMMAND=false",
		"GIT_ALLOW_PROTOCOL=" + protos,
		"GIT_PROTOCOL_FROM_USER=0",
		"GIT_LFS_SKIP_SMUDGE=1",
		"GIT_NO_REPLACE_OBJECTS=1",
		"LC_ALL=C",
	}
	return env
}

// configArgs are -c settings given to every git command, ahead of the
// subcommand.
func (g *git) configArgs() []string {
	args := []string{
		"-c", "core.hooksPath=" + os.DevNull,
		"-c", "core.fsmonitor=false",
		"-c", "credential.helper=",
		"-c", "submodule.recurse=false",
		"-c", "fetch.recurseSubmodules=false",
		"-c", "protocol.allow=never",
		"-c", "protocol.https.allow=always",
		"-c", "http.followRedirects=false",
		"-c", "init.templateDir=",
		"-c", "advice.detachedHead=false",
		"-c", "transfer.fsckObjects=true",
	}
	if g.allowHTTP {
		args = append(args, "-c", "protocol.http.allow=always")
	}
	if g.allowFile {
		args = append(args, "-c", "protocol.file.allow=always")
	}
	return args
}

// run runs git with args in dir and returns its standard output.
func (g *git) run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, g.path, append(g.configArgs(), args...)...)
	cmd.Dir = dir
	cmd.Env = g.env()
	cmd.Stdin = nil
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		return nil, fmt.Errorf("git %s: %v: %s", args[0], err, msg)
	}
	return stdout.Bytes(), nil
}

// RemoteRef is one line of git ls-remote.
type remoteRef struct {
	sha, name string
}

// resolve asks the remote for its refs and returns the commit ref names.
// An empty ref is the remote's HEAD; a full commit ID is returned as is.
func (g *git) resolve(ctx context.Context, remote, ref string) (sha, refName string, err error) {
	if IsCommit(ref) {
		return ref, "", nil
	}
	out, err := g.run(ctx, "", "ls-remote", "--", remote)
	if err != nil {
		return "", "", err
	}
	refs := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		sha, name, ok := strings.Cut(sc.Text(), "\t")
		if ok && (shaRe.MatchString(sha)) {
			refs[name] = sha
		}
	}
	var candidates []string
	switch {
	case ref == "":
		candidates = []string{"HEAD"}
	case strings.HasPrefix(ref, "refs/"):
		candidates = []string{ref + "^{}", ref}
	default:
		candidates = []string{"refs/tags/" + ref + "^{}", "refs/tags/" + ref, "refs/heads/" + ref}
	}
	for _, c := range candidates {
		if sha, ok := refs[c]; ok {
			return sha, strings.TrimSuffix(c, "^{}"), nil
		}
	}
	if ref == "" {
		return "", "", fmt.Errorf("%s has no HEAD", remote)
	}
	return "", "", fmt.Errorf("ref %q not found in %s (a commit needs its full ID)", ref, remote)
}

// getter adapts git to go-getter's Getter interface, so go-getter's client
// drives it like its own getters. The request URL carries the resolved
// commit in "commit" and, when known, the ref it came from in "refname".
type gitGetter struct{ g *git }

var _ getter.Getter = gitGetter{}

func (gitGetter) Mode(context.Context, *url.URL) (getter.Mode, error) { return getter.ModeDir, nil }

func (gg gitGetter) Detect(req *getter.Request) (bool, error) {
	return req.Forced == "git", nil
}

func (gitGetter) GetFile(context.Context, *getter.Request) error {
	return errors.New("git sources are directories")
}

func (gg gitGetter) Get(ctx context.Context, req *getter.Request) error {
	u := *req.URL()
	q := u.Query()
	commit, refName := q.Get("commit"), q.Get("refname")
	u.RawQuery = ""
	remote := u.String()
	if !IsCommit(commit) {
		return fmt.Errorf("git getter: no resolved commit")
	}
	repo := req.Dst
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return err
	}
	g := gg.g
	if _, err := g.run(ctx, repo, "init", "-q"); err != nil {
		return err
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := g.watchSize(fctx, cancel, filepath.Join(repo, ".git"))
	var err error
	if refName != "" {
		_, err = g.run(fctx, repo, "fetch", "-q", "--no-tags", "--depth=1", "--", remote, refName)
	} else {
		_, err = g.run(fctx, repo, "fetch", "-q", "--no-tags", "--depth=1", "--", remote, commit)
		if err != nil && fctx.Err() == nil {
			// Servers refuse unadvertised commits in a shallow fetch: fetch
			// the branches and tags, then look for the commit.
			_, err = g.run(fctx, repo, "fetch", "-q", "--no-tags", "--", remote,
				"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")
		}
	}
	if serr := stop(); serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	if _, err := g.run(ctx, repo, "cat-file", "-e", commit+"^{commit}"); err != nil {
		return fmt.Errorf("commit %s not found in %s", commit, remote)
	}
	if err := g.checkTree(ctx, repo, commit); err != nil {
		return err
	}
	if _, err := g.run(ctx, repo, "-c", "core.symlinks=false", "checkout", "-q", "--detach", commit); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(repo, ".git"))
}

// checkTree refuses a commit whose tree holds symlinks or submodules, or
// exceeds the size cap, before anything is checked out.
func (g *git) checkTree(ctx context.Context, repo, commit string) error {
	out, err := g.run(ctx, repo, "ls-tree", "-r", "-z", "-l", "--full-tree", commit)
	if err != nil {
		return err
	}
	var total int64
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, name, ok := bytes.Cut(rec, []byte{'\t'})
		if !ok {
			continue
		}
		f := strings.Fields(string(meta))
		if len(f) < 4 {
			continue
		}
		switch f[0] {
		case "120000":
			return &TreeError{Path: string(name), Reason: "symlinks are not allowed"}
		case "160000":
			return &TreeError{Path: string(name), Reason: "submodules are not supported"}
		}
		if n, err := strconv.ParseInt(f[3], 10, 64); err == nil {
			total += n
		}
		if g.maxBytes > 0 && total > g.maxBytes {
			return fmt.Errorf("%w: repository tree larger than %d bytes", ErrDownloadTooLarge, g.maxBytes)
		}
	}
	return nil
}

// watchSize polls the size of dir while git writes into it, and cancels the
// fetch (killing git) once it passes the cap: git's own transfer has no byte
// cap. stop ends the watch and reports whether the cap was passed.
func (g *git) watchSize(ctx context.Context, cancel context.CancelFunc, dir string) (stop func() error) {
	if g.maxBytes <= 0 {
		return func() error { return nil }
	}
	done := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				result <- nil
				return
			case <-ctx.Done():
				result <- nil
				return
			case <-t.C:
				if n := dirSize(dir); n > g.maxBytes {
					cancel()
					result <- fmt.Errorf("%w: git fetch wrote more than %d bytes", ErrDownloadTooLarge, g.maxBytes)
					return
				}
			}
		}
	}()
	return func() error {
		close(done)
		return <-result
	}
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// tags lists the remote's tag names, sorted as git sorts them.
func (g *git) tags(ctx context.Context, remote string) ([]string, error) {
	out, err := g.run(ctx, "", "ls-remote", "--tags", "--refs", "--", remote)
	if err != nil {
		return nil, err
	}
	var tags []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		_, name, ok := strings.Cut(sc.Text(), "\trefs/tags/")
		if ok && checkRef(name) == nil {
			tags = append(tags, name)
		}
	}
	return tags, sc.Err()
}
