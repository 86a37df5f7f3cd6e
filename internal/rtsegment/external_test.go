package rtsegment

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// mappingOf is a MapExternal over a fixed table.
func mappingOf(table map[string]string) func(string) (string, bool) {
	return func(id string) (string, bool) {
		pid, ok := table[id]
		return pid, ok
	}
}

// runExternal parses body with external ids and checks it against the
// demo policy with the mapping table.
func runExternal(t *testing.T, body string, table map[string]string) *Result {
	t.Helper()
	req, err := Parse([]byte(body), Limits{}, ExternalUserIDs)
	if err != nil {
		t.Fatalf("Parse(%.200q): %v", body, err)
	}
	p := demoPolicy()
	if table != nil {
		p.MapExternal = mappingOf(table)
	}
	return req.Check(p)
}

func TestExternalIDs(t *testing.T) {
	demoMap := map[string]string{
		"abc":       "12345",
		"12345":     "777",
		"zeros":     "00042",
		"bad":       "0",
		"not-dec":   "x1",
		"same-user": "12345",
		" padded ":  "1", // never asked: ids are trimmed first
		"padded":    "2",
	}
	long := strings.Repeat("x", 64)
	demoMap[long] = "64"
	noMapping := func(id string) string { return "No mapping for user_id: " + id + "." }
	tests := []struct {
		name    string
		top     string
		entries string
		noMap   bool     // the policy has no MapExternal
		want    []string // warning messages
		users   []string // accepted users as "domain/id"
		counts  Counts
	}{
		{
			name:    "mapped",
			entries: entryOf(`"user_id":"abc"`),
			users:   []string{"/12345"},
			counts:  Counts{ValidUsers: 1, ValidAdds: 1},
		},
		{
			name:    "unmapped",
			entries: entryOf(`"user_id":"nobody"`),
			want:    []string{noMapping("nobody"), noValid},
			counts:  Counts{InvalidUsers: 1},
		},
		{
			name:    "a decimal id is an external id too",
			entries: entryOf(`"user_id":"12345"`),
			users:   []string{"/777"},
			counts:  Counts{ValidUsers: 1, ValidAdds: 1},
		},
		{
			name: "mixed mapped and unmapped, in order",
			entries: strings.Join([]string{
				entryOf(`"user_id":"abc"`), entryOf(`"user_id":"ghost"`),
				entryOf(`"user_id":"zeros"`), entryOf(`"user_id":"gh\u006fst2"`),
			}, ","),
			want:   []string{noMapping("ghost"), noMapping("ghost2")},
			users:  []string{"/12345", "/42"},
			counts: Counts{ValidUsers: 2, ValidAdds: 2, InvalidUsers: 2},
		},
		{
			name:    "the warning quotes the id as sent, white space and all",
			entries: entryOf(`"user_id":"  ghost\t"`),
			want:    []string{noMapping("  ghost\t"), noValid},
			counts:  Counts{InvalidUsers: 1},
		},
		{
			name:    "ids are trimmed before they are mapped",
			entries: entryOf(`"user_id":" padded "`),
			users:   []string{"/2"},
			counts:  Counts{ValidUsers: 1, ValidAdds: 1},
		},
		{
			name:    "ids are compared byte for byte",
			entries: entryOf(`"user_id":"ABC"`),
			want:    []string{noMapping("ABC"), noValid},
			counts:  Counts{InvalidUsers: 1},
		},
		{
			name: "an unmapped entry's blocks are not examined",
			entries: `{"user_id":"ghost","seg_block":[{"seg_id":"x"},{"seg_id":99},` +
				`{"seg_id":40002}]}`,
			want:   []string{noMapping("ghost"), noValid},
			counts: Counts{InvalidUsers: 1},
		},
		{
			name:    "a mapped entry's blocks are",
			entries: `{"user_id":"abc","seg_block":[{"seg_id":"x"},{"seg_id":99}]}`,
			want: []string{"'seg_id' must be a positive integer", "Segment 99 not found.",
				"No valid segments for user_id: abc.", noValid},
			counts: Counts{InvalidUsers: 1, InvalidSegments: 1, OtherErrors: 1},
		},
		{
			name:    "a mapping to a bad platform id is refused as one sent",
			entries: entryOf(`"user_id":"bad"`) + "," + entryOf(`"user_id":"not-dec"`),
			want:    []string{platformMsg, platformMsg, noValid},
			counts:  Counts{InvalidUsers: 2},
		},
		{
			name:    "two external ids of one user",
			entries: entryOf(`"user_id":"abc"`) + "," + entryOf(`"user_id":"same-user"`),
			users:   []string{"/12345", "/12345"},
			counts:  Counts{ValidUsers: 2, ValidAdds: 2},
		},
		{
			name:    "device ids are not mapped",
			entries: entryOf(`"user_id":"` + uuidUpper + `","domain":"idfa"`),
			users:   []string{"idfa/" + uuidLower},
			counts:  Counts{ValidUsers: 1, ValidAdds: 1},
		},
		{
			name:    "a top-level device domain applies as usual",
			top:     `"domain":"idfa",`,
			entries: entryOf(`"user_id":"abc"`) + "," + entryOf(`"user_id":"abc","domain":null`),
			want:    []string{"'user_id' must be a UUID for domain 'idfa'"},
			users:   []string{"/12345"},
			counts:  Counts{ValidUsers: 1, ValidAdds: 1, InvalidUsers: 1},
		},
		{
			name:    "an empty domain is domain-less",
			entries: entryOf(`"user_id":"abc","domain":" "`),
			users:   []string{"/12345"},
			counts:  Counts{ValidUsers: 1, ValidAdds: 1},
		},
		{
			name:    "longest external id",
			entries: entryOf(`"user_id":"` + long + `"`),
			users:   []string{"/64"},
			counts:  Counts{ValidUsers: 1, ValidAdds: 1},
		},
		{
			name:    "external id too long",
			entries: entryOf(`"user_id":"` + long + `y"`),
			want:    []string{"'user_id' must be at most 64 bytes for an external id", noValid},
			counts:  Counts{InvalidUsers: 1},
		},
		{
			name: "the earlier entry checks come first",
			entries: strings.Join([]string{
				entryOf(`"user_id":""`), `{"user_id":"ghost"}`,
				entryOf(`"user_id":"ghost","domain":"email"`),
				entryOf(`"user_id":17`),
			}, ","),
			want: []string{userNeeded, "'seg_block' is required", "Unknown domain 'email'.",
				"'user_id' must be a string", noValid},
			counts: Counts{InvalidUsers: 4},
		},
		{
			name:    "no MapExternal maps nothing",
			entries: entryOf(`"user_id":"abc"`),
			noMap:   true,
			want:    []string{noMapping("abc"), noValid},
			counts:  Counts{InvalidUsers: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			table := demoMap
			if tc.noMap {
				table = nil
			}
			res := runExternal(t, wrap(tc.top, tc.entries), table)
			if got := messages(res); !equalStrings(got, tc.want) {
				t.Errorf("warnings\n got %q\nwant %q", got, tc.want)
			}
			if got := userKeys(res); !equalStrings(got, tc.users) {
				t.Errorf("users got %q, want %q", got, tc.users)
			}
			if res.Counts != tc.counts {
				t.Errorf("counts\n got %+v\nwant %+v", res.Counts, tc.counts)
			}
		})
	}
}

func TestExternalIDsList(t *testing.T) {
	body := wrap("", strings.Join([]string{
		entryOf(`"user_id":" b "`), entryOf(`"user_id":"a"`), entryOf(`"user_id":"b"`),
		entryOf(`"user_id":"` + uuidUpper + `","domain":"aaid"`),
		`{"user_id":"no-blocks"}`, entryOf(`"user_id":"c"`),
	}, ","))
	req, err := Parse([]byte(body), Limits{}, ExternalUserIDs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"b", "a", "c"}
	if got := req.ExternalIDs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("ExternalIDs() = %q, want %q", got, want)
	}

	// Check asks about listed ids only.
	p := demoPolicy()
	p.MapExternal = func(id string) (string, bool) {
		if !strings.Contains("bac", id) || len(id) != 1 {
			t.Errorf("MapExternal(%q): not listed", id)
		}
		return "1", true
	}
	if res := req.Check(p); len(res.Users) != 5 {
		t.Fatalf("users %q", userKeys(res))
	}

	// Without the option there are none, and such ids are platform ids.
	req, err = Parse([]byte(body), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := req.ExternalIDs(); got == nil || len(got) != 0 {
		t.Fatalf("ExternalIDs() without the option = %#v, want empty", got)
	}
	if got := messages(req.Check(demoPolicy()))[0]; got != platformMsg {
		t.Fatalf("first warning %q, want the platform id's", got)
	}
}

func TestNormalizeExternalID(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{name: "plain", in: "abc-123", want: "abc-123"},
		{name: "trimmed", in: " \tabc\n", want: "abc"},
		{name: "case kept", in: "AbC", want: "AbC"},
		{name: "non-ASCII", in: "Zoë", want: "Zoë"},
		{name: "64 bytes", in: strings.Repeat("é", 32), want: strings.Repeat("é", 32)},
		{name: "65 bytes", in: strings.Repeat("é", 32) + "x",
			err: "'user_id' must be at most 64 bytes for an external id"},
		{name: "empty", in: "", err: userNeeded},
		{name: "white space", in: "  ", err: userNeeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeExternalID(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("NormalizeExternalID(%q) = %q, %v; want error %q", tc.in, got, err,
						tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeExternalID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// BenchmarkParseAndCheckExternal is BenchmarkParseAndCheck1000Users for a
// member that sends external ids, all of them mapped: the cost of the
// mapping on top of the usual path.
func BenchmarkParseAndCheckExternal(b *testing.B) {
	body := bigBody(b)
	policy := demoPolicy()
	req, err := Parse(body, Limits{}, ExternalUserIDs)
	if err != nil {
		b.Fatal(err)
	}
	table := map[string]string{}
	for i, id := range req.ExternalIDs() {
		table[id] = strconv.Itoa(1_000_000 + i)
	}
	policy.MapExternal = mappingOf(table)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, err := Parse(body, Limits{}, ExternalUserIDs)
		if err != nil {
			b.Fatal(err)
		}
		_ = req.ExternalIDs()
		res := req.Check(policy)
		if res.UsersInRequest != 1000 || res.SegmentsInRequest != 5000 {
			b.Fatalf("accepted %d users, %d blocks", res.UsersInRequest, res.SegmentsInRequest)
		}
	}
}
