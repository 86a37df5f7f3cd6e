package rtsegment

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSyntax(t *testing.T) {
	const ok = `{"rt_segment":[]}`
	tests := []struct {
		name    string
		body    string
		wantErr string // a part of the error text; "" when the body parses
	}{
		{name: "minimal", body: ok},
		{name: "white space around", body: " \n\t" + ok + "\r\n "},
		{name: "byte order mark", body: "\xEF\xBB\xBF" + ok},
		{name: "byte order mark then white space", body: "\xEF\xBB\xBF \n" + ok},
		{name: "unknown top-level keys", body: `{"a":1,"rt_segment":[],"b":{"c":[]}}`},
		{name: "array before domain", body: `{"rt_segment":[],"domain":"idfa"}`},
		{name: "domain null", body: `{"domain":null,"rt_segment":[]}`},
		{name: "lone surrogate escape", body: `{"x":"\ud800","rt_segment":[]}`},
		{name: "nesting within the bound",
			body: `{"x":` + nested(maxDepth-1) + `,"rt_segment":[]}`},

		{name: "empty body", body: "", wantErr: "empty"},
		{name: "white space only", body: " \n ", wantErr: "empty"},
		{name: "byte order mark only", body: "\xEF\xBB\xBF", wantErr: "empty"},
		{name: "two byte order marks", body: "\xEF\xBB\xBF\xEF\xBB\xBF" + ok,
			wantErr: "unexpected byte 0xef"},
		{name: "UTF-16 LE", body: "\xFF\xFE{\x00}\x00", wantErr: "unexpected byte 0xff"},
		{name: "UTF-16 BE", body: "\x00{\x00}", wantErr: "unexpected byte 0x00"},
		{name: "Latin-1 in a string", body: "{\"x\":\"caf\xE9\",\"rt_segment\":[]}",
			wantErr: "invalid UTF-8"},
		{name: "Latin-1 in a key", body: "{\"caf\xE9\":1,\"rt_segment\":[]}",
			wantErr: "invalid UTF-8"},
		{name: "bad UTF-8 deep in an entry",
			body: "{\"rt_segment\":[{\"user_id\":\"\xC0\x80\"}]}", wantErr: "invalid UTF-8"},
		{name: "UTF-8 encoded surrogate", body: "{\"x\":\"\xED\xA0\x80\",\"rt_segment\":[]}",
			wantErr: "invalid UTF-8"},
		{name: "trailing data", body: ok + "x", wantErr: "trailing data"},
		{name: "second object", body: ok + ok, wantErr: "trailing data"},
		{name: "trailing NUL", body: ok + "\x00", wantErr: "trailing data"},
		{name: "top level array", body: `[` + ok + `]`, wantErr: "must be an object"},
		{name: "top level string", body: `"rt_segment"`, wantErr: "must be an object"},
		{name: "top level null", body: `null`, wantErr: "must be an object"},
		{name: "top level number", body: `1`, wantErr: "must be an object"},
		{name: "rt_segment missing", body: `{}`, wantErr: "'rt_segment' is required"},
		{name: "rt_segment in another case", body: `{"RT_SEGMENT":[]}`,
			wantErr: "'rt_segment' is required"},
		{name: "rt_segment null", body: `{"rt_segment":null}`, wantErr: "must be an array"},
		{name: "rt_segment object", body: `{"rt_segment":{}}`, wantErr: "must be an array"},
		{name: "rt_segment string", body: `{"rt_segment":"[]"}`, wantErr: "must be an array"},
		{name: "duplicate rt_segment", body: `{"rt_segment":[],"rt_segment":[]}`,
			wantErr: "duplicate key 'rt_segment'"},
		{name: "duplicate through an escape", body: `{"rt_segment":[],"rt\u005fsegment":[]}`,
			wantErr: "duplicate key 'rt_segment'"},
		{name: "duplicate domain", body: `{"domain":null,"rt_segment":[],"domain":null}`,
			wantErr: "duplicate key 'domain'"},
		{name: "duplicate unknown key", body: `{"a":1,"rt_segment":[],"a":2}`,
			wantErr: "duplicate key 'a'"},
		{name: "top-level domain a number", body: `{"domain":1,"rt_segment":[]}`,
			wantErr: "'domain' must be a string or null"},
		{name: "top-level domain an object", body: `{"domain":{},"rt_segment":[]}`,
			wantErr: "'domain' must be a string or null"},
		{name: "too deep", body: `{"x":` + nested(maxDepth) + `,"rt_segment":[]}`,
			wantErr: "nesting deeper"},
		{name: "very deep and unclosed", body: `{"rt_segment":` + strings.Repeat("[", 1<<20),
			wantErr: "nesting deeper"},
		{name: "deep inside a block",
			body:    wrap("", `{"user_id":"1","seg_block":[{"v":`+nested(maxDepth)+`}]}`),
			wantErr: "nesting deeper"},
		{name: "unterminated string", body: `{"rt_segment":[],"x":"abc`, wantErr: "end of input"},
		{name: "unterminated object", body: `{"rt_segment":[]`, wantErr: "end of input"},
		{name: "unterminated array", body: `{"rt_segment":[{"user_id":"1"}`,
			wantErr: "end of input"},
		{name: "invalid escape", body: `{"x":"\q","rt_segment":[]}`, wantErr: "invalid escape"},
		{name: "short unicode escape", body: `{"x":"\u12","rt_segment":[]}`,
			wantErr: `invalid \u escape`},
		{name: "control character", body: "{\"x\":\"a\tb\",\"rt_segment\":[]}",
			wantErr: "control character"},
		{name: "leading zero", body: `{"x":01,"rt_segment":[]}`, wantErr: "unexpected"},
		{name: "plus sign", body: `{"x":+1,"rt_segment":[]}`, wantErr: "unexpected"},
		{name: "bare fraction", body: `{"x":.5,"rt_segment":[]}`, wantErr: "unexpected"},
		{name: "dot without digits", body: `{"x":1.,"rt_segment":[]}`, wantErr: "unexpected"},
		{name: "exponent without digits", body: `{"x":1e,"rt_segment":[]}`,
			wantErr: "unexpected"},
		{name: "minus alone", body: `{"x":-,"rt_segment":[]}`, wantErr: "unexpected"},
		{name: "NaN", body: `{"x":NaN,"rt_segment":[]}`, wantErr: "unexpected"},
		{name: "misspelt literal", body: `{"x":nul,"rt_segment":[]}`, wantErr: "unexpected"},
		{name: "single quotes", body: `{'rt_segment':[]}`, wantErr: "unexpected"},
		{name: "comment", body: `{/* c */"rt_segment":[]}`, wantErr: "unexpected"},
		{name: "trailing comma in array", body: `{"rt_segment":[{},]}`, wantErr: "unexpected"},
		{name: "trailing comma in object", body: `{"rt_segment":[],}`, wantErr: "unexpected"},
		{name: "missing colon", body: `{"rt_segment" []}`, wantErr: "unexpected"},
		{name: "number as key", body: `{1:2,"rt_segment":[]}`, wantErr: "unexpected"},
		{name: "bad JSON in an ignored value", body: `{"rt_segment":[],"x":[1 2]}`,
			wantErr: "unexpected"},
		{name: "bad JSON in an entry past the cap",
			body: wrap("", strings.Repeat(`{},`, 1000)+`{"a":}`), wantErr: "unexpected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := Parse([]byte(tc.body), Limits{})
			if tc.wantErr == "" {
				if err != nil || req == nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse succeeded, want an error with %q", tc.wantErr)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v does not wrap ErrSyntax", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, tc.wantErr)
			}
			if req != nil {
				t.Error("a request came back with the error")
			}
		})
	}
}

// nested returns n arrays, one in the other.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func TestSyntaxErrorText(t *testing.T) {
	_, err := Parse([]byte(`{"rt_segment":[}`), Limits{})
	const want = "invalid rt_segment request body: unexpected character '}' at byte 15"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
