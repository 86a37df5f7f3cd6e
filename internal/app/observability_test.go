package app

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/testredis"
)

// scrape reads GET /metrics from h.
func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, raw)
	}
	return string(raw)
}

// TestMetrics: a login and a POST with one good and two bad blocks show
// in /metrics by route and status, as applied users and segments, as
// warnings by kind, as store latency and pool usage; no id is a label.
func TestMetrics(t *testing.T) {
	in := start(t, testConfig(""))
	token := in.login(DemoUser, DemoPassword)
	a := in.post(token, `{"rt_segment":[{"user_id":"4242424242","seg_block":[
		{"seg_id":10001,"value":1},{"seg_id":987654321},{"seg_id":10002,"expiration":-1},
		{"seg_id":"x"}]}]}`)
	if a.status != 200 {
		t.Fatalf("POST: %d %s", a.status, a.raw)
	}
	in.do("GET", "/nowhere/4242424242", "", nil)
	body := scrape(t, in.base)

	for _, want := range []string{
		`audience_http_requests_total{code="200",method="POST",route="/auth"} 1`,
		`audience_http_requests_total{code="200",method="POST",route="/rt-segment"} 1`,
		`audience_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`audience_http_request_duration_seconds_count{method="POST",route="/rt-segment"} 1`,
		`audience_rtsegment_users_applied_total 1`,
		`audience_rtsegment_segments_applied_total{op="add"} 1`,
		`audience_rtsegment_segments_applied_total{op="remove"} 1`,
		`audience_rtsegment_warnings_total{kind="unknown_segment"} 1`,
		`audience_rtsegment_warnings_total{kind="other"} 1`,
		`audience_ratelimit_decisions_total{decision="allowed",limit=`,
		`audience_store_duration_seconds_count{op="pipeline"}`,
		`audience_redis_pool_connections `,
		`audience_build_info{version=`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in /metrics", want)
		}
	}
	for _, secret := range []string{"4242424242", token, "1001", "demo"} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics holds %q", secret)
		}
	}
}

// TestAdminAddr: with an admin address, /metrics moves to the admin
// handler, which answers health and readiness too.
func TestAdminAddr(t *testing.T) {
	cfg := testConfig("")
	cfg.AdminAddr = "127.0.0.1:0"
	in := start(t, cfg)
	wantError(t, in.do("GET", "/metrics", "", nil), 404, "SYNTAX")

	admin := httptest.NewServer(in.svc.API.AdminHandler())
	defer admin.Close()
	if !strings.Contains(scrape(t, admin.URL), "audience_http_requests_total") {
		t.Fatal("the admin handler serves no request metrics")
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(admin.URL + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("admin %s: %v %v", p, resp, err)
		}
		resp.Body.Close()
	}
}

// TestLogsHoldNoSecrets reads the debug logs of a full exchange, a
// failed login, a token in the query, and a Redis with a password, and
// finds none of the secrets.
func TestLogsHoldNoSecrets(t *testing.T) {
	const redisPassword = "r3dis-Pa55word-xyz"
	cfg := testConfig("")
	if !testing.Short() {
		testredis.Require(t)
		srv := testredis.StartSingle(t, "--requirepass", redisPassword)
		cfg.Redis.URL = "redis://" + srv.Addr
		cfg.Redis.RedisConn = config.DefaultRedisConn()
		cfg.Redis.Password = redisPassword
	}
	in := start(t, cfg)

	wantError(t, in.do("POST", "/auth", "", []byte(
		`{"auth":{"username":"demo","password":"not-the-Pa55word"}}`)), 401, "NOAUTH")
	token := in.login(DemoUser, DemoPassword)
	if a := in.post(token, oneMembership); a.status != 200 {
		t.Fatalf("POST: %d %s", a.status, a.raw)
	}
	q := "/rt-segment?user_id=42&access_token=" + url.QueryEscape(token)
	if a := in.do("GET", q, "", nil); a.status != 200 {
		t.Fatalf("GET with access_token: %d %s", a.status, a.raw)
	}
	wantError(t, in.do("GET", "/rt-segment?user_id=42&access_token=guessed-t0ken-value", "", nil),
		401, "NOAUTH")

	logs := in.logs.String()
	if !strings.Contains(logs, `"path":"/rt-segment"`) {
		t.Fatalf("the exchange was not logged:\n%s", logs)
	}
	for _, secret := range []string{token, `"demo"}`, "not-the-Pa55word", "guessed-t0ken-value",
		"access_token", redisPassword} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %q:\n%s", secret, logs)
		}
	}
}

// TestTrustedProxies: X-Forwarded-For gives the client address, for login
// throttling and logs, only when the direct peer is a trusted proxy.
func TestTrustedProxies(t *testing.T) {
	failFrom := func(in *instance, xff string, n int) answer {
		var a answer
		for i := range n {
			a = in.do("POST", "/auth", "", []byte(fmt.Sprintf(
				`{"auth":{"username":"ghost%d","password":"x"}}`, i)), "X-Forwarded-For", xff)
		}
		return a
	}
	const perAddr = 100 // failed logins one address may make in 5 minutes
	client := regexp.MustCompile(`"client":"([^"]*)"`)

	t.Run("trusted", func(t *testing.T) {
		cfg := testConfig("")
		cfg.TrustedProxies = config.List{"127.0.0.0/8"}
		in := start(t, cfg)
		wantError(t, failFrom(in, "198.51.100.1", perAddr), 401, "NOAUTH")
		wantError(t, failFrom(in, "198.51.100.1", 1), 429, "LIMIT")
		// Another client behind the same balancer is not throttled.
		wantError(t, failFrom(in, "198.51.100.2", 1), 401, "NOAUTH")
		if m := client.FindStringSubmatch(in.logs.String()); m == nil || m[1] != "198.51.100.1" {
			t.Fatalf("logged client %v, want the forwarded address", m)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		in := start(t, testConfig(""))
		for i := range perAddr {
			failFrom(in, fmt.Sprintf("198.51.100.%d", i), 1)
		}
		// A forged header does not escape the peer's bucket.
		wantError(t, failFrom(in, "203.0.113.9", 1), 429, "LIMIT")
		if m := client.FindStringSubmatch(in.logs.String()); m == nil || m[1] != "127.0.0.1" {
			t.Fatalf("logged client %v, want the peer", m)
		}
	})
}
