package decision

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// recordFile is a Markdown file read as a record.
type recordFile struct {
	path   string // slash path in the folder
	record string // the name the record is known by when it is not the file's: its folder's
}

// walkRecords lists the records of a folder in path order, and a note for
// every Markdown file that is not read as one. A record is a Markdown file,
// or the index.md or README.md of a folder named like a record
// (0003-name/, adr-003-name/, 20200925-name/) — or the one Markdown file of
// such a folder: the folder is the record, and its other Markdown files
// are parts of it. Directories whose names
// start with "." or "_", and node_modules, are not entered.
func walkRecords(fsys fs.FS, prefix string, opts *Options) ([]recordFile, []Problem, error) {
	maxFiles := opts.MaxFiles
	if maxFiles <= 0 {
		maxFiles = 10_000
	}
	skip := opts.Skip
	if skip == nil {
		skip = DefaultSkip()
	}
	for _, p := range skip {
		if _, err := path.Match(p, ""); err != nil {
			return nil, nil, fmt.Errorf("skip pattern %q: %w", p, err)
		}
	}
	var mds []string
	indexes := map[string][]string{} // record folder -> its index.md/README.md files
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") || d.Name() == "node_modules") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.EqualFold(path.Ext(p), ".md") {
			return nil
		}
		mds = append(mds, p)
		if len(mds) > maxFiles {
			return fmt.Errorf("%w: more than %d", ErrTooManyFiles, maxFiles)
		}
		if dir := path.Dir(p); dir != "." && isIndexFile(p) && recordDir(path.Base(dir)) {
			indexes[dir] = append(indexes[dir], p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(mds)
	// A folder that holds records of its own is a category, whatever its
	// name: its index is the category's.
	for _, p := range mds {
		base := path.Base(p)
		if _, numbered, dated := recordName(strings.TrimSuffix(base, path.Ext(base))); numbered || dated {
			delete(indexes, path.Dir(p))
		}
	}
	// A numbered folder without an index whose one Markdown file is not
	// named like a record is that record too: 0003-use-kafka/decision.md.
	perDir := map[string][]string{}
	for _, p := range mds {
		perDir[path.Dir(p)] = append(perDir[path.Dir(p)], p)
	}
	for dir, ps := range perDir {
		if _, ok := indexes[dir]; ok || dir == "." || len(ps) != 1 {
			continue
		}
		base := path.Base(ps[0])
		_, numbered, dated := recordName(strings.TrimSuffix(base, path.Ext(base)))
		if recordDir(path.Base(dir)) && !numbered && !dated {
			if _, skip := skipped(ps[0], skip); !skip {
				indexes[dir] = ps
			}
		}
	}
	name := func(p string) string {
		if prefix == "" {
			return p
		}
		return prefix + "/" + p
	}
	var files []recordFile
	var notes []Problem
	for _, p := range mds {
		at := Position{Filename: name(p), Line: 1, Column: 1}
		if dir, ok := recordFolder(p, indexes); ok {
			idx := indexes[dir]
			slices.SortFunc(idx, func(a, b string) int { return cmp.Compare(indexRank(a), indexRank(b)) })
			if p == idx[0] {
				files = append(files, recordFile{path: p, record: path.Base(dir)})
			} else {
				notes = append(notes, notef(at, Layout, "skipped: part of the record folder %s", name(dir)))
			}
			continue
		}
		if pat, ok := skipped(p, skip); ok {
			notes = append(notes, notef(at, Layout, "skipped: not a record by the pattern %q", pat))
			continue
		}
		files = append(files, recordFile{path: p})
	}
	return files, notes, nil
}

// recordDir reports whether a folder's name is a record's: numbered or
// dated, with a slug ("0003-use-kafka", "adr-003-x", "20200925-x"); a bare
// number ("2023") names a category of records.
func recordDir(name string) bool {
	_, numbered, dated := recordName(name)
	return (numbered || dated) && strings.ContainsFunc(name, func(r rune) bool { return r < '0' || r > '9' })
}

func isIndexFile(p string) bool {
	b := strings.ToLower(path.Base(p))
	return b == "index.md" || b == "readme.md"
}

// indexRank orders a record folder's index files: index.md first.
func indexRank(p string) int {
	if strings.EqualFold(path.Base(p), "index.md") {
		return 0
	}
	return 1
}

// recordFolder returns the record folder p is in, if any.
func recordFolder(p string, indexes map[string][]string) (string, bool) {
	for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
		if _, ok := indexes[dir]; ok {
			return dir, true
		}
	}
	return "", false
}

// skipped returns the skip pattern that matches p's name or slash path.
func skipped(p string, patterns []string) (string, bool) {
	lower := strings.ToLower(p)
	base := path.Base(lower)
	for _, pat := range patterns {
		lp := strings.ToLower(pat)
		if ok, _ := path.Match(lp, base); ok {
			return pat, true
		}
		if ok, _ := path.Match(lp, lower); ok {
			return pat, true
		}
	}
	return "", false
}

// sortProblems sorts problems by position, stably.
func sortProblems(probs []Problem) {
	slices.SortStableFunc(probs, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.Pos.Filename, b.Pos.Filename), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
	})
}
