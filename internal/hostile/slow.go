package hostile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Slow is what a slow client saw.
type Slow struct {
	// Status is the answer's, 0 when the server closed the connection
	// without one.
	Status int
	Body   []byte
	// Held is how long the connection lasted, from the first byte sent
	// to the answer or the close.
	Held time.Duration
	// Sent is how many bytes the client got to send.
	Sent int
}

// SlowHeaders sends a request's headers one byte every every, for at
// most limit, as a slowloris client does, and reports how the server
// ended it.
func SlowHeaders(addr string, every, limit time.Duration) (Slow, error) {
	head := "GET /healthz HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Slow: s\r\n", 1000)
	return trickle(addr, head, 1, every, limit)
}

// SlowBody sends a POST's headers at once, then its body in pieces
// pieces, one every every, for at most limit, and reports the answer.
func SlowBody(addr, path, token string, body []byte, pieces int,
	every, limit time.Duration) (Slow, error) {
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"+
		"Content-Length: %d\r\n\r\n", path, token, len(body))
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return Slow{}, err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		return Slow{}, err
	}
	size := (len(body) + pieces - 1) / pieces
	return send(conn, body, size, every, limit)
}

// trickle sends text to addr size bytes at a time, one piece every
// every, and reads the answer.
func trickle(addr, text string, size int, every, limit time.Duration) (Slow, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return Slow{}, err
	}
	defer conn.Close()
	return send(conn, []byte(text), size, every, limit)
}

// send writes data in pieces of size, one every every, while it reads
// the answer; both stop at the answer, at the close or at limit.
func send(conn net.Conn, data []byte, size int, every, limit time.Duration) (Slow, error) {
	began := time.Now()
	_ = conn.SetDeadline(began.Add(limit))
	type result struct {
		resp *http.Response
		body []byte
		err  error
	}
	answered := make(chan result, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- result{err: err}
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- result{resp: resp, body: body, err: err}
	}()

	var out Slow
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for out.Sent < len(data) {
		n := min(size, len(data)-out.Sent)
		if _, err := conn.Write(data[out.Sent : out.Sent+n]); err != nil {
			break
		}
		out.Sent += n
		select {
		case r := <-answered:
			return finish(out, r.resp, r.body, r.err, began)
		case <-ticker.C:
		}
	}
	r := <-answered
	return finish(out, r.resp, r.body, r.err, began)
}

// finish fills in what the server did: an answer, or a close (an EOF or
// a reset, not a timeout of our own).
func finish(out Slow, resp *http.Response, body []byte, err error, began time.Time) (Slow,
	error) {
	out.Held = time.Since(began)
	if resp != nil {
		out.Status, out.Body = resp.StatusCode, body
		return out, nil
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return out, fmt.Errorf("the server held the connection past %v: %w", out.Held, err)
	}
	return out, nil
}
