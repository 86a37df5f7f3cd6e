package rtsegment

import (
	"strings"
	"testing"
)

// Segments beyond the demo data that the block tests name.
var blockTestSegments = []Segment{
	{ID: 30001, MemberID: 1001, Active: false},
	{ID: 30002, MemberID: 2000, Active: true},
	{ID: 30003, MemberID: 2000, Active: false},
	{ID: 30004, MemberID: 3000, Code: "secret", Active: true},
	{ID: 9007199254740993, MemberID: 1001, Active: true}, // 2^53+1
	{ID: 9223372036854775807, MemberID: 1001, Active: true},
	{ID: 30005, MemberID: 1001, Code: strings.Repeat("é", 50), Active: true},
}

func TestBlocks(t *testing.T) {
	const (
		typeSegID  = "'seg_id' must be a positive integer"
		typeMember = "'member_id' must be a positive integer"
		typeValue  = "'value' must be an integer"
		typeExp    = "'expiration' must be an integer"
		rangeValue = "'value' must be between 0 and 2147483647"
		rangeExp   = "'expiration' must be -1 (remove), 0 (never expire) or 1 to 259200 minutes"
		notNamed   = "'seg_id' or 'seg_code' and 'member_id' are required"
	)
	tests := []struct {
		name  string
		block string
		lim   Limits
		want  string // the block's warning, "" when valid
		// The change a valid block makes; Minutes defaults to the policy's
		// 60 when the block gives none.
		change Change
	}{
		{name: "by id", block: `{"seg_id":10001,"value":5,"expiration":1440}`,
			change: Change{10001, 5, 1440}},
		{name: "nulls are absent",
			block: `{"seg_id":10001,"seg_code":null,"member_id":null,` +
				`"value":null,"expiration":null}`,
			change: Change{10001, 0, 60}},
		{name: "by code", block: `{"seg_code":"abcd","member_id":1661}`,
			change: Change{20001, 0, 60}},
		{name: "code without regard to case", block: `{"seg_code":"ZyWx","member_id":1262}`,
			change: Change{20002, 0, 60}},
		{name: "code with escapes", block: `{"seg_code":"ab\u0063d","member_id":1661}`,
			change: Change{20001, 0, 60}},
		{name: "code of 50 characters", block: `{"seg_code":"` + strings.Repeat("é", 50) +
			`","member_id":1001}`, change: Change{30005, 0, 60}},
		{name: "owner beside id", block: `{"seg_id":20001,"member_id":1661}`,
			change: Change{20001, 0, 60}},
		{name: "unknown keys ignored", block: `{"seg_id":1,"SEG_ID":"x","other":{}}`,
			change: Change{1, 0, 60}},

		// Structure.
		{name: "not an object", block: `5`, want: "Seg block must be an object."},
		{name: "null", block: `null`, want: "Seg block must be an object."},
		{name: "array", block: `[{"seg_id":1}]`, want: "Seg block must be an object."},
		{name: "duplicate seg_id", block: `{"seg_id":1,"seg_id":1}`,
			want: "Duplicate key 'seg_id' in seg_block."},
		{name: "duplicate null value", block: `{"seg_id":1,"value":null,"value":null}`,
			want: "Duplicate key 'value' in seg_block."},
		{name: "duplicate unknown key", block: `{"seg_id":1,"a":1,"a":1}`,
			want: "Duplicate key 'a' in seg_block."},
		{name: "duplicate through an escape", block: `{"seg_id":1,"seg\u005fid":2}`,
			want: "Duplicate key 'seg_id' in seg_block."},
		{name: "duplicate before a type error", block: `{"seg_id":"x","value":1,"value":2}`,
			want: "Duplicate key 'value' in seg_block."},

		// Naming.
		{name: "empty", block: `{}`, want: notNamed},
		{name: "seg_id null", block: `{"seg_id":null,"value":1}`, want: notNamed},
		{name: "code without member", block: `{"seg_code":"abcd"}`, want: notNamed},
		{name: "code with null member", block: `{"seg_code":"abcd","member_id":null}`,
			want: notNamed},
		{name: "member alone", block: `{"member_id":1661}`, want: notNamed},
		{name: "id and code", block: `{"seg_id":20001,"seg_code":"abcd","member_id":1661}`,
			want: "Only one of 'seg_id' and 'seg_code' may be given."},
		{name: "naming before types", block: `{"seg_id":"1","seg_code":5}`,
			want: "Only one of 'seg_id' and 'seg_code' may be given."},

		// seg_id.
		{name: "seg_id string", block: `{"seg_id":"10001"}`, want: typeSegID},
		{name: "seg_id 1.0", block: `{"seg_id":10001.0}`, want: typeSegID},
		{name: "seg_id 1e3", block: `{"seg_id":1e3}`, want: typeSegID},
		{name: "seg_id true", block: `{"seg_id":true}`, want: typeSegID},
		{name: "seg_id zero", block: `{"seg_id":0}`, want: typeSegID},
		{name: "seg_id minus zero", block: `{"seg_id":-0}`, want: typeSegID},
		{name: "seg_id negative", block: `{"seg_id":-10001}`, want: typeSegID},
		{name: "seg_id past 2^53 exact", block: `{"seg_id":9007199254740993}`,
			change: Change{9007199254740993, 0, 60}},
		{name: "seg_id past 2^53 not rounded", block: `{"seg_id":9007199254740992}`,
			want: "Segment 9007199254740992 not found."},
		{name: "seg_id 2^63-1", block: `{"seg_id":9223372036854775807}`,
			change: Change{9223372036854775807, 0, 60}},
		{name: "seg_id 2^63", block: `{"seg_id":9223372036854775808}`,
			want: "'seg_id' must be at most 9223372036854775807"},
		{name: "seg_id far past 2^64", block: `{"seg_id":123456789012345678901234567890}`,
			want: "'seg_id' must be at most 9223372036854775807"},
		{name: "seg_id below -2^63", block: `{"seg_id":-9223372036854775809}`,
			want: typeSegID},

		// seg_code.
		{name: "seg_code a number", block: `{"seg_code":1234,"member_id":1661}`,
			want: "'seg_code' must be a string"},
		{name: "seg_code empty", block: `{"seg_code":"","member_id":1661}`,
			want: "'seg_code' must be 1 to 50 characters long"},
		{name: "seg_code of 51 characters",
			block: `{"seg_code":"` + strings.Repeat("a", 51) + `","member_id":1661}`,
			want:  "'seg_code' must be 1 to 50 characters long"},

		// member_id.
		{name: "member_id zero is a wrong value", block: `{"seg_code":"abcd","member_id":0}`,
			want: typeMember},
		{name: "member_id zero beside seg_id", block: `{"seg_id":1,"member_id":0}`,
			want: typeMember},
		{name: "member_id string", block: `{"seg_code":"abcd","member_id":"1661"}`,
			want: typeMember},
		{name: "member_id 1661.0", block: `{"seg_code":"abcd","member_id":1661.0}`,
			want: typeMember},
		{name: "member_id 2^63", block: `{"seg_code":"abcd","member_id":9223372036854775808}`,
			want: "'member_id' must be at most 9223372036854775807"},

		// value.
		{name: "value largest", block: `{"seg_id":1,"value":2147483647}`,
			change: Change{1, 2147483647, 60}},
		{name: "value zero", block: `{"seg_id":1,"value":0}`, change: Change{1, 0, 60}},
		{name: "value 1e3", block: `{"seg_id":1,"value":1e3}`, want: typeValue},
		{name: "value 1.0", block: `{"seg_id":1,"value":1.0}`, want: typeValue},
		{name: "value 1.5", block: `{"seg_id":1,"value":1.5}`, want: typeValue},
		{name: "value string", block: `{"seg_id":1,"value":"5"}`, want: typeValue},
		{name: "value too large", block: `{"seg_id":1,"value":2147483648}`, want: rangeValue},
		{name: "value negative", block: `{"seg_id":1,"value":-1}`, want: rangeValue},
		{name: "value past int64", block: `{"seg_id":1,"value":99999999999999999999}`,
			want: rangeValue},

		// expiration.
		{name: "never expires", block: `{"seg_id":1,"expiration":0}`, change: Change{1, 0, 0}},
		{name: "removal", block: `{"seg_id":1,"expiration":-1}`, change: Change{1, 0, -1}},
		{name: "largest expiration", block: `{"seg_id":1,"expiration":259200}`,
			change: Change{1, 0, 259200}},
		{name: "expiration too large", block: `{"seg_id":1,"expiration":259201}`,
			want: rangeExp},
		{name: "expiration below -1", block: `{"seg_id":1,"expiration":-2}`, want: rangeExp},
		{name: "expiration past int64", block: `{"seg_id":1,"expiration":-99999999999999999999}`,
			want: rangeExp},
		{name: "expiration 1e3", block: `{"seg_id":1,"expiration":1e3}`, want: typeExp},
		{name: "expiration string", block: `{"seg_id":1,"expiration":"60"}`, want: typeExp},
		{name: "operator's maximum", block: `{"seg_id":1,"expiration":100}`,
			lim:  Limits{MaxExpiration: 99},
			want: "'expiration' must be -1 (remove), 0 (never expire) or 1 to 99 minutes"},

		// Check order inside a block.
		{name: "seg_id type before value type", block: `{"seg_id":"1","value":"x"}`,
			want: typeSegID},
		{name: "types before value range", block: `{"seg_id":1,"value":-5,"expiration":"x"}`,
			want: typeExp},
		{name: "value range before expiration range",
			block: `{"seg_id":1,"value":-5,"expiration":-5}`, want: rangeValue},
		{name: "expiration range before the segment",
			block: `{"seg_id":99,"expiration":-5}`, want: rangeExp},

		// The segment itself.
		{name: "unknown id", block: `{"seg_id":99}`, want: "Segment 99 not found."},
		{name: "inactive", block: `{"seg_id":30001}`, want: "Segment 30001 is inactive."},
		{name: "unauthorized owner", block: `{"seg_id":30002}`,
			want: "Not authorized to populate segment 30002."},
		{name: "inactive before unauthorized", block: `{"seg_id":30003}`,
			want: "Segment 30003 is inactive."},
		{name: "asserted owner is not the owner", block: `{"seg_id":10001,"member_id":1661}`,
			want: "Not authorized to populate segment 10001."},
		{name: "code its member does not have", block: `{"seg_code":"abcd","member_id":1262}`,
			want: "Segment with code 'abcd' of member 1262 not found."},
		{name: "code of a member not allowed", block: `{"seg_code":"secret","member_id":3000}`,
			want: "Not authorized to populate segment with code 'secret' of member 3000."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := wrap("", `{"user_id":"1","seg_block":[`+tc.block+`]}`)
			req, err := Parse([]byte(body), tc.lim)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			p := demoPolicy(blockTestSegments...)
			p.DefaultExpiration = 60
			res := req.Check(p)

			if tc.want == "" {
				if len(res.Warnings) != 0 || len(res.Users) != 1 {
					t.Fatalf("want valid, got warnings %q", messages(res))
				}
				if got := res.Users[0].Changes; len(got) != 1 || got[0] != tc.change {
					t.Errorf("changes %+v, want %+v", got, tc.change)
				}
				return
			}
			want := []string{tc.want, "No valid segments for user_id: 1.", noValid}
			if got := messages(res); !equalStrings(got, want) {
				t.Fatalf("warnings\n got %q\nwant %q", got, want)
			}
			if got := string(res.Warnings[0].Entity); got != tc.block {
				t.Errorf("entity %s, want %s", got, tc.block)
			}
		})
	}
}

func TestBlockCap(t *testing.T) {
	blocks := make([]string, 101)
	for i := range blocks {
		blocks[i] = okBlock
	}
	blocks[0] = `{"seg_id":"bad"}`
	blocks[100] = `{"seg_id":  12}`
	body := wrap("", `{"user_id":"1","seg_block":[`+strings.Join(blocks, ",")+`]}`)

	res := run(t, body, Limits{})
	want := []string{"'seg_id' must be a positive integer",
		"Too many seg_blocks for one user_id; at most 100 are processed."}
	if got := messages(res); !equalStrings(got, want) {
		t.Fatalf("warnings %q, want %q", got, want)
	}
	if got := string(res.Warnings[1].Entity); got != `{"seg_id":  12}` {
		t.Errorf("entity of the skipped block %s", got)
	}
	if res.SegmentsInRequest != 99 || res.Counts.OtherErrors != 2 {
		t.Errorf("segments %d, other errors %d", res.SegmentsInRequest, res.Counts.OtherErrors)
	}

	// A lower cap; a block past it is skipped whatever it holds.
	res = run(t, wrap("", `{"user_id":"1","seg_block":[`+okBlock+`,7,{}]}`),
		Limits{MaxBlocks: 1})
	want = []string{"Too many seg_blocks for one user_id; at most 1 are processed.",
		"Too many seg_blocks for one user_id; at most 1 are processed."}
	if got := messages(res); !equalStrings(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
}
