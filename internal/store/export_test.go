package store

// SetUIDBuckets changes the number of buckets of each member's user id
// mapping, so that a test can fill buckets as a member with millions of
// mappings does without writing millions.
func SetUIDBuckets(s *Store, n uint32) { s.uidBuckets = n }
