package decision

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Draft is a new decision record that amends or supersedes one of a
// folder's records, for WriteDraft.
type Draft struct {
	// Target is the ID of the decision the draft amends or supersedes, as
	// it is cited (ADR-12, ADR 0012 and adr-0012 are ADR-0012).
	Target string
	// Kind is Amends (the default when empty) or Supersedes.
	Kind LinkKind
	// Title is the new record's title, without number.
	Title string
	// Context, Decision and Consequences are the Markdown of the new
	// record's sections of those names; an empty one is written with a
	// line saying it is to be written.
	Context, Decision, Consequences string
	// Date is the record's date; zero means today.
	Date time.Time
}

// Style is how a folder writes its records, as WriteDraft detected it from
// the record a draft amends or supersedes.
type Style struct {
	// Format is the record's layout: ADRTools ("# N. Title", "Date:", a
	// Status section holding link lines), FrontMatter (MADR 4: status and
	// date in YAML front matter, link lines under "## More Information")
	// or MADR (MADR 2 and log4brains: "* Status:" list items, links under
	// "## Links").
	Format Format `json:"format"`
	// Name is the file name pattern: "0007-slug.md", "adr-007-slug.md",
	// "20240305-slug.md", or "0007-slug/index.md" for a folder per record.
	Name string `json:"name"`
	// Supersede is the spelling of adr-tools' keyword the folder uses:
	// "Supersede" (Debian's adr-tools) or "Supercede" (adr-tools 3.0.0 as
	// released, the default).
	Supersede string `json:"supersede,omitempty"`
}

// Written is what WriteDraft wrote.
type Written struct {
	// ID is the new record's ID.
	ID string `json:"id"`
	// File is the new record's path.
	File string `json:"file"`
	// Target is the ID of the decision amended or superseded.
	Target string `json:"target"`
	// TargetFile is Target's file, which now links back to the new record.
	TargetFile string `json:"targetFile"`
	// Kind is how the new record relates to Target.
	Kind LinkKind `json:"kind"`
	// Style is the folder's style the files were written in.
	Style Style `json:"style"`
}

var (
	// A status line in the "Supersede" spelling (adr-tools writes
	// "Supercede").
	supersedeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^\s*Supersede(s|d by) \[`) })
	// A numbered record name: its prefix, number and separator.
	draftNumberRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^((?i:adr)?[-_]?)(\d{1,6})([-_])`)
	})
	draftDatedRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^((?:19|20)\d\d-?\d\d-?\d\d)([-_])`)
	})
	slugRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^a-z0-9]+`) })
)

// WriteDraft writes d into the decision folder dir as a new record with
// status proposed, in the folder's own style (Style: the layout, the file
// naming and the link form of the record it amends or supersedes), numbered
// after the folder's last record, and links the two records both ways as
// that style writes it: adr-tools' "Amends [4. Title](0004-title.md)" in
// the new record's Status section and "Amended by […]" appended to the
// target's, or — superseding — the target's status line replaced by
// "Superseded by […]", as "adr new -s" does; MADR's link lines under "More
// Information" (front matter records) or "Links" (list-item records). The
// files are written whole (a temporary file renamed), then the folder is
// loaded again: if the new record does not load as proposed with its link,
// both files are put back as they were and the error says why. opts are
// the options the folder loads with; nil means the defaults.
func WriteDraft(ctx context.Context, dir string, d Draft, opts *Options) (*Written, error) {
	if d.Kind == "" {
		d.Kind = Amends
	}
	if d.Kind != Amends && d.Kind != Supersedes {
		return nil, fmt.Errorf("draft: kind %q: want %s or %s", d.Kind, Amends, Supersedes)
	}
	if strings.TrimSpace(d.Title) == "" || strings.ContainsAny(d.Title, "\r\n") {
		return nil, fmt.Errorf("draft: title %q: want one line of text", d.Title)
	}
	if d.Date.IsZero() {
		d.Date = time.Now()
	}
	reg, err := LoadDir(ctx, dir, opts)
	if reg == nil {
		return nil, fmt.Errorf("draft: %w", err)
	}
	target, ok := reg.Get(d.Target)
	if !ok {
		return nil, fmt.Errorf("draft: %s: no such decision in %s", d.Target, dir)
	}
	prefix := filepath.ToSlash(filepath.Clean(dir)) + "/"
	rel, ok := strings.CutPrefix(target.File, prefix)
	if !ok {
		return nil, fmt.Errorf("draft: %s: file %s is not in %s", target.ID, target.File, dir)
	}
	old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("draft: %w", err)
	}
	st, newRel, err := draftName(reg, prefix, rel, d)
	if err != nil {
		return nil, err
	}
	st.Format = target.Format
	if st.Format == ADRTools && d.Kind == Supersedes {
		st.Supersede = supersedeSpelling(dir)
	}
	// The number the new record gets, and the link text each side uses.
	newLink := relLink(path.Dir(rel), newRel)
	oldLink := relLink(path.Dir(newRel), rel)
	newID, n, numbered := opts.scheme().nameID(recordBase(newRel))
	oldText, newText := target.ID, newID
	if st.Format == ADRTools {
		if _, tn, tnum := opts.scheme().nameID(recordBase(rel)); tnum {
			oldText = fmt.Sprintf("%d. %s", tn, target.Title)
		}
		newText = fmt.Sprintf("%d. %s", n, d.Title)
	} else if !numbered {
		oldText, newText = target.Title, d.Title
	}
	fwd, back := phrases(st, d.Kind)
	record := draftRecord(st, d, n, numbered, fmt.Sprintf("%s [%s](%s)", fwd, oldText, oldLink))
	updated, err := linkBack(st, old, d.Kind, fmt.Sprintf("%s [%s](%s)", back, newText, newLink))
	if err != nil {
		return nil, fmt.Errorf("draft: %s: %w", target.File, err)
	}

	newPath := filepath.Join(dir, filepath.FromSlash(newRel))
	oldPath := filepath.Join(dir, filepath.FromSlash(rel))
	madeDir := ""
	if nd := filepath.Dir(newPath); nd != filepath.Dir(oldPath) {
		if _, err := os.Stat(nd); errors.Is(err, os.ErrNotExist) {
			madeDir = nd
		}
		if err := os.MkdirAll(nd, 0o755); err != nil {
			return nil, fmt.Errorf("draft: %w", err)
		}
	}
	undo := func() {
		_ = os.Remove(newPath)
		if madeDir != "" {
			_ = os.Remove(madeDir)
		}
	}
	if err := writeWhole(newPath, record, true); err != nil {
		// Nothing of ours is at newPath: a file there is somebody else's.
		if madeDir != "" {
			_ = os.Remove(madeDir)
		}
		return nil, fmt.Errorf("draft: %w", err)
	}
	if err := writeWhole(oldPath, updated, false); err != nil {
		undo()
		return nil, fmt.Errorf("draft: %w", err)
	}
	w := &Written{ID: newID, File: newPath, Target: target.ID, TargetFile: oldPath, Kind: d.Kind, Style: st}
	// Read back: the folder must say what was meant.
	after, _ := LoadDir(ctx, dir, opts)
	if after != nil {
		for _, x := range after.byID {
			if x.File == prefix+newRel {
				w.ID = x.ID
			}
		}
	}
	if err := checkDraft(after, w); err != nil {
		_ = writeWhole(oldPath, old, false)
		undo()
		return nil, fmt.Errorf("draft: %s as written does not load as meant, nothing kept: %w", newRel, err)
	}
	return w, nil
}

// checkDraft checks that the folder reads the draft as written.
func checkDraft(reg *Registry, w *Written) error {
	if reg == nil {
		return errors.New("the folder no longer loads")
	}
	nd, ok := reg.Get(w.ID)
	if !ok {
		return fmt.Errorf("no record %s", w.ID)
	}
	if nd.Status != Proposed {
		return fmt.Errorf("%s: status %s, want proposed", w.ID, nd.Status)
	}
	od, _ := reg.Get(w.Target)
	back := AmendedBy
	if w.Kind == Supersedes {
		back = SupersededBy
	}
	written := func(d *Decision, kind LinkKind, to string) bool {
		for _, l := range d.Links {
			if !l.Inferred && l.Kind == kind && l.Target == to {
				return true
			}
		}
		return false
	}
	if !written(nd, w.Kind, w.Target) {
		return fmt.Errorf("%s does not say %s %s", w.ID, w.Kind, w.Target)
	}
	if od == nil || !written(od, back, w.ID) {
		return fmt.Errorf("%s does not say %s %s", w.Target, back, w.ID)
	}
	return nil
}

// recordBase is the name a record file is known by: its name without
// ".md", or its folder's name for an index.md or README.md.
func recordBase(rel string) string {
	base := path.Base(rel)
	if isIndexFile(rel) && path.Dir(rel) != "." {
		return path.Base(path.Dir(rel))
	}
	return strings.TrimSuffix(base, path.Ext(base))
}

// draftName returns the new record's path in the folder, named as the
// target is: numbered after the folder's highest number with the target's
// prefix, width and separator, or dated as the target is.
func draftName(reg *Registry, prefix, rel string, d Draft) (Style, string, error) {
	var st Style
	name := recordBase(rel)
	perFolder := isIndexFile(rel) && path.Dir(rel) != "."
	slug := strings.Trim(slugRE().ReplaceAllString(strings.ToLower(d.Title), "-"), "-")
	if slug == "" {
		return st, "", fmt.Errorf("draft: title %q has no letters or digits to name a file by", d.Title)
	}
	var newName string
	switch {
	case draftDatedRE().MatchString(name):
		m := draftDatedRE().FindStringSubmatch(name)
		layout := "20060102"
		if strings.Contains(m[1], "-") {
			layout = "2006-01-02"
		}
		if m[2] == "_" {
			slug = strings.ReplaceAll(slug, "-", "_")
		}
		newName = d.Date.Format(layout) + m[2] + slug
		st.Name = layout + m[2] + "slug"
	case draftNumberRE().MatchString(name):
		m := draftNumberRE().FindStringSubmatch(name)
		highest := 0
		for _, x := range reg.byID {
			r, ok := strings.CutPrefix(x.File, prefix)
			if !ok {
				continue
			}
			if n, numbered, _ := recordName(recordBase(r)); numbered {
				highest = max(highest, n)
			}
		}
		if m[3] == "_" {
			slug = strings.ReplaceAll(slug, "-", "_")
		}
		newName = fmt.Sprintf("%s%0*d%s%s", m[1], len(m[2]), highest+1, m[3], slug)
		st.Name = m[1] + strings.Repeat("N", len(m[2])) + m[3] + "slug"
	default:
		newName = slug
		st.Name = "slug"
	}
	var newRel string
	if perFolder {
		newRel = path.Join(path.Dir(path.Dir(rel)), newName, path.Base(rel))
		st.Name += "/" + path.Base(rel)
	} else {
		newRel = path.Join(path.Dir(rel), newName+path.Ext(rel))
		st.Name += path.Ext(rel)
	}
	if newRel == rel {
		return st, "", fmt.Errorf("draft: the draft would be named %s, as the record it amends", rel)
	}
	if _, ok := reg.Get(recordBase(newRel)); ok && !perFolder && !draftNumberRE().MatchString(newName) {
		return st, "", fmt.Errorf("draft: a record %s exists already", recordBase(newRel))
	}
	return st, newRel, nil
}

// relLink is the link from a file in dir (a slash path in the folder) to
// the file to.
func relLink(dir, to string) string {
	if dir == "." {
		return to
	}
	if r, err := filepath.Rel(filepath.FromSlash(dir), filepath.FromSlash(to)); err == nil {
		return filepath.ToSlash(r)
	}
	return to
}

// supersedeSpelling is the spelling of adr-tools' keyword the folder
// uses: "Supersede" when a record says "Supersedes" or "Superseded by",
// else adr-tools' own "Supercede".
func supersedeSpelling(dir string) string {
	found := "Supercede"
	_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.EqualFold(filepath.Ext(p), ".md") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err == nil && supersedeRE().Match(data) {
			found = "Supersede"
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// phrases returns the link phrases the new record and the target write.
func phrases(st Style, kind LinkKind) (fwd, back string) {
	if kind == Amends {
		return "Amends", "Amended by"
	}
	if st.Format == ADRTools {
		return st.Supersede + "s", st.Supersede + "d by"
	}
	return "Supersedes", "Superseded by"
}

// draftRecord is the new record's Markdown in the style st.
func draftRecord(st Style, d Draft, n int, numbered bool, link string) []byte {
	var b strings.Builder
	date := d.Date.Format(dateLayout)
	section := func(title, text string) {
		text = strings.TrimSpace(text)
		if text == "" {
			text = "To be written."
		}
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", title, text)
	}
	switch st.Format {
	case ADRTools:
		title := d.Title
		if numbered {
			title = fmt.Sprintf("%d. %s", n, d.Title)
		}
		fmt.Fprintf(&b, "# %s\n\nDate: %s\n\n## Status\n\nProposed\n\n%s\n\n", title, date, link)
		section("Context", d.Context)
		section("Decision", d.Decision)
		section("Consequences", d.Consequences)
	case FrontMatter:
		fmt.Fprintf(&b, "---\nstatus: proposed\ndate: %s\n---\n\n# %s\n\n", date, d.Title)
		section("Context and Problem Statement", d.Context)
		section("Decision Outcome", d.Decision)
		section("Consequences", d.Consequences)
		fmt.Fprintf(&b, "## More Information\n\n%s\n", link)
	default:
		fmt.Fprintf(&b, "# %s\n\n* Status: proposed\n* Date: %s\n\n", d.Title, date)
		section("Context and Problem Statement", d.Context)
		section("Decision Outcome", d.Decision)
		section("Consequences", d.Consequences)
		fmt.Fprintf(&b, "## Links\n\n* %s\n", link)
	}
	return []byte(strings.TrimRight(b.String(), "\n") + "\n")
}

// linkBack returns the target's file with its link to the new record, as
// its style writes it.
func linkBack(st Style, src []byte, kind LinkKind, link string) ([]byte, error) {
	nl := "\n"
	if strings.Contains(string(src), "\r\n") {
		nl = "\r\n"
	}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	find := func(titles ...string) (start, end int) {
		start = -1
		inFence := false
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "```") || strings.HasPrefix(strings.TrimSpace(l), "~~~") {
				inFence = !inFence
			}
			if inFence {
				continue
			}
			h := heading(l)
			if h == nil {
				continue
			}
			if start >= 0 {
				return start, i
			}
			for _, t := range titles {
				if strings.EqualFold(strings.TrimSpace(h[2]), t) {
					start = i
				}
			}
		}
		if start >= 0 {
			return start, len(lines)
		}
		return -1, -1
	}
	insert := func(at int, add ...string) {
		lines = append(lines[:at], append(add, lines[at:]...)...)
	}
	// lastText is the index after the last non-blank line in [from, to).
	lastText := func(from, to int) int {
		for i := to - 1; i > from; i-- {
			if strings.TrimSpace(lines[i]) != "" {
				return i + 1
			}
		}
		return from + 1
	}
	switch st.Format {
	case ADRTools:
		s, e := find("Status")
		if s < 0 {
			return nil, errors.New("no Status section to write the link in")
		}
		if kind == Supersedes {
			// adr new -s: the status word gives way to the link.
			for i := s + 1; i < e; i++ {
				if w := strings.TrimSpace(lines[i]); w != "" {
					if _, _, ok := phraseAt(w); !ok {
						lines = append(lines[:i], lines[i+1:]...)
						e--
						if i < e && strings.TrimSpace(lines[i]) == "" {
							lines = append(lines[:i], lines[i+1:]...)
							e--
						}
					}
					break
				}
			}
		}
		at := lastText(s, e)
		insert(at, "", link)
	case FrontMatter:
		s, e := find("More Information")
		if s < 0 {
			lines = trimTrailingBlank(lines)
			lines = append(lines, "", "## More Information", "", link, "")
			break
		}
		insert(lastText(s, e), "", link)
	default:
		s, e := find("Links")
		if s < 0 {
			lines = trimTrailingBlank(lines)
			lines = append(lines, "", "## Links", "", "* "+link, "")
			break
		}
		bullet := "* "
		for i := s + 1; i < e; i++ {
			if t := strings.TrimSpace(lines[i]); strings.HasPrefix(t, "- ") {
				bullet = "- "
				break
			}
		}
		insert(lastText(s, e), bullet+link)
	}
	return []byte(strings.Join(lines, nl)), nil
}

func trimTrailingBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// writeWhole writes data to name through a temporary file in its folder,
// renamed over it: a reader sees the old file or the new, never a part.
// With create, an existing file is an error.
func writeWhole(name string, data []byte, create bool) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(name); err == nil {
		if create {
			return fmt.Errorf("%s exists already", name)
		}
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	switch {
	case err != nil:
	case create:
		// A link, unlike a rename, never replaces a file that appeared
		// since the Stat above.
		if err = os.Link(tmp, name); errors.Is(err, fs.ErrExist) {
			err = fmt.Errorf("%s exists already", name)
		}
	default:
		err = os.Rename(tmp, name)
	}
	if err != nil || create {
		_ = os.Remove(tmp)
	}
	return err
}
