package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// The bounds of a rating's comment and rater's name, in characters.
const (
	maxComment = 2000
	maxRater   = 100
)

// errNoStore is the answer of the feedback routes when the server runs
// without --store.
var errNoStore = errors.New("feedback is off: the server was started without --store")

// badRequest is an error in a request's body or query: 400.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

// invalidSignal is a signal or rating that is well-formed JSON but not
// valid: 422. Index is its position in the request, from 0.
type invalidSignal struct {
	Index int
	Err   error
}

func (e *invalidSignal) Error() string { return fmt.Sprintf("signal %d: %v", e.Index, e.Err) }
func (e *invalidSignal) Unwrap() error { return e.Err }

// signalsAuthorized reports whether r carries the signals token, when the
// server has one; if not, it answers 401, what saying what the route needs.
func (s *server) signalsAuthorized(w http.ResponseWriter, r *http.Request, what string) bool {
	tok := s.cfg.SignalsToken
	if tok == "" {
		return true
	}
	got, ok := bearerToken(r.Header.Get("Authorization"))
	if ok && subtle.ConstantTimeCompare([]byte(got), []byte(tok)) == 1 {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="goldenpath signals"`)
	writeJSON(w, http.StatusUnauthorized, apiProblem{Error: what + " the server's signals token: Authorization: Bearer TOKEN"})
	return false
}

// ratingBody is the short form of a rating POST /api/signals accepts.
type ratingBody struct {
	Blueprint string   `json:"blueprint"`
	Decision  string   `json:"decision"`
	Score     *float64 `json:"score"`
	Comment   string   `json:"comment"`
	By        string   `json:"by"`
}

// apiSignals appends the signals of the request body to the store: one
// signal in its JSON form, several as a JSON array or as JSON Lines, or
// ratings in their short form, mixed at will. Nothing is stored unless
// every one is valid.
func (s *server) apiSignals(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Signals == nil {
		writeJSON(w, http.StatusServiceUnavailable, apiProblem{Error: errNoStore.Error()})
		return
	}
	if !s.signalsAuthorized(w, r, "POST /api/signals needs") {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		switch mt {
		case "application/json", "application/jsonl", "application/x-ndjson", "application/x-jsonlines":
		case "application/x-www-form-urlencoded":
			// curl --data's default: take the body as JSON.
		default:
			writeJSON(w, http.StatusUnsupportedMediaType, apiProblem{Error: "send signals as application/json (one, an array, or JSON Lines)"})
			return
		}
	}
	body, err := s.readBody(w, r)
	if err != nil {
		s.feedbackError(w, r, err)
		return
	}
	signals, err := s.decodeSignals(body)
	if err != nil {
		s.feedbackError(w, r, err)
		return
	}
	if err := s.cfg.Signals.Append(r.Context(), signals...); err != nil {
		s.feedbackError(w, r, err)
		return
	}
	ids := make([]string, len(signals))
	for i, sg := range signals {
		ids[i] = sg.ID
	}
	writeJSON(w, http.StatusCreated, map[string]any{"stored": len(ids), "ids": ids})
}

// decodeSignals reads the body of POST /api/signals: a JSON object, an
// array of objects, or objects one after the other (JSON Lines). Each
// object is a signal in its JSON form ("v": 1), stamped with an ID and a
// time if it lacks them, or a rating in its short form.
func (s *server) decodeSignals(body []byte) ([]feedback.Signal, error) {
	var items []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		if err := dec.Decode(&items); err != nil {
			return nil, &badRequest{"the body is not a JSON array of signals: " + err.Error()}
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, &badRequest{"the body holds more than one JSON array"}
		}
	} else {
		for {
			var raw json.RawMessage
			err := dec.Decode(&raw)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, &badRequest{fmt.Sprintf("signal %d is not JSON: %v", len(items), err)}
			}
			items = append(items, raw)
		}
	}
	if len(items) == 0 {
		return nil, &badRequest{"no signals in the body: send one signal, an array, or JSON Lines"}
	}
	out := make([]feedback.Signal, 0, len(items))
	for i, raw := range items {
		sg, err := s.decodeSignal(raw)
		if err != nil {
			var br *badRequest
			if errors.As(err, &br) {
				return nil, &badRequest{fmt.Sprintf("signal %d: %s", i, br.msg)}
			}
			return nil, &invalidSignal{i, err}
		}
		out = append(out, sg)
	}
	return out, nil
}

// decodeSignal decodes one object of a request: a signal if it has "v", a
// rating if it has "score".
func (s *server) decodeSignal(raw json.RawMessage) (feedback.Signal, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return feedback.Signal{}, &badRequest{"want a JSON object"}
	}
	if _, ok := members["v"]; ok {
		return s.decodeFull(members)
	}
	if _, ok := members["score"]; ok {
		return s.decodeRating(raw)
	}
	return feedback.Signal{}, &badRequest{`want a signal in its JSON form ({"v": 1, "source": …}) or a rating ({"blueprint" or "decision", "score", "comment", "by"})`}
}

// decodeFull decodes a signal in its JSON form, after giving it an ID and
// a time from the recorder when it has none.
func (s *server) decodeFull(members map[string]json.RawMessage) (feedback.Signal, error) {
	var given feedback.Signal
	needID, needTime := true, true
	if raw, ok := members["id"]; ok {
		var id string
		if json.Unmarshal(raw, &id) != nil || id != "" {
			needID = false // an ID that is not a string is DecodeSignal's to refuse
		}
	}
	if raw, ok := members["time"]; ok && string(raw) != "null" && string(raw) != `""` {
		needTime = false
		// A time that does not decode is DecodeSignal's to refuse.
		_ = json.Unmarshal(raw, &given.Time)
	}
	if needID || needTime {
		stamped := s.cfg.Recorder.Stamp(given)
		if needTime {
			b, err := json.Marshal(stamped.Time.UTC())
			if err != nil {
				return feedback.Signal{}, err
			}
			members["time"] = b
		}
		if needID {
			b, err := json.Marshal(stamped.ID)
			if err != nil {
				return feedback.Signal{}, err
			}
			members["id"] = b
		}
	}
	b, err := json.Marshal(members)
	if err != nil {
		return feedback.Signal{}, err
	}
	return feedback.DecodeSignal(b)
}

// decodeRating decodes a rating in its short form, of a blueprint of the
// catalog or a decision of the registry.
func (s *server) decodeRating(raw json.RawMessage) (feedback.Signal, error) {
	var rb ratingBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rb); err != nil {
		return feedback.Signal{}, fmt.Errorf("rating: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if rb.Score == nil {
		return feedback.Signal{}, errors.New("rating: score is required, 1 to 5")
	}
	score := *rb.Score
	if score != math.Trunc(score) || score < 1 || score > 5 {
		return feedback.Signal{}, fmt.Errorf("rating: score %v: want a whole number from 1 to 5", score)
	}
	return s.rate(rb.Blueprint, rb.Decision, int(score), rb.Comment, rb.By)
}

// rate makes a rating of a blueprint of the catalog or a decision of the
// registry, exactly one of them.
func (s *server) rate(bp, dec string, score int, comment, by string) (feedback.Signal, error) {
	switch {
	case bp != "" && dec != "", bp == "" && dec == "":
		return feedback.Signal{}, errors.New(`rating: name a "blueprint" or a "decision", not both or neither`)
	case bp != "":
		if _, ok := s.cfg.Catalog.Latest(bp); !ok {
			return feedback.Signal{}, fmt.Errorf("rating: no blueprint %q in the catalog", bp)
		}
	default:
		if s.cfg.Decisions == nil {
			return feedback.Signal{}, fmt.Errorf("rating: no decision %q: the server has no decisions", dec)
		}
		if _, ok := s.cfg.Decisions.Get(dec); !ok {
			return feedback.Signal{}, fmt.Errorf("rating: no decision %q in the registry", dec)
		}
	}
	comment, by = strings.TrimSpace(comment), strings.TrimSpace(by)
	if n := utf8.RuneCountInString(comment); n > maxComment {
		return feedback.Signal{}, fmt.Errorf("rating: the comment has %d characters, more than %d", n, maxComment)
	}
	if n := utf8.RuneCountInString(by); n > maxRater {
		return feedback.Signal{}, fmt.Errorf("rating: the name has %d characters, more than %d", n, maxRater)
	}
	if !utf8.ValidString(comment) || !utf8.ValidString(by) {
		return feedback.Signal{}, errors.New("rating: the comment and the name must be UTF-8")
	}
	return feedback.Rate(s.cfg.Recorder, feedback.Rating{Blueprint: bp, Decision: dec, Score: score, Comment: comment, By: by})
}

// feedbackError answers an API request of the feedback routes with the
// status of err.
func (s *server) feedbackError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client is gone
	}
	var (
		bad      *badRequest
		invalid  *invalidSignal
		maxBytes *http.MaxBytesError
	)
	switch {
	case errors.Is(err, errNoStore):
		writeJSON(w, http.StatusServiceUnavailable, apiProblem{Error: err.Error()})
	case errors.As(err, &bad):
		writeJSON(w, http.StatusBadRequest, apiProblem{Error: bad.msg})
	case errors.As(err, &invalid):
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": invalid.Error(), "index": invalid.Index})
	case errors.Is(err, feedback.ErrInvalidSignal):
		writeJSON(w, http.StatusUnprocessableEntity, apiProblem{Error: err.Error()})
	case errors.As(err, &maxBytes):
		writeJSON(w, http.StatusRequestEntityTooLarge, apiProblem{Error: fmt.Sprintf("request body larger than %d bytes", maxBytes.Limit)})
	case errors.Is(err, errBodyTimeout), errors.Is(err, errBodyTruncated):
		status, msg, _ := bodyStatus(err)
		writeJSON(w, status, apiProblem{Error: msg})
	case errors.Is(err, errBusy):
		retryAfter(w, err)
		writeJSON(w, http.StatusServiceUnavailable, apiProblem{Error: err.Error()})
	case errors.Is(err, context.DeadlineExceeded):
		writeJSON(w, http.StatusServiceUnavailable, apiProblem{Error: "the report took too long"})
	default:
		s.cfg.Logger.Error("feedback request failed", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, apiProblem{Error: "internal error"})
	}
}

// reportQuery is the query of a report: GET /api/report and GET /report.
type reportQuery struct {
	Since, Until string // YYYY-MM-DD, as given
	MinProjects  string
	filter       feedback.Filter
	minProjects  int
}

// values returns the query's parameters that are set.
func (q reportQuery) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"since": q.Since, "until": q.Until, "min-projects": q.MinProjects} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// parseReportQuery reads since and until (YYYY-MM-DD, UTC; until is
// exclusive, as in feedback.Filter) and min-projects.
func parseReportQuery(q url.Values) (reportQuery, error) {
	rq := reportQuery{Since: q.Get("since"), Until: q.Get("until"), MinProjects: q.Get("min-projects")}
	day := func(name, v string) (time.Time, error) {
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return t, &badRequest{fmt.Sprintf("%s=%s: want a date, YYYY-MM-DD", name, v)}
		}
		return t, nil
	}
	var err error
	if rq.filter.Since, err = day("since", rq.Since); err != nil {
		return rq, err
	}
	if rq.filter.Until, err = day("until", rq.Until); err != nil {
		return rq, err
	}
	if !rq.filter.Since.IsZero() && !rq.filter.Until.IsZero() && !rq.filter.Until.After(rq.filter.Since) {
		return rq, &badRequest{fmt.Sprintf("until=%s is not after since=%s", rq.Until, rq.Since)}
	}
	if rq.MinProjects != "" {
		n, err := strconv.Atoi(rq.MinProjects)
		if err != nil || n < 1 || n > 10000 {
			return rq, &badRequest{fmt.Sprintf("min-projects=%s: want a whole number from 1 to 10000", rq.MinProjects)}
		}
		rq.minProjects = n
	}
	return rq, nil
}

// report aggregates the store for q in a report slot, apart from renders,
// or serves the report computed for q since the store last changed.
// Reports are shared: the caller must not change it.
func (s *server) report(ctx context.Context, q reportQuery) (*report.Report, error) {
	if s.cfg.Signals == nil {
		return nil, errNoStore
	}
	return s.cachedReport(ctx, q, func(ctx context.Context) (*report.Report, error) {
		rep, err := report.AggregateStore(ctx, s.cfg.Signals, q.filter, &report.AggregateOptions{
			Now:         s.cfg.Now,
			Registry:    s.cfg.Decisions,
			MinProjects: q.minProjects,
		})
		if err != nil {
			return nil, err
		}
		s.scrub(rep)
		return rep, nil
	})
}

// scrub removes from a report what names places on the server: the
// registry's source, the store's path in the errors of lines it could not
// read; decision files keep their last two elements (displayFile).
func (s *server) scrub(rep *report.Report) {
	rep.Settings.Registry = ""
	for i := range rep.Decisions {
		if f := rep.Decisions[i].File; f != "" {
			rep.Decisions[i].File = displayFile(f)
		}
	}
	if p, ok := s.cfg.Signals.(interface{ Path() string }); ok && p.Path() != "" {
		for i, e := range rep.SkipErrors {
			rep.SkipErrors[i] = strings.ReplaceAll(e, p.Path(), filepath.Base(p.Path()))
		}
	}
}

func (s *server) apiReport(w http.ResponseWriter, r *http.Request) {
	q, err := parseReportQuery(r.URL.Query())
	if err != nil {
		s.feedbackError(w, r, err)
		return
	}
	rep, err := s.report(r.Context(), q)
	if err != nil {
		s.feedbackError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := rep.JSON(&buf); err != nil {
		s.feedbackError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(buf.Bytes())
}
