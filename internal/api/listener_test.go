package api

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWrapListener: requests net/http refuses before any handler runs
// get the JSON envelope and no 5xx; a handler's answer passes unchanged,
// even when its body spells out one of net/http's error answers.
func TestWrapListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	echo := "HTTP/1.1 501 Not Implemented" + string(netHTTPHeaders) + "x"
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, echo)
		}),
		MaxHeaderBytes:    4096,
		ReadHeaderTimeout: 2 * time.Second,
	}
	go func() { _ = srv.Serve(WrapListener(ln)) }()
	defer srv.Close()

	tests := []struct {
		name, request string
		status        int
	}{
		{"unknown transfer encoding", "POST / HTTP/1.1\r\nHost: x\r\n" +
			"Transfer-Encoding: gzip\r\n\r\n", 400},
		{"two transfer encodings", "POST / HTTP/1.1\r\nHost: x\r\n" +
			"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400},
		{"HTTP/2.0 as text", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400},
		{"HTTP/9.9", "GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"two Content-Lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n" +
			"Content-Length: 2\r\n\r\nab", 400},
		{"a negative Content-Length", "POST / HTTP/1.1\r\nHost: x\r\n" +
			"Content-Length: -1\r\n\r\n", 400},
		{"a control byte in a header", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", 400},
		{"no request line", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400},
		{"an unknown Expect", "POST / HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\n" +
			"Content-Length: 1\r\n\r\na", 417},
		{"headers too large", "GET / HTTP/1.1\r\nHost: x\r\nX-A: " +
			strings.Repeat("a", 20000) + "\r\n\r\n", 431},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := rawRequest(t, ln.Addr().String(), tc.request)
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var body struct {
				Response errorBody `json:"response"`
			}
			if resp.StatusCode != tc.status || json.Unmarshal(raw, &body) != nil ||
				body.Response.ErrorID != errSyntax || body.Response.Status != "error" {
				t.Fatalf("%d %s, want %d and the JSON envelope", resp.StatusCode, raw, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}

	resp := rawRequest(t, ln.Addr().String(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(raw) != echo {
		t.Fatalf("a handler's answer changed: %d %q", resp.StatusCode, raw)
	}
}

// rawRequest writes request on a new connection and reads the answer.
func rawRequest(t *testing.T, addr, request string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
