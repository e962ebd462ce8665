package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

// archive is a rendered project packed as a .tar.gz in a temporary
// directory, which Close removes.
type archive struct {
	dir  string
	file *os.File
	size int64
	// name is the file name offered for the download.
	name string
	plan *render.Plan
}

// Close closes the archive and removes its temporary directory.
func (a *archive) Close() error {
	a.file.Close()
	return os.RemoveAll(a.dir)
}

// serve sends the archive as a download.
func (a *archive) serve(w http.ResponseWriter) { a.serveStatus(w, http.StatusOK) }

// serveStatus sends the archive as a download with the status code.
func (a *archive) serveStatus(w http.ResponseWriter, status int) {
	h := w.Header()
	h.Set("Content-Type", "application/gzip")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.name}))
	h.Set("Content-Length", strconv.FormatInt(a.size, 10))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.Copy(w, a.file)
}

// renderArchive renders bp with params into a new temporary directory and
// packs the project, under a top-level directory named after it, into a
// .tar.gz beside it. The render slot is released once the archive is
// written, so that a slow download does not hold one. On error nothing is
// left on disk; on success the caller must Close the archive.
func (s *server) renderArchive(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params) (_ *archive, err error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RenderTimeout)
	defer cancel()

	dir, err := os.MkdirTemp(s.cfg.TempDir, renderDirPattern())
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	project := filepath.Join(dir, "project")
	plan, err := s.cfg.Engine.Render(ctx, bp, params, project, nil)
	if err != nil {
		return nil, err
	}
	root := projectName(bp, params)
	f, err := os.Create(filepath.Join(dir, "project.tar.gz"))
	if err != nil {
		return nil, err
	}
	a := &archive{dir: dir, file: f, name: root + ".tar.gz", plan: plan}
	if err := writeTarGz(ctx, f, project, root); err != nil {
		f.Close()
		return nil, err
	}
	if a.size, err = f.Seek(0, io.SeekCurrent); err != nil {
		f.Close()
		return nil, err
	}
	if _, err = f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

// safeName is a project name fit for a file name and an archive's root.
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// projectName names the project after its "name" parameter, else after
// the blueprint.
func projectName(bp *blueprint.Blueprint, params *blueprint.Params) string {
	if v, ok := params.Lookup("name"); ok {
		if s, ok := v.(string); ok && safeName.MatchString(s) {
			return s
		}
	}
	if safeName.MatchString(bp.Name) {
		return bp.Name
	}
	return "project"
}

// archiveTime is the modification time of every entry, so that the same
// render always gives the same archive.
var archiveTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// writeTarGz writes the tree in dir as a gzipped tar archive whose entries
// are under root/. It reads dir through an os.Root, so nothing outside it
// is read, and packs only directories and regular files, in lexical order
// with fixed times and owners.
func writeTarGz(ctx context.Context, w io.Writer, dir, root string) error {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	fsys := r.FS()
	err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr := &tar.Header{
			Name:    path.Join(root, name),
			Mode:    int64(info.Mode().Perm()),
			ModTime: archiveTime,
			Format:  tar.FormatPAX,
		}
		switch {
		case d.IsDir():
			hdr.Typeflag, hdr.Name = tar.TypeDir, hdr.Name+"/"
			return tw.WriteHeader(hdr)
		case info.Mode().IsRegular():
			hdr.Typeflag, hdr.Size = tar.TypeReg, info.Size()
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			f, err := fsys.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, io.LimitReader(f, info.Size()))
			return err
		}
		return nil // a render writes nothing else
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}
