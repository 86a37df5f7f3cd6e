package localcluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ReplicaHeader names, on every answer through the balancer, the replica
// that served it, so that tests can see the load spread over all of them.
const ReplicaHeader = "X-Audience-Replica"

// haproxyConfig writes haproxy's configuration into dir and returns its
// path. The balancer sends each request to the next ready replica
// (round robin), checks /readyz every half second, takes a replica out
// after two failed checks and back after one good one, and answers in the
// contract's JSON envelope when no replica can, or when it refuses a
// request itself (one it cannot read, or whose headers take more than 5 s
// to arrive: a slow client is cut off at the balancer).
func haproxyConfig(dir, listen string, replicas []string) (string, error) {
	pages := map[int]string{
		400: "HTTP/1.0 400 Bad Request",
		408: "HTTP/1.0 408 Request Timeout",
		502: "HTTP/1.0 502 Bad Gateway",
		503: "HTTP/1.0 503 Service Unavailable",
		504: "HTTP/1.0 504 Gateway Timeout",
	}
	for code, status := range pages {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.http", code)),
			[]byte(errorPage(code, status)), 0o644); err != nil {
			return "", err
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, `# Written by internal/localcluster: the balancer of a local cluster.
global
    # haproxy fails to start here above about 4096 (descriptor limit).
    maxconn 2048
    # The runtime API, for Cluster.Serve to take replicas out and back.
    stats socket "%[1]s/haproxy.sock" mode 600 level admin

defaults
    mode http
    timeout connect 2s
    # A request's headers must arrive within 5 s (slowloris).
    timeout http-request 5s
    # Above the replicas' request timeout (10s), so they answer first.
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s
    option http-keep-alive
    option forwardfor
    option redispatch
    retries 2
    errorfile 400 "%[1]s/400.http"
    errorfile 408 "%[1]s/408.http"
    errorfile 502 "%[1]s/502.http"
    errorfile 503 "%[1]s/503.http"
    errorfile 504 "%[1]s/504.http"

frontend api
    bind %[2]s
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fastinter 250ms downinter 500ms rise 1 fall 2
    http-response set-header %[3]s %%s
`, dir, listen, ReplicaHeader)
	for i, addr := range replicas {
		fmt.Fprintf(&b, "    server %s %s check\n", replicaName(i), addr)
	}
	path := filepath.Join(dir, "haproxy.cfg")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// replicaName names the i-th replica, in haproxy and in the headers.
func replicaName(i int) string { return fmt.Sprintf("replica%d", i+1) }

// errorPage is a whole HTTP answer, as haproxy's errorfile wants it, with
// the contract's envelope: clients get JSON even from the balancer.
// error_code is only on a 503, as the contract has it.
func errorPage(code int, status string) string {
	code503 := ""
	if code == 503 {
		code503 = `,"error_code":"SERVICE_UNAVAILABLE"`
	}
	body := fmt.Sprintf(`{"response":{"status":"error","error_id":"SYSTEM",`+
		`"error":"No replica could answer (%d). Please retry."%s}}`, code, code503)
	if code < 500 {
		body = fmt.Sprintf(`{"response":{"status":"error","error_id":"SYNTAX",`+
			`"error":"The request could not be read (%d)."}}`, code)
	}
	retry := "Retry-After: 1\r\n"
	if code < 500 {
		retry = ""
	}
	return status + "\r\n" +
		"Cache-Control: no-cache\r\n" +
		"Connection: close\r\n" +
		"Content-Type: application/json\r\n" +
		retry +
		fmt.Sprintf("Content-Length: %d\r\n", len(body)) +
		"\r\n" + body
}
