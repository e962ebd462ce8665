package fetch

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	getter "github.com/hashicorp/go-getter/v2"
)

// TreeError is an entry of an archive or a repository that is refused.
type TreeError struct {
	Path   string
	Reason string
}

// Error names the entry and the reason.
func (e *TreeError) Error() string { return fmt.Sprintf("%s: %s", e.Path, e.Reason) }

// ErrTooManyFiles is returned when an archive or tree holds more files than
// allowed.
var ErrTooManyFiles = errors.New("too many files")

// limits bound what one source may unpack to.
type limits struct {
	files int   // entries
	bytes int64 // total uncompressed bytes
}

// scanArchive reads the whole archive once before anything is extracted and
// refuses symlinks, hard links, devices, FIFOs, absolute or escaping names,
// and archives whose entries or uncompressed bytes pass the limits — counting
// the bytes actually decompressed, not the sizes the headers claim.
func scanArchive(file, format string, lim limits) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	switch format {
	case "zip":
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		return scanZip(f, fi.Size(), lim)
	default:
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		defer gz.Close()
		return scanTar(gz, lim)
	}
}

func checkEntryName(name string) error {
	n := strings.TrimSuffix(name, "/")
	switch {
	case n == "" || n == ".":
		return nil
	case strings.HasPrefix(n, "/") || filepath.IsAbs(n) || (len(n) > 1 && n[1] == ':'):
		return &TreeError{Path: name, Reason: "absolute path in archive"}
	case strings.Contains(n, `\`):
		return &TreeError{Path: name, Reason: "backslash in archive path"}
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return &TreeError{Path: name, Reason: "path leaves the archive"}
		}
	}
	if strings.ContainsRune(n, 0) {
		return &TreeError{Path: name, Reason: "NUL in archive path"}
	}
	return nil
}

func scanTar(r io.Reader, lim limits) error {
	tr := tar.NewReader(r)
	var files int
	var total int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		switch h.Typeflag {
		case tar.TypeXGlobalHeader, tar.TypeXHeader:
			continue
		case tar.TypeReg, tar.TypeDir:
		case tar.TypeSymlink:
			return &TreeError{Path: h.Name, Reason: "symlinks are not allowed (-> " + h.Linkname + ")"}
		case tar.TypeLink:
			return &TreeError{Path: h.Name, Reason: "hard links are not allowed (-> " + h.Linkname + ")"}
		default:
			return &TreeError{Path: h.Name, Reason: fmt.Sprintf("entry type %q is not allowed", h.Typeflag)}
		}
		if err := checkEntryName(h.Name); err != nil {
			return err
		}
		files++
		if lim.files > 0 && files > lim.files {
			return fmt.Errorf("archive: %w (more than %d)", ErrTooManyFiles, lim.files)
		}
		n, err := io.Copy(io.Discard, io.LimitReader(tr, lim.bytes-total+1))
		if err != nil {
			return fmt.Errorf("archive: %s: %w", h.Name, err)
		}
		total += n
		if lim.bytes > 0 && total > lim.bytes {
			return fmt.Errorf("archive: %w: more than %d bytes uncompressed", ErrDownloadTooLarge, lim.bytes)
		}
	}
}

func scanZip(r io.ReaderAt, size int64, lim limits) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if lim.files > 0 && len(zr.File) > lim.files {
		return fmt.Errorf("archive: %w (%d > %d)", ErrTooManyFiles, len(zr.File), lim.files)
	}
	var total int64
	for _, f := range zr.File {
		if err := checkEntryName(f.Name); err != nil {
			return err
		}
		m := f.Mode()
		switch {
		case m&fs.ModeSymlink != 0:
			return &TreeError{Path: f.Name, Reason: "symlinks are not allowed"}
		case m.IsDir():
			continue
		case !m.IsRegular():
			return &TreeError{Path: f.Name, Reason: "special files are not allowed"}
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("archive: %s: %w", f.Name, err)
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, lim.bytes-total+1))
		rc.Close()
		if err != nil {
			return fmt.Errorf("archive: %s: %w", f.Name, err)
		}
		total += n
		if lim.bytes > 0 && total > lim.bytes {
			return fmt.Errorf("archive: %w: more than %d bytes uncompressed", ErrDownloadTooLarge, lim.bytes)
		}
	}
	return nil
}

// extract unpacks a scanned archive into dst with go-getter's limited
// decompressors, then checks the tree it wrote.
func extract(file, format, dst string, lim limits) error {
	d := getter.LimitedDecompressors(lim.files, lim.bytes)[format]
	if d == nil {
		return fmt.Errorf("archive format %q is not supported", format)
	}
	if err := d.Decompress(dst, file, true, 0o022); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return checkTree(dst, lim)
}

// checkTree walks a fetched tree without following links and refuses
// anything but regular files and directories, hard-linked files included,
// and trees past the limits. It is the last line behind the archive scan and
// the git tree check.
func checkTree(root string, lim limits) error {
	var files int
	var total int64
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return &TreeError{Path: rel, Reason: "only regular files and directories are allowed"}
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		links, err := linkCount(p, fi)
		if err != nil {
			return err
		}
		if links > 1 {
			return &TreeError{Path: rel, Reason: "hard links are not allowed"}
		}
		files++
		total += fi.Size()
		if lim.files > 0 && files > lim.files {
			return fmt.Errorf("%w (more than %d)", ErrTooManyFiles, lim.files)
		}
		if lim.bytes > 0 && total > lim.bytes {
			return fmt.Errorf("%w: more than %d bytes", ErrDownloadTooLarge, lim.bytes)
		}
		return nil
	})
}

// within reports whether rel (slash-separated, cleaned) stays inside a tree.
func within(rel string) bool {
	return rel == "." || (fs.ValidPath(rel) && !strings.HasPrefix(path.Clean(rel), "../"))
}
