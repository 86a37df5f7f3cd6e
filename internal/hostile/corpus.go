package hostile

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// OneMembership is a valid POST /rt-segment body for the demo member.
const OneMembership = `{"rt_segment":[{"user_id":"42","seg_block":[{"seg_id":10001,"value":7}]}]}`

// Cases returns the corpus: bodies of POST /rt-segment and /auth, then
// methods, paths and headers.
func Cases() []Case { return append(bodies(), requests()...) }

// repeat returns s n times.
func repeat(s string, n int) string { return strings.Repeat(s, n) }

// entry is a POST body of one user entry with one block.
func entry(userID, block string) []byte {
	return []byte(`{"rt_segment":[{"user_id":` + userID + `,"seg_block":[` + block + `]}]}`)
}

// malformed is a body whose seg_id is not a JSON number: the whole
// body is not JSON, and is refused with 400 SYNTAX.
func malformed(name, number string) Case {
	return Case{Name: name, Body: entry(`"7"`, `{"seg_id":`+number+`}`), Status: 400,
		ErrorID: "SYNTAX"}
}

// gzipped compresses b.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// utf16Body encodes s as UTF-16 with a byte order mark.
func utf16Body(s string, order binary.ByteOrder) []byte {
	var buf bytes.Buffer
	_ = binary.Write(&buf, order, uint16(0xFEFF))
	_ = binary.Write(&buf, order, utf16.Encode([]rune(s)))
	return buf.Bytes()
}

// bodies are bodies of POST /rt-segment and /auth, each with its
// answer from the contract and docs/api.md.
func bodies() []Case {
	const good = `{"seg_id":10001,"value":1}`
	bomb := gzipped(bytes.Repeat([]byte{' '}, 64<<20))
	truncatedGzip := gzipped([]byte(OneMembership))
	truncatedGzip = truncatedGzip[:len(truncatedGzip)-6]
	badCRC := gzipped([]byte(OneMembership))
	badCRC[len(badCRC)-6] ^= 0xFF
	return []Case{
		// Nesting: 512 levels are read, deeper is refused whole.
		{Name: "nesting 510 deep in an unknown key", Body: []byte(`{"x":` + repeat("[", 510) +
			repeat("]", 510) + `,"rt_segment":[{"user_id":"7","seg_block":[` + good + `]}]}`),
			Status: 200, Users: 1},
		{Name: "nesting 513 deep", Body: []byte(`{"rt_segment":[` + repeat("[", 511) +
			repeat("]", 511) + `]}`), Status: 400, ErrorID: "SYNTAX"},
		{Name: "nesting 200000 deep", Body: []byte(repeat("[", 200000)),
			Status: 400, ErrorID: "SYNTAX"},
		{Name: "objects nested 100000 deep", Body: []byte(repeat(`{"a":`, 100000)),
			Status: 400, ErrorID: "SYNTAX"},

		// Numbers: huge or malformed ones.
		{Name: "seg_id 1e400", Body: entry(`"7"`, `{"seg_id":1e400}`), Status: 200,
			Warning: "'seg_id' must be a positive integer"},
		{Name: "seg_id of 20 digits", Body: entry(`"7"`, `{"seg_id":99999999999999999999}`),
			Status: 200, Warning: "'seg_id' must be at most 9223372036854775807"},
		{Name: "value of 500000 digits", Body: entry(`"7"`,
			`{"seg_id":10001,"value":`+repeat("9", 500000)+`}`), Status: 200,
			Warning: "'value' must be between 0 and 2147483647"},
		{Name: "value 1.0", Body: entry(`"7"`, `{"seg_id":10001,"value":1.0}`), Status: 200,
			Warning: "'value' must be an integer"},
		{Name: "expiration -0", Body: entry(`"7"`, `{"seg_id":10001,"expiration":-0}`),
			Status: 200, Users: 1},
		{Name: "seg_id as a string", Body: entry(`"7"`, `{"seg_id":"10001"}`), Status: 200,
			Warning: "'seg_id' must be a positive integer"},
		malformed("leading zero", "010001"),
		malformed("plus sign", "+1"),
		malformed("bare minus", "-"),
		malformed("trailing dot", "1."),
		malformed("leading dot", ".5"),
		malformed("bare exponent", "1e"),
		malformed("hexadecimal", "0x10"),
		malformed("NaN", "NaN"),
		malformed("Infinity", "Infinity"),

		// Keys: exact match, no duplicates, escapes compared unescaped.
		{Name: "top-level key twice", Body: []byte(`{"rt_segment":[],"rt_segment":[]}`),
			Status: 400, ErrorID: "SYNTAX"},
		{Name: "user_id twice", Body: []byte(`{"rt_segment":[{"user_id":"7","user_id":"8",` +
			`"seg_block":[` + good + `]}]}`), Status: 200,
			Warning: "Duplicate key 'user_id' in user entry."},
		{Name: "user_id twice, once escaped", Body: []byte(`{"rt_segment":[{"user_id":"7",` +
			`"user\u005fid":"8","seg_block":[` + good + `]}]}`), Status: 200,
			Warning: "Duplicate key 'user_id' in user entry."},
		{Name: "seg_id twice", Body: entry(`"7"`, `{"seg_id":10001,"seg_id":10002}`),
			Status: 200, Warning: "Duplicate key 'seg_id' in seg_block."},
		{Name: "upper-case top-level key", Body: []byte(`{"RT_SEGMENT":[]}`), Status: 400,
			ErrorID: "SYNTAX"},
		{Name: "case-variant user_id", Body: []byte(`{"rt_segment":[{"User_Id":"7",` +
			`"seg_block":[` + good + `]}]}`), Status: 200,
			Warning: "'user_id' is required and cannot be empty"},
		{Name: "case-variant seg_id", Body: entry(`"7"`, `{"SEG_ID":10001}`), Status: 200,
			Warning: "'seg_id' or 'seg_code' and 'member_id' are required"},

		// Encodings: UTF-8 only, one byte order mark skipped.
		{Name: "byte order mark", Body: append([]byte("\ufeff"), OneMembership...),
			Status: 200, Users: 1},
		{Name: "two byte order marks", Body: append([]byte("\ufeff\ufeff"), OneMembership...),
			Status: 400, ErrorID: "SYNTAX"},
		{Name: "UTF-16LE", Body: utf16Body(OneMembership, binary.LittleEndian), Status: 400,
			ErrorID: "SYNTAX"},
		{Name: "UTF-16BE", Body: utf16Body(OneMembership, binary.BigEndian), Status: 400,
			ErrorID: "SYNTAX"},
		{Name: "invalid UTF-8 in a string", Body: entry("\"7\xff\"", good), Status: 400,
			ErrorID: "SYNTAX"},
		{Name: "overlong UTF-8", Body: entry("\"\xc0\xb7\"", good), Status: 400, ErrorID: "SYNTAX"},
		{Name: "UTF-8 of a surrogate", Body: entry("\"\xed\xa0\x80\"", good), Status: 400,
			ErrorID: "SYNTAX"},
		{Name: "UTF-8 cut at the end", Body: append([]byte(OneMembership), 0xe2, 0x82),
			Status: 400, ErrorID: "SYNTAX"},
		{Name: "escaped lone surrogate in user_id", Body: entry(`"\ud800"`, good), Status: 200,
			Warning: "'user_id' must be a decimal integer"},

		// Control characters in ids.
		{Name: "raw control character in user_id", Body: entry("\"7\x01\"", good),
			Status: 400, ErrorID: "SYNTAX"},
		{Name: "escaped NUL in user_id", Body: entry(`"7\u0000"`, good), Status: 200,
			Warning: "'user_id' must be a decimal integer"},
		{Name: "escaped NUL in an idfa", Body: []byte(`{"rt_segment":[{"user_id":` +
			`"\u0000` + "6d92078a-8246-4ba4-ae5b-76104861e7dc" + `","domain":"idfa",` +
			`"seg_block":[` + good + `]}]}`), Status: 200,
			Warning: "'user_id' must be a UUID for domain 'idfa'"},
		{Name: "escaped line breaks around user_id", Body: entry(`"\n7\r\n"`, good),
			Status: 200, Users: 1},
		{Name: "escaped NUL in seg_code", Body: entry(`"7"`,
			`{"seg_code":"ab\u0000cd","member_id":1661}`), Status: 200,
			Warning: "not found"},

		// gzip: bounded after inflating, and refused when broken.
		{Name: "gzip bomb of 64 MB", Header: []string{"Content-Encoding", "gzip"}, Body: bomb,
			Status: 413, ErrorID: "SYNTAX"},
		{Name: "gzip inside gzip", Header: []string{"Content-Encoding", "gzip"},
			Body: gzipped(gzipped([]byte(OneMembership))), Status: 400, ErrorID: "SYNTAX"},
		{Name: "gzip cut short", Header: []string{"Content-Encoding", "gzip"},
			Body: truncatedGzip, Status: 400, ErrorID: "SYNTAX"},
		{Name: "gzip with a wrong checksum", Header: []string{"Content-Encoding", "gzip"},
			Body: badCRC, Status: 400, ErrorID: "SYNTAX"},
		{Name: "gzip announced, plain sent", Header: []string{"Content-Encoding", "gzip"},
			Body: []byte(OneMembership), Status: 400, ErrorID: "SYNTAX"},
		{Name: "brotli announced", Header: []string{"Content-Encoding", "br"},
			Body: []byte(OneMembership), Status: 415, ErrorID: "SYNTAX"},
		{Name: "GZIP in capitals", Header: []string{"Content-Encoding", "GZIP"},
			Body: gzipped([]byte(OneMembership)), Status: 200, Users: 1},

		// Sizes.
		{Name: "body of 1 MB and 1 byte", Body: []byte(`{"rt_segment":[]` +
			repeat(" ", 1<<20-len(`{"rt_segment":[]}`)) + ` }`), Status: 413, ErrorID: "SYNTAX"},
		{Name: "body of 8 MB", Body: bytes.Repeat([]byte("["), 8<<20), Status: 413,
			ErrorID: "SYNTAX"},

		// Empty, cut short, wrong shapes.
		{Name: "empty body", Body: []byte{}, Status: 400, ErrorID: "SYNTAX"},
		{Name: "white space only", Body: []byte(" \n\t "), Status: 400, ErrorID: "SYNTAX"},
		{Name: "JSON cut short", Body: []byte(OneMembership[:30]), Status: 400, ErrorID: "SYNTAX"},
		{Name: "null", Body: []byte(`null`), Status: 400, ErrorID: "SYNTAX"},
		{Name: "an array", Body: []byte(`[]`), Status: 400, ErrorID: "SYNTAX"},
		{Name: "a string", Body: []byte(`"rt_segment"`), Status: 400, ErrorID: "SYNTAX"},
		{Name: "rt_segment null", Body: []byte(`{"rt_segment":null}`), Status: 400,
			ErrorID: "SYNTAX"},
		{Name: "rt_segment an object", Body: []byte(`{"rt_segment":{}}`), Status: 400,
			ErrorID: "SYNTAX"},
		{Name: "trailing garbage", Body: []byte(OneMembership + "x"), Status: 400,
			ErrorID: "SYNTAX"},
		{Name: "empty rt_segment", Body: []byte(`{"rt_segment":[]}`), Status: 200,
			Warning: "No valid rt_segment in request."},

		// Logins.
		{Name: "login nested deep", Path: "/auth", Anonymous: true,
			Body: []byte(`{"auth":` + repeat("[", 100000)), Status: 400, ErrorID: "SYNTAX"},
		{Name: "login with a NUL in the name", Path: "/auth", Anonymous: true,
			Body:   []byte(`{"auth":{"username":"demo\u0000","password":"demo"}}`),
			Status: 401, ErrorID: "NOAUTH"},
		{Name: "login of 1 MB and 1 byte", Path: "/auth", Anonymous: true,
			Body: bytes.Repeat([]byte(" "), 1<<20+1), Status: 413, ErrorID: "SYNTAX"},
		{Name: "login as UTF-16", Path: "/auth", Anonymous: true,
			Body: utf16Body(`{"auth":{"username":"demo","password":"demo"}}`,
				binary.LittleEndian), Status: 400, ErrorID: "SYNTAX"},
	}
}

// wrong is a method a known path does not take: 400 SYNTAX (not 405,
// which some clients take for a rate limit) with an Allow header that
// names allow among others.
func wrong(method, path, allow string) Case {
	return Case{Name: method + " on " + path, Method: method, Path: path,
		Body: []byte(OneMembership), Status: 400, ErrorID: "SYNTAX", Allow: allow}
}

// requests are methods, paths and headers, each with its answer.
func requests() []Case {
	get := func(name, path string, status int, id string) Case {
		return Case{Name: name, Method: "GET", Path: path, Status: status, ErrorID: id}
	}
	return []Case{
		wrong("PUT", "/rt-segment", "POST"),
		wrong("DELETE", "/auth", "POST"),
		wrong("PATCH", "/uid-map", "POST"),
		wrong("GET", "/uid-map", "POST"),
		wrong("POST", "/healthz", "GET"),
		wrong("TRACE", "/rt-segment", "GET"),
		wrong("OPTIONS", "/rt-segment", "POST"),
		wrong("BREW", "/rt-segment", "GET"),
		{Name: "a made-up method on an unknown path", Method: "BREW", Path: "/coffee",
			Status: 404, ErrorID: "SYNTAX"},
		{Name: "trailing slash", Path: "/rt-segment/", Status: 404, ErrorID: "SYNTAX"},
		{Name: "upper-case path", Path: "/RT-SEGMENT", Status: 404, ErrorID: "SYNTAX"},
		{Name: "double slash", Path: "//rt-segment", Status: 404, ErrorID: "SYNTAX"},
		{Name: "dot segments", Path: "/x/../rt-segment", Status: 404, ErrorID: "SYNTAX"},
		{Name: "escaped NUL in the path", Path: "/rt-segment%00", Status: 404, ErrorID: "SYNTAX"},
		{Name: "escaped slash in the path", Path: "/rt%2Dsegment%2F", Status: 404,
			ErrorID: "SYNTAX"},
		{Name: "path parameter", Path: "/rt-segment;x=1", Status: 404, ErrorID: "SYNTAX"},
		{Name: "path of 30000 bytes", Path: "/" + repeat("a", 30000), Status: 404,
			ErrorID: "SYNTAX"},
		get("GET without user_id", "/rt-segment", 400, "SYNTAX"),
		get("GET with a NUL user_id", "/rt-segment?user_id=%00", 400, "SYNTAX"),
		get("GET with a control character", "/rt-segment?user_id=7%01", 400, "SYNTAX"),
		get("GET with a line break after the id", "/rt-segment?user_id=7%0A", 200, ""),
		get("GET with an unknown domain", "/rt-segment?user_id=7&domain=%FF", 400,
			"SYNTAX"),
		get("GET with 9999 other parameters", "/rt-segment?user_id=7"+repeat("&a=1", 9999),
			200, ""),
		// Past 10000 parameters net/url reads none, user_id included.
		get("GET with 10000 other parameters", "/rt-segment?user_id=7"+repeat("&a=1", 10000),
			400, "SYNTAX"),
		get("GET with user_id given twice", "/rt-segment?user_id=7&user_id=8", 200, ""),
		{Name: "token of 60 KB", Header: []string{"Authorization", repeat("A", 60<<10)},
			Anonymous: true, Body: []byte(OneMembership), Status: 401, ErrorID: "NOAUTH"},
		{Name: "two tokens in one header", Header: []string{"Authorization", "Bearer a b"},
			Anonymous: true, Body: []byte(OneMembership), Status: 401, ErrorID: "NOAUTH"},
		{Name: "token in the wrong scheme", Header: []string{"Authorization", "Basic ZGVtbzpkZW1v"},
			Anonymous: true, Body: []byte(OneMembership), Status: 401, ErrorID: "NOAUTH"},
		{Name: "a UTF-16 content type", Header: []string{"Content-Type",
			"application/json; charset=utf-16"}, Body: []byte(OneMembership), Status: 200,
			Users: 1},
		{Name: "request id of 10 KB", Header: []string{"X-Request-Id", repeat("r", 10<<10)},
			Body: []byte(OneMembership), Status: 200, Users: 1},
		{Name: "forwarded-for garbage", Path: "/auth", Anonymous: true,
			Header: []string{"X-Forwarded-For", "not-an-ip, , ;, 999.1.1.1"},
			Body:   []byte(`{"auth":{"username":"nobody","password":"x"}}`), Status: 401,
			ErrorID: "NOAUTH"},
	}
}
