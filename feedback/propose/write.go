package propose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/internal/english"
)

// ChangesFile is the file of a blueprint's directory that records its
// versions' changes; Write puts the proposal's entry first.
const ChangesFile = "CHANGES.md"

// Write writes the proposed version into dir/<name>-<version>/: the
// blueprint's blueprint.cue with the new version and release date, its
// template tree with the changed files, and CHANGES.md with the proposal's
// entry first (after the source's own CHANGES.md entries when the
// blueprint was loaded from a local directory, whose other files are
// copied too). It returns the directory written.
//
// Write is atomic: the version is written into a temporary directory
// beside it, loaded back with blueprint.LoadDir and checked to be the
// proposed name and version, then renamed into place; on any error nothing
// is left. It refuses a directory that exists, and a proposal with no
// applied change (ErrNothingApplied).
func (p *Proposal) Write(ctx context.Context, dir string) (string, error) {
	if len(p.Applied()) == 0 {
		return "", ErrNothingApplied
	}
	final := filepath.Join(dir, p.Blueprint+"-"+p.Version)
	if _, err := os.Lstat(final); err == nil {
		return "", fmt.Errorf("write %s: it exists already", final)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, "."+p.Blueprint+"-"+p.Version+"-*")
	if err != nil {
		return "", err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	if err := p.writeTree(tmp); err != nil {
		return "", fmt.Errorf("write %s: %w", final, err)
	}
	bp, err := blueprint.LoadDir(ctx, tmp, nil)
	if err != nil {
		return "", fmt.Errorf("write %s: the proposed version does not load: %w", final, err)
	}
	if bp.Name != p.Blueprint || bp.Version != p.Version || bp.Released != p.Released {
		return "", fmt.Errorf("write %s: the proposed version loads as %s %s released %q", final, bp.Name, bp.Version, bp.Released)
	}
	if err := p.sameData(ctx, bp); err != nil {
		return "", fmt.Errorf("write %s: %w", final, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("write %s: %w", final, err)
	}
	done = true
	return final, nil
}

// sameData checks that the new version gives a project the template data
// the old one does, so that the files the proposal leaves alone render as
// they did: a derived value built from the version would change them all.
func (p *Proposal) sameData(ctx context.Context, next *blueprint.Blueprint) error {
	if p.sample == nil {
		return nil
	}
	in := blueprint.ValuesData("parameters.json", p.sample)
	old, err := p.bp.Resolve(ctx, in)
	if err != nil {
		return err
	}
	nw, err := next.Resolve(ctx, in)
	if err != nil {
		return fmt.Errorf("the proposed version does not resolve a project's recorded parameters: %w", err)
	}
	if !reflect.DeepEqual(old.Data(), nw.Data()) {
		return errors.New("the proposed version gives the projects other template data than the old one (a derived value built from the version?): the files it leaves alone would change")
	}
	return nil
}

// writeTree writes the version's files into dir.
func (p *Proposal) writeTree(dir string) error {
	var changes []byte
	if src := p.bp.Source; src != "" {
		if st, err := os.Stat(filepath.Join(src, blueprint.SchemaFile)); err == nil && st.Mode().IsRegular() {
			// A local blueprint: its other files come along.
			if err := copyOthers(os.DirFS(src), dir); err != nil {
				return err
			}
			changes, _ = os.ReadFile(filepath.Join(src, ChangesFile))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, blueprint.SchemaFile), p.schema, 0o644); err != nil {
		return err
	}
	tfs := p.bp.Template()
	err := fs.WalkDir(tfs, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if name == "." && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipDir
			}
			return err
		}
		out := filepath.Join(dir, "template", filepath.FromSlash(name))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, ok := p.files[name]
		if !ok {
			if data, err = fs.ReadFile(tfs, name); err != nil {
				return err
			}
		}
		return os.WriteFile(out, data, info.Mode().Perm()|0o600)
	})
	if err != nil {
		return err
	}
	entry := p.ChangesEntry()
	if len(changes) > 0 {
		entry = mergeChanges(string(changes), entry)
	} else {
		entry = "# Changes\n\n" + entry
	}
	return os.WriteFile(filepath.Join(dir, ChangesFile), []byte(entry), 0o644)
}

// mergeChanges puts entry before the first version heading ("## ") of an
// existing CHANGES.md, or at its end.
func mergeChanges(old, entry string) string {
	if strings.HasPrefix(old, "## ") {
		return entry + "\n" + old
	}
	if i := strings.Index(old, "\n## "); i >= 0 {
		return old[:i+1] + entry + "\n" + old[i+1:]
	}
	return strings.TrimRight(old, "\n") + "\n\n" + entry
}

// copyOthers copies the files of a local blueprint directory besides
// blueprint.cue and template/ (README, CHANGES.md, tests); symlinks and
// the state of tools (dot files) are left out.
func copyOthers(src fs.FS, dir string) error {
	return fs.WalkDir(src, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		if name == "template" || name == blueprint.SchemaFile || strings.HasPrefix(path.Base(name), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		out := filepath.Join(dir, filepath.FromSlash(name))
		switch {
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		data, err := fs.ReadFile(src, name)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
}

// ChangesEntry returns the proposal's CHANGES.md entry: a heading with the
// version and date, then one section per applied change with the template
// diff and its evidence — how many projects, which, the drift signals'
// IDs — and its verification.
func (p *Proposal) ChangesEntry() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s (%s)\n\n", p.Version, p.Released)
	fmt.Fprintf(&b, "Proposed from the desire paths of %s %s: the same edit made downstream in several projects, verified against the %s rendered.\n",
		p.Blueprint, p.From, english.Count(p.Projects, "project"))
	for _, c := range p.Applied() {
		fmt.Fprintf(&b, "\n### %s: %s (desire path %s)\n\n", c.File, kindText(c.Kind), c.HunkID)
		fmt.Fprintf(&b, "Made in %s: %s.\n", english.Count(c.Count, "project"), strings.Join(c.Projects, ", "))
		fmt.Fprintf(&b, "Signals: %s.\n", strings.Join(c.Signals, ", "))
		fmt.Fprintf(&b, "Verified: %s.\n", c.Verification.String())
		fmt.Fprintf(&b, "\n```diff\n%s```\n", c.Diff)
	}
	return b.String()
}

func kindText(k EditKind) string {
	if k == Addition {
		return "lines added"
	}
	return "lines changed"
}

// String says what the verification checked, in a sentence.
func (v Verification) String() string {
	s := fmt.Sprintf("the new template reproduces the edit exactly in %s", english.Count(v.Affected, "project"))
	verb := "render"
	if v.Unaffected == 1 {
		verb = "renders"
	}
	s += fmt.Sprintf(", and %s %s as before apart from the proposed lines", english.Count(v.Unaffected, "other project"), verb)
	if v.NotApplicable > 0 {
		s += fmt.Sprintf(" (%d of them render none of them)", v.NotApplicable)
	}
	if v.OtherVersions > 0 {
		s += fmt.Sprintf("; %s on other versions not rendered", english.Count(v.OtherVersions, "project"))
	}
	if len(v.Unreadable) > 0 {
		s += fmt.Sprintf("; %s unreadable", english.Count(len(v.Unreadable), "project"))
	}
	return s
}

// JSON writes the proposal as indented JSON.
func (p *Proposal) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// Text writes the proposal for a person: the version proposed, then each
// change with its status — the diff and verification of an applied one,
// the reason of any other.
func (p *Proposal) Text(w io.Writer) error {
	var b strings.Builder
	n := len(p.Applied())
	fmt.Fprintf(&b, "%s %s -> %s (%s): %d of %s applied\n", p.Blueprint, p.From, p.Version, p.Released, n, english.Count(len(p.Changes), "desire path"))
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "\n%s %s %s (%s)\n", c.Status, c.HunkID, c.File, english.Count(c.Count, "project"))
		switch c.Status {
		case Applied:
			fmt.Fprintf(&b, "  verified: %s\n", c.Verification.String())
			for _, l := range strings.SplitAfter(strings.TrimSuffix(c.Diff, "\n"), "\n") {
				b.WriteString("  " + l)
			}
			b.WriteString("\n")
		default:
			fmt.Fprintf(&b, "  %s\n", c.Reason)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
