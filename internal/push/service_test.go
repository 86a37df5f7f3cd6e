package push_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/app"
	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/push"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// service is the real API, built in-process over the embedded store or a
// redis-server, behind a recorder of what it was sent.
type service struct {
	URL string
	st  *store.Store
	rec *recorder
}

// buildService builds one replica on redisURL ("" for the embedded store).
func buildService(t testing.TB, redisURL string) *app.Service {
	t.Helper()
	svc, err := app.BuildForTests(context.Background(), redisURL)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Cleanup(svc.Close)
	return svc
}

// startService serves one replica on the embedded store, for small
// inputs: its Lua runs interpreted in Go, slowly under the race detector.
func startService(t *testing.T) *service {
	t.Helper()
	return serve(t, buildService(t, ""))
}

// startRedisService serves one replica on a redis-server of its own. It
// is skipped with -short, which runs the in-memory tests only.
func startRedisService(t *testing.T) *service {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a redis-server; skipped with -short")
	}
	return serve(t, buildService(t, "redis://"+testredis.StartSingle(t).Addr))
}

func serve(t *testing.T, svc *app.Service) *service {
	t.Helper()
	rec := &recorder{next: svc.API.Handler()}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return &service{URL: srv.URL, st: svc.Store, rec: rec}
}

// addMember provisions a member with limits, an API user and segments.
func addMember(t testing.TB, st *store.Store, id int64, lim store.Limits, user string,
	segs ...int64) push.Credentials {
	t.Helper()
	ctx := context.Background()
	if err := st.CreateMember(ctx, store.Member{ID: id, Enabled: true, Limits: lim}); err != nil {
		t.Fatal(err)
	}
	const password = "test-password-1"
	hash, err := auth.HashPassword(password, 4)
	if err != nil {
		t.Fatal(err)
	}
	err = st.CreateAPIUser(ctx, store.APIUser{Name: user, MemberID: id, PasswordHash: hash,
		Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if _, err := st.CreateSegment(ctx, store.Segment{ID: s, MemberID: id, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	return push.Credentials{Username: user, Password: password}
}

// demo are the demo user's credentials.
var demo = push.Credentials{Username: app.DemoUser, Password: app.DemoPassword}

// fault is what the recorder does to a POST instead of serving it.
type fault int

const (
	pass    fault = iota
	fail503       // answer 503 SYSTEM with Retry-After: 1
	drop          // close the connection without an answer
	fail401       // answer 401 NOAUTH, as for a dead token
)

// post is one POST /rt-segment the recorder saw.
type post struct {
	at         time.Time
	status     int
	retryAfter time.Duration
	entries    int
	first      string         // the first user, "user_id|domain" as sent
	blocks     map[string]int // seg blocks per user
}

// recorder wraps the API and records every POST /rt-segment, counting
// the seg blocks of each user it carried. It can fail chosen requests.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	log  []post
	// inject chooses what happens to the n-th POST (from 1).
	inject func(n int) fault
	// answered is called after the n-th POST was answered with status.
	answered func(n, status int)
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/rt-segment" {
		r.next.ServeHTTP(w, req)
		return
	}
	raw, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(raw))
	body := raw
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			body, _ = io.ReadAll(zr)
		}
	}
	p := post{at: time.Now(), blocks: map[string]int{}}
	var parsed struct {
		RtSegment []struct {
			UserID   json.RawMessage   `json:"user_id"`
			Domain   json.RawMessage   `json:"domain"`
			SegBlock []json.RawMessage `json:"seg_block"`
		} `json:"rt_segment"`
	}
	_ = json.Unmarshal(body, &parsed)
	for _, e := range parsed.RtSegment {
		key := string(e.UserID) + "|" + string(e.Domain)
		if p.entries == 0 {
			p.first = key
		}
		p.entries++
		p.blocks[key] += len(e.SegBlock)
	}

	r.mu.Lock()
	n := len(r.log) + 1
	f := pass
	if r.inject != nil {
		f = r.inject(n)
	}
	r.log = append(r.log, post{}) // reserve n
	r.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	switch f {
	case fail503:
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"response":{"status":"error","error_id":"SYSTEM",`+
			`"error_code":"SERVICE_UNAVAILABLE","error":"injected"}}`)
		sw.status = http.StatusServiceUnavailable
	case fail401:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"response":{"status":"error","error_id":"NOAUTH",`+
			`"error":"injected"}}`)
		sw.status = http.StatusUnauthorized
	case drop:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		sw.status = -1
	default:
		r.next.ServeHTTP(sw, req)
	}
	p.status = sw.status
	if s, err := strconv.Atoi(sw.Header().Get("Retry-After")); err == nil {
		p.retryAfter = time.Duration(s) * time.Second
	}

	r.mu.Lock()
	r.log[n-1] = p
	after := r.answered
	r.mu.Unlock()
	if after != nil {
		after(n, p.status)
	}
}

// onPost sets what happens to each POST and what runs after its answer;
// nil keeps the one set.
func (r *recorder) onPost(inject func(n int) fault, answered func(n, status int)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if inject != nil {
		r.inject = inject
	}
	if answered != nil {
		r.answered = answered
	}
}

// posts returns a copy of the log.
func (r *recorder) posts() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]post(nil), r.log...)
}

// accepted adds up the seg blocks per user of every POST answered 200.
func (r *recorder) accepted() map[string]int {
	out := map[string]int{}
	for _, p := range r.posts() {
		if p.status != http.StatusOK {
			continue
		}
		for u, n := range p.blocks {
			out[u] += n
		}
	}
	return out
}

// statuses counts the answers by status.
func (r *recorder) statuses() map[int]int {
	out := map[int]int{}
	for _, p := range r.posts() {
		out[p.status]++
	}
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// members reads a user's live memberships through the API.
func members(t testing.TB, base, token, user, domain string) []int64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/rt-segment?user_id="+user+
		"&domain="+domain, nil)
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Response struct {
			Segments []struct {
				SegID int64 `json:"seg_id"`
			} `json:"segments"`
		} `json:"response"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", user, res.StatusCode, err)
	}
	ids := make([]int64, len(body.Response.Segments))
	for i, s := range body.Response.Segments {
		ids[i] = s.SegID
	}
	return ids
}

// login gets a token for reading back.
func login(t testing.TB, base string, c push.Credentials) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"auth": map[string]string{
		"username": c.Username, "password": c.Password}})
	res, err := http.Post(base+"/auth", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Response struct {
			Token string `json:"token"`
		} `json:"response"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Response.Token == "" {
		t.Fatalf("login %s: %d %v", c.Username, res.StatusCode, err)
	}
	return out.Response.Token
}
