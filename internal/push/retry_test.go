package push_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/push"
	"github.com/instant-audience/audience/internal/store"
)

// slack is how much earlier than the service asked a retry may arrive:
// the two clocks are one, but the recorder stamps a request after
// reading its body.
const slack = 20 * time.Millisecond

// checkRetryAfter fails unless, after every answer of status, no request
// reached the service before its Retry-After was over: no request at all
// for a 429, which holds every request back, and not the same request
// again for a 503.
func checkRetryAfter(t *testing.T, posts []post, status int) int {
	t.Helper()
	seen := 0
	for i, p := range posts {
		if p.status != status {
			continue
		}
		seen++
		if p.retryAfter < time.Second {
			t.Errorf("answer %d (%d) has Retry-After %v", i+1, status, p.retryAfter)
		}
		until := p.at.Add(p.retryAfter - slack)
		for j := i + 1; j < len(posts); j++ {
			if status != 429 && posts[j].first != p.first {
				continue
			}
			// Requests sent before the answer arrived are not its retries.
			if posts[j].at.After(p.at.Add(50*time.Millisecond)) && posts[j].at.Before(until) {
				t.Errorf("request %d came %v after the %d of request %d, which asked for %v",
					j+1, posts[j].at.Sub(p.at), status, i+1, p.retryAfter)
			}
		}
	}
	return seen
}

// A member whose users limit is lower than the client assumes: the client
// meets a 429, waits its Retry-After, learns the limit from its text and
// paces by it from then on.
func TestPushRateLimited(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		perSec   int64
		users    int
		status   int // the refusal expected first
		refusals int // at most this many of them
	}{
		// Batches of 500 fit the burst of 600 but not twice in a second.
		{name: "429 below the default", perSec: 600, users: 2400, status: 429, refusals: 2},
		// Batches of 500 never fit a burst of 300: 400 LIMIT, then halves.
		{name: "400 LIMIT below a batch", perSec: 300, users: 1200, status: 400, refusals: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := startRedisService(t)
			creds := addMember(t, svc.st, 2002, store.Limits{UsersPerSec: tt.perSec},
				"slow", testSegments...)
			file := filepath.Join(t.TempDir(), "users.csv")
			writeUsers(t, file, push.FormatCSV, 1, tt.users, 1)

			start := time.Now()
			sum, err := pushFile(t, context.Background(), svc, file,
				push.Options{Credentials: creds, Concurrency: 4})
			if err != nil || !sum.Complete || sum.Users != tt.users {
				t.Fatalf("push: %v, %+v", err, sum)
			}
			checkOnce(t, svc.rec.accepted(), 1, tt.users, 1)

			posts := svc.rec.posts()
			defer func() {
				if t.Failed() {
					for _, p := range posts {
						t.Logf("at %v: %d users, answered %d", p.at.Sub(start), p.entries, p.status)
					}
				}
			}()
			refused := checkRetryAfter(t, posts, 429)
			if tt.status == 400 {
				refused = svc.rec.statuses()[400]
				if sum.Splits == 0 {
					t.Error("no request was split after the 400 LIMIT")
				}
			}
			if refused == 0 || refused > tt.refusals {
				t.Errorf("%d answers %d, want 1 to %d: %v", refused, tt.status, tt.refusals,
					svc.rec.statuses())
			}
			if svc.rec.statuses()[http.StatusRequestEntityTooLarge] > 0 {
				t.Error("a request was refused for its size")
			}
			// The member's burst is one second's worth: the rest takes the
			// time the limit gives it, and not much longer.
			least := time.Duration(float64(tt.users-int(tt.perSec)) / float64(tt.perSec) *
				float64(time.Second))
			if took := time.Since(start); took < least || took > least+3*time.Second {
				t.Errorf("took %v for %d users at %d/s", took, tt.users, tt.perSec)
			}
		})
	}
}

// 503 answers and dropped connections are retried with backoff, after the
// Retry-After, and no request answered 200 is sent again.
func TestPushRetriesUnavailable(t *testing.T) {
	t.Parallel()
	svc := startRedisService(t)
	creds := addMember(t, svc.st, 2001, store.Limits{UsersPerSec: 100000, PostPerSec: 1000},
		"fast", testSegments...)
	file := filepath.Join(t.TempDir(), "users.csv")
	writeUsers(t, file, push.FormatCSV, 1, 3000, 1)
	svc.rec.onPost(func(n int) fault {
		switch n {
		case 1, 3:
			return fail503
		case 2, 6:
			return drop
		}
		return pass
	}, nil)

	sum, err := pushFile(t, context.Background(), svc, file, push.Options{
		Credentials: creds, Concurrency: 3, UsersPerSecond: 100000})
	if err != nil || !sum.Complete {
		t.Fatalf("push: %v", err)
	}
	if sum.Unavailable != 2 || sum.NetworkErrors != 2 || sum.Users != 3000 {
		t.Errorf("summary %+v", sum)
	}
	checkOnce(t, svc.rec.accepted(), 1, 3000, 1)
	if n := checkRetryAfter(t, svc.rec.posts(), 503); n != 2 {
		t.Errorf("%d answers 503", n)
	}
}

// A service that stays unavailable ends the push after RetryFor.
func TestPushGivesUp(t *testing.T) {
	t.Parallel()
	svc := startService(t)
	file := filepath.Join(t.TempDir(), "users.csv")
	writeUsers(t, file, push.FormatCSV, 1, 10, 1)
	svc.rec.onPost(func(int) fault { return fail503 }, nil)
	journal := filepath.Join(t.TempDir(), "journal")
	start := time.Now()
	sum, err := pushFile(t, context.Background(), svc, file, push.Options{
		Credentials: demo, RetryFor: 1500 * time.Millisecond, Journal: journal})
	if !errors.Is(err, push.ErrUnavailable) || sum.Complete {
		t.Fatalf("push: %v", err)
	}
	if took := time.Since(start); took < 1500*time.Millisecond || took > 5*time.Second {
		t.Errorf("gave up after %v", took)
	}
	if sum.Unavailable < 2 {
		t.Errorf("%d tries", sum.Unavailable)
	}
}

// An expired session is replaced by one new login, and the push goes on.
func TestPushLogsInAgain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// after runs when the first request was answered 200.
		after func(t *testing.T, svc *service)
		// fresh401 makes the service refuse every request after the first.
		fresh401 bool
		err      error
		logins   int64
	}{
		{
			name: "sessions revoked",
			after: func(t *testing.T, svc *service) {
				if _, err := svc.st.RevokeUserSessions(context.Background(), "fast"); err != nil {
					t.Error(err)
				}
			},
			logins: 2,
		},
		{
			name: "password changed",
			after: func(t *testing.T, svc *service) {
				ctx := context.Background()
				if err := svc.st.SetAPIUserPassword(ctx, "fast", "$2a$04$x"); err != nil {
					t.Error(err)
				}
				if _, err := svc.st.RevokeUserSessions(ctx, "fast"); err != nil {
					t.Error(err)
				}
			},
			err:    push.ErrAuth,
			logins: 1,
		},
		{name: "a fresh token refused too", fresh401: true, err: push.ErrAuth, logins: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := startRedisService(t)
			creds := addMember(t, svc.st, 2001,
				store.Limits{UsersPerSec: 100000, PostPerSec: 1000}, "fast", testSegments...)
			file := filepath.Join(t.TempDir(), "users.csv")
			writeUsers(t, file, push.FormatCSV, 1, 3000, 1)
			svc.rec.onPost(nil, func(n, _ int) {
				if n == 1 && tt.after != nil {
					tt.after(t, svc)
				}
			})
			if tt.fresh401 {
				svc.rec.onPost(func(n int) fault {
					if n > 1 {
						return fail401
					}
					return pass
				}, nil)
			}
			sum, err := pushFile(t, context.Background(), svc, file, push.Options{
				Credentials: creds, Concurrency: 1, UsersPerSecond: 2000})
			if !errors.Is(err, tt.err) {
				t.Fatalf("push: %v, want %v", err, tt.err)
			}
			if sum.Logins != tt.logins {
				t.Errorf("%d logins, want %d", sum.Logins, tt.logins)
			}
			if tt.err == nil {
				checkOnce(t, svc.rec.accepted(), 1, 3000, 1)
			}
		})
	}
}
