// Package rtsegment parses and validates the body of POST /rt-segment.
//
// It is pure: no HTTP, no store, no clock. The work is split in two steps so
// that the caller can look every segment up in one batch:
//
//	req, err := rtsegment.Parse(body, lim) // errors.Is(err, ErrSyntax): answer 400 SYNTAX
//	segs := lookupAll(req.Refs())         // one round trip to the store
//	res := req.Check(policy)              // what to apply and what to answer
//
// Parse judges everything that depends only on the body: JSON syntax, the
// shape of each entry and block, user ids and their domains, field types and
// ranges. Check judges what needs the caller's data: the segments themselves
// and the member's default expiration.
//
// A member that sends its own ("external") user ids instead of the
// platform's has them mapped in the same two steps, so that resolving the
// users of a request costs one batch too:
//
//	req, err := rtsegment.Parse(body, lim, rtsegment.ExternalUserIDs)
//	ids := mapAll(req.ExternalIDs())      // one round trip to the store
//	policy.MapExternal = ...              // looks ids up in what mapAll found
//	res := req.Check(policy)
//
// ParseUIDMap reads the body of POST /uid-map, which writes such mappings,
// with the same scanner and in the same style.
//
// The parser is hand written rather than built on encoding/json because the
// contract needs things that package does not give cheaply: the raw bytes of
// every item for warnings, duplicate key detection, integers exact to the
// last digit, and few allocations on a 1 MB body.
package rtsegment

import "errors"

// ErrSyntax is wrapped by every error Parse returns. The caller answers
// 400 SYNTAX with err.Error() as the text, which names the problem and, for
// malformed JSON, the byte offset where it was found.
var ErrSyntax = errors.New("invalid rt_segment request body")

// Limits bounds the work one request may ask for. A zero field takes the
// default given in its comment, so the zero Limits is usable.
type Limits struct {
	// MaxUsers is the number of user entries processed per request; each
	// entry past it gets a warning. Default 1000.
	MaxUsers int
	// MaxBlocks is the number of seg blocks processed per user entry; each
	// block past it gets a warning. Default 100.
	MaxBlocks int
	// MaxExpiration is the largest expiration, in minutes, a block may give.
	// Default 259200 (180 days).
	MaxExpiration int64
}

// Default values of the Limits fields.
const (
	DefaultMaxUsers      = 1000
	DefaultMaxBlocks     = 100
	DefaultMaxExpiration = 259200
)

// withDefaults fills the zero (or nonsensical negative) fields of l.
func (l Limits) withDefaults() Limits {
	if l.MaxUsers <= 0 {
		l.MaxUsers = DefaultMaxUsers
	}
	if l.MaxBlocks <= 0 {
		l.MaxBlocks = DefaultMaxBlocks
	}
	if l.MaxExpiration <= 0 {
		l.MaxExpiration = DefaultMaxExpiration
	}
	return l
}
