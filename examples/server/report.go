package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// The colours of the charts: the outcomes of checks, the levels of files,
// and how far a version is behind the latest.
const (
	colorPass    = "#1e7b3a"
	colorWarn    = "#c98a00"
	colorFail    = "#b3261e"
	colorAudit   = "#e8867e" // failures of audit rules: recorded, not refused
	colorExempt  = "#6b3fa0"
	colorError   = "#5b6478"
	colorShared  = "#1f6f8b"
	colorManaged = "#6b3fa0"
	colorUnknown = "#9aa3b5"
)

// behindColors colour versions by how many released versions are newer:
// the latest, 1, 2, and 3 or more behind.
var behindColors = [...]string{"#1e7b3a", "#7aa33a", "#d29a1d", "#b3261e"}

// reportView is the data of the report page.
type reportView struct {
	Query reportQuery
	// Error is a bad query, Off says the server keeps no signals.
	Error string
	Off   bool
	R     *report.Report
	// JSONLink is the same report from the API.
	JSONLink string
	// Sources counts the signals of each source: "drift 8, rule 12".
	Sources string

	Revisit     []revisitView
	Decisions   []decisionRow
	DesirePaths []desireView
	Blueprints  []blueprintRow
	// The charts; nil when there is nothing to draw.
	Compliance, Desire, Spread *barChart
}

type revisitView struct {
	report.Revisit
	// Known says the decision is in the registry, or the blueprint in the
	// catalog: its name links to its page.
	Known bool
}

type decisionRow struct {
	report.DecisionReport
	Known bool
}

type desireView struct {
	report.DesirePath
	Anchor string
	Known  bool
	// Proposal is the change gp propose would make of it, if computed.
	Proposal *proposalView
}

type blueprintRow struct {
	report.BlueprintReport
	Known bool
	// Latest is the catalog's latest version, or the newest the signals
	// name.
	Latest string
}

func (s *server) reportPage(w http.ResponseWriter, r *http.Request) {
	q, err := parseReportQuery(r.URL.Query())
	v := &reportView{Query: q, JSONLink: "/api/report"}
	if enc := q.values().Encode(); enc != "" {
		v.JSONLink += "?" + enc
	}
	var bad *badRequest
	switch {
	case errors.As(err, &bad):
		v.Error = bad.msg
		s.page(w, r, http.StatusBadRequest, "report.html", v)
		return
	case s.cfg.Signals == nil:
		v.Off = true
		s.page(w, r, http.StatusServiceUnavailable, "report.html", v)
		return
	}
	rep, err := s.report(r.Context(), q)
	if err != nil {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return
		}
		status, msg := http.StatusInternalServerError, "the report failed"
		switch {
		case errors.Is(err, errBusy):
			status, msg = http.StatusServiceUnavailable, err.Error()
			retryAfter(w, err)
		case errors.Is(err, context.DeadlineExceeded):
			status, msg = http.StatusServiceUnavailable, "the report took too long"
		default:
			s.cfg.Logger.Error("report failed", "err", err)
		}
		s.errorPage(w, r, status, msg)
		return
	}
	s.fillReport(v, rep)
	props := s.proposals(r.Context(), q, rep)
	for i := range v.DesirePaths {
		v.DesirePaths[i].Proposal = props[v.DesirePaths[i].HunkID]
	}
	s.page(w, r, http.StatusOK, "report.html", v)
}

// fillReport builds the page's views and charts of rep.
func (s *server) fillReport(v *reportView, rep *report.Report) {
	v.R = rep
	var sources []string
	for _, src := range feedback.Sources() {
		if n := rep.Sources[src]; n > 0 {
			sources = append(sources, fmt.Sprintf("%s %d", src, n))
		}
	}
	v.Sources = strings.Join(sources, ", ")
	for _, rv := range rep.Revisit {
		known := false
		switch {
		case rv.Decision != "":
			known = s.decisionKnown(rv.Decision)
		case rv.Exception != "":
			id, _, _ := strings.Cut(rv.Exception, "/")
			known = s.decisionKnown(id)
		default:
			_, known = s.cfg.Catalog.Latest(rv.Blueprint)
		}
		v.Revisit = append(v.Revisit, revisitView{rv, known})
	}
	for _, d := range rep.Decisions {
		v.Decisions = append(v.Decisions, decisionRow{d, s.decisionKnown(d.ID)})
	}
	for i, dp := range rep.DesirePaths {
		_, known := s.cfg.Catalog.Latest(dp.Blueprint)
		v.DesirePaths = append(v.DesirePaths, desireView{DesirePath: dp, Anchor: "dp-" + strconv.Itoa(i+1), Known: known})
	}
	for _, b := range rep.Blueprints {
		row := blueprintRow{BlueprintReport: b}
		if e, ok := s.cfg.Catalog.Latest(b.Name); ok {
			row.Known, row.Latest = true, e.Version
		} else if b.Lag != nil && b.Lag.Latest != "" {
			row.Latest = b.Lag.Latest
		} else if len(b.Versions) > 0 {
			row.Latest = b.Versions[0].Version
		}
		v.Blueprints = append(v.Blueprints, row)
	}
	v.Compliance = complianceChart(v.Decisions)
	v.Desire = desireChart(v.DesirePaths)
	v.Spread = s.spreadChart(v.Blueprints)
}

// DesireAnchor returns the anchor of the desire path with the given hunk
// ID in the page, "" if it is not listed.
func (v *reportView) DesireAnchor(hunkID string) string {
	for _, dp := range v.DesirePaths {
		if hunkID != "" && dp.HunkID == hunkID {
			return dp.Anchor
		}
	}
	return ""
}

func (s *server) decisionKnown(id string) bool {
	if s.cfg.Decisions == nil {
		return false
	}
	_, ok := s.cfg.Decisions.Get(id)
	return ok
}

// complianceChart draws the current checks of each decision checked, one
// bar each, as shares of pass, warn (rules in warn mode), fail (rules in
// enforce mode, and checks that do not say), fail (rules in audit mode),
// exempt and error; the note says how many fail on a clean render too.
func complianceChart(ds []decisionRow) *barChart {
	c := &barChart{
		ID:    "chart-compliance",
		Title: "Compliance per decision",
		Desc:  "For each decision, the share of its current checks that pass, warn, fail an enforced rule, fail an audit rule, are exempt or could not be made.",
		Share: true,
		Legend: []legendItem{
			{"pass", colorPass}, {"warn", colorWarn}, {"fail", colorFail}, {"fail (audit)", colorAudit},
			{"exempt", colorExempt}, {"error", colorError},
		},
	}
	for _, d := range ds {
		n := d.Checks
		if n.Total == 0 {
			continue
		}
		note := english.Count(n.Total, "check")
		if n.Baseline > 0 {
			note += fmt.Sprintf(", %d on a clean render", n.Baseline)
		}
		b := bar{Label: d.ID, Title: d.ID, Note: note}
		if d.Title != "" {
			b.Title = d.ID + ": " + d.Title
		}
		if d.Known {
			b.Href = "/decisions/" + url.PathEscape(d.ID)
		}
		for _, o := range []struct {
			n            int
			color, label string
		}{
			{n.Pass, colorPass, "pass"}, {n.Warn, colorWarn, "warn"}, {n.Fail - d.Modes.Audit.Fail, colorFail, "fail"},
			{d.Modes.Audit.Fail, colorAudit, "fail an audit rule"},
			{n.Exempt, colorExempt, "are exempt"}, {n.Error, colorError, "could not be made"},
		} {
			if o.n == 0 {
				continue
			}
			b.Segments = append(b.Segments, segment{
				Value: float64(o.n), Color: o.color,
				Title: fmt.Sprintf("%s: %d of %s %s (%s)", d.ID, o.n, english.Count(n.Total, "check"), o.label, percent(float64(o.n)/float64(n.Total))),
			})
		}
		c.Bars = append(c.Bars, b)
	}
	if len(c.Bars) == 0 {
		return nil
	}
	return c
}

// desireChart draws the desire paths, one bar each, as long as the number
// of projects that made the edit.
func desireChart(dps []desireView) *barChart {
	if len(dps) == 0 {
		return nil
	}
	c := &barChart{
		ID:     "chart-desire",
		Title:  "Desire paths",
		Desc:   "Each downstream edit made the same way in several projects, by the number of projects that made it.",
		Legend: []legendItem{{"in a shared file", colorShared}, {"in a managed file", colorManaged}},
	}
	for _, dp := range dps {
		where := dp.Blueprint + ": " + dp.File
		color := colorShared
		if dp.Level == string(blueprint.Managed) {
			color = colorManaged
		}
		title := fmt.Sprintf("%s, edit %s: %s (%s)", where, dp.HunkID, english.Count(dp.Count, "project"), strings.Join(dp.Projects, ", "))
		c.Bars = append(c.Bars, bar{
			Label: where, Title: where + ", edit " + dp.HunkID,
			Href: "#" + dp.Anchor, Note: english.Count(dp.Count, "project"),
			Segments: []segment{{Value: float64(dp.Count), Color: color, Title: title}},
		})
	}
	return c
}

// spreadChart draws, for each blueprint with projects, the share of its
// projects on each version, coloured by how far the version is behind the
// latest.
func (s *server) spreadChart(bs []blueprintRow) *barChart {
	c := &barChart{
		ID:    "chart-spread",
		Title: "Version spread per blueprint",
		Desc:  "For each blueprint, the share of its projects on each version, coloured by how many released versions are newer.",
		Share: true,
		Legend: []legendItem{
			{"latest", behindColors[0]}, {"1 behind", behindColors[1]}, {"2 behind", behindColors[2]}, {"3 or more behind", behindColors[3]},
		},
	}
	unknown := false
	for _, b := range bs {
		total := 0
		for _, vc := range b.Versions {
			total += vc.Projects
		}
		if total == 0 {
			continue
		}
		br := bar{Label: b.Name, Note: english.Count(total, "project")}
		if b.Known {
			br.Href = "/blueprints/" + url.PathEscape(b.Name)
		}
		for _, vc := range b.Versions {
			behind := s.behind(b, vc.Version)
			color, how := colorUnknown, "a version the catalog does not know"
			if vc.Version == "" {
				how = "an unknown version"
			}
			switch {
			case behind == 0:
				color, how = behindColors[0], "the latest"
			case behind > 0:
				color = behindColors[min(behind, len(behindColors)-1)]
				how = english.Count(behind, "version") + " behind " + b.Latest
			}
			if color == colorUnknown {
				unknown = true
			}
			version := vc.Version
			if version == "" {
				version = "unknown"
			}
			br.Segments = append(br.Segments, segment{
				Value: float64(vc.Projects), Color: color, Text: version,
				Title: fmt.Sprintf("%s %s: %d of %s (%s), %s", b.Name, version, vc.Projects, english.Count(total, "project"),
					percent(float64(vc.Projects)/float64(total)), how),
			})
		}
		c.Bars = append(c.Bars, br)
	}
	if len(c.Bars) == 0 {
		return nil
	}
	if unknown {
		c.Legend = append(c.Legend, legendItem{"unknown version", colorUnknown})
	}
	return c
}

// behind returns how many released versions of b are newer than v: those
// of the catalog when it has the blueprint, else those the report names.
// It returns -1 for a version it cannot place: none, or one newer than
// every version of the catalog.
func (s *server) behind(b blueprintRow, v string) int {
	if v == "" {
		return -1
	}
	var versions []string
	if b.Known {
		for _, e := range s.cfg.Catalog.Versions(b.Name) {
			versions = append(versions, e.Version)
		}
	} else {
		for _, vc := range b.Versions {
			versions = append(versions, vc.Version)
		}
	}
	n := 0
	for _, o := range versions {
		if blueprint.CompareVersions(o, v) > 0 {
			n++
		}
	}
	if n == 0 && b.Known {
		if _, ok := s.cfg.Catalog.Entry(b.Name, v); !ok {
			return -1
		}
	}
	return n
}

// percent writes a share as a whole percentage, or with one decimal under
// 10%: "40%", "2.5%".
func percent(f float64) string {
	p := f * 100
	if p > 0 && p < 10 && p != float64(int(p)) {
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(p, 'f', 0, 64) + "%"
}

// hunkLine is one line of a diff hunk, with its class: add, del, at (the
// header) or ctx.
type hunkLine struct {
	Class, Text string
}

// hunkLines splits a hunk into lines for the page.
func hunkLines(h string) []hunkLine {
	var out []hunkLine
	for _, l := range strings.Split(strings.TrimSuffix(h, "\n"), "\n") {
		class := "ctx"
		switch {
		case strings.HasPrefix(l, "@@"):
			class = "at"
		case strings.HasPrefix(l, "+"):
			class = "add"
		case strings.HasPrefix(l, "-"):
			class = "del"
		}
		out = append(out, hunkLine{class, l})
	}
	return out
}

// reasonLabel names a reason on the page.
func reasonLabel(r report.Reason) string {
	switch r {
	case report.ReasonExemptionRate:
		return "many exemptions"
	case report.ReasonDesirePathAgainstRule:
		return "desire path against a rule"
	case report.ReasonManagedEdits:
		return "managed file edited"
	case report.ReasonUpgradeConflicts:
		return "upgrade conflicts"
	case report.ReasonLowRating:
		return "low rating"
	case report.ReasonBaselineFailure:
		return "fails on a clean render"
	case report.ReasonUnneededException:
		return "exception no longer needed"
	case report.ReasonRevisitByPassed:
		return "revisit-by date passed"
	case report.ReasonProposedTooLong:
		return "proposed for too long"
	}
	return string(r)
}
