package fetch

import (
	"regexp"
	"strings"
	"sync"
)

// redacted replaces a credential in an address, as url.URL.Redacted does.
const redacted = "xxxxx"

// credentialParamRe matches a query parameter named like a credential and
// its value: go-getter's sshkey, and token, password, secret and the like in
// any case and with any prefix or suffix (access_token, X-Amz-Signature).
var credentialParamRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)([?&][^=&#/]*(?:token|sshkey|password|passwd|secret|credential|signature|apikey|api_key|auth)[^=&#/]*=)[^&#]*`)
})

// Redact returns src with its credentials replaced by "xxxxx": the password
// of URL user information (user:xxxxx@, as url.URL.Redacted writes it), a
// user name alone (often a token: https://xxxxx@host), and the values of
// query parameters named like credentials. It works on the text, so that it
// redacts addresses Parse refuses too, and anywhere in a longer string.
func Redact(src string) string {
	out := credentialParamRe().ReplaceAllString(src, "${1}"+redacted)
	var b strings.Builder
	for {
		i := strings.Index(out, "://")
		if i < 0 {
			b.WriteString(out)
			return b.String()
		}
		b.WriteString(out[:i+3])
		out = out[i+3:]
		end := strings.IndexAny(out, "/?# \t\"'")
		if end < 0 {
			end = len(out)
		}
		authority := out[:end]
		at := strings.LastIndexByte(authority, '@')
		if at < 0 {
			continue
		}
		user := authority[:at]
		if u, _, ok := strings.Cut(user, ":"); ok {
			b.WriteString(u + ":" + redacted)
		} else {
			b.WriteString(redacted)
		}
		b.WriteString(authority[at:])
		out = out[end:]
	}
}
