package push

import "fmt"

// The contract's limits on one POST /rt-segment. The client keeps inside
// them so that the service never refuses a request for its size.
const (
	// MaxUsers is the most user entries the service processes per request.
	MaxUsers = 1000
	// MaxBlocks is the most seg blocks it processes per entry; a user with
	// more is split over several entries.
	MaxBlocks = 100
	// MaxBody is the largest body it takes, in bytes (1 MB).
	MaxBody = 1 << 20
)

// bodyHead and bodyTail wrap the entries of a request body.
const (
	bodyHead = `{"rt_segment":[`
	bodyTail = `]}`
)

// Pos is a place in the input: a line, and the part of the line when one
// line is split over several entries (a JSON Lines user with more than
// 100 segments). Records and requests cover ranges of positions, and the
// journal keeps the ranges that were answered.
type Pos struct {
	Line int
	Part int
}

// before reports whether p comes before q in the input.
func (p Pos) before(q Pos) bool {
	return p.Line < q.Line || p.Line == q.Line && p.Part < q.Part
}

// String writes p as "line 12" or "line 12 part 3".
func (p Pos) String() string {
	if p.Part == 0 {
		return fmt.Sprintf("line %d", p.Line)
	}
	return fmt.Sprintf("line %d part %d", p.Line, p.Part)
}

// record is what a reader hands to the batcher: at most one user entry,
// and the client's own warnings about the lines it covers. A record is
// never split between two requests, so every range the journal keeps
// starts and ends on record boundaries.
type record struct {
	from, to Pos
	entry    *entry    // nil for a record of warnings only
	notes    []Warning // problems the client found, in line order
	// offset is how many bytes of the raw input had been read when the
	// record was complete; it drives the progress shown.
	offset int64
}

// entry is one user entry as it goes into a body.
type entry struct {
	raw    []byte  // the entry's JSON, exactly as sent
	blocks []block // its seg blocks, in order
	// first and last are the input lines the entry came from.
	first, last int
}

// block is one seg block of an entry: its JSON as sent and its line.
type block struct {
	raw  []byte
	line int
}
