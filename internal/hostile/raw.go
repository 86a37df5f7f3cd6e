package hostile

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Raw is a request written byte for byte, as no HTTP client library
// would write it, and the status the contract wants for it. Every answer
// is the JSON envelope.
type Raw struct {
	Name    string
	Request string
	// HalfClose shuts the client's writing side once the request is
	// written, as a client that stops sending part way does.
	HalfClose bool
	Status    int
}

// wrongLogin is a login body whose password is wrong.
const wrongLogin = `{"auth":{"username":"nobody","password":"x"}}`

// Raws returns the raw requests of the corpus.
func Raws() []Raw {
	post := func(headers, body string) string {
		return "POST /auth HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n" + body
	}
	chunked := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(wrongLogin), wrongLogin)
	many := strings.Repeat("X-Filler: "+strings.Repeat("f", 40)+"\r\n", 1000)
	return []Raw{
		{Name: "unknown transfer encoding", Status: 400,
			Request: post("Transfer-Encoding: gzip\r\n", "")},
		{Name: "two transfer encodings", Status: 400,
			Request: post("Transfer-Encoding: gzip, chunked\r\n", chunked)},
		{Name: "chunked and a Content-Length: the chunks are read", Status: 401,
			Request: post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", chunked)},
		{Name: "a chunk size that is not hexadecimal", Status: 400,
			Request: post("Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n")},
		{Name: "two Content-Lengths", Status: 400,
			Request: post("Content-Length: 46\r\nContent-Length: 47\r\n", wrongLogin)},
		{Name: "a negative Content-Length", Status: 400,
			Request: post("Content-Length: -1\r\n", wrongLogin)},
		{Name: "a Content-Length past the body", HalfClose: true, Status: 400,
			Request: post(fmt.Sprintf("Content-Length: %d\r\n", len(wrongLogin)+100),
				wrongLogin)},
		{Name: "HTTP/2.0 as text", Status: 400,
			Request: "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n"},
		{Name: "HTTP/9.9", Status: 400, Request: "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n"},
		{Name: "HTTP/1.1 without Host", Status: 400, Request: "GET /healthz HTTP/1.1\r\n\r\n"},
		{Name: "HTTP/1.0 without Host", Status: 200, Request: "GET /healthz HTTP/1.0\r\n\r\n"},
		{Name: "an absolute URI", Status: 200,
			Request: "GET http://elsewhere.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
		{Name: "an asterisk for a path", Status: 404,
			Request: "GET * HTTP/1.1\r\nHost: x\r\n\r\n"},
		{Name: "a control byte in a header", Status: 400,
			Request: "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n"},
		{Name: "a header without a colon", Status: 400,
			Request: "GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"},
		// RFC 9112 lets a server unfold it, as net/http does, or refuse it.
		{Name: "a folded header", Status: 200,
			Request: "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n\r\n"},
		{Name: "a TLS hello", Status: 400,
			Request: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"},
		{Name: "an Expect other than 100-continue", Status: 417,
			Request: post("Expect: coffee\r\nContent-Length: 46\r\n", wrongLogin)},
		{Name: "headers of 70 KB", Status: 431,
			Request: "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
				strings.Repeat("b", 70<<10) + "\r\n\r\n"},
		{Name: "1000 headers", Status: 401, Request: post(many+
			fmt.Sprintf("Content-Length: %d\r\n", len(wrongLogin)), wrongLogin)},
	}
}

// SendRaw writes r on a new connection to addr and reads the answer,
// waiting at most timeout for it.
func SendRaw(addr string, r Raw, timeout time.Duration) (*http.Response, []byte, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(conn, r.Request); err != nil {
		return nil, nil, err
	}
	if r.HalfClose {
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, raw, err
}
