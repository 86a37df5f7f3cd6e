package auth_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/store"
)

type fixture struct {
	svc     *auth.Service
	st      *store.Store
	advance func(time.Duration)
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	mr := miniredis.RunT(t)
	now := time.Now()
	mr.SetTime(now)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb, "")
	hash, err := auth.HashPassword("s3cret", 4)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.CreateAPIUser(ctx, store.APIUser{Name: "ann", MemberID: 7,
		PasswordHash: hash, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	svc := auth.New(st, auth.NewThrottle(st, auth.ThrottleConfig{}), auth.Config{BcryptCost: 4})
	return fixture{svc: svc, st: st, advance: func(d time.Duration) {
		now = now.Add(d)
		mr.SetTime(now)
		mr.FastForward(d)
	}}
}

func TestTokenShape(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		tok := auth.NewToken()
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(tok) || seen[tok] {
			t.Fatalf("bad or repeated token %q", tok)
		}
		seen[tok] = true
	}
}

func TestLoginAndLifetimes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Login(ctx, "ann", "wrong", "1.2.3.4"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := f.svc.Login(ctx, "bob", "s3cret", "1.2.3.4"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("unknown user: %v", err)
	}
	tok, err := f.svc.Login(ctx, "ann", "s3cret", "1.2.3.4")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := f.svc.Authenticate(ctx, tok)
	if err != nil || sess.MemberID != 7 || sess.User != "ann" {
		t.Fatalf("session %+v, %v", sess, err)
	}

	// Each use renews the idle lifetime of 2 hours...
	for i := 0; i < 13; i++ {
		f.advance(110 * time.Minute)
		if _, err := f.svc.Authenticate(ctx, tok); err != nil {
			t.Fatalf("after %d renewals: %v", i, err)
		}
	}
	// ...but never past 24 hours from issue (13 x 110 minutes + 20).
	f.advance(20 * time.Minute)
	if _, err := f.svc.Authenticate(ctx, tok); !errors.Is(err, auth.ErrBadToken) {
		t.Fatalf("a token older than 24 hours still works: %v", err)
	}

	// Unused for 2 hours, a token dies.
	tok, _ = f.svc.Login(ctx, "ann", "s3cret", "1.2.3.4")
	f.advance(2*time.Hour + time.Second)
	if _, err := f.svc.Authenticate(ctx, tok); !errors.Is(err, auth.ErrBadToken) {
		t.Fatalf("an idle token still works: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, ""); !errors.Is(err, auth.ErrBadToken) {
		t.Fatalf("empty token: %v", err)
	}
}

func TestDisabledUserCannotLogIn(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.st.SetAPIUserEnabled(ctx, "ann", false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(ctx, "ann", "s3cret", "1.2.3.4"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("disabled user: %v", err)
	}
}

func TestThrottles(t *testing.T) {
	ctx := context.Background()
	var throttled *auth.ThrottledError

	t.Run("attempts per user", func(t *testing.T) {
		f := newFixture(t)
		for i := 0; i < 20; i++ {
			f.svc.Login(ctx, "ann", "wrong", "10.0.0."+string(rune('0'+i%10)))
		}
		_, err := f.svc.Login(ctx, "ann", "s3cret", "1.2.3.4")
		if !errors.As(err, &throttled) || throttled.RetryAfter <= 0 {
			t.Fatalf("21st attempt: %v", err)
		}
		f.advance(throttled.RetryAfter)
		if _, err := f.svc.Login(ctx, "ann", "s3cret", "1.2.3.4"); err != nil {
			t.Fatalf("after waiting Retry-After: %v", err)
		}
	})
	t.Run("attempts per address", func(t *testing.T) {
		f := newFixture(t)
		for i := 0; i < 100; i++ {
			f.svc.Login(ctx, "user"+string(rune('a'+i%26)), "x", "6.6.6.6")
		}
		if _, err := f.svc.Login(ctx, "ann", "s3cret", "6.6.6.6"); !errors.As(err, &throttled) {
			t.Fatalf("guessing address not throttled: %v", err)
		}
		if _, err := f.svc.Login(ctx, "ann", "s3cret", "1.2.3.4"); err != nil {
			t.Fatalf("another address is throttled too: %v", err)
		}
	})
	t.Run("concurrent guesses", func(t *testing.T) {
		f := newFixture(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		checked := 0
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Login(ctx, "ann", "guess", "7.7.7.7")
				if errors.Is(err, auth.ErrBadCredentials) {
					mu.Lock()
					checked++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if checked != 20 {
			t.Fatalf("%d of 50 concurrent guesses were checked, want 20", checked)
		}
	})
	t.Run("successes per user in any window", func(t *testing.T) {
		f := newFixture(t)
		for i := 0; i < 10; i++ {
			if _, err := f.svc.Login(ctx, "ann", "s3cret", "1.2.3.4"); err != nil {
				t.Fatalf("login %d: %v", i+1, err)
			}
			f.advance(10 * time.Second)
		}
		// Half the window later, no login has left it yet.
		f.advance(2 * time.Minute)
		if _, err := f.svc.Login(ctx, "ann", "s3cret", "1.2.3.4"); !errors.As(err, &throttled) {
			t.Fatalf("11th login within 5 minutes: %v", err)
		}
		f.advance(throttled.RetryAfter)
		if _, err := f.svc.Login(ctx, "ann", "s3cret", "1.2.3.4"); err != nil {
			t.Fatalf("after the first login left the window: %v", err)
		}
	})
}
