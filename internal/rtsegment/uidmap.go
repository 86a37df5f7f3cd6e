package rtsegment

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ErrUIDMapSyntax is wrapped by every error ParseUIDMap returns; the
// caller answers 400 SYNTAX with err.Error() as the text.
var ErrUIDMapSyntax = errors.New("invalid uid_map request body")

// DefaultMaxPairs is the number of pairs of a POST /uid-map body that are
// processed when ParseUIDMap is given 0.
const DefaultMaxPairs = 1000

// Warning texts of POST /uid-map, part of the protocol like the others.
const (
	msgNoValidUIDMap     = "No valid uid_map in request."
	msgTooManyPairs      = "Too many pairs in request."
	msgPairNotObject     = "Pair must be an object."
	msgExternalRequired  = "'external_id' is required and cannot be empty"
	msgExternalNotString = "'external_id' must be a string"
)

var msgExternalKeyTooLong = "'external_id' must be at most " +
	strconv.Itoa(MaxExternalIDLength) + " bytes"

// Mapping is one valid pair of a POST /uid-map body.
type Mapping struct {
	// ExternalID is the member's own id for the user, trimmed of
	// surrounding white space.
	ExternalID string
	// UserID is the platform user id, normalised as NormalizeUser does.
	UserID string
}

// UIDMap is a checked POST /uid-map body. It does not refer to the body.
type UIDMap struct {
	// Mappings are the valid pairs in request order. Two pairs of one
	// external id are both kept; written in order, the last one wins.
	Mappings []Mapping
	// Warnings are one per refused pair, in request order, and
	// "No valid uid_map in request." last when no pair was valid.
	Warnings []Warning
	// Invalid counts the refused pairs, those past the cap included.
	Invalid int
}

// mapParser holds the state of one ParseUIDMap call.
type mapParser struct {
	scanner
	out      *UIDMap
	maxPairs int
	seen     int // elements of the array read so far
	array    value
	sawArray bool
	keyBuf   []byte
	topKeys  keySet
	pairKeys keySet
}

// ParseUIDMap reads and checks a POST /uid-map body, already size-limited
// and gunzipped by the caller:
//
//	{"uid_map": [{"external_id": "abc", "user_id": "12345"}, ...]}
//
// It refuses the body as rt-segment's Parse does (not UTF-8 JSON, trailing
// data, a top level that is not an object or holds a key twice, uid_map
// missing or not an array) with an error wrapping ErrUIDMapSyntax. Each
// pair is judged on its own: a bad one gets a warning and the others are
// kept. Pairs past maxPairs (DefaultMaxPairs when 0) are refused unread.
func ParseUIDMap(body []byte, maxPairs int) (*UIDMap, error) {
	if len(body) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: the body is too large", ErrUIDMapSyntax)
	}
	if maxPairs <= 0 {
		maxPairs = DefaultMaxPairs
	}
	p := &mapParser{
		scanner:  scanner{data: body, syntax: ErrUIDMapSyntax},
		out:      &UIDMap{Mappings: []Mapping{}, Warnings: []Warning{}},
		maxPairs: maxPairs,
	}
	if err := p.document(p.topObject); err != nil {
		return nil, err
	}
	if !p.sawArray {
		return nil, fmt.Errorf("%w: 'uid_map' is required", ErrUIDMapSyntax)
	}

	wrapKey := ""
	if len(p.out.Mappings) == 0 {
		p.warn(msgNoValidUIDMap, p.array)
		wrapKey = "uid_map"
	}
	copyEntities(p.out.Warnings, wrapKey)
	return p.out, nil
}

// topObject reads the top-level object.
func (p *mapParser) topObject() error {
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
		dup := false
		if string(k) == "uid_map" {
			dup, p.sawArray = p.sawArray, true
		} else {
			dup = p.topKeys.add(k)
		}
		switch {
		case dup:
			return fmt.Errorf("%w: duplicate key '%s' at the top level at byte %d",
				ErrUIDMapSyntax, clip(string(k)), keyAt)
		case string(k) != "uid_map":
			_, err = p.value(depthTop)
		case p.peek() != '[':
			return fmt.Errorf("%w: 'uid_map' must be an array", ErrUIDMapSyntax)
		default:
			err = p.readArray()
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

// readArray reads the uid_map array.
func (p *mapParser) readArray() error {
	start := p.pos
	empty, err := p.open(']', depthArray)
	for more := !empty; more && err == nil; p.seen++ {
		switch {
		case p.seen >= p.maxPairs:
			err = p.refuse(msgTooManyPairs)
		case p.peek() != '{':
			err = p.refuse(msgPairNotObject)
		default:
			err = p.pair()
		}
		if err == nil {
			more, err = p.next(']')
		}
	}
	p.array = value{kind: kArray, start: int32(start), end: int32(p.pos)}
	return err
}

// refuse reads an element and gives it the warning msg.
func (p *mapParser) refuse(msg string) error {
	v, err := p.value(depthArray)
	p.warn(msg, v)
	return err
}

// pair reads one pair object and judges it.
func (p *mapParser) pair() error {
	raw := value{kind: kObject, start: int32(p.pos)}
	var ext, user value
	fail := ""
	p.pairKeys.reset()
	empty, err := p.open('}', depthEntry)
	for more := !empty; more && err == nil; {
		var k []byte
		if k, err = p.key(&p.keyBuf); err != nil {
			return err
		}
		var field *value
		switch string(k) {
		case "external_id":
			field = &ext
		case "user_id":
			field = &user
		}
		// A key given twice makes the pair invalid; the first value of a
		// known key is kept only to be ignored.
		dup := field == nil && p.pairKeys.add(k) || field != nil && field.kind != kAbsent
		if dup && fail == "" {
			fail = msgDuplicateKey(k, "pair")
		}
		var v value
		v, err = p.value(depthEntry)
		if field != nil && !dup {
			*field = v
		}
		if err == nil {
			more, err = p.next('}')
		}
	}
	if err != nil {
		return err
	}
	raw.end = int32(p.pos)

	if fail == "" {
		var m Mapping
		if m, fail = p.judge(ext, user); fail == "" {
			p.out.Mappings = append(p.out.Mappings, m)
			return nil
		}
	}
	p.warn(fail, raw)
	return nil
}

// judge checks a pair's fields in order, external_id then user_id, and
// returns the mapping or the pair's one warning.
func (p *mapParser) judge(ext, user value) (Mapping, string) {
	switch ext.kind {
	case kAbsent, kNull:
		return Mapping{}, msgExternalRequired
	case kString:
	default:
		return Mapping{}, msgExternalNotString
	}
	extID := bytes.TrimSpace(p.strBytes(ext))
	switch {
	case len(extID) == 0:
		return Mapping{}, msgExternalRequired
	case len(extID) > MaxExternalIDLength:
		return Mapping{}, msgExternalKeyTooLong
	}

	switch user.kind {
	case kAbsent, kNull:
		return Mapping{}, msgUserRequired
	case kString:
	default:
		return Mapping{}, msgUserNotString
	}
	userID := bytes.TrimSpace(p.strBytes(user))
	if len(userID) == 0 {
		return Mapping{}, msgUserRequired
	}
	norm, err := platformID(userID)
	if err != nil {
		return Mapping{}, err.Error()
	}
	return Mapping{ExternalID: string(extID), UserID: string(norm)}, ""
}

// warn adds a warning whose entity is, for now, a slice of the body.
func (p *mapParser) warn(msg string, v value) {
	p.out.Warnings = append(p.out.Warnings, Warning{Message: msg, Entity: p.data[v.start:v.end]})
	if msg != msgNoValidUIDMap {
		p.out.Invalid++
	}
}
