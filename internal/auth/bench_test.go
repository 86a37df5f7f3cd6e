package auth_test

import (
	"context"
	"testing"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

// BenchmarkAuthenticate measures the token check of every authenticated
// call: the token's hash, and one script call that reads the session and
// renews its lifetime, against a real redis-server on loopback.
//
//	go test -run '^$' -bench Authenticate -benchmem ./internal/auth/
func BenchmarkAuthenticate(b *testing.B) {
	st := store.New(testredis.StartSingle(b).Client(), "")
	ctx := context.Background()
	hash, err := auth.HashPassword("s3cret", 4)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateAPIUser(ctx, store.APIUser{Name: "ann", MemberID: 7,
		PasswordHash: hash, Enabled: true}); err != nil {
		b.Fatal(err)
	}
	svc := auth.New(st, nil, auth.Config{BcryptCost: 4})
	token, err := svc.Login(ctx, "ann", "s3cret", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}

	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if sess, err := svc.Authenticate(ctx, token); err != nil || sess.MemberID != 7 {
				b.Fatalf("session %+v, %v", sess, err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := svc.Authenticate(ctx, token); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	// The hash alone, the part that costs no round trip.
	b.Run("hash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = auth.HashToken(token)
		}
	})
}
