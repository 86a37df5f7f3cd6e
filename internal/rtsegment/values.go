package rtsegment

import (
	"unicode/utf16"
	"unicode/utf8"
)

// value scans the JSON value at the current position, which must not be
// white space. depth is the nesting level of the container holding it.
func (s *scanner) value(depth int) (value, error) {
	v := value{start: int32(s.pos)}
	var err error
	switch c := s.peek(); {
	case c == '"':
		v.kind = kString
		v.esc, err = s.scanString()
	case c == '-' || isDigit(c):
		var isInt bool
		isInt, err = s.scanNumber()
		v.kind = kNumber
		if isInt {
			v.kind = kInt
		}
	case c == 't':
		v.kind, err = kBool, s.scanLiteral("true")
	case c == 'f':
		v.kind, err = kBool, s.scanLiteral("false")
	case c == 'n':
		v.kind, err = kNull, s.scanLiteral("null")
	case c == '[':
		v.kind, err = kArray, s.skipArray(depth+1)
	case c == '{':
		v.kind, err = kObject, s.skipObject(depth+1)
	default:
		err = s.unexpected()
	}
	v.end = int32(s.pos)
	return v, err
}

// open consumes the bracket opening a container at nesting level depth and
// the white space after it. If the container is empty it consumes the
// closing bracket too and reports so.
func (s *scanner) open(closer byte, depth int) (empty bool, err error) {
	if depth > maxDepth {
		return false, s.errorf("nesting deeper than %d levels", maxDepth)
	}
	s.pos++
	s.skipWS()
	if s.peek() == closer {
		s.pos++
		return true, nil
	}
	return false, nil
}

// next is called after a member or element of a container. It consumes a
// comma and reports that another item follows, or consumes the closer and
// reports the end.
func (s *scanner) next(closer byte) (more bool, err error) {
	s.skipWS()
	switch s.peek() {
	case ',':
		s.pos++
		s.skipWS()
		return true, nil
	case closer:
		s.pos++
		return false, nil
	}
	return false, s.unexpected()
}

// key reads an object key and the colon after it, leaving the position at
// the value. The key is returned unescaped: a slice of the body when it had
// no escapes, else decoded into *buf. A nil buf skips decoding (and the
// result is then nil), for objects whose keys do not matter.
func (s *scanner) key(buf *[]byte) ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.unexpected()
	}
	start := s.pos
	esc, err := s.scanString()
	if err != nil {
		return nil, err
	}
	var k []byte
	if buf != nil {
		k = s.data[start+1 : s.pos-1]
		if esc {
			*buf = unquote((*buf)[:0], k)
			k = *buf
		}
	}
	s.skipWS()
	if s.peek() != ':' {
		return nil, s.unexpected()
	}
	s.pos++
	s.skipWS()
	return k, nil
}

// skipObject moves past an object whose content does not matter.
func (s *scanner) skipObject(depth int) error {
	empty, err := s.open('}', depth)
	if err != nil || empty {
		return err
	}
	for more := true; more; {
		if _, err = s.key(nil); err != nil {
			return err
		}
		if _, err = s.value(depth); err != nil {
			return err
		}
		if more, err = s.next('}'); err != nil {
			return err
		}
	}
	return nil
}

// skipArray moves past an array whose content does not matter.
func (s *scanner) skipArray(depth int) error {
	empty, err := s.open(']', depth)
	if err != nil || empty {
		return err
	}
	for more := true; more; {
		if _, err = s.value(depth); err != nil {
			return err
		}
		if more, err = s.next(']'); err != nil {
			return err
		}
	}
	return nil
}

// strBytes returns the content of the string value v, unescaped. Without
// escapes it is a slice of the body and costs nothing.
func (s *scanner) strBytes(v value) []byte {
	inner := s.data[v.start+1 : v.end-1]
	if !v.esc {
		return inner
	}
	return unquote(make([]byte, 0, len(inner)), inner)
}

// unquote appends to dst the decoding of raw, the inside of a string the
// scanner has already validated. Unpaired surrogates become U+FFFD, as
// encoding/json makes them.
func unquote(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		if raw[i] != '\\' {
			j := i + 1
			for j < len(raw) && raw[j] != '\\' {
				j++
			}
			dst = append(dst, raw[i:j]...)
			i = j
			continue
		}
		c := raw[i+1]
		i += 2
		switch c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i:])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = utf16.DecodeRune(r, hex4(raw[i+2:]))
				}
				// A second escape that does not complete the pair is
				// left in place to be decoded on its own.
				if r2 != utf8.RuneError {
					i += 6
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\' and '/' stand for themselves
			dst = append(dst, c)
		}
	}
	return dst
}

// hex4 decodes four hexadecimal digits already known to be valid.
func hex4(b []byte) rune {
	return rune(hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3]))
}
