package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
)

// WrapListener returns ln with its connections changed in one way: the
// answers net/http writes by itself, before any handler runs, to a
// request it cannot parse become the contract's JSON error envelope, and
// never a 5xx. net/http answers those requests in plain text, and two of
// them with server errors for what is the client's mistake: 501 for a
// Transfer-Encoding it does not know, 505 for an HTTP version other than
// 1.x. Both become 400 SYNTAX; 431 (headers too large) and 417 (an
// unknown Expect) keep their status; every other one is 400 SYNTAX.
// Nothing else written on a connection changes.
func WrapListener(ln net.Listener) net.Listener { return protocolListener{ln} }

type protocolListener struct{ net.Listener }

func (l protocolListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return protocolConn{c}, nil
}

// protocolConn rewrites net/http's own error answers (see WrapListener).
type protocolConn struct{ net.Conn }

// netHTTPHeaders follow the status line of every answer net/http writes
// itself to a request it could not read, and of no other: a handler's
// answer has a Date header (and the service's an X-Request-Id) before its
// Content-Type, and the service's JSON holds no raw line break.
var netHTTPHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8" +
	"\r\nConnection: close\r\n\r\n")

// netHTTPPrefix starts every answer net/http writes.
var netHTTPPrefix = []byte("HTTP/1.1 ")

// expectationFailed starts net/http's answer to an unknown Expect.
var expectationFailed = []byte("HTTP/1.1 417 ")

func (c protocolConn) Write(p []byte) (int, error) {
	status, ok := netHTTPError(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(protocolAnswer(status)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite half-closes the connection when the wrapped one can, as
// net/http does after its 431 so that the client reads the answer.
func (c protocolConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// netHTTPError reports whether p is a whole error answer of net/http's
// own, and its status.
func netHTTPError(p []byte) (int, bool) {
	if !bytes.HasPrefix(p, netHTTPPrefix) {
		return 0, false
	}
	// net/http refuses an Expect header it does not know through the
	// ordinary answer path, with no body; no handler here answers 417.
	if bytes.HasPrefix(p, expectationFailed) {
		return http.StatusExpectationFailed, true
	}
	// The status line is short: no need to look further.
	end := bytes.Index(p[:min(len(p), 256)], netHTTPHeaders)
	if end < len(netHTTPPrefix)+3 || bytes.IndexByte(p[:end], '\n') >= 0 {
		return 0, false
	}
	status, err := strconv.Atoi(string(p[len(netHTTPPrefix) : len(netHTTPPrefix)+3]))
	if err != nil {
		return 0, false
	}
	return status, true
}

// protocolAnswer is the whole answer written in place of net/http's.
func protocolAnswer(status int) []byte {
	text := "The request could not be read as HTTP/1.1."
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		text = "Request headers are too large."
	case http.StatusExpectationFailed:
		text = "Unsupported Expect header; only 100-continue is understood."
	case http.StatusNotImplemented:
		text = "Unsupported Transfer-Encoding; send the body as it is, or chunked."
		status = http.StatusBadRequest
	case http.StatusHTTPVersionNotSupported:
		text = "Unsupported HTTP version; send HTTP/1.1."
		status = http.StatusBadRequest
	default:
		status = http.StatusBadRequest
	}
	body, _ := json.Marshal(envelope{Response: errorBody{Status: "error", ErrorID: errSyntax,
		Error: text}})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nConnection: close\r\n"+
		"Content-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}
