package rtsegment

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, path := range exampleRequestsOrNone() {
		if body, err := os.ReadFile(path); err == nil && len(body) < 64<<10 {
			f.Add(body)
		}
	}
	for _, s := range []string{
		`{"rt_segment":[]}`,
		"\xEF\xBB\xBF{\"domain\":\"idfa\",\"rt_segment\":[{\"user_id\":\"" + uuidUpper +
			"\",\"seg_block\":[{\"seg_id\":1e3},{\"seg_code\":\"abcd\",\"member_id\":1661}]}]}",
		`{"rt_segment":[{"user_id":" 01 ","seg_block":[{"seg_id":9223372036854775808,` +
			`"value":-1,"expiration":-2},{"seg_id":1,"seg_id":1},7]},null]}`,
		`{"rt_segment":[{"user_id":"1","domain":"sh1udid","seg_block":[{"seg_id":"\u0031"}]}]}`,
		`{"rt_segment":[[[[[[[[[[]]]]]]]]]],"x":"\ud800\udc00"}`,
	} {
		f.Add([]byte(s))
	}

	lim := Limits{MaxUsers: 3, MaxBlocks: 3, MaxExpiration: 1000}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := Parse(body, lim)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			// JSON that encoding/json and utf8 both accept may be refused
			// for its shape or depth only, never as malformed.
			text := bytes.TrimPrefix(body, bom)
			if json.Valid(text) && utf8.Valid(text) && strings.Contains(err.Error(), " at byte ") &&
				!strings.Contains(err.Error(), "nesting") &&
				!strings.Contains(err.Error(), "duplicate key") {
				t.Fatalf("valid JSON %q refused: %v", body, err)
			}
			return
		}
		// Only valid JSON is accepted; encoding/json is the referee.
		if !json.Valid(bytes.TrimPrefix(body, bom)) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		req.Refs()
		p := demoPolicy()
		p.DefaultExpiration = 5
		checkInvariants(t, req.Check(p), lim)
	})
}

// checkInvariants asserts what holds for every Result.
func checkInvariants(t *testing.T, res *Result, lim Limits) {
	t.Helper()
	if res.UsersInRequest != len(res.Users) || res.Counts.ValidUsers != len(res.Users) {
		t.Fatalf("users %d, counted %d", len(res.Users), res.UsersInRequest)
	}
	if len(res.Users) > lim.MaxUsers {
		t.Fatalf("%d users past the cap", len(res.Users))
	}
	changes := 0
	for _, u := range res.Users {
		if len(u.Changes) == 0 || len(u.Changes) > lim.MaxBlocks {
			t.Fatalf("user %q with %d changes", u.ID, len(u.Changes))
		}
		if _, id, err := NormalizeUser(u.Domain, u.ID); err != nil || id != u.ID {
			t.Fatalf("user %q/%q is not normalised: %v", u.Domain, u.ID, err)
		}
		for _, c := range u.Changes {
			if c.SegID <= 0 || c.Value < 0 || c.Value > 2147483647 ||
				c.Minutes < -1 || c.Minutes > lim.MaxExpiration {
				t.Fatalf("change %+v out of range", c)
			}
		}
		changes += len(u.Changes)
	}
	if res.SegmentsInRequest != changes ||
		res.Counts.ValidAdds+res.Counts.ValidRemoves != changes {
		t.Fatalf("segments %d, changes %d, counts %+v", res.SegmentsInRequest, changes,
			res.Counts)
	}
	if res.Warnings == nil {
		t.Fatal("nil warnings")
	}
	for _, w := range res.Warnings {
		if w.Message == "" || !json.Valid(w.Entity) {
			t.Fatalf("warning %q with entity %q", w.Message, w.Entity)
		}
	}
	last := len(res.Warnings) > 0 && res.Warnings[len(res.Warnings)-1].Message == noValid
	if last != (len(res.Users) == 0) {
		t.Fatalf("final warning %v with %d users", last, len(res.Users))
	}
}

// exampleRequestsOrNone lists the example requests, if the shared tree is there.
func exampleRequestsOrNone() []string {
	var paths []string
	entries, _ := os.ReadDir(examplesDir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".request.json") {
			paths = append(paths, examplesDir+"/"+e.Name())
		}
	}
	return paths
}

func FuzzNormalizeUser(f *testing.F) {
	for _, pair := range exampleUsers() {
		f.Add(pair[0], pair[1])
	}
	f.Add("", "12345678900987654321")
	f.Add("", " 00018446744073709551615 ")
	f.Add("IDFA", uuidUpper)
	f.Add("sh1udid", hex40)
	f.Add("md5udid", hex32)
	f.Add("sha1mac", hex40)
	f.Add("openudid", "\u00a0"+hex40)
	f.Fuzz(func(t *testing.T, domain, id string) {
		d, norm, err := NormalizeUser(domain, id)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		// Normalising is idempotent, and the canonical domain is canonical.
		d2, norm2, err := NormalizeUser(d, norm)
		if err != nil || d2 != d || norm2 != norm {
			t.Fatalf("%q %q -> %q %q -> %q %q %v", domain, id, d, norm, d2, norm2, err)
		}
		if norm != strings.TrimSpace(norm) || norm != strings.ToLower(norm) {
			t.Fatalf("id %q not normalised", norm)
		}
		if d == "" {
			n, err := strconv.ParseUint(norm, 10, 64)
			if err != nil || n == 0 || strconv.FormatUint(n, 10) != norm {
				t.Fatalf("platform id %q", norm)
			}
		}
	})
}

// exampleUsers returns (domain, user_id) pairs of the example requests,
// with the top-level domain where an entry has none, as strings however
// they were sent: the first few of each domain, since one example holds
// a thousand ids alike.
func exampleUsers() [][2]string {
	var pairs [][2]string
	perDomain := map[string]int{}
	for _, path := range exampleRequestsOrNone() {
		body, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var req struct {
			Domain    any              `json:"domain"`
			RTSegment []map[string]any `json:"rt_segment"`
		}
		if json.Unmarshal(bytes.TrimPrefix(body, bom), &req) != nil {
			continue
		}
		for _, e := range req.RTSegment {
			domain, ok := e["domain"]
			if !ok {
				domain = req.Domain
			}
			d, _ := domain.(string)
			if id, ok := e["user_id"].(string); ok && perDomain[d] < 8 {
				perDomain[d]++
				pairs = append(pairs, [2]string{d, id})
			}
		}
	}
	return pairs
}
