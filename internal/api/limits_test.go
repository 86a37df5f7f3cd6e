package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/api"
	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/limits"
	"github.com/instant-audience/audience/internal/registry"
	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/stats"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// signedIn returns auth over st with a session open for each token, of
// the member it maps to.
func signedIn(t *testing.T, st *store.Store, tokens map[string]int64) *auth.Service {
	t.Helper()
	for token, member := range tokens {
		if _, err := st.OpenSession(context.Background(), auth.HashToken(token),
			store.Session{User: token, MemberID: member}, time.Hour, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	return auth.New(st, nil, auth.Config{BcryptCost: 4})
}

// rig is an API over miniredis whose clock the test moves: every bucket
// figure is exact.
type rig struct {
	t    *testing.T
	st   *store.Store
	url  string
	move func(time.Duration)
	// trips counts the round trips to Redis.
	trips *testredis.RoundTrips
}

func newRig(t *testing.T, cfg limits.Config, members ...store.Member) *rig {
	t.Helper()
	mr := miniredis.RunT(t)
	now := time.Now()
	mr.SetTime(now)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	trips := &testredis.RoundTrips{}
	rdb.AddHook(trips)
	st := store.New(rdb, "")
	ctx := context.Background()
	tokens := map[string]int64{}
	for _, m := range members {
		tokens[fmt.Sprintf("t%d", m.ID)] = m.ID
		if err := st.PutMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateSegment(ctx, store.Segment{ID: m.ID*10 + 1, MemberID: m.ID,
			Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	srv := api.New(api.Config{
		Limits:         rtsegment.Limits{MaxUsers: 1000, MaxBlocks: 100, MaxExpiration: 259200},
		RequestTimeout: 3 * time.Second,
	}, api.Deps{
		Auth:     signedIn(t, st, tokens),
		Registry: registry.New(st, time.Minute),
		Store:    st,
		Limiter:  limits.New(st, cfg),
		Stats:    stats.NewReporter(st),
	})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &rig{t: t, st: st, url: hs.URL, trips: trips, move: func(d time.Duration) {
		now = now.Add(d)
		mr.SetTime(now)
		mr.FastForward(d)
	}}
}

type reply struct {
	status int
	header http.Header
	raw    string
	body   struct {
		Response map[string]any `json:"response"`
	}
}

func (r *rig) call(method, path string, member int64, body string) reply {
	r.t.Helper()
	return r.callWith(method, path, fmt.Sprintf("t%d", member), body)
}

// callWith is call with any token.
func (r *rig) callWith(method, path, token, body string) reply {
	r.t.Helper()
	// A microsecond per call, as real calls are at least that far apart.
	r.move(time.Microsecond)
	req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		r.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
	}
	return out
}

// users returns a POST body of n valid entries for member's segment.
func users(member int64, n int) string { return usersFrom(member, 1, n) }

// usersFrom is users with user ids from first on.
func usersFrom(member int64, first, n int) string {
	var b bytes.Buffer
	b.WriteString(`{"rt_segment":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"user_id":"%d","seg_block":[{"seg_id":%d}]}`, first+i, member*10+1)
	}
	b.WriteString(`]}`)
	return b.String()
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func wantHeader(t *testing.T, r reply, name, want string) {
	t.Helper()
	if got := r.header.Get(name); got != want {
		t.Fatalf("%s = %q, want %q (%d %s)", name, got, want, r.status, r.raw)
	}
}

func want429(t *testing.T, r reply, text string) {
	t.Helper()
	resp := r.body.Response
	if r.status != 429 || resp["error_id"] != "LIMIT" || resp["error_code"] != "RATE_EXCEEDED" ||
		resp["error"] != text {
		t.Fatalf("want 429 LIMIT %q, got %d %s", text, r.status, r.raw)
	}
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
	}
}

func sentence(n int64, unit, to string) string {
	return fmt.Sprintf("Rate limit exceeded. You have exceeded your request limit of %d %s"+
		" per 1 seconds to %s, please wait and try again or contact your account manager"+
		" for higher limits", n, unit, to)
}

func TestHeadersOnEveryAuthenticatedAnswer(t *testing.T) {
	r := newRig(t, limits.Config{PostPerSec: 7, GetPerSec: 9},
		store.Member{ID: 1, Enabled: true},
		store.Member{ID: 2, Enabled: true, Limits: store.Limits{PostPerSec: 3, GetPerSec: 4}})
	tests := []struct {
		name, method, path, body string
		member                   int64
		status                   int
		limit, write, read       string
	}{
		{"POST 200", "POST", "/rt-segment", users(1, 1), 1, 200, "7", "7", "9"},
		{"POST 400", "POST", "/rt-segment", "nope", 1, 400, "7", "7", "9"},
		{"GET 200", "GET", "/rt-segment?user_id=1", "", 1, 200, "9", "7", "9"},
		{"GET 400", "GET", "/rt-segment", "", 1, 400, "9", "7", "9"},
		{"report", "GET", "/rt-segment-processed", "", 1, 200, "9", "7", "9"},
		{"member's own limits", "POST", "/rt-segment", users(2, 1), 2, 200, "3", "3", "4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := r.call(tc.method, tc.path, tc.member, tc.body)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.raw)
			}
			wantHeader(t, a, "X-RateLimit-Limit", tc.limit)
			wantHeader(t, a, "X-Ratelimit-Write", tc.write)
			wantHeader(t, a, "X-Ratelimit-Read", tc.read)
			left, reset := a.header.Get("X-RateLimit-Remaining"), a.header.Get("X-RateLimit-Reset")
			if left == "" || reset != "1" {
				t.Fatalf("Remaining %q, Reset %q", left, reset)
			}
		})
	}
	// No token accepted, no bucket: 401s carry no limit headers.
	req, _ := http.NewRequest("GET", r.url+"/rt-segment?user_id=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("X-RateLimit-Limit") != "" {
		t.Fatalf("unauthenticated: %d with limit %q", resp.StatusCode,
			resp.Header.Get("X-RateLimit-Limit"))
	}
}

func TestPostCallLimit(t *testing.T) {
	r := newRig(t, limits.Config{PostPerSec: 5}, store.Member{ID: 1, Enabled: true},
		store.Member{ID: 2, Enabled: true})
	for i := range 5 {
		a := r.call("POST", "/rt-segment", 1, users(1, 1))
		if a.status != 200 {
			t.Fatalf("call %d of the burst: %d %s", i+1, a.status, a.raw)
		}
		wantHeader(t, a, "X-RateLimit-Remaining", strconv.Itoa(4-i))
	}
	a := r.call("POST", "/rt-segment", 1, users(1, 1))
	want429(t, a, sentence(5, "writes", "rt-segment"))
	wantHeader(t, a, "X-RateLimit-Remaining", "0")
	wantHeader(t, a, "Retry-After", "1")

	// Another member is not touched.
	if a := r.call("POST", "/rt-segment", 2, users(2, 1)); a.status != 200 {
		t.Fatalf("member 2 refused by member 1's limit: %s", a.raw)
	}

	// Retry-After is honest: after that many seconds the same call fits.
	r.move(time.Second)
	if a := r.call("POST", "/rt-segment", 1, users(1, 1)); a.status != 200 {
		t.Fatalf("retry after Retry-After: %d %s", a.status, a.raw)
	}
}

func TestUsersLimit(t *testing.T) {
	r := newRig(t, limits.Config{UsersPerSec: 10}, store.Member{ID: 1, Enabled: true})
	if a := r.call("POST", "/rt-segment", 1, users(1, 8)); a.status != 200 {
		t.Fatalf("8 of 10 users: %d %s", a.status, a.raw)
	}

	// 5 more do not fit: refused whole, with the call's token given back.
	a := r.call("POST", "/rt-segment", 1, usersFrom(1, 100, 5))
	want429(t, a, sentence(10, "users", "rt-segment"))
	wantHeader(t, a, "X-RateLimit-Remaining", "99")
	got := r.call("GET", "/rt-segment?user_id=100", 1, "")
	if len(got.body.Response["segments"].([]any)) != 0 {
		t.Fatalf("a refused POST was applied: %s", got.raw)
	}
	rep := r.call("GET", "/rt-segment-processed?agg=true", 1, "")
	row := rep.body.Response["report"].([]any)[0].(map[string]any)
	if row["num_valid_users"] != 8.0 {
		t.Fatalf("a refused POST was counted: %s", rep.raw)
	}

	// Three users (a tenth of a second each) need 300 ms: Retry-After 1.
	wantHeader(t, a, "Retry-After", "1")
	r.move(time.Second)
	if a := r.call("POST", "/rt-segment", 1, users(1, 5)); a.status != 200 {
		t.Fatalf("after Retry-After: %d %s", a.status, a.raw)
	}

	// More entries than the whole burst can never fit: 400 LIMIT with
	// both numbers and no error_code.
	a = r.call("POST", "/rt-segment", 1, users(1, 11))
	resp := a.body.Response
	msg, _ := resp["error"].(string)
	_, has := resp["error_code"]
	if a.status != 400 || resp["error_id"] != "LIMIT" || has ||
		!contains(msg, "11 valid user entries", "10 users per 1 seconds") {
		t.Fatalf("11 users of a burst of 10: %d %s", a.status, a.raw)
	}
	if a.header.Get("Retry-After") != "" {
		t.Fatal("a request that can never fit has a Retry-After")
	}
}

func TestGetLimits(t *testing.T) {
	r := newRig(t, limits.Config{GetPerSec: 2}, store.Member{ID: 1, Enabled: true})
	tests := []struct {
		name, path, to string
	}{
		{"one user", "/rt-segment?user_id=1", "rt-segment"},
		{"report", "/rt-segment-processed", "rt-segment-processed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r.move(time.Second)
			for range 2 {
				if a := r.call("GET", tc.path, 1, ""); a.status != 200 {
					t.Fatalf("%d %s", a.status, a.raw)
				}
			}
			want429(t, r.call("GET", tc.path, 1, ""), sentence(2, "reads", tc.to))
		})
	}
}

// TestFailsClosed: when the limiter cannot reach its store, a call whose
// token and member are fine is refused with 503, not let through.
func TestFailsClosed(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb, "")
	ctx := context.Background()
	if err := st.PutMember(ctx, store.Member{ID: 1, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	reg := registry.New(st, time.Hour)
	if _, err := reg.Member(ctx, 1); err != nil {
		t.Fatal(err)
	}

	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := l.Addr().String()
	l.Close()
	deadRdb := redis.NewClient(&redis.Options{Addr: dead, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { deadRdb.Close() })

	srv := api.New(api.Config{RequestTimeout: 2 * time.Second}, api.Deps{
		Auth: signedIn(t, st, map[string]int64{"t1": 1}), Registry: reg, Store: st,
		Limiter: limits.New(store.New(deadRdb, ""), limits.Config{}),
		Stats:   stats.NewReporter(st),
	})
	for _, path := range []string{"/rt-segment?user_id=1", "/rt-segment-processed"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "t1")
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		if w.Code != 503 || !strings.Contains(w.Body.String(), `"error_id":"SYSTEM"`) {
			t.Fatalf("%s with the limiter's store down: %d %s", path, w.Code, w.Body)
		}
	}
}

func TestProcessedAnswer(t *testing.T) {
	r := newRig(t, limits.Config{}, store.Member{ID: 1, Enabled: true})
	r.call("POST", "/rt-segment", 1, `{"rt_segment":[{"user_id":"1","seg_block":[{"seg_id":11}]},`+
		`{"user_id":"2","seg_block":[{"seg_id":99}]}]}`)

	a := r.call("GET", "/rt-segment-processed", 1, "")
	resp := a.body.Response
	report, _ := resp["report"].([]any)
	term := resp["dbg_info"].(map[string]any)["output_term"]
	if a.status != 200 || len(report) != 1 || resp["count"] != 1.0 || resp["num_elements"] != 1.0 ||
		resp["start_element"] != 0.0 || term != "report" {
		t.Fatalf("report: %d %s", a.status, a.raw)
	}
	row := report[0].(map[string]any)
	if row["member_id"] != 1.0 || row["num_valid_users"] != 1.0 ||
		row["num_invalid_users"] != 1.0 || row["num_invalid_segments"] != 1.0 ||
		row["match_rate"] != 0.5 ||
		len(row["error_log_lines"].([]any)) != 2 || len(row["segment_log_lines"].([]any)) != 1 {
		t.Fatalf("row: %s", a.raw)
	}
	if _, err := time.Parse("2006-01-02 15:04:05", row["processed_hour"].(string)); err != nil {
		t.Fatalf("processed_hour: %v", err)
	}

	a = r.call("GET", "/rt-segment-processed?agg=true&start=2000-01-01", 1, "")
	row = a.body.Response["report"].([]any)[0].(map[string]any)
	for _, k := range []string{"processed_hour", "error_log_lines", "segment_log_lines"} {
		if v, ok := row[k]; !ok || v != nil {
			t.Fatalf("agg row: %s is %v, want null: %s", k, v, a.raw)
		}
	}

	for _, q := range []string{"start=today", "end=2026-02-30", "agg=yes-please",
		"start=2026-12-02&end=2026-12-01"} {
		a := r.call("GET", "/rt-segment-processed?"+q, 1, "")
		if a.status != 400 || a.body.Response["error_id"] != "SYNTAX" {
			t.Fatalf("%s: %d %s", q, a.status, a.raw)
		}
	}
}
