package rtsegment

import (
	"math"
	"unicode/utf8"
)

// block is one element of a seg_block array.
type block struct {
	raw    value // the element as sent
	hasExp bool  // expiration was given; otherwise the member's default applies
	// fail is the block's warning from Parse, "" when only the segment
	// itself is left to judge.
	fail string

	ref     SegmentRef
	value   int64
	minutes int64 // meaningful when hasExp
}

// The fields of a block the parser knows, as indexes into an array.
const (
	fSegID = iota
	fSegCode
	fMemberID
	fValue
	fExpiration
	nFields
)

// blockField maps a key to its field index, -1 for a key the parser ignores.
func blockField(k []byte) int {
	switch string(k) {
	case "seg_id":
		return fSegID
	case "seg_code":
		return fSegCode
	case "member_id":
		return fMemberID
	case "value":
		return fValue
	case "expiration":
		return fExpiration
	}
	return -1
}

// segBlocks reads the seg_block array of e. The elements past the cap are
// only counted; they always follow the others, so Check finds them again
// in order.
func (p *parser) segBlocks(e *entry) error {
	e.segBlock = value{kind: kArray, start: int32(p.pos)}
	n := 0
	empty, err := p.open(']', depthSegs)
	for more := !empty; more && err == nil; n++ {
		switch {
		case n >= p.req.lim.MaxBlocks:
			if e.nSkipped == 0 {
				e.skipAt = int32(p.pos)
			}
			e.nSkipped++
			_, err = p.value(depthSegs)
		case p.peek() != '{':
			err = p.notObject()
		default:
			err = p.block()
		}
		if err == nil {
			more, err = p.next(']')
		}
	}
	e.segBlock.end = int32(p.pos)
	return err
}

// notObject records a block that is not an object.
func (p *parser) notObject() error {
	v, err := p.value(depthSegs)
	p.req.blocks = append(p.req.blocks, block{raw: v, fail: msgBlockNotObject})
	return err
}

// block reads a block object and judges what the body alone can tell.
func (p *parser) block() error {
	var f [nFields]value
	b := block{raw: value{kind: kObject, start: int32(p.pos)}}
	p.blockKeys.reset()
	empty, err := p.open('}', depthBlock)
	for more := !empty; more && err == nil; {
		var k []byte
		if k, err = p.key(&p.keyBuf); err != nil {
			break
		}
		i := blockField(k)
		dup := i < 0 && p.blockKeys.add(k) || i >= 0 && f[i].kind != kAbsent
		if dup && b.fail == "" {
			b.fail = msgDuplicateKey(k, "seg_block")
		}
		var v value
		if v, err = p.value(depthBlock); err == nil {
			if i >= 0 && !dup {
				f[i] = v
			}
			more, err = p.next('}')
		}
	}
	b.raw.end = int32(p.pos)
	if b.fail == "" {
		b.fail = p.judgeBlock(&b, &f)
	}
	p.req.blocks = append(p.req.blocks, b)
	return err
}

// judgeBlock checks a block's fields in the contract's order: naming, field
// types, value range, expiration range. It fills b and returns the first
// failure, "" when the segment itself is all that is left to check.
func (p *parser) judgeBlock(b *block, f *[nFields]value) string {
	hasID, hasCode := f[fSegID].present(), f[fSegCode].present()
	hasMember := f[fMemberID].present()
	if hasID && hasCode {
		return msgSegmentTwice
	}
	if !hasID && !(hasCode && hasMember) {
		return msgSegmentNotNamed
	}

	if hasID {
		if msg := p.positive(f[fSegID], &b.ref.ID, msgSegIDType, msgSegIDTooLarge); msg != "" {
			return msg
		}
	}
	if hasCode {
		if f[fSegCode].kind != kString {
			return msgSegCodeType
		}
		code := p.strBytes(f[fSegCode])
		if n := utf8.RuneCount(code); n == 0 || n > maxCodeLength {
			return msgSegCodeLength
		}
		b.ref.Code = p.intern(code)
	}
	if hasMember {
		msg := p.positive(f[fMemberID], &b.ref.MemberID, msgMemberIDType, msgMemberIDTooLarge)
		if msg != "" {
			return msg
		}
	}
	valueOK, expOK := true, true
	if v := f[fValue]; v.present() {
		if v.kind != kInt {
			return msgValueType
		}
		b.value, valueOK = p.intValue(v)
	}
	if v := f[fExpiration]; v.present() {
		if v.kind != kInt {
			return msgExpirationType
		}
		b.minutes, expOK = p.intValue(v)
		b.hasExp = true
	}

	if !valueOK || b.value < 0 || b.value > math.MaxInt32 {
		return msgValueRange
	}
	if b.hasExp && (!expOK || b.minutes < -1 || b.minutes > p.req.lim.MaxExpiration) {
		return p.msgExpiration
	}
	return ""
}

// positive reads an id field into *dst: an integer from 1 to 2^63-1.
func (p *parser) positive(v value, dst *int64, wrong, tooLarge string) string {
	if v.kind != kInt {
		return wrong
	}
	n, ok := p.intValue(v)
	switch {
	case !ok && p.data[v.start] != '-':
		return tooLarge
	case !ok || n <= 0:
		return wrong
	}
	*dst = n
	return ""
}

// intValue parses a value the scanner found to be an integer, exactly: it
// never goes through float64, and ok is false past the range of int64
// rather than rounding.
func (s *scanner) intValue(v value) (n int64, ok bool) {
	b := s.data[v.start:v.end]
	neg := b[0] == '-'
	limit := uint64(math.MaxInt64)
	if neg {
		b, limit = b[1:], limit+1
	}
	var u uint64
	if len(b) <= 18 {
		// Eighteen digits cannot overflow: skip the check on the usual path.
		for _, c := range b {
			u = u*10 + uint64(c-'0')
		}
	} else {
		for _, c := range b {
			d := uint64(c - '0')
			if u > (limit-d)/10 {
				return 0, false
			}
			u = u*10 + d
		}
	}
	if neg {
		// For u == 2^63 the conversion wraps to math.MinInt64, the right answer.
		return -int64(u), true
	}
	return int64(u), true
}

// intern returns code as a string, reusing the string of an earlier block
// with the same code: a request names few segments, many times over.
func (p *parser) intern(code []byte) string {
	for _, c := range p.codes {
		if c == string(code) {
			return c
		}
	}
	c := string(code)
	if len(p.codes) < maxInterned {
		p.codes = append(p.codes, c)
	}
	return c
}

// maxInterned bounds the codes intern compares with, keeping it cheap when
// a request names many different codes.
const maxInterned = 16
