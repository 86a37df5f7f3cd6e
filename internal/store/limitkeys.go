package store

// LimitKey names the rate-limit bucket of a member:
//
//	<p>m{<member>}:rl:<bucket>    GCRA state of one bucket (string)
//
// The limiter (go-redis/redis_rate) puts "rate:" before the key it is
// given, so the key in Redis reads rate:<p>m{<member>}:rl:<bucket>. Only
// the first {...} is a hash tag, so the bucket still shares the member's
// slot. redis_rate sets the key's TTL to the time the bucket takes to
// fill again: an idle member's buckets cost no memory.
func (s *Store) LimitKey(member int64, bucket string) string {
	return s.keys.member(member) + ":rl:" + bucket
}
