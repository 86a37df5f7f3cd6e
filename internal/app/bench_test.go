package app_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/instant-audience/audience/internal/app"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
	"github.com/instant-audience/audience/internal/testredis"
)

// benchService is the whole service in-process over a real redis-server,
// with one member whose limits are out of the way, logged in. Requests
// go straight to the handler: no network on the client's side, so that a
// profile of these benchmarks is the server's work and Redis's waits.
type benchService struct {
	handler http.Handler
	account scenario.Account
	next    atomic.Uint64
}

func newBenchService(b *testing.B) *benchService {
	b.Helper()
	srv := testredis.StartSingle(b)
	ctx := context.Background()
	svc, err := app.BuildForTests(ctx, "redis://"+srv.Addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(svc.Close)
	accounts, err := scenario.Provision(ctx, svc.Store, scenario.Spec{Members: 1,
		Limits: scenario.Unlimited})
	if err != nil {
		b.Fatal(err)
	}
	web := httptest.NewServer(svc.API.Handler())
	defer web.Close()
	if err := accounts[0].Login(ctx, web.Client(), web.URL); err != nil {
		b.Fatal(err)
	}
	s := &benchService{handler: svc.API.Handler(), account: accounts[0]}
	s.next.Store(1e18)
	return s
}

// serve sends one request to the handler and fails unless it is a 200.
func (s *benchService) serve(b *testing.B, method, target string, body []byte) []byte {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.Header.Set("Authorization", s.account.Token)
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body.Bytes())
	}
	return w.Body.Bytes()
}

// post posts users new users of segs segments each.
func (s *benchService) post(b *testing.B, users, segs int) {
	first := s.next.Add(uint64(users)) - uint64(users)
	body := scenario.PostBody(nil, s.account, first, users, segs)
	if _, n := scenario.Applied(s.serve(b, http.MethodPost, "/rt-segment", body)); n != users*segs {
		b.Fatalf("%d memberships applied, want %d", n, users*segs)
	}
}

// BenchmarkPost measures POST /rt-segment through the whole service
// (token check, rate limits, parsing, checks, the store's pipeline and
// the answer) with a real redis-server: a full POST of 1000 users of 5
// segments, and a small one of 1 user.
//
//	go test -run '^$' -bench Post -benchmem ./internal/app/
func BenchmarkPost(b *testing.B) {
	s := newBenchService(b)
	b.Run("1000users", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.post(b, 1000, 5)
		}
		b.ReportMetric(float64(b.N)*5000/b.Elapsed().Seconds(), "memberships/s")
	})
	b.Run("1user", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.post(b, 1, 5)
		}
	})
	b.Run("1user-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.post(b, 1, 5)
			}
		})
	})
}

// BenchmarkGet measures GET /rt-segment of a user with 5 memberships
// through the whole service.
func BenchmarkGet(b *testing.B) {
	s := newBenchService(b)
	first := s.next.Load()
	s.post(b, 1000, 5)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		target := "/rt-segment?user_id=" + strconv.FormatUint(first+uint64(i%1000), 10)
		if n := scenario.FoundSegments(s.serve(b, http.MethodGet, target, nil)); n != 5 {
			b.Fatalf("%d segments found, want 5", n)
		}
	}
}
