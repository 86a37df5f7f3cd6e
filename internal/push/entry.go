package push

// Entries are written by hand rather than with encoding/json: the client
// must know the exact bytes of every entry and seg block it sends, because
// the service quotes them back as the entity of each warning, and that is
// how a warning finds its line again.

// maxEntry is the largest entry that fits alone in a request.
const maxEntry = MaxBody - len(bodyHead) - len(bodyTail)

// entryHead returns the start of an entry up to its seg blocks:
// {"user_id":U,"domain":D,"seg_block":[ with each key left out when its
// value is nil. The values are JSON already.
func entryHead(userID, domain []byte) []byte {
	h := make([]byte, 0, 40+len(userID)+len(domain))
	h = append(h, '{')
	if userID != nil {
		h = append(h, `"user_id":`...)
		h = append(h, userID...)
		h = append(h, ',')
	}
	if domain != nil {
		h = append(h, `"domain":`...)
		h = append(h, domain...)
		h = append(h, ',')
	}
	return append(h, `"seg_block":[`...)
}

// chunker cuts the seg blocks of one user into entries of at most
// MaxBlocks blocks and maxEntry bytes each, in order. A block too large
// to go in any request is left out with a warning.
type chunker struct {
	head    []byte
	blocks  []block
	size    int // of the entry being built, with its closing "]}"
	out     []*entry
	dropped []Warning
}

func newChunker(head []byte) *chunker {
	return &chunker{head: head, size: len(head) + 2}
}

// add appends a block, closing the entry being built first when the block
// would not fit in it.
func (c *chunker) add(b block) {
	cost := len(b.raw)
	if len(c.blocks) > 0 {
		cost++ // the comma
	}
	if len(c.head)+2+len(b.raw) > maxEntry {
		c.dropped = append(c.dropped, clientWarning(b.line, msgBlockTooLarge, "", b.raw))
		return
	}
	if len(c.blocks) == MaxBlocks || c.size+cost > maxEntry {
		c.flush()
		cost = len(b.raw)
	}
	c.blocks = append(c.blocks, b)
	c.size += cost
}

// flush closes the entry being built, if it has blocks.
func (c *chunker) flush() {
	if len(c.blocks) == 0 {
		return
	}
	c.out = append(c.out, buildEntry(c.head, c.blocks))
	c.blocks = nil
	c.size = len(c.head) + 2
}

// full reports whether the entry being built holds MaxBlocks blocks.
func (c *chunker) full() bool { return len(c.blocks) == MaxBlocks }

// buildEntry writes head, the blocks separated by commas, and "]}". The
// blocks' raw bytes are made to point into the entry's, so that both are
// kept in one allocation.
func buildEntry(head []byte, blocks []block) *entry {
	size := len(head) + 2
	for _, b := range blocks {
		size += len(b.raw) + 1
	}
	raw := make([]byte, 0, size)
	raw = append(raw, head...)
	e := &entry{blocks: make([]block, len(blocks)), first: blocks[0].line}
	for i, b := range blocks {
		if i > 0 {
			raw = append(raw, ',')
		}
		start := len(raw)
		raw = append(raw, b.raw...)
		e.blocks[i] = block{raw: raw[start:len(raw):len(raw)], line: b.line}
		e.first = min(e.first, b.line)
		e.last = max(e.last, b.line)
	}
	e.raw = append(raw, ']', '}')
	return e
}

// appendString appends s as a JSON string. s is UTF-8 (the readers check).
func appendString(dst []byte, s []byte) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// appendInteger appends a CSV field meant as an integer. A field of
// decimal digits with an optional sign is written as a JSON integer,
// without leading zeros; anything else is written as a JSON string, so
// that the service names the field and the problem in its warning rather
// than the client guessing.
func appendInteger(dst []byte, s []byte) []byte {
	digits, neg := s, false
	switch {
	case len(digits) > 0 && digits[0] == '-':
		digits, neg = digits[1:], true
	case len(digits) > 0 && digits[0] == '+':
		digits = digits[1:]
	}
	if len(digits) == 0 || !allDigits(digits) {
		return appendString(dst, s)
	}
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	if neg && !(len(digits) == 1 && digits[0] == '0') {
		dst = append(dst, '-')
	}
	return append(dst, digits...)
}

func allDigits(s []byte) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// trimJSONSpace removes JSON white space around s.
func trimJSONSpace(s []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
