package main

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ratingForm is the rating form of a blueprint's or a decision's page.
type ratingForm struct {
	// What is rated: "blueprint" or "decision".
	What string
	// Action is where the form posts.
	Action string
	// Version is the blueprint version whose page the form is on, posted
	// back so that the redirect returns to it.
	Version string
	// The values posted, kept when the form comes back with an error.
	Score       int
	Comment, By string
	// Error is what is wrong with the values posted.
	Error string
	// Thanks shows the notice of a rating just recorded.
	Thanks bool
}

// scoreOption is one choice of the score.
type scoreOption struct {
	Value int
	Label string
}

// Scores returns the choices of the score, from 1 to 5.
func (f *ratingForm) Scores() []scoreOption {
	return []scoreOption{{1, "poor"}, {2, "weak"}, {3, "fair"}, {4, "good"}, {5, "great"}}
}

// MaxComment and MaxBy bound the fields in the page, as rate does on the
// server.
func (f *ratingForm) MaxComment() int { return maxComment }
func (f *ratingForm) MaxBy() int      { return maxRater }

// newRatingForm returns the rating form posting to action, or nil when the
// server keeps no signals.
func (s *server) newRatingForm(what, action, version string) *ratingForm {
	if s.cfg.Signals == nil {
		return nil
	}
	return &ratingForm{What: what, Action: action, Version: version}
}

// readRating reads a posted rating form: the score, the comment and the
// rater's name. A problem with the values is returned as msg, for the form;
// a body that cannot be read is answered here, and ok is false.
func (s *server) readRating(w http.ResponseWriter, r *http.Request) (score int, comment, by, msg string, ok bool) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			status, m := s.status(r, err)
			s.errorPage(w, r, status, m)
			return 0, "", "", "", false
		}
		if isTimeout(err) {
			s.errorPage(w, r, http.StatusRequestTimeout, errBodyTimeout.Error())
			return 0, "", "", "", false
		}
		s.errorPage(w, r, http.StatusBadRequest, "the form could not be read: "+err.Error())
		return 0, "", "", "", false
	}
	comment, by = r.PostForm.Get("comment"), r.PostForm.Get("by")
	score, err := strconv.Atoi(r.PostForm.Get("score"))
	if err != nil || score < 1 || score > 5 {
		return 0, comment, by, "Choose a score from 1 to 5.", true
	}
	return score, comment, by, "", true
}

// formMessage turns an error of rate into a sentence for the form.
func formMessage(err error) string {
	m := strings.TrimPrefix(err.Error(), "rating: ")
	return strings.ToUpper(m[:1]) + m[1:] + "."
}

// blueprintRate records a rating of a blueprint from the form on its page,
// then redirects back to the page with a thank-you notice (303, so that
// reloading it posts nothing). Invalid values give the page back with the
// form's error, and status 422.
func (s *server) blueprintRate(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	latest, ok := s.cfg.Catalog.Latest(name)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "no blueprint "+strconv.Quote(name))
		return
	}
	if s.cfg.Signals == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, errNoStore.Error())
		return
	}
	score, comment, by, msg, ok := s.readRating(w, r)
	if !ok {
		return
	}
	// The version only says which page to return to; it must be in the
	// catalog.
	e, ok := s.cfg.Catalog.Entry(name, r.PostForm.Get("_version"))
	if !ok {
		e = latest
	}
	if msg == "" {
		sig, err := s.rate(name, "", score, comment, by)
		if err != nil {
			msg = formMessage(err)
		} else if err := s.cfg.Signals.Append(r.Context(), sig); err != nil {
			s.cfg.Logger.Error("recording a rating", "blueprint", name, "err", err)
			s.errorPage(w, r, http.StatusInternalServerError, "the rating could not be recorded")
			return
		} else {
			q := url.Values{"rated": {"1"}}
			if e.Version != latest.Version {
				q.Set("version", e.Version)
			}
			http.Redirect(w, r, "/blueprints/"+url.PathEscape(name)+"?"+q.Encode()+"#rate", http.StatusSeeOther)
			return
		}
	}
	_, p, ok := s.lookupForm(w, r, name, e.Version)
	if !ok {
		return
	}
	p.Rating.Score, p.Rating.Comment, p.Rating.By, p.Rating.Error = score, comment, by, msg
	s.page(w, r, http.StatusUnprocessableEntity, "blueprint.html", p)
}

// decisionRate records a rating of a decision from the form on its page,
// as blueprintRate does for blueprints.
func (s *server) decisionRate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	data, ok := s.decisionData(id)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "no decision "+id)
		return
	}
	if s.cfg.Signals == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, errNoStore.Error())
		return
	}
	score, comment, by, msg, ok := s.readRating(w, r)
	if !ok {
		return
	}
	if msg == "" {
		sig, err := s.rate("", id, score, comment, by)
		if err != nil {
			msg = formMessage(err)
		} else if err := s.cfg.Signals.Append(r.Context(), sig); err != nil {
			s.cfg.Logger.Error("recording a rating", "decision", id, "err", err)
			s.errorPage(w, r, http.StatusInternalServerError, "the rating could not be recorded")
			return
		} else {
			http.Redirect(w, r, "/decisions/"+url.PathEscape(id)+"?rated=1#rate", http.StatusSeeOther)
			return
		}
	}
	data.Rating.Score, data.Rating.Comment, data.Rating.By, data.Rating.Error = score, comment, by, msg
	s.page(w, r, http.StatusUnprocessableEntity, "decision.html", data)
}
