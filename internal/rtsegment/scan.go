package rtsegment

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// maxDepth bounds how deeply arrays and objects may nest. A real request
// needs five levels; the bound exists so that a body of a million '[' is a
// SYNTAX answer and not a deep recursion.
const maxDepth = 512

// kind is what a JSON value turned out to be.
type kind uint8

const (
	kAbsent kind = iota // the key was not in the object
	kNull
	kBool
	kInt    // a number written as an integer: no fraction, no exponent
	kNumber // any other number
	kString
	kArray
	kObject
)

// value locates one JSON value in the body without decoding it. Offsets
// are 32 bits (Parse refuses larger bodies) because a hostile body makes
// hundreds of thousands of these.
type value struct {
	kind  kind
	esc   bool  // a string holding at least one backslash escape
	start int32 // offset of the first byte
	end   int32 // offset just past the last byte
}

// present reports whether the key was given with something other than null.
func (v value) present() bool { return v.kind != kAbsent && v.kind != kNull }

// scanner validates JSON and locates values in data. It never allocates on
// the success path; every error it returns wraps ErrSyntax, or syntax when
// that is set.
type scanner struct {
	data   []byte
	pos    int
	syntax error
}

// plain marks the bytes a string may hold that need no further look: not a
// quote, a backslash, a control character or the start of a multi-byte
// UTF-8 sequence. A table keeps the hot loop to one load and one branch.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipWS moves past JSON white space. Pretty-printed bodies are mostly
// indentation, so a run of spaces is measured eight bytes at a time.
func (s *scanner) skipWS() {
	d, i := s.data, s.pos
	for i < len(d) {
		c := d[i]
		if c == ' ' && i+8 <= len(d) {
			// The lowest byte that differs from a space ends the run.
			x := binary.LittleEndian.Uint64(d[i:]) ^ eightSpaces
			if x == 0 {
				i += 8
			} else {
				i += bits.TrailingZeros64(x) / 8
			}
			continue
		}
		// Every byte that starts a token is above ' ': one compare settles
		// the common case of no white space at all.
		if c > ' ' || c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			break
		}
		i++
	}
	s.pos = i
}

const eightSpaces = 0x2020202020202020

// peek returns the byte at the current position, 0 at the end.
func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// errorf reports a problem found at the current position.
// document reads a whole body that must be one JSON object: a UTF-8 BOM
// at the start is skipped, object reads the object, and nothing but white
// space may follow it.
func (s *scanner) document(object func() error) error {
	base := s.syntax
	if base == nil {
		base = ErrSyntax
	}
	if bytes.HasPrefix(s.data, bom) {
		s.pos = len(bom)
	}
	s.skipWS()
	switch c := s.peek(); {
	case s.pos == len(s.data):
		return fmt.Errorf("%w: the body is empty", base)
	case c == '[' || c == '"' || c == '-' || isDigit(c) || c == 't' || c == 'f' || c == 'n':
		return fmt.Errorf("%w: the top level must be an object", base)
	case c != '{':
		return s.unexpected()
	}
	if err := object(); err != nil {
		return err
	}
	s.skipWS()
	if s.pos < len(s.data) {
		return s.errorf("trailing data after the JSON value")
	}
	return nil
}

func (s *scanner) errorf(format string, args ...any) error {
	base := s.syntax
	if base == nil {
		base = ErrSyntax
	}
	args = append([]any{base}, args...)
	return fmt.Errorf("%w: "+format+" at byte %d", append(args, s.pos)...)
}

// unexpected reports the byte at the current position as out of place.
func (s *scanner) unexpected() error {
	if s.pos >= len(s.data) {
		return s.errorf("unexpected end of input")
	}
	c := s.data[s.pos]
	if c >= 0x20 && c < 0x7f {
		return s.errorf("unexpected character '%c'", c)
	}
	return s.errorf("unexpected byte 0x%02x", c)
}

// scanString moves past the string starting at the current position and
// reports whether it holds escapes. It checks escapes and UTF-8, so that a
// body which is not UTF-8 is refused wherever the bad byte sits.
func (s *scanner) scanString() (esc bool, err error) {
	d, i := s.data, s.pos+1
	for {
		for i < len(d) && plain[d[i]] {
			i++
		}
		if i >= len(d) {
			s.pos = i
			return esc, s.unexpected()
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return esc, nil
		case c == '\\':
			esc = true
			if i+1 >= len(d) {
				s.pos = len(d)
				return esc, s.unexpected()
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					s.pos = i
					return esc, s.errorf("invalid \\u escape")
				}
				i += 6
			default:
				s.pos = i
				return esc, s.errorf("invalid escape")
			}
		case c < 0x20:
			s.pos = i
			return esc, s.errorf("control character in string")
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size <= 1 {
				s.pos = i
				return esc, s.errorf("invalid UTF-8")
			}
			i += size
		}
	}
}

// isHex4 reports whether b is four hexadecimal digits.
func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

// hexVal is the value of a hexadecimal digit, -1 for any other byte.
func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// scanNumber moves past the number starting at the current position and
// reports whether it was written as an integer, following the JSON grammar
// strictly: no leading zeros, no '+', no bare '.'.
func (s *scanner) scanNumber() (isInt bool, err error) {
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = skipDigits(d, i)
	default:
		s.pos = i
		return false, s.unexpected()
	}
	isInt = true
	if i < len(d) && d[i] == '.' {
		isInt = false
		if i++; i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return false, s.unexpected()
		}
		i = skipDigits(d, i)
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		isInt = false
		if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return false, s.unexpected()
		}
		i = skipDigits(d, i)
	}
	s.pos = i
	return isInt, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipDigits(d []byte, i int) int {
	for i < len(d) && isDigit(d[i]) {
		i++
	}
	return i
}

// scanLiteral moves past lit, which must be at the current position.
func (s *scanner) scanLiteral(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return s.unexpected()
	}
	s.pos += len(lit)
	return nil
}
