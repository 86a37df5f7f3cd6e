package rtsegment

import (
	"bytes"
	"errors"
	"strings"
)

// idShape is how the user ids of a domain are written.
type idShape uint8

const (
	shapePlatform idShape = iota // decimal integer from 1 to 2^64-1
	shapeUUID                    // 8-4-4-4-12 hexadecimal digits
	shapeHex                     // a fixed number of hexadecimal digits
	shapeExternal                // a member's own id: any text, bounded in length
)

// domainSpec describes one accepted domain.
type domainSpec struct {
	name   string // canonical name, "" for the platform's own ids
	shape  idShape
	digits int // for shapeHex
}

var platform = domainSpec{name: "", shape: shapePlatform}

// domains lists the accepted names, aliases included, in lower case.
var domains = []struct {
	alias string
	spec  domainSpec
}{
	{"idfa", domainSpec{"idfa", shapeUUID, 0}},
	{"aaid", domainSpec{"aaid", shapeUUID, 0}},
	{"md5udid", domainSpec{"md5udid", shapeHex, 32}},
	{"sha1udid", domainSpec{"sha1udid", shapeHex, 40}},
	// The reference spells this domain both ways; clients send either.
	{"sh1udid", domainSpec{"sha1udid", shapeHex, 40}},
	{"openudid", domainSpec{"openudid", shapeHex, 40}},
}

var (
	errUserRequired = errors.New(msgUserRequired)
	errPlatformID   = errors.New(msgPlatformID)
)

// CanonicalDomain returns the canonical name of a domain as sent: names
// match without regard to ASCII case and surrounding white space, and
// "sh1udid" is "sha1udid". The empty name is the platform's own ids and
// gives "". An unknown or deprecated name gives an error whose text is a
// warning message naming it.
func CanonicalDomain(domain string) (string, error) {
	spec, err := findDomain([]byte(domain))
	return spec.name, err
}

// NormalizeUser validates a user id against its domain and returns the
// canonical domain ("" for the platform's ids) and the id normalised so that
// one device is one record: surrounding white space trimmed, leading zeros
// of platform ids dropped, hexadecimal digits and UUIDs in lower case. The
// error text names the problem and is usable as a warning or a 400 text.
func NormalizeUser(domain, id string) (canonDomain, normID string, err error) {
	if strings.TrimSpace(id) == "" {
		return "", "", errUserRequired
	}
	spec, err := findDomain([]byte(domain))
	if err != nil {
		return "", "", err
	}
	norm, err := appendID(nil, spec, []byte(id))
	if err != nil {
		return "", "", err
	}
	return spec.name, string(norm), nil
}

// findDomain looks a domain name up. It works on bytes so that Parse can
// use it on the body without a conversion.
func findDomain(name []byte) (domainSpec, error) {
	trimmed := bytes.TrimSpace(name)
	if len(trimmed) == 0 {
		return platform, nil
	}
	for _, d := range domains {
		if asciiEqualFold(trimmed, d.alias) {
			return d.spec, nil
		}
	}
	if asciiEqualFold(trimmed, "sha1mac") {
		return domainSpec{}, errors.New(msgDomainDeprecated(string(name)))
	}
	return domainSpec{}, errors.New(msgDomainUnknown(string(name)))
}

// asciiEqualFold compares without regard to ASCII case only: Unicode
// folding would let look-alikes such as the Kelvin sign name a domain.
func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// appendID checks that id fits the domain and appends it normalised to
// dst. Appending lets Parse keep the ids of a whole request in one buffer.
func appendID(dst []byte, spec domainSpec, id []byte) ([]byte, error) {
	id = bytes.TrimSpace(id)
	switch spec.shape {
	case shapeUUID:
		if !isUUID(id) {
			return dst, errors.New(msgUUID(spec.name))
		}
		return appendLower(dst, id), nil
	case shapeHex:
		if len(id) != spec.digits || !isHex(id) {
			return dst, errors.New(msgHexID(spec.name, spec.digits))
		}
		return appendLower(dst, id), nil
	case shapeExternal:
		if len(id) > MaxExternalIDLength {
			return dst, errors.New(msgExternalTooLong)
		}
		return append(dst, id...), nil
	}
	id, err := platformID(id)
	return append(dst, id...), err
}

// maxPlatformID is 2^64-1, the largest platform user id.
const maxPlatformID = "18446744073709551615"

// platformID validates a decimal id without parsing it into a number, which
// is both faster and free of any overflow question, and drops its leading
// zeros.
func platformID(id []byte) ([]byte, error) {
	for len(id) > 1 && id[0] == '0' {
		id = id[1:]
	}
	if len(id) == 0 || !isDecimal(id) || string(id) == "0" {
		return nil, errPlatformID
	}
	// Same length, no leading zeros: byte order is numeric order.
	if len(id) > len(maxPlatformID) ||
		len(id) == len(maxPlatformID) && string(id) > maxPlatformID {
		return nil, errPlatformID
	}
	return id, nil
}

func isDecimal(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func isHex(b []byte) bool {
	for _, c := range b {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

// isUUID accepts the canonical textual form only: 36 characters with
// hyphens at fixed places, digits of either case.
func isUUID(b []byte) bool {
	if len(b) != 36 {
		return false
	}
	for i, c := range b {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if hexVal(c) < 0 {
				return false
			}
		}
	}
	return true
}

// appendLower appends b to dst in ASCII lower case.
func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
