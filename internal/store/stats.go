package store

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Usage statistics live per member and hour (UTC), under the member's hash
// tag so that one request's counting touches one Cluster slot:
//
//	<p>m{<member>}:st:<YYYYMMDDHH>     counters (hash, fields below)
//	<p>m{<member>}:st:<YYYYMMDDHH>:r   sample of rejected items (list)
//	<p>m{<member>}:st:<YYYYMMDDHH>:a   sample of accepted items (list)
//
// The hour is the replica's clock, not Redis's: choosing the key from
// Redis's clock would take a script naming a key it was not given, which
// Cluster forbids. Replicas run NTP; a skew of seconds moves a request
// into the neighbouring hour, never loses it.
const (
	// UsageRetention is how long an hour's statistics are kept after its
	// last write: 15 days, so that the default report range (the last
	// 14 days) always finds every hour it covers. Redis expires the keys
	// by itself; nothing sweeps.
	UsageRetention = 15 * 24 * time.Hour
	// UsageSampleLines bounds each hour's samples of accepted and of
	// rejected items (the contract's 200).
	UsageSampleLines = 200
)

// hourLayout names an hour in a key: short, sortable, UTC.
const hourLayout = "2006010215"

// Counter fields of an hour's hash. Short: they are written by every
// POST and the hash stays a small listpack.
const (
	fValidUsers   = "vu"
	fValidAdds    = "va"
	fValidRemoves = "vr"
	fInvalidUsers = "iu"
	fUnauthSegs   = "us"
	fInactiveSegs = "is"
	fUnknownSegs  = "ns"
	fOtherErrors  = "oe"
)

// UsageCounts are the counters of the contract's report.
type UsageCounts struct {
	ValidUsers       int64
	ValidAdds        int64
	ValidRemoves     int64
	InvalidUsers     int64
	UnauthSegments   int64
	InactiveSegments int64
	InvalidSegments  int64
	OtherErrors      int64
}

// Add adds o to c.
func (c *UsageCounts) Add(o UsageCounts) {
	for i, f := range c.fields() {
		*f.v += *o.fields()[i].v
	}
}

type countField struct {
	name string
	v    *int64
}

func (c *UsageCounts) fields() [8]countField {
	return [8]countField{
		{fValidUsers, &c.ValidUsers},
		{fValidAdds, &c.ValidAdds},
		{fValidRemoves, &c.ValidRemoves},
		{fInvalidUsers, &c.InvalidUsers},
		{fUnauthSegs, &c.UnauthSegments},
		{fInactiveSegs, &c.InactiveSegments},
		{fUnknownSegs, &c.InvalidSegments},
		{fOtherErrors, &c.OtherErrors},
	}
}

// Usage is what one request adds to its member's statistics.
type Usage struct {
	// Member is the caller's member.
	Member int64
	// At is when the request was processed; its UTC hour picks the row.
	At time.Time
	// Counts are added to the hour's counters.
	Counts UsageCounts
	// Rejected and Accepted are sample lines, pushed onto the hour's
	// samples; each sample keeps its newest UsageSampleLines lines.
	Rejected []string
	Accepted []string
}

// empty reports whether u counts nothing. Samples come only with counts:
// a request that counted nothing (an empty rt_segment) leaves no trace,
// as an hour without traffic has no row.
func (u *Usage) empty() bool {
	return u == nil || u.Counts == (UsageCounts{})
}

// HourUsage is one hour's statistics of a member.
type HourUsage struct {
	// Hour is the start of the hour, UTC.
	Hour   time.Time
	Counts UsageCounts
	// Rejected and Accepted are the samples, oldest line first; nil when
	// they were not asked for.
	Rejected []string
	Accepted []string
}

func (k keys) usage(member int64, hour time.Time) string {
	return k.member(member) + ":st:" + hour.UTC().Format(hourLayout)
}

// RecordUsage adds u to its member's statistics in one round trip. The
// write path does not call it: ApplyCounted counts in the pipeline of the
// writes themselves.
func (s *Store) RecordUsage(ctx context.Context, u *Usage) error {
	if u.empty() {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.queueUsage(ctx, p, u)
		return nil
	})
	return unavailable(err)
}

// queueUsage adds the commands that count u to p, and returns them so the
// caller can check them. Every key is refreshed to UsageRetention, so an
// hour lives 15 days after its last request.
func (s *Store) queueUsage(ctx context.Context, p redis.Pipeliner, u *Usage) []redis.Cmder {
	if u.empty() {
		return nil
	}
	key := s.keys.usage(u.Member, u.At)
	var cmds []redis.Cmder
	for _, f := range u.Counts.fields() {
		if *f.v != 0 {
			cmds = append(cmds, p.HIncrBy(ctx, key, f.name, *f.v))
		}
	}
	cmds = append(cmds, p.Expire(ctx, key, UsageRetention))
	cmds = append(cmds, queueSample(ctx, p, key+":r", u.Rejected)...)
	cmds = append(cmds, queueSample(ctx, p, key+":a", u.Accepted)...)
	return cmds
}

// queueSample pushes lines onto a capped list: LPUSH then LTRIM keeps the
// newest UsageSampleLines, so the list never grows past the bound.
func queueSample(ctx context.Context, p redis.Pipeliner, key string, lines []string) []redis.Cmder {
	if len(lines) == 0 {
		return nil
	}
	if len(lines) > UsageSampleLines {
		lines = lines[len(lines)-UsageSampleLines:]
	}
	vals := make([]any, len(lines))
	for i, l := range lines {
		vals[i] = l
	}
	return []redis.Cmder{
		p.LPush(ctx, key, vals...),
		p.LTrim(ctx, key, 0, UsageSampleLines-1),
		p.Expire(ctx, key, UsageRetention),
	}
}

// UsageHours reads a member's statistics for the given hours in one round
// trip, and returns the hours that had traffic, in the order given. With
// samples, each hour's sample lines are read too.
func (s *Store) UsageHours(ctx context.Context, member int64, hours []time.Time,
	samples bool) ([]HourUsage, error) {
	type hourCmds struct {
		counts             *redis.MapStringStringCmd
		rejected, accepted *redis.StringSliceCmd
	}
	cmds := make([]hourCmds, len(hours))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, h := range hours {
			key := s.keys.usage(member, h)
			cmds[i].counts = p.HGetAll(ctx, key)
			if samples {
				cmds[i].rejected = p.LRange(ctx, key+":r", 0, -1)
				cmds[i].accepted = p.LRange(ctx, key+":a", 0, -1)
			}
		}
		return nil
	})
	if err != nil {
		return nil, unavailable(err)
	}

	var out []HourUsage
	for i, h := range hours {
		fields := cmds[i].counts.Val()
		if len(fields) == 0 {
			continue
		}
		hu := HourUsage{Hour: h.UTC().Truncate(time.Hour)}
		for _, f := range hu.Counts.fields() {
			*f.v, _ = strconv.ParseInt(fields[f.name], 10, 64)
		}
		if samples {
			hu.Rejected = oldestFirst(cmds[i].rejected.Val())
			hu.Accepted = oldestFirst(cmds[i].accepted.Val())
		}
		out = append(out, hu)
	}
	return out, nil
}

// oldestFirst reverses a sample read from the head of its list, where
// LPUSH put the newest line.
func oldestFirst(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[len(lines)-1-i] = l
	}
	return out
}
