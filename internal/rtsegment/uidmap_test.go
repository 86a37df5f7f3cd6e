package rtsegment

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Texts of POST /uid-map the tests repeat, written out so that a changed
// wire text fails a test.
const (
	noValidMap = "No valid uid_map in request."
	extNeeded  = "'external_id' is required and cannot be empty"
)

func pairOf(ext, user string) string {
	return `{"external_id":` + ext + `,"user_id":` + user + `}`
}

func TestParseUIDMap(t *testing.T) {
	tests := []struct {
		name     string
		pairs    string
		max      int
		want     []string // warning messages
		mappings []Mapping
		invalid  int
	}{
		{
			name:     "one pair",
			pairs:    pairOf(`"abc"`, `"12345"`),
			mappings: []Mapping{{"abc", "12345"}},
		},
		{
			name:     "normalised: ids trimmed, leading zeros dropped, case kept",
			pairs:    pairOf(`" AbC\t"`, `" 0042 "`),
			mappings: []Mapping{{"AbC", "42"}},
		},
		{
			name:     "escapes decoded",
			pairs:    pairOf(`"a\u0062c"`, `"\u0031"`),
			mappings: []Mapping{{"abc", "1"}},
		},
		{
			name:  "one external id twice: both kept, in order",
			pairs: pairOf(`"a"`, `"1"`) + "," + pairOf(`"a"`, `"2"`),
			mappings: []Mapping{
				{"a", "1"}, {"a", "2"},
			},
		},
		{
			name:     "unknown keys ignored",
			pairs:    `{"external_id":"a","note":[1,{"x":null}],"user_id":"1"}`,
			mappings: []Mapping{{"a", "1"}},
		},
		{
			name:    "empty array",
			want:    []string{noValidMap},
			invalid: 0,
		},
		{
			name: "bad pairs, in order, the rest kept",
			pairs: strings.Join([]string{
				`7`, `{"user_id":"1"}`, pairOf(`null`, `"1"`), pairOf(`""`, `"1"`),
				pairOf(`"  "`, `"1"`), pairOf(`1`, `"1"`),
				pairOf(`"`+strings.Repeat("x", 65)+`"`, `"1"`),
				`{"external_id":"a"}`, pairOf(`"a"`, `null`), pairOf(`"a"`, `" "`),
				pairOf(`"a"`, `1`), pairOf(`"a"`, `"0"`), pairOf(`"a"`, `"18446744073709551616"`),
				pairOf(`"a"`, `"1e3"`), pairOf(`"ok"`, `"9"`),
			}, ","),
			want: []string{"Pair must be an object.", extNeeded, extNeeded, extNeeded,
				extNeeded, "'external_id' must be a string",
				"'external_id' must be at most 64 bytes", userNeeded, userNeeded, userNeeded,
				"'user_id' must be a string", platformMsg, platformMsg, platformMsg},
			mappings: []Mapping{{"ok", "9"}},
			invalid:  14,
		},
		{
			name:     "longest external id",
			pairs:    pairOf(`"`+strings.Repeat("x", 64)+`"`, `"1"`),
			mappings: []Mapping{{strings.Repeat("x", 64), "1"}},
		},
		{
			name: "a key twice, known or not, even null",
			pairs: `{"external_id":"a","user_id":"1","external_id":"b"},` +
				`{"external_id":null,"user_id":"1","external_id":"b"},` +
				`{"x":1,"external_id":"a","user_id":"1","x":2}`,
			want: []string{"Duplicate key 'external_id' in pair.",
				"Duplicate key 'external_id' in pair.", "Duplicate key 'x' in pair.",
				noValidMap},
			invalid: 3,
		},
		{
			name: "pairs past the cap",
			pairs: pairOf(`"a"`, `"1"`) + "," + pairOf(`""`, `"1"`) + "," +
				pairOf(`"c"`, `"3"`) + `,"junk"`,
			max: 2,
			want: []string{extNeeded, "Too many pairs in request.",
				"Too many pairs in request."},
			mappings: []Mapping{{"a", "1"}},
			invalid:  3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseUIDMap([]byte(`{"uid_map":[`+tc.pairs+`]}`), tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if got := uidMessages(m); !equalStrings(got, tc.want) {
				t.Errorf("warnings\n got %q\nwant %q", got, tc.want)
			}
			if tc.mappings == nil {
				tc.mappings = []Mapping{}
			}
			if !reflect.DeepEqual(m.Mappings, tc.mappings) {
				t.Errorf("mappings %q, want %q", m.Mappings, tc.mappings)
			}
			if m.Invalid != tc.invalid {
				t.Errorf("invalid %d, want %d", m.Invalid, tc.invalid)
			}
			for _, w := range m.Warnings {
				if !json.Valid(w.Entity) {
					t.Errorf("entity %q is not JSON", w.Entity)
				}
			}
		})
	}
}

func TestParseUIDMapEntities(t *testing.T) {
	body := []byte("{\"uid_map\": [ {\"user_id\" : \"1e3\",\n \"external_id\":\"a\"} , 5 ]}")
	m, err := ParseUIDMap(body, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"{\"user_id\" : \"1e3\",\n \"external_id\":\"a\"}", "5",
		"{\"uid_map\":[ {\"user_id\" : \"1e3\",\n \"external_id\":\"a\"} , 5 ]}"}
	for i := range body {
		body[i] = 'X'
	}
	if len(m.Warnings) != len(want) {
		t.Fatalf("warnings %q", uidMessages(m))
	}
	for i, w := range m.Warnings {
		if string(w.Entity) != want[i] {
			t.Errorf("entity %d %q, want %q", i, w.Entity, want[i])
		}
	}
}

func TestParseUIDMapSyntax(t *testing.T) {
	tests := []struct {
		name, body, has string
	}{
		{"empty", "  ", "the body is empty"},
		{"array", `[{"uid_map":[]}]`, "the top level must be an object"},
		{"not JSON", `{"uid_map":[}`, "unexpected character '}' at byte 12"},
		{"no uid_map", `{"rt_segment":[]}`, "'uid_map' is required"},
		{"uid_map not an array", `{"uid_map":{}}`, "'uid_map' must be an array"},
		{"uid_map twice", `{"uid_map":[],"uid_map":[]}`, "duplicate key 'uid_map'"},
		{"other key twice", `{"a":1,"uid_map":[],"a":2}`, "duplicate key 'a'"},
		{"trailing data", `{"uid_map":[]} {}`, "trailing data"},
		{"not UTF-8", "{\"uid_map\":[{\"external_id\":\"\xff\",\"user_id\":\"1\"}]}",
			"invalid UTF-8"},
		{"deep", `{"uid_map":[` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `]}`,
			"nesting deeper than 512 levels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseUIDMap([]byte(tc.body), 0)
			if !errors.Is(err, ErrUIDMapSyntax) || errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v, want one wrapping ErrUIDMapSyntax only", err)
			}
			text := err.Error()
			if !strings.HasPrefix(text, "invalid uid_map request body: ") ||
				!strings.Contains(text, tc.has) {
				t.Fatalf("error %q, want it to name %q", text, tc.has)
			}
		})
	}

	// A byte order mark is skipped.
	if _, err := ParseUIDMap([]byte("\xEF\xBB\xBF{\"uid_map\":[]}"), 0); err != nil {
		t.Fatalf("with a byte order mark: %v", err)
	}
}

func uidMessages(m *UIDMap) []string {
	out := make([]string, len(m.Warnings))
	for i, w := range m.Warnings {
		out[i] = w.Message
	}
	return out
}
