package rtsegment

import (
	"bytes"
	"fmt"
	"math"
)

// Request is a parsed POST /rt-segment body, judged as far as the body alone
// allows. It refers to the body Parse was given: the caller keeps that body
// unchanged until Check has returned. The Result of Check does not refer to
// the body any more.
type Request struct {
	body  []byte
	lim   Limits
	array value // the rt_segment array as sent

	entries []entry // the elements within Limits.MaxUsers, in order
	blocks  []block // the blocks within Limits.MaxBlocks of all entries, in order

	// The elements past Limits.MaxUsers are not examined. They are only
	// counted, and found again by Check for their warnings: a hostile body
	// can hold hundreds of thousands, and remembering each would cost
	// more memory than the body.
	overflowAt int32 // offset of the first one
	nOverflow  int

	// msgTooManyBlocks is computed once rather than once per skipped block.
	msgTooManyBlocks string

	// external is set by the option ExternalUserIDs.
	external bool
}

// parser holds the state of one Parse call.
type parser struct {
	scanner
	req       *Request
	sawArray  bool
	domain    value  // the top-level domain, kAbsent if none
	keyBuf    []byte // unescaped keys that had escapes
	topKeys   keySet
	entryKeys keySet
	blockKeys keySet
	codes     []string // recent segment codes, see intern
	ids       []byte   // the normalised user ids, one after another

	// msgExpiration is computed once rather than once per block.
	msgExpiration string
}

// Nesting levels of the parts of a body, for the depth bound.
const (
	depthTop   = 1
	depthArray = 2
	depthEntry = 3
	depthSegs  = 4
	depthBlock = 5
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// Parse reads a body, already size-limited and gunzipped by the caller. A
// UTF-8 byte order mark at the start is skipped. A body that is not UTF-8,
// not JSON, has trailing data, whose top level is not an object or holds a
// key twice, whose rt_segment is missing or not an array, or whose top-level
// domain is neither a string nor null gives an error wrapping ErrSyntax.
// Everything inside the array is judged entry by entry and never fails the
// whole request. Zero fields of lim take their defaults.
func Parse(body []byte, lim Limits, opts ...Option) (*Request, error) {
	if len(body) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: the body is too large", ErrSyntax)
	}
	r := &Request{body: body, lim: lim.withDefaults()}
	for _, o := range opts {
		r.external = r.external || o == ExternalUserIDs
	}
	r.msgTooManyBlocks = msgTooManyBlocks(r.lim.MaxBlocks)
	p := &parser{scanner: scanner{data: body}, req: r}
	p.msgExpiration = msgExpirationRange(r.lim.MaxExpiration)

	p.reserve()
	if err := p.document(p.topObject); err != nil {
		return nil, err
	}
	if !p.sawArray {
		return nil, fmt.Errorf("%w: 'rt_segment' is required", ErrSyntax)
	}

	// Entries are judged only now because a top-level domain may follow
	// the array it applies to. No normalised id is longer than 40 bytes.
	p.ids = make([]byte, 0, 40*len(r.entries))
	for i := range r.entries {
		p.judgeEntry(&r.entries[i])
	}
	// One string holds every id, rather than one allocation per user.
	ids := string(p.ids)
	for i := range r.entries {
		if e := &r.entries[i]; e.fail == "" {
			e.id = ids[e.idLo:e.idHi]
		}
	}
	return r, nil
}

// maxHint bounds the blocks reserved ahead, so that a body full of '{'
// inside strings cannot make Parse reserve much more than it needs.
const maxHint = 8192

// reserve sizes the entry and block slices once. Every entry and block is
// an object, so the count of '{' bounds them; it is a single fast pass and
// saves the repeated growing and copying that dominated Parse otherwise.
func (p *parser) reserve() {
	n := bytes.Count(p.data, []byte{'{'})
	p.req.entries = make([]entry, 0, min(n, p.req.lim.MaxUsers))
	p.req.blocks = make([]block, 0, min(n, maxHint))
}

// topObject reads the top-level object.
func (p *parser) topObject() error {
	empty, err := p.open('}', depthTop)
	if err != nil || empty {
		return err
	}
	for more := true; more; {
		keyAt := p.pos
		k, err := p.key(&p.keyBuf)
		if err != nil {
			return err
		}
		switch string(k) {
		case "rt_segment":
			if p.sawArray {
				return p.duplicate(k, keyAt)
			}
			p.sawArray = true
			if p.peek() != '[' {
				return fmt.Errorf("%w: 'rt_segment' must be an array", ErrSyntax)
			}
			err = p.entries()
		case "domain":
			if p.domain.kind != kAbsent {
				return p.duplicate(k, keyAt)
			}
			p.domain, err = p.value(depthTop)
			if err == nil && p.domain.kind != kString && p.domain.kind != kNull {
				return fmt.Errorf("%w: the top-level 'domain' must be a string or null",
					ErrSyntax)
			}
		default:
			if p.topKeys.add(k) {
				return p.duplicate(k, keyAt)
			}
			_, err = p.value(depthTop)
		}
		if err != nil {
			return err
		}
		if more, err = p.next('}'); err != nil {
			return err
		}
	}
	return nil
}

// duplicate is the error for a top-level key given twice.
func (p *parser) duplicate(key []byte, at int) error {
	return fmt.Errorf("%w: duplicate key '%s' at the top level at byte %d",
		ErrSyntax, clip(string(key)), at)
}

// entries reads the rt_segment array.
func (p *parser) entries() error {
	start := p.pos
	empty, err := p.open(']', depthArray)
	for more := !empty; more && err == nil; {
		if err = p.entry(); err == nil {
			more, err = p.next(']')
		}
	}
	p.req.array = value{kind: kArray, start: int32(start), end: int32(p.pos)}
	return err
}
