package fetch

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:hunter2@example.com/x.tar.gz":                      "https://user:xxxxx@example.com/x.tar.gz",
		"git::https://user:hunter2@example.com/r.git?ref=v1":             "git::https://user:xxxxx@example.com/r.git?ref=v1",
		"http://ghp_hunter2@127.0.0.1:8080/x.tar.gz":                     "http://xxxxx@127.0.0.1:8080/x.tar.gz",
		"https://example.com/x.tar.gz?token=hunter2&archive=tgz":         "https://example.com/x.tar.gz?token=xxxxx&archive=tgz",
		"git::https://example.com/r.git//sub?ref=v1&sshkey=aHVudGVyMg==": "git::https://example.com/r.git//sub?ref=v1&sshkey=xxxxx",
		"https://h/x?Password=hunter2#f":                                 "https://h/x?Password=xxxxx#f",
		"https://h/x?X-Amz-Signature=hunter2&access_token=hunter2":       "https://h/x?X-Amz-Signature=xxxxx&access_token=xxxxx",
		`load "https://a:hunter2@h/x" and https://b:hunter2@h/y`:         `load "https://a:xxxxx@h/x" and https://b:xxxxx@h/y`,
		"https://example.com/x.tar.gz?ref=main":                          "https://example.com/x.tar.gz?ref=main",
		"/home/me/blueprints/go-service":                                 "/home/me/blueprints/go-service",
		"git::file:///srv/repo?ref=v1":                                   "git::file:///srv/repo?ref=v1",
		"mailto:someone@example.com":                                     "mailto:someone@example.com",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("https://user:hunter2@example.com/x.tar.gz?token=hunter2")
	f.Add("git::https://a@b@c/r.git?sshkey=hunter2&ref=v1")
	f.Fuzz(func(t *testing.T, s string) {
		got := Redact(s)
		if strings.Contains(s, "://") && strings.Contains(got, ":hunter2@") {
			t.Errorf("Redact(%q) = %q keeps a password", s, got)
		}
		if Redact(got) != got {
			t.Errorf("Redact is not idempotent on %q: %q, then %q", s, got, Redact(got))
		}
	})
}
