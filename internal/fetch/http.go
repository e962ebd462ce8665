package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when a connection would reach an address
// the policy does not allow: loopback, private, link-local and the like.
var ErrForbiddenAddress = errors.New("address not allowed")

// ErrDownloadTooLarge is returned when a download exceeds its byte cap.
var ErrDownloadTooLarge = errors.New("download exceeds its size limit")

// netGuard decides which IP addresses connections may reach.
type netGuard struct {
	allowLoopback bool // the local policy: plain http to loopback
	allowPrivate  bool // the caller allows private and loopback networks
}

func (g netGuard) check(ip netip.Addr) error {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		if g.allowLoopback || g.allowPrivate {
			return nil
		}
	case ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		isSharedAddress(ip):
		if g.allowPrivate {
			return nil
		}
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
	default:
		return nil
	}
	return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
}

// isSharedAddress reports carrier-grade NAT space (100.64.0.0/10), which
// cloud providers also use for metadata endpoints.
func isSharedAddress(ip netip.Addr) bool {
	return ip.Is4() && netip.MustParsePrefix("100.64.0.0/10").Contains(ip)
}

// control runs for every connection after DNS resolution, so a name that
// resolves to a forbidden address (DNS rebinding included) is refused.
func (g netGuard) control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
	}
	return g.check(ip)
}

// checkHost resolves host and checks every address, for tools (git) whose
// connections do not pass through control.
func (g netGuard) checkHost(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return g.check(ip)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return err
	}
	for _, ip := range addrs {
		if err := g.check(ip); err != nil {
			return fmt.Errorf("%s: %w", host, err)
		}
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// newHTTPClient returns the client every download uses: no proxy from the
// environment (it would bypass the address check), the address guard on
// every dial, redirects only to https (or within the same loopback http
// origin), no credentials, and response bodies capped at maxBytes.
func newHTTPClient(g netGuard, tlsConfig *tls.Config, timeout time.Duration, maxBytes int64) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, Control: g.control}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConns:          8,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: &capTransport{next: tr, max: maxBytes},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			if req.URL.User != nil {
				return errors.New("redirect to a URL with credentials")
			}
			prev := via[len(via)-1].URL
			if req.URL.Scheme != "https" && !(req.URL.Scheme == "http" && prev.Scheme == "http" && req.URL.Host == prev.Host) {
				return fmt.Errorf("redirect from %s to %s: protocol switch refused", prev.Scheme, req.URL.Scheme)
			}
			return nil
		},
	}
}

// capTransport fails a response body that grows past max bytes, instead of
// truncating it silently.
type capTransport struct {
	next http.RoundTripper
	max  int64
}

func (t *capTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || t.max <= 0 {
		return resp, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%s: %w (%d > %d bytes)", req.URL.Redacted(), ErrDownloadTooLarge, resp.ContentLength, t.max)
	}
	resp.Body = &capReader{r: resp.Body, left: t.max, max: t.max}
	return resp, nil
}

type capReader struct {
	r    io.ReadCloser
	left int64
	max  int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, fmt.Errorf("%w (more than %d bytes)", ErrDownloadTooLarge, c.max)
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, fmt.Errorf("%w (more than %d bytes)", ErrDownloadTooLarge, c.max)
	}
	return n, err
}

func (c *capReader) Close() error { return c.r.Close() }
