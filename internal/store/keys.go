package store

import "strconv"

// keys names every Redis key. The part in braces is the hash tag: Redis
// Cluster hashes only that part, so keys that share it share a slot.
//
//	<p>u{<id>}            memberships of a platform user id (hash)
//	<p>u{<domain>:<id>}   memberships of a device id (hash)
//	<p>m{<member>}        a member's settings (hash)
//	<p>m{<member>}:codes  a member's segment codes, lower case -> id (hash)
//	<p>m{<member>}:segs   ids of a member's segments (set)
//	<p>m{<member>}:st:*   usage statistics by hour (stats.go)
//	rate:<p>m{<member>}:rl:<bucket>  rate-limit buckets (limitkeys.go)
//	<p>s{<segment>}       a segment (hash)
//	<p>a{<username>}      an API user (hash)
//	<p>a{<username>}:tok  hashes of the user's live tokens (set)
//	<p>t{<token hash>}    a session (hash), found by the token's hash
//	<p>x{<member>:<n>}    bucket n of a member's user id mapping, external
//	                      id -> "<expiry>:<user id>" (hash, uidmap.go)
//
// Membership keys are the bulk of the data, so they are kept short: the
// platform's ids (all digits) need no domain, and device domains start
// with a letter, so the two never collide.
type keys struct {
	prefix string
}

func (k keys) user(domain, id string) string {
	if domain == "" {
		return k.prefix + "u{" + id + "}"
	}
	return k.prefix + "u{" + domain + ":" + id + "}"
}

func (k keys) member(id int64) string {
	return k.prefix + "m{" + strconv.FormatInt(id, 10) + "}"
}

func (k keys) memberCodes(id int64) string { return k.member(id) + ":codes" }

func (k keys) memberSegments(id int64) string { return k.member(id) + ":segs" }

func (k keys) segment(id int64) string {
	return k.prefix + "s{" + strconv.FormatInt(id, 10) + "}"
}

func (k keys) apiUser(name string) string { return k.prefix + "a{" + name + "}" }

func (k keys) userTokens(name string) string { return k.apiUser(name) + ":tok" }

func (k keys) session(tokenHash string) string { return k.prefix + "t{" + tokenHash + "}" }

// uidMap names a bucket of a member's user id mapping. Each bucket has a
// tag of its own, so that a member's mapping spreads over a Cluster.
func (k keys) uidMap(member int64, bucket uint32) string {
	return k.prefix + "x{" + strconv.FormatInt(member, 10) + ":" +
		strconv.FormatUint(uint64(bucket), 10) + "}"
}

// MemberTag returns the prefix and hash tag of a member's keys. Packages
// that keep per-member keys of their own (limits, statistics) append to it
// so that their keys share the member's slot.
func (s *Store) MemberTag(member int64) string { return s.keys.member(member) }
