package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/scan"
	"github.com/goldenpath-dev/goldenpath/render"
)

// The bounds of a project archive POST /api/blueprints/{name}/upgrade
// unpacks, beyond the request body's own (config.MaxBody, compressed).
const (
	maxProjectEntries = 10_000
	maxProjectBytes   = 64 << 20
)

// apiUpgrade upgrades the project the request body holds — a .tar.gz with
// the project under one top-level directory, as POST .../render answers —
// to the version ?to= of the blueprint (default: the newest), and answers
// the upgraded project in the same form: 200 when every file merged, 409
// with the conflicts marked in the files when some did not (the archive's
// manifest lists them; gp upgrade --resolved, or a new upload once they are
// resolved, goes on). Both carry Goldenpath-Upgrade ("go-service 1.4.0
// 2.0.0") and Goldenpath-Conflicts (the number of files in conflict). The
// base of the three-way merge is the version the project records, taken
// from the server's catalog, never from the source the manifest names.
//
// The upgrade holds a render slot, and each of its two parameter
// resolutions an evaluation slot (s.resolve).
//
// With a store, every file's outcome (merged, conflict, overwritten, kept)
// is recorded as gp upgrade --store records it (scan.Upgrade), so that the
// report counts conflicts per file; with --signals-token the request needs
// it, as POST /api/signals does.
func (s *server) apiUpgrade(w http.ResponseWriter, r *http.Request) {
	to, e, err := s.lookup(r.Context(), r.PathValue("name"), r.URL.Query().Get("to"))
	if err != nil {
		s.apiError(w, r, err, nil)
		return
	}
	if s.cfg.Signals != nil && !s.signalsAuthorized(w, r, "POST /api/blueprints/{name}/upgrade records to the store and needs") {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		switch mt {
		case "application/gzip", "application/x-gzip", "application/octet-stream", "application/x-www-form-urlencoded":
			// The last is curl --data-binary's default.
		default:
			writeJSON(w, http.StatusUnsupportedMediaType, apiProblem{Error: "send the project as application/gzip: a .tar.gz as POST .../render answers"})
			return
		}
	}
	body, err := s.readBody(w, r)
	if err != nil {
		s.apiError(w, r, err, &e)
		return
	}
	acquired, err := s.acquire(r.Context())
	if err != nil {
		s.apiError(w, r, err, &e)
		return
	}
	// The slot is released once the archive is written, so that a slow
	// download does not hold it.
	release := sync.OnceFunc(acquired)
	defer release()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RenderTimeout)
	defer cancel()
	dir, err := os.MkdirTemp(s.cfg.TempDir, renderDirPattern())
	if err != nil {
		s.apiError(w, r, err, &e)
		return
	}
	defer os.RemoveAll(dir)

	root, err := unpackProject(ctx, body, filepath.Join(dir, "in"))
	if err != nil {
		s.apiError(w, r, err, &e)
		return
	}
	project := filepath.Join(dir, "in", root)
	p, err := render.OpenProject(project)
	if errors.Is(err, render.ErrNotProject) {
		writeJSON(w, http.StatusUnprocessableEntity, apiProblem{Error: fmt.Sprintf("the archive's %s/ holds no %s: not a project goldenpath rendered", root, render.ManifestPath), Blueprint: e.Name})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiProblem{Error: "the archive's project: " + err.Error(), Blueprint: e.Name})
		return
	}
	m := p.Manifest()
	if m.Blueprint.Name != to.Name {
		writeJSON(w, http.StatusUnprocessableEntity, apiProblem{Error: fmt.Sprintf("the project was rendered from %s, not %s", m.Blueprint.Name, to.Name), Blueprint: e.Name})
		return
	}
	base, err := s.cfg.Catalog.Load(ctx, m.Blueprint.Name, m.Blueprint.Version)
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiProblem{Error: fmt.Sprintf("the catalog has no %s %s, the version the project records: without it the project's edits cannot be told from the blueprint's", m.Blueprint.Name, m.Blueprint.Version), Blueprint: e.Name})
		return
	}
	// Both resolutions (the recorded parameters against the base, the
	// migrated ones against to) evaluate values the uploader chose: they
	// take evaluation slots and keep them until CUE returns, as a
	// validation does, even when the request gives up first.
	res, err := s.cfg.Engine.Upgrade(ctx, p, to, &render.UpgradeOptions{Base: base, Resolve: s.resolve})
	if err != nil {
		s.upgradeError(w, r, err, e)
		return
	}
	f, err := os.Create(filepath.Join(dir, "project.tar.gz"))
	if err != nil {
		s.apiError(w, r, err, &e)
		return
	}
	a := &archive{dir: dir, file: f, name: root + ".tar.gz"}
	defer f.Close()
	if err := writeTarGz(ctx, f, project, root); err != nil {
		s.apiError(w, r, err, &e)
		return
	}
	if a.size, err = f.Seek(0, io.SeekCurrent); err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.apiError(w, r, err, &e)
		return
	}
	// Recorded once the answer is ready, so that an upload retried after a
	// failure here is not counted twice.
	if s.cfg.Signals != nil {
		subject := feedback.Subject{Project: root, Blueprint: m.Blueprint.Name, Version: m.Blueprint.Version}
		if err := s.cfg.Signals.Append(ctx, scan.Upgrade(s.cfg.Recorder, subject, res)...); err != nil {
			s.cfg.Logger.Error("recording an upgrade", "project", root, "err", err)
			writeJSON(w, http.StatusInternalServerError, apiProblem{Error: "the upgrade's outcome could not be recorded; nothing is answered, upload the project again", Blueprint: e.Name, Version: e.Version})
			return
		}
	}
	h := w.Header()
	h.Set("Goldenpath-Upgrade", fmt.Sprintf("%s %s %s", to.Name, res.From.Version, res.To.Version))
	h.Set("Goldenpath-Conflicts", strconv.Itoa(res.Conflicts()))
	status := http.StatusOK
	if res.Conflicts() > 0 {
		status = http.StatusConflict
	}
	release()
	a.serveStatus(w, status)
}

// upgradeError answers an upgrade that did not run: 409 when the project
// still holds the conflicts of an earlier upgrade, 422 when its recorded
// parameters do not fit the new version, else as apiError does.
func (s *server) upgradeError(w http.ResponseWriter, r *http.Request, err error, e blueprint.CatalogEntry) {
	var (
		ce *render.ConflictsError
		pe *render.ParamsError
		ve *blueprint.ValidationError
	)
	switch {
	case errors.As(err, &ce):
		var files []string
		for _, f := range ce.Files {
			files = append(files, f.Path)
		}
		writeJSON(w, http.StatusConflict, apiProblem{Error: "the project holds conflicts of an earlier upgrade that are not resolved: " + strings.Join(files, ", "), Blueprint: e.Name, Version: e.Version})
	case errors.As(err, &pe) && errors.As(pe.Err, &ve):
		p := apiProblem{Error: "the recorded parameters, migrated, do not fit " + e.Name + " " + e.Version, Blueprint: e.Name, Version: e.Version}
		var n int
		p.Fields, n = s.capFields(fieldErrors(ve))
		p.Omitted += n
		writeJSON(w, http.StatusUnprocessableEntity, p)
	default:
		s.apiError(w, r, err, &e)
	}
}

// unpackProject unpacks a project archive into dir, which it creates, and
// returns the name of the archive's one top-level directory. It writes
// through an os.Root, so nothing lands outside dir, and takes only
// directories and regular files, at most maxProjectEntries of them and
// maxProjectBytes in all; anything else is a *badRequest naming the entry.
func unpackProject(ctx context.Context, body []byte, dir string) (string, error) {
	gz, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return "", &badRequest{"the body is not a .tar.gz: " + err.Error()}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	tr := tar.NewReader(gz)
	top := ""
	var total int64
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", &badRequest{fmt.Sprintf("the archive, after %s: %v", english.Count(n, "entry"), err)}
		}
		if n >= maxProjectEntries {
			return "", &badRequest{fmt.Sprintf("the archive has more than %d entries", maxProjectEntries)}
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue // git archive's pax_global_header: metadata, no file
		}
		name := strings.TrimSuffix(strings.TrimPrefix(hdr.Name, "./"), "/")
		if !fs.ValidPath(name) || name == "." {
			return "", &badRequest{fmt.Sprintf("archive entry %q: not a relative path inside the project", hdr.Name)}
		}
		first, _, _ := strings.Cut(name, "/")
		if top == "" {
			if !safeName.MatchString(first) {
				return "", &badRequest{fmt.Sprintf("archive entry %q: the top-level directory must be a project name (letters, digits, '.', '_', '-')", hdr.Name)}
			}
			top = first
		} else if first != top {
			return "", &badRequest{fmt.Sprintf("archive entry %q is outside %s/: a project archive holds one top-level directory", hdr.Name, top)}
		}
		perm := fs.FileMode(hdr.Mode).Perm() | 0o600
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(name, 0o755); err != nil {
				return "", &badRequest{fmt.Sprintf("archive entry %q: %v", hdr.Name, err)}
			}
		case tar.TypeReg:
			if total += hdr.Size; total > maxProjectBytes {
				return "", &badRequest{fmt.Sprintf("the archive unpacks to more than %d bytes", maxProjectBytes)}
			}
			if d := path.Dir(name); d != "." {
				if err := root.MkdirAll(d, 0o755); err != nil {
					return "", &badRequest{fmt.Sprintf("archive entry %q: %v", hdr.Name, err)}
				}
			}
			f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
			if err != nil {
				return "", &badRequest{fmt.Sprintf("archive entry %q: %v", hdr.Name, err)}
			}
			_, err = io.Copy(f, io.LimitReader(tr, hdr.Size))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return "", &badRequest{fmt.Sprintf("archive entry %q: %v", hdr.Name, err)}
			}
		default:
			return "", &badRequest{fmt.Sprintf("archive entry %q is not a directory or a regular file: a project archive holds only those", hdr.Name)}
		}
	}
	if top == "" {
		return "", &badRequest{"the archive is empty"}
	}
	return top, nil
}
