package rtsegment

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func FuzzParseExternal(f *testing.F) {
	for _, s := range []string{
		`{"rt_segment":[{"user_id":"ab","seg_block":[{"seg_id":1}]},` +
			`{"user_id":"abc","seg_block":[{"seg_id":1}]}]}`,
		`{"domain":"idfa","rt_segment":[{"user_id":" x ","domain":null,` +
			`"seg_block":[{"seg_id":1}]}]}`,
		`{"rt_segment":[{"user_id":"\u0061\u0062","seg_block":[{"seg_id":99},{"seg_id":12}]}]}`,
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxUsers: 3, MaxBlocks: 3, MaxExpiration: 1000}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := Parse(body, lim, ExternalUserIDs)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		listed := map[string]bool{}
		for _, id := range req.ExternalIDs() {
			if listed[id] {
				t.Fatalf("external id %q listed twice", id)
			}
			if norm, err := NormalizeExternalID(id); err != nil || norm != id {
				t.Fatalf("external id %q not normalised: %q %v", id, norm, err)
			}
			listed[id] = true
		}
		p := demoPolicy()
		// Ids of even length are mapped, some to a bad platform id.
		p.MapExternal = func(id string) (string, bool) {
			if !listed[id] {
				t.Fatalf("MapExternal(%q): not listed", id)
			}
			switch {
			case len(id)%4 == 0:
				return "0", true
			case len(id)%2 == 0:
				return "007", true
			}
			return "", false
		}
		res := req.Check(p)
		checkInvariants(t, res, lim)
		for _, u := range res.Users {
			if u.Domain == "" && u.ID != "7" {
				t.Fatalf("domain-less user %q was not mapped", u.ID)
			}
		}
	})
}

func FuzzParseUIDMap(f *testing.F) {
	for _, s := range []string{
		`{"uid_map":[]}`,
		`{"uid_map":[{"external_id":" a ","user_id":"007"},{"external_id":"a","user_id":"1"}]}`,
		`{"uid_map":[{"external_id":"a","external_id":"b","user_id":"1"},7,null]}`,
		"\xEF\xBB\xBF{\"x\":[{}],\"uid_map\":[" +
			"{\"user_id\":\"\\u0031\",\"external_id\":\"\\ud800\"}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseUIDMap(body, 3)
		if err != nil {
			if !errors.Is(err, ErrUIDMapSyntax) {
				t.Fatalf("error %v does not wrap ErrUIDMapSyntax", err)
			}
			return
		}
		if !json.Valid(bytes.TrimPrefix(body, bom)) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if len(m.Mappings) > 3 {
			t.Fatalf("%d mappings past the cap", len(m.Mappings))
		}
		for _, mp := range m.Mappings {
			if ext, err := NormalizeExternalID(mp.ExternalID); err != nil || ext != mp.ExternalID {
				t.Fatalf("external id %q not normalised: %v", mp.ExternalID, err)
			}
			d, id, err := NormalizeUser("", mp.UserID)
			if err != nil || d != "" || id != mp.UserID {
				t.Fatalf("user id %q not normalised: %v", mp.UserID, err)
			}
		}
		for _, w := range m.Warnings {
			if w.Message == "" || !json.Valid(w.Entity) {
				t.Fatalf("warning %q with entity %q", w.Message, w.Entity)
			}
		}
		last := len(m.Warnings) > 0 && m.Warnings[len(m.Warnings)-1].Message == noValidMap
		if last != (len(m.Mappings) == 0) {
			t.Fatalf("final warning %v with %d mappings", last, len(m.Mappings))
		}
		refused := len(m.Warnings)
		if last {
			refused--
		}
		if m.Invalid != refused {
			t.Fatalf("invalid %d, warnings %d", m.Invalid, refused)
		}
	})
}
