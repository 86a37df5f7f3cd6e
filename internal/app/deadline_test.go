package app

import (
	"net"
	"testing"
	"time"
)

// TestSilentRedisAnswers503InTime: behind a Redis that accepts
// connections and never answers, requests end in 503 at the request
// deadline instead of hanging, and /readyz reports it.
func TestSilentRedisAnswers503InTime(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()

	cfg := testConfig("redis://" + ln.Addr().String())
	cfg.Demo = false
	cfg.RequestTimeout = 500 * time.Millisecond
	in := start(t, cfg)

	for _, call := range []struct{ method, path string }{
		{"POST", "/auth"}, {"GET", "/rt-segment?user_id=1&access_token=x"}, {"GET", "/readyz"},
	} {
		began := time.Now()
		a := in.do(call.method, call.path, "", []byte(`{"auth":{"username":"u","password":"p"}}`))
		took := time.Since(began)
		wantError(t, a, 503, "SYSTEM")
		if a.header.Get("Retry-After") == "" {
			t.Errorf("%s %s: 503 without Retry-After", call.method, call.path)
		}
		// /readyz has its own 2 s bound; the others the request's.
		if took > 3*time.Second {
			t.Errorf("%s %s took %v", call.method, call.path, took)
		}
	}
}
