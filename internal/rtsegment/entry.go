package rtsegment

import "bytes"

// entry is one element of the rt_segment array within Limits.MaxUsers.
type entry struct {
	raw  value  // the element as sent
	fail string // the entry's one warning, "" when it passed its checks

	// The fields as sent; kind kAbsent when the key was not given.
	userID, domain, segBlock value

	blockLo, blockHi int // its blocks in Request.blocks

	// Its blocks past Limits.MaxBlocks, handled as Request.nOverflow is.
	skipAt int32
	// external is set when the entry passed its checks with an external
	// id, still to be mapped to a platform id by Check. It sits here, in
	// what would be padding, so that entries do not grow.
	external bool
	nSkipped int

	// Set when the entry passed its checks.
	canonDomain, id string
	idLo, idHi      int // id in parser.ids until it becomes a string
}

// entry reads one element of the rt_segment array.
func (p *parser) entry() error {
	r := p.req
	if len(r.entries) >= r.lim.MaxUsers {
		if r.nOverflow == 0 {
			r.overflowAt = int32(p.pos)
		}
		r.nOverflow++
		_, err := p.value(depthArray)
		return err
	}
	if p.peek() != '{' {
		v, err := p.value(depthArray)
		r.entries = append(r.entries, entry{raw: v, fail: msgEntryNotObject})
		return err
	}

	e := entry{raw: value{kind: kObject, start: int32(p.pos)}, blockLo: len(r.blocks)}
	p.entryKeys.reset()
	empty, err := p.open('}', depthEntry)
	for more := !empty; more && err == nil; {
		if err = p.entryMember(&e); err == nil {
			more, err = p.next('}')
		}
	}
	e.raw.end, e.blockHi = int32(p.pos), len(r.blocks)
	r.entries = append(r.entries, e)
	return err
}

// entryMember reads one key and value of an entry object.
func (p *parser) entryMember(e *entry) error {
	k, err := p.key(&p.keyBuf)
	if err != nil {
		return err
	}
	var field *value
	switch string(k) {
	case "user_id":
		field = &e.userID
	case "domain":
		field = &e.domain
	case "seg_block":
		field = &e.segBlock
	default:
		if p.entryKeys.add(k) && e.fail == "" {
			e.fail = msgDuplicateKey(k, "user entry")
		}
		_, err = p.value(depthEntry)
		return err
	}
	if field.kind != kAbsent {
		if e.fail == "" {
			e.fail = msgDuplicateKey(k, "user entry")
		}
		_, err = p.value(depthEntry)
		return err
	}
	if field == &e.segBlock && p.peek() == '[' {
		return p.segBlocks(e)
	}
	*field, err = p.value(depthEntry)
	return err
}

// judgeEntry runs the entry checks in the order the contract fixes and
// records the first failure, or the user when all pass.
func (p *parser) judgeEntry(e *entry) {
	if e.fail != "" {
		return
	}

	switch e.userID.kind {
	case kAbsent, kNull:
		e.fail = msgUserRequired
		return
	case kString:
	default:
		e.fail = msgUserNotString
		return
	}
	id := p.strBytes(e.userID)
	if len(bytes.TrimSpace(id)) == 0 {
		e.fail = msgUserRequired
		return
	}

	switch e.segBlock.kind {
	case kAbsent, kNull:
		e.fail = msgBlocksRequired
		return
	case kArray:
		if e.blockHi == e.blockLo && e.nSkipped == 0 {
			e.fail = msgBlocksRequired
			return
		}
	default:
		e.fail = msgBlocksNotArray
		return
	}

	// An entry's own domain key wins even when it is null.
	d := e.domain
	if d.kind == kAbsent {
		d = p.domain
	}
	spec := platform
	var err error
	switch d.kind {
	case kAbsent, kNull:
	case kString:
		if spec, err = findDomain(p.strBytes(d)); err != nil {
			e.fail = err.Error()
			return
		}
	default:
		e.fail = msgDomainNotString
		return
	}

	// A member that sends its own ids has them checked as external ids
	// here; the platform id each maps to is checked by Check.
	if spec.shape == shapePlatform && p.req.external {
		spec = external
	}
	lo := len(p.ids)
	p.ids, err = appendID(p.ids, spec, id)
	if err != nil {
		e.fail = err.Error()
		return
	}
	e.canonDomain, e.idLo, e.idHi = spec.name, lo, len(p.ids)
	e.external = spec.shape == shapeExternal
}
