package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/feedback"
)

func TestRatingForms(t *testing.T) {
	st := feedback.NewMemoryStore()
	s, _ := newTestServer(t, withStore(st))
	for _, tc := range []struct{ page, action, version string }{
		{"/blueprints/go-service", "/blueprints/go-service/rate", `<input type="hidden" name="_version" value="2.0.0">`},
		{"/blueprints/go-service?version=1.4.0", "/blueprints/go-service/rate", `<input type="hidden" name="_version" value="1.4.0">`},
		{"/decisions/ADR-0014", "/decisions/ADR-0014/rate", ""},
	} {
		page := do(t, s, "GET", tc.page, nil).Body.String()
		i := strings.Index(page, `<form method="post" action="`+tc.action+`" class="rate-form" id="rate-form">`)
		if i < 0 {
			t.Errorf("%s has no rating form posting to %s", tc.page, tc.action)
			continue
		}
		form := page[i : i+strings.Index(page[i:], "</form>")]
		if n := strings.Count(form, `type="radio" name="score"`); n != 5 {
			t.Errorf("%s: %d scores, want 5", tc.page, n)
		}
		for _, want := range []string{tc.version, `<textarea id="rate-comment" name="comment" rows="3" maxlength="2000">`, `name="by" type="text" maxlength="100"`} {
			if !strings.Contains(form, want) {
				t.Errorf("%s: the rating form lacks %s", tc.page, want)
			}
		}
		if strings.Contains(page, `id="rate-thanks"`) {
			t.Errorf("%s thanks before any rating", tc.page)
		}
	}

	// Without a store the pages have no form, and the routes refuse.
	off, _ := newTestServer(t, nil)
	for _, p := range []string{"/blueprints/go-service", "/decisions/ADR-0014"} {
		if page := do(t, off, "GET", p, nil).Body.String(); strings.Contains(page, "rate-form") {
			t.Errorf("%s offers a rating form without a store", p)
		}
		if w := do(t, off, "POST", p+"/rate", form("score", "4"), "Content-Type", formType); w.Code != http.StatusServiceUnavailable {
			t.Errorf("POST %s/rate without a store: %d", p, w.Code)
		}
	}
}

// TestRateRoundTrip: a rating posted from a page is stored, and the
// browser is sent back to the page (303, post/redirect/get), which thanks.
func TestRateRoundTrip(t *testing.T) {
	st := feedback.NewMemoryStore()
	s, _ := newTestServer(t, withStore(st))
	for _, tc := range []struct {
		target   string
		values   []string
		location string
		check    func(feedback.Signal) bool
	}{
		{"/blueprints/go-service/rate", []string{"_version", "2.0.0", "score", "4", "comment", "  quick to start  ", "by", "dana"},
			"/blueprints/go-service?rated=1#rate",
			func(sg feedback.Signal) bool {
				return sg.Subject.Blueprint == "go-service" && sg.Decision == "" && *sg.Value == 4 && sg.Evidence.Message == "quick to start" && sg.Labels["by"] == "dana"
			}},
		{"/blueprints/go-service/rate", []string{"_version", "1.4.0", "score", "2"},
			"/blueprints/go-service?rated=1&version=1.4.0#rate",
			func(sg feedback.Signal) bool {
				return sg.Subject.Blueprint == "go-service" && *sg.Value == 2 && sg.Labels == nil
			}},
		{"/blueprints/go-service/rate", []string{"_version", "../../etc", "score", "3"},
			"/blueprints/go-service?rated=1#rate",
			func(sg feedback.Signal) bool { return *sg.Value == 3 }},
		{"/decisions/ADR-0014/rate", []string{"score", "5", "comment", "clear", "by", "eve"},
			"/decisions/ADR-0014?rated=1#rate",
			func(sg feedback.Signal) bool {
				return sg.Decision == "ADR-0014" && sg.Subject.Blueprint == "" && *sg.Value == 5 && sg.Unit == "score" && sg.Labels["by"] == "eve"
			}},
	} {
		before := st.Len()
		w := do(t, s, "POST", tc.target, form(tc.values...), "Content-Type", formType, "Origin", "http://example.com", "Sec-Fetch-Site", "same-origin")
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tc.location {
			t.Errorf("POST %s %v: %d to %q, want 303 to %s\n%s", tc.target, tc.values, w.Code, w.Header().Get("Location"), tc.location, w.Body)
			continue
		}
		all := storeSignals(t, st)
		if len(all) != before+1 {
			t.Fatalf("POST %s stored %d signals", tc.target, len(all)-before)
		}
		if sg := all[len(all)-1]; sg.Source != feedback.SourceRating || !tc.check(sg) {
			t.Errorf("POST %s %v stored %+v", tc.target, tc.values, sg)
		}
		target, _, _ := strings.Cut(tc.location, "#") // browsers do not send the fragment
		page := do(t, s, "GET", target, nil).Body.String()
		if !strings.Contains(page, `<p class="notice" id="rate-thanks" role="status">Thank you: your rating was recorded.`) {
			t.Errorf("GET %s does not thank", tc.location)
		}
	}

	// The ratings count in the report.
	page := do(t, s, "GET", "/report", nil).Body.String()
	if !strings.Contains(page, `<td>3.0 of 5 <small>(3 ratings)</small></td>`) || !strings.Contains(page, `<td>5.0 of 5 <small>(1 rating)</small></td>`) {
		t.Errorf("the report does not count the ratings:\n%s", page)
	}
}

func TestRateInvalid(t *testing.T) {
	st := feedback.NewMemoryStore()
	s, _ := newTestServer(t, func(c *config) { withStore(st)(c); c.MaxBody = 8 << 10 })
	for _, tc := range []struct {
		target string
		values []string
		status int
		want   string
	}{
		{"/blueprints/go-service/rate", []string{"comment", "no score", "by", "dana"}, 422, "Choose a score from 1 to 5."},
		{"/blueprints/go-service/rate", []string{"score", "9"}, 422, "Choose a score from 1 to 5."},
		{"/blueprints/go-service/rate", []string{"score", "4.5"}, 422, "Choose a score from 1 to 5."},
		{"/blueprints/go-service/rate", []string{"score", "3", "comment", strings.Repeat("long ", 500)}, 422, "The comment has 2499 characters, more than 2000."},
		{"/decisions/ADR-0014/rate", []string{"score", "3", "by", strings.Repeat("n", 101)}, 422, "The name has 101 characters, more than 100."},
		{"/decisions/ADR-0014/rate", []string{"score", "0", "comment", "kept"}, 422, "Choose a score"},
		{"/blueprints/nope/rate", []string{"score", "3"}, 404, `no blueprint &#34;nope&#34;`},
		{"/decisions/ADR-9999/rate", []string{"score", "3"}, 404, "no decision ADR-9999"},
		{"/blueprints/go-service/rate", []string{"score", "3", "comment", strings.Repeat("x", 9000)}, 413, "larger than 8192 bytes"},
	} {
		w := do(t, s, "POST", tc.target, form(tc.values...), "Content-Type", formType)
		page := w.Body.String()
		if w.Code != tc.status || !strings.Contains(page, tc.want) {
			t.Errorf("POST %s %.60v: %d, want %d and %q", tc.target, tc.values, w.Code, tc.status, tc.want)
		}
		if tc.status == 422 {
			if !strings.Contains(page, `<p class="error" id="rate-error" role="alert">`) || !strings.Contains(page, `aria-describedby="rate-error"`) {
				t.Errorf("POST %s: the error is not in the form", tc.target)
			}
			// The values come back.
			for i := 0; i+1 < len(tc.values); i += 2 {
				if v := tc.values[i+1]; tc.values[i] != "score" && len(v) < 200 && !strings.Contains(page, v) {
					t.Errorf("POST %s: the form lost %s=%q", tc.target, tc.values[i], v)
				}
			}
		}
	}
	if n := st.Len(); n != 0 {
		t.Errorf("invalid ratings stored %d signals", n)
	}
	// The score given comes back checked.
	w := do(t, s, "POST", "/blueprints/go-service/rate", form("score", "3", "comment", strings.Repeat("x", 2001)), "Content-Type", formType)
	if !strings.Contains(w.Body.String(), `value="3" required checked>`) {
		t.Error("the form lost the score")
	}
}

// TestRateCrossOrigin: the rating forms are protected like the others: a
// cross-site post is refused and stores nothing.
func TestRateCrossOrigin(t *testing.T) {
	st := feedback.NewMemoryStore()
	s, _ := newTestServer(t, withStore(st))
	for _, target := range []string{"/blueprints/go-service/rate", "/decisions/ADR-0014/rate", "/api/signals"} {
		w := do(t, s, "POST", target, form("score", "1"), "Content-Type", formType, "Sec-Fetch-Site", "cross-site")
		if w.Code != http.StatusForbidden {
			t.Errorf("a cross-site POST %s: %d, want 403", target, w.Code)
		}
		w = do(t, s, "POST", target, form("score", "1"), "Content-Type", formType, "Origin", "https://evil.example.com")
		if w.Code != http.StatusForbidden {
			t.Errorf("a POST %s from another origin: %d, want 403", target, w.Code)
		}
	}
	if n := st.Len(); n != 0 {
		t.Errorf("cross-site posts stored %d signals", n)
	}
}
