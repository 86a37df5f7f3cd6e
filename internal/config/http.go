package config

import (
	"flag"
	"net"
	"strings"
	"time"
)

// HTTP holds the settings of the HTTP servers: the admin address, the
// trusted proxies and the bounds that keep slow clients from holding
// connections. It is embedded in Server.
type HTTP struct {
	// AdminAddr is a second listen address serving /metrics, /healthz and
	// /readyz, so that metrics stay off the public port (empty: everything
	// on Addr). AUDIENCE_ADMIN_ADDR.
	AdminAddr string
	// TrustedProxies are the addresses or CIDRs of the load balancers in
	// front of the service, comma separated. Only a request whose direct
	// peer is one of them has its client address taken from
	// X-Forwarded-For, for login throttling and logs (empty: none, the
	// peer is the client). AUDIENCE_TRUSTED_PROXIES.
	TrustedProxies List
	// ReadHeaderTimeout bounds reading a request's headers (10s).
	// AUDIENCE_READ_HEADER_TIMEOUT.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included (30s).
	// AUDIENCE_READ_TIMEOUT.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the
	// end of its answer (45s). It must exceed AUDIENCE_READ_TIMEOUT plus
	// AUDIENCE_REQUEST_TIMEOUT: the answer to a body that took the whole
	// read timeout to arrive must still be writable. AUDIENCE_WRITE_TIMEOUT.
	WriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its
	// next request (120s); keep it above the load balancer's idle timeout,
	// so the balancer closes first. AUDIENCE_IDLE_TIMEOUT.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the size of a request's headers (65536).
	// AUDIENCE_MAX_HEADER_BYTES.
	MaxHeaderBytes int
}

// registerHTTP adds the HTTP flags.
func registerHTTP(fs *flag.FlagSet, h *HTTP) {
	fs.StringVar(&h.AdminAddr, "admin-addr", "",
		"listen address for /metrics, /healthz and /readyz (empty: the main address)")
	fs.Var(&h.TrustedProxies, "trusted-proxies",
		"load balancer addresses or CIDRs whose X-Forwarded-For is believed, comma separated")
	fs.DurationVar(&h.ReadHeaderTimeout, "read-header-timeout", 10*time.Second,
		"bound on reading a request's headers")
	fs.DurationVar(&h.ReadTimeout, "read-timeout", 30*time.Second, "bound on reading a request")
	fs.DurationVar(&h.WriteTimeout, "write-timeout", 45*time.Second,
		"bound on a request from its headers to the end of its answer")
	fs.DurationVar(&h.IdleTimeout, "idle-timeout", 120*time.Second,
		"how long a kept-alive connection may wait for its next request")
	fs.IntVar(&h.MaxHeaderBytes, "max-header-bytes", 64<<10, "largest request headers, in bytes")
}

// validate checks the HTTP settings.
func (h HTTP) validate() error {
	for _, p := range h.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err == nil {
			continue
		}
		if net.ParseIP(strings.TrimSpace(p)) == nil {
			return bad("AUDIENCE_TRUSTED_PROXIES", p, "each item must be an IP address or a CIDR")
		}
	}
	switch {
	case h.ReadHeaderTimeout <= 0:
		return bad("AUDIENCE_READ_HEADER_TIMEOUT", h.ReadHeaderTimeout, "must be above 0")
	case h.ReadTimeout <= 0:
		return bad("AUDIENCE_READ_TIMEOUT", h.ReadTimeout, "must be above 0")
	case h.WriteTimeout <= 0:
		return bad("AUDIENCE_WRITE_TIMEOUT", h.WriteTimeout, "must be above 0")
	case h.IdleTimeout <= 0:
		return bad("AUDIENCE_IDLE_TIMEOUT", h.IdleTimeout, "must be above 0")
	case h.MaxHeaderBytes < 4096:
		return bad("AUDIENCE_MAX_HEADER_BYTES", h.MaxHeaderBytes, "must be at least 4096")
	}
	return nil
}
