package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// memoryResult is Redis's memory for the memory run's memberships.
type memoryResult struct {
	users, perUser int
	bytes          int64
}

// perMembership is the bytes of Redis memory per membership.
func (m memoryResult) perMembership() float64 {
	return float64(m.bytes) / float64(m.users*m.perUser)
}

// memory writes users with 5 memberships each through the store (19-digit
// platform ids, 5-digit segment ids, value 1, a one-day lifetime, as
// TestMemoryPerMembership does) and returns the growth of Redis's
// used_memory.
func (b *bench) memory(ctx context.Context, users int) (memoryResult, error) {
	const perUser = 5
	m := memoryResult{users: users, perUser: perUser}
	before, err := b.usedMemory(ctx)
	if err != nil {
		return m, err
	}
	if err := writeUsers(ctx, b.st, users, perUser, 1440); err != nil {
		return m, err
	}
	after, err := b.usedMemory(ctx)
	m.bytes = after - before
	return m, err
}

// usedMemory reads used_memory from INFO memory.
func (b *bench) usedMemory(ctx context.Context) (int64, error) {
	info, err := b.rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("no used_memory in INFO memory")
}
