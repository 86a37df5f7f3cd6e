package rtsegment

import "encoding/json"

// Result is what Check found: the changes to apply and the answer to give.
type Result struct {
	// Users are the accepted user entries, in request order.
	Users []User
	// Warnings are in the order the contract fixes: per entry its block
	// warnings then its own, and "No valid rt_segment in request." last.
	Warnings []Warning
	// UsersInRequest is the users_in_request of the answer: len(Users).
	UsersInRequest int
	// SegmentsInRequest is the segments_in_request of the answer: the valid
	// blocks across Users, removals included.
	SegmentsInRequest int
	// Counts feed the usage statistics.
	Counts Counts
}

// User is an accepted user entry.
type User struct {
	// Domain is the canonical domain name, "" for the platform's own ids.
	Domain string
	// ID is the user id normalised for its domain, e.g. " 0042 " is "42".
	ID string
	// Changes are the entry's valid blocks in request order. Two blocks
	// naming the same segment are both kept; applied in order, the last wins.
	Changes []Change
}

// Change is one valid block: a membership to write or remove.
type Change struct {
	// SegID is the segment, resolved from its code when the block gave one.
	SegID int64
	// Value is the membership's value, 0 to 2147483647.
	Value int64
	// Minutes is -1 to remove the membership, 0 for one that never expires,
	// else its lifetime in minutes from now. The member's default is
	// already applied.
	Minutes int64
}

// Warning is one entry of the answer's warnings.
type Warning struct {
	// Message says what is wrong, naming the field or segment.
	Message string
	// Entity is the offending item's JSON exactly as it was sent, so 1e3
	// stays 1e3. It is a copy and does not refer to the request body.
	Entity json.RawMessage
}

// Counts feed the usage statistics (GET /rt-segment-processed).
type Counts struct {
	// ValidUsers are the accepted user entries.
	ValidUsers int
	// ValidAdds are the valid blocks that write a membership.
	ValidAdds int
	// ValidRemoves are the valid blocks with expiration -1.
	ValidRemoves int
	// InvalidUsers are the refused entries: an entry-level warning, no
	// valid block, or past the cap on entries.
	InvalidUsers int
	// UnauthSegments are blocks naming a segment the caller may not populate.
	UnauthSegments int
	// InactiveSegments are blocks naming an inactive segment.
	InactiveSegments int
	// InvalidSegments are blocks naming a segment that does not exist.
	InvalidSegments int
	// OtherErrors are the other refused blocks: structure, field types,
	// ranges, past the cap on blocks.
	OtherErrors int
}

// copyEntities moves the entities of ws, slices of the body so far, into
// one buffer owned by the result, so that the caller may reuse the body as
// soon as Check returns. With a wrapKey, the last warning's entity is the
// whole array of that key and becomes {"<wrapKey>": array}.
func copyEntities(ws []Warning, wrapKey string) {
	whole := wrapKey != ""
	open, end := `{"`+wrapKey+`":`, `}`
	size := len(open) + len(end)
	for _, w := range ws {
		size += len(w.Entity)
	}
	buf := make([]byte, 0, size)
	for i := range ws {
		start := len(buf)
		last := whole && i == len(ws)-1
		if last {
			buf = append(buf, open...)
		}
		buf = append(buf, ws[i].Entity...)
		if last {
			buf = append(buf, end...)
		}
		// The full slice expression stops an append by the caller from
		// running into the next entity.
		ws[i].Entity = buf[start:len(buf):len(buf)]
	}
}
