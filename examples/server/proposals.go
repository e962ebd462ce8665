package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/propose"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
	"github.com/goldenpath-dev/goldenpath/render"
)

// proposalView is what the report page shows of a desire path's proposal:
// the template diff and its verification, or why there is none.
type proposalView struct {
	// Status is applied, refused or needs-decision; "" when no proposal
	// was computed (Note says why).
	Status  propose.EditStatus
	Reason  string
	Note    string
	Version string // the version the proposal would make
	Diff    []hunkLine
	Checked string // the verification, in a sentence
}

// proposals computes, for every blueprint of the report's desire paths
// that the catalog has, the proposal of its next version from the
// store (feedback/propose), and returns the view of each desire path by
// hunk ID. Nothing is written: the page shows what gp propose would write.
//
// The projects' recorded parameters are read from their manifests under
// config.Projects only: a signal's directory is taken relative to it, and
// one that leaves it is unreadable. Without config.Projects no proposal is
// computed.
//
// The proposals are cached as the report is (server.cached): computed in a
// report slot, once per query until the store changes or ReportTTL
// passes. When they cannot be computed (no free slot, too long), each
// desire path says so.
func (s *server) proposals(ctx context.Context, q reportQuery, rep *report.Report) map[string]*proposalView {
	v, err := s.cached(ctx, "proposals?"+q.values().Encode(), func(ctx context.Context) (any, error) {
		return s.computeProposals(ctx, q, rep), nil
	})
	if out, ok := v.(map[string]*proposalView); ok && err == nil {
		return out
	}
	out := map[string]*proposalView{}
	for _, dp := range rep.DesirePaths {
		out[dp.HunkID] = &proposalView{Note: "no proposal: it could not be computed now (" + fmt.Sprint(err) + ")"}
	}
	return out
}

func (s *server) computeProposals(ctx context.Context, q reportQuery, rep *report.Report) map[string]*proposalView {
	out := map[string]*proposalView{}
	if len(rep.DesirePaths) == 0 {
		return out
	}
	if s.cfg.Projects == "" {
		for _, dp := range rep.DesirePaths {
			out[dp.HunkID] = &proposalView{Note: "no proposal: the server reads no projects (start it with --projects DIR, the directory the scanned projects are in)"}
		}
		return out
	}
	done := map[string]bool{}
	for _, dp := range rep.DesirePaths {
		if done[dp.Blueprint] {
			continue
		}
		done[dp.Blueprint] = true
		entry, ok := propose.BaseVersion(rep, s.cfg.Catalog, dp.Blueprint)
		if !ok {
			continue
		}
		bp, err := s.cfg.Catalog.Load(ctx, entry.Name, entry.Version)
		if err != nil {
			s.cfg.Logger.Warn("proposal: loading the blueprint", "blueprint", dp.Blueprint, "err", err)
			continue
		}
		f := q.filter
		pr, err := propose.Propose(ctx, s.cfg.Signals, bp, &propose.Options{
			MinProjects: q.minProjects, Filter: f, Now: s.cfg.Now, Registry: s.cfg.Decisions,
			Manifest: s.readManifest,
		})
		if err != nil {
			s.cfg.Logger.Warn("proposal failed", "blueprint", dp.Blueprint, "err", err)
			continue
		}
		for _, c := range pr.Changes {
			v := &proposalView{Status: c.Status, Reason: c.Reason, Version: pr.Version}
			if c.Status == propose.Applied {
				d := c.Diff
				if i := strings.Index(d, "\n@@"); i >= 0 {
					d = d[i+1:] // the hunks, without the file names
				}
				v.Diff = hunkLines(d)
				v.Checked = c.Verification.String()
			}
			out[c.HunkID] = v
		}
	}
	return out
}

// readManifest reads a project's manifest under config.Projects: the
// signal's directory, relative to it, or absolute and inside it; through
// an os.Root, so that no symbolic link leads out of it.
func (s *server) readManifest(_ context.Context, subject feedback.Subject) (*render.Manifest, error) {
	dir := subject.Dir
	if dir == "" {
		return nil, errors.New("the signals record no directory")
	}
	root, err := filepath.Abs(s.cfg.Projects)
	if err != nil {
		return nil, err
	}
	if filepath.IsAbs(dir) {
		rel, err := filepath.Rel(root, dir)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("%s is not under the server's projects directory", filepath.Base(dir))
		}
		dir = rel
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	f, err := r.Open(path.Join(filepath.ToSlash(dir), render.ManifestPath))
	if err != nil {
		return nil, fmt.Errorf("no manifest in %s under the server's projects directory", filepath.Base(dir))
	}
	defer f.Close()
	return render.DecodeManifest(f)
}
