package rtsegment

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// entryOf builds one user entry with a valid block.
func entryOf(fields string) string { return `{` + fields + `,` + okBlocks + `}` }

func TestEntries(t *testing.T) {
	tests := []entryCase{
		{
			name:    "platform id",
			entries: entryOf(`"user_id":"12345678900987654321"`),
			users:   []string{"/12345678900987654321"},
		},
		{
			name:    "entry not an object",
			entries: `1,"x",null,[],` + entryOf(`"user_id":"7"`),
			want: []string{"User entry must be an object.", "User entry must be an object.",
				"User entry must be an object.", "User entry must be an object."},
			users: []string{"/7"},
		},
		{
			name:    "user_id missing",
			entries: `{` + okBlocks + `}`,
			want:    []string{userNeeded, noValid},
		},
		{
			name:    "user_id null",
			entries: entryOf(`"user_id":null`),
			want:    []string{userNeeded, noValid},
		},
		{
			name:    "user_id empty",
			entries: entryOf(`"user_id":""`),
			want:    []string{userNeeded, noValid},
		},
		{
			name:    "user_id only white space",
			entries: entryOf(`"user_id":" \t\n\u00a0 "`),
			want:    []string{userNeeded, noValid},
		},
		{
			name:    "user_id a number",
			entries: entryOf(`"user_id":12345`),
			want:    []string{"'user_id' must be a string", noValid},
		},
		{
			name:    "user_id an object",
			entries: entryOf(`"user_id":{"id":"1"}`),
			want:    []string{"'user_id' must be a string", noValid},
		},
		{
			name:    "user_id key in another case is not user_id",
			entries: entryOf(`"USER_ID":"1"`),
			want:    []string{userNeeded, noValid},
		},
		{
			name:    "escaped key is user_id",
			entries: entryOf(`"user\u005fid":"1"`),
			users:   []string{"/1"},
		},
		{
			name:    "seg_block missing",
			entries: `{"user_id":"1"}`,
			want:    []string{"'seg_block' is required", noValid},
		},
		{
			name:    "seg_block null",
			entries: `{"user_id":"1","seg_block":null}`,
			want:    []string{"'seg_block' is required", noValid},
		},
		{
			name:    "seg_block empty",
			entries: `{"user_id":"1","seg_block":[ ]}`,
			want:    []string{"'seg_block' is required", noValid},
		},
		{
			name:    "seg_block an object",
			entries: `{"user_id":"1","seg_block":{"seg_id":1}}`,
			want:    []string{"'seg_block' must be an array", noValid},
		},
		{
			name:    "seg_block a string",
			entries: `{"user_id":"1","seg_block":"[]"}`,
			want:    []string{"'seg_block' must be an array", noValid},
		},
		{
			name:    "user_id is checked before seg_block",
			entries: `{"user_id":""}`,
			want:    []string{userNeeded, noValid},
		},
		{
			name:    "seg_block is checked before domain",
			entries: `{"user_id":"x","domain":"nope"}`,
			want:    []string{"'seg_block' is required", noValid},
		},
		{
			name:    "domain is checked before the id",
			entries: entryOf(`"user_id":"not an id","domain":"nope"`),
			want:    []string{"Unknown domain 'nope'.", noValid},
		},
		{
			name:    "blocks of a refused entry are not examined",
			entries: `{"user_id":"x","seg_block":[{"seg_id":"bad"}]}`,
			want: []string{"'user_id' must be a decimal integer from 1 to " +
				"18446744073709551615", noValid},
		},
		{
			name:    "duplicate user_id",
			entries: entryOf(`"user_id":"1","user_id":"2"`),
			want:    []string{"Duplicate key 'user_id' in user entry.", noValid},
		},
		{
			name:    "duplicate seg_block",
			entries: entryOf(`"user_id":"1",` + okBlocks),
			want:    []string{"Duplicate key 'seg_block' in user entry.", noValid},
		},
		{
			name:    "duplicate domain even both null",
			entries: entryOf(`"user_id":"1","domain":null,"domain":null`),
			want:    []string{"Duplicate key 'domain' in user entry.", noValid},
		},
		{
			name:    "duplicate unknown key",
			entries: entryOf(`"user_id":"1","x":1,"y":2,"x":3`),
			want:    []string{"Duplicate key 'x' in user entry.", noValid},
		},
		{
			name:    "duplicate key spelled with an escape",
			entries: entryOf(`"user_id":"1","user\u005fid":"1"`),
			want:    []string{"Duplicate key 'user_id' in user entry.", noValid},
		},
		{
			name:    "duplicate key is found among many keys",
			entries: entryOf(`"user_id":"1",` + manyKeys(40) + `,"k7":0`),
			want:    []string{"Duplicate key 'k7' in user entry.", noValid},
		},
		{
			name:    "many distinct keys are fine",
			entries: entryOf(`"user_id":"1",` + manyKeys(40)),
			users:   []string{"/1"},
		},
		{
			name:    "duplicate key inside an ignored value is ignored",
			entries: entryOf(`"user_id":"1","x":{"a":1,"a":2}`),
			users:   []string{"/1"},
		},
		{
			name:    "unknown keys are ignored",
			entries: entryOf(`"user_id":"1","extra":[1,{"b":null}],"Domain":"nope"`),
			users:   []string{"/1"},
		},

		// What is left when no block is valid.
		{
			name:    "no valid segments names the id as sent",
			entries: `{"user_id":" 0042 ","seg_block":[{"seg_id":0}]}`,
			want: []string{"'seg_id' must be a positive integer",
				"No valid segments for user_id:  0042 .", noValid},
		},
		{
			name: "warnings in body order",
			entries: `{"user_id":"1","seg_block":[{"seg_id":"a"},` + okBlock + `,{}]},` +
				`{"user_id":"2","seg_block":[{"seg_id":99}]},` +
				`{"seg_block":[]}`,
			want: []string{
				"'seg_id' must be a positive integer",
				"'seg_id' or 'seg_code' and 'member_id' are required",
				"Segment 99 not found.",
				"No valid segments for user_id: 2.",
				userNeeded,
			},
			users: []string{"/1"},
		},
	}
	runEntryCases(t, tests)
}

// entryCase is a request of user entries and what its answer must hold.
type entryCase struct {
	name    string
	top     string // top-level members before the array
	entries string
	want    []string // warning messages in order
	users   []string // accepted users as "domain/id"
}

func runEntryCases(t *testing.T, tests []entryCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, wrap(tc.top, tc.entries), Limits{})
			if got := messages(res); !equalStrings(got, tc.want) {
				t.Errorf("warnings\n got %q\nwant %q", got, tc.want)
			}
			if got := userKeys(res); !equalStrings(got, tc.users) {
				t.Errorf("users got %q, want %q", got, tc.users)
			}
		})
	}
}

// manyKeys returns n distinct members "k0":0, "k1":0, ...
func manyKeys(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `"k` + strconv.Itoa(i) + `":0`
	}
	return strings.Join(parts, ",")
}

// equalStrings compares string lists, nil and empty alike.
func equalStrings(a, b []string) bool {
	return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b)
}
