package store

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// A Rider is store work that travels in the round trip of another call:
// the rate limiter's script, which a library brings and runs itself. A
// request that must check its token and spend a rate-limit token then
// pays one round trip for both. Only this package makes Riders.
type Rider interface {
	// ride queues the rider's commands on p.
	ride(ctx context.Context, p redis.Pipeliner)
	// home is the store whose Redis the rider belongs to.
	home() *Store
}

// Scripter is what a library that brings its own script needs of a
// client: the methods go-redis/redis_rate calls.
type Scripter interface {
	Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd
	EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd
	EvalRO(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd
	EvalShaRO(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd
	ScriptExists(ctx context.Context, hashes ...string) *redis.BoolSliceCmd
	ScriptLoad(ctx context.Context, script string) *redis.StringCmd
	Del(ctx context.Context, keys ...string) *redis.IntCmd
}

// Along returns a Scripter whose first script call by hash (EVALSHA)
// goes to Redis in one pipeline after the riders' commands. Every other
// call, and any call after the first, is the client's own: when Redis
// does not know the script, the library's retry with the source runs
// alone, the riders having ridden already. Riders of another store (a
// test's) run on their own Redis, in a round trip of their own.
//
// Each rider reads its own reply: a failure of the pipeline is on every
// command of it, and the Scripter's caller sees it on its script's reply.
func (s *Store) Along(ctx context.Context, riders ...Rider) Scripter {
	a := &along{UniversalClient: s.rdb}
	for _, r := range riders {
		if r.home() == s {
			a.riders = append(a.riders, r)
			continue
		}
		h := r.home()
		_, _ = h.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			r.ride(ctx, p)
			return nil
		})
	}
	return a
}

type along struct {
	redis.UniversalClient
	riders []Rider
}

func (a *along) EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	if len(a.riders) == 0 {
		return a.UniversalClient.EvalSha(ctx, sha1, keys, args...)
	}
	var cmd *redis.Cmd
	_, _ = a.UniversalClient.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, r := range a.riders {
			r.ride(ctx, p)
		}
		cmd = p.EvalSha(ctx, sha1, keys, args...)
		return nil
	})
	a.riders = nil
	return cmd
}
