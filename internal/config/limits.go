package config

import "flag"

// maxLimitPerSec is the highest rate limit accepted: past a million per
// second the limiter's emission interval is below a microsecond, the
// resolution of its clock.
const maxLimitPerSec = 1_000_000

// RateLimits are the service-wide rate limits of every member, per second;
// audiencectl can give single members their own. Each is a token bucket
// whose burst is one second's worth. It is embedded in Server.
type RateLimits struct {
	// LimitPostPerSec bounds POST /rt-segment calls (100).
	// AUDIENCE_LIMIT_POST_PER_SEC.
	LimitPostPerSec int64
	// LimitGetPerSec bounds GET /rt-segment and /rt-segment-processed
	// calls (1000). AUDIENCE_LIMIT_GET_PER_SEC.
	LimitGetPerSec int64
	// LimitUsersPerSec bounds the accepted user entries of POSTs (1000).
	// AUDIENCE_LIMIT_USERS_PER_SEC.
	LimitUsersPerSec int64
}

func registerLimits(fs *flag.FlagSet, l *RateLimits) {
	fs.Int64Var(&l.LimitPostPerSec, "limit-post-per-sec", 100,
		"POST /rt-segment calls per second and member (also the burst)")
	fs.Int64Var(&l.LimitGetPerSec, "limit-get-per-sec", 1000,
		"GET calls per second and member (also the burst)")
	fs.Int64Var(&l.LimitUsersPerSec, "limit-users-per-sec", 1000,
		"accepted user entries per second and member (also the burst)")
}

// validate refuses a limit of zero or below, or past maxLimitPerSec.
// Values that are not numbers never get here: the flag parser refuses
// them, naming the variable.
func (l RateLimits) validate() error {
	for _, v := range []struct {
		name string
		n    int64
	}{
		{"AUDIENCE_LIMIT_POST_PER_SEC", l.LimitPostPerSec},
		{"AUDIENCE_LIMIT_GET_PER_SEC", l.LimitGetPerSec},
		{"AUDIENCE_LIMIT_USERS_PER_SEC", l.LimitUsersPerSec},
	} {
		if v.n <= 0 || v.n > maxLimitPerSec {
			return bad(v.name, v.n, "must be a whole number from 1 to 1000000 (per second)")
		}
	}
	return nil
}
