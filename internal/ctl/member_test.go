package ctl

import (
	"reflect"
	"testing"

	"github.com/instant-audience/audience/internal/store"
)

func ptr(n int64) *int64 { return &n }

func TestMemberCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		code      int
		stdoutHas string
		stderrHas string
		want      *store.Member // the member stored afterwards, if any
	}{
		{
			name:      "defaults",
			args:      []string{"-id", "1001"},
			stdoutHas: "member 1001 created",
			want:      &store.Member{ID: 1001, Enabled: true},
		},
		{
			name: "every setting",
			args: []string{"-id", "1001", "-disabled", "-default-expiration", "1440",
				"-allow", "1661, 1262,1661", "-limit-post", "5", "-limit-get", "50",
				"-limit-users", "500", "-external-ids", "-share-mapping", "1262"},
			stdoutHas: "member 1001 created",
			want: &store.Member{
				ID: 1001, DefaultExpiration: ptr(1440), AllowedMembers: []int64{1661, 1262},
				Limits:      store.Limits{PostPerSec: 5, GetPerSec: 50, UsersPerSec: 500},
				ExternalIDs: true, MappingSharedWith: []int64{1262},
			},
		},
		{
			name:      "another member's mapping, shared",
			args:      []string{"-id", "1001", "-external-ids", "-mapping-member", "1661"},
			stdoutHas: "created",
			want: &store.Member{ID: 1001, Enabled: true, ExternalIDs: true,
				MappingMember: 1661},
		},
		{
			name:      "another member's mapping, not shared, is a warning",
			args:      []string{"-id", "1262", "-external-ids", "-mapping-member", "1661"},
			stdoutHas: "created",
			stderrHas: "member 1661 does not share its mapping with member 1262",
			want: &store.Member{ID: 1262, Enabled: true, ExternalIDs: true,
				MappingMember: 1661},
		},
		{
			name:      "mapping member unknown is a warning",
			args:      []string{"-id", "1001", "-external-ids", "-mapping-member", "999"},
			stdoutHas: "created",
			stderrHas: "mapping member 999 does not exist",
			want: &store.Member{ID: 1001, Enabled: true, ExternalIDs: true,
				MappingMember: 999},
		},
		{
			name:      "mapping member without external ids is a warning",
			args:      []string{"-id", "1001", "-mapping-member", "1661"},
			stdoutHas: "created",
			stderrHas: "-mapping-member has no effect",
			want:      &store.Member{ID: 1001, Enabled: true, MappingMember: 1661},
		},
		{
			name:      "negative mapping member",
			args:      []string{"-id", "1001", "-mapping-member", "-1"},
			code:      exitUsage,
			stderrHas: "flag -mapping-member: must be 0",
		},
		{
			name:      "bad share list",
			args:      []string{"-id", "1001", "-share-mapping", "0"},
			code:      exitUsage,
			stderrHas: "flag -share-mapping: must be member ids",
		},
		{
			name:      "never expire",
			args:      []string{"-id", "1001", "-default-expiration", "0"},
			stdoutHas: "created",
			want:      &store.Member{ID: 1001, Enabled: true, DefaultExpiration: ptr(0)},
		},
		{
			name: "allowed member unknown is a warning",
			args: []string{"-id", "1001", "-allow", "999"},
			// 1661 exists (made below), 999 does not.
			stdoutHas: "created",
			stderrHas: "allowed member 999 does not exist",
			want:      &store.Member{ID: 1001, Enabled: true, AllowedMembers: []int64{999}},
		},
		{
			name:      "exists",
			args:      []string{"-id", "1661"},
			code:      exitFailed,
			stderrHas: "member 1661: already exists",
		},
		{
			name:      "id missing",
			args:      []string{"-disabled"},
			code:      exitUsage,
			stderrHas: "-id is required",
		},
		{
			name:      "id zero",
			args:      []string{"-id", "0"},
			code:      exitUsage,
			stderrHas: "flag -id: must be a positive integer",
		},
		{
			name:      "negative limit",
			args:      []string{"-id", "1001", "-limit-post", "-1"},
			code:      exitUsage,
			stderrHas: "flag -limit-post: must be 0",
		},
		{
			name:      "limit not a number",
			args:      []string{"-id", "1001", "-limit-get", "lots"},
			code:      exitUsage,
			stderrHas: `invalid value "lots" for flag -limit-get`,
		},
		{
			name:      "fractional limit",
			args:      []string{"-id", "1001", "-limit-users", "1.5"},
			code:      exitUsage,
			stderrHas: "flag -limit-users",
		},
		{
			name:      "negative expiration",
			args:      []string{"-id", "1001", "-default-expiration", "-1"},
			code:      exitUsage,
			stderrHas: "flag -default-expiration",
		},
		{
			name:      "bad allow list",
			args:      []string{"-id", "1001", "-allow", "1661,x"},
			code:      exitUsage,
			stderrHas: "flag -allow: must be member ids",
		},
		{
			name:      "unknown flag",
			args:      []string{"-id", "1001", "-colour", "red"},
			code:      exitUsage,
			stderrHas: "flag provided but not defined: -colour",
		},
		{
			name:      "stray argument",
			args:      []string{"-id", "1001", "extra"},
			code:      exitUsage,
			stderrHas: "unexpected argument",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.must("member", "create", "-id", "1661", "-share-mapping", "1001")

			r := h.cmd(append([]string{"member", "create"}, tt.args...)...)
			r.check(t, tt.code, tt.stdoutHas, tt.stderrHas)
			if tt.want == nil {
				return
			}
			got, err := h.st.Member(bg(), tt.want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, *tt.want) {
				t.Errorf("stored %+v, want %+v", got, *tt.want)
			}
		})
	}
}

func TestMemberUpdate(t *testing.T) {
	t.Parallel()
	// Every test starts from this member.
	start := store.Member{
		ID: 1001, Enabled: true, DefaultExpiration: ptr(60), AllowedMembers: []int64{1661},
		Limits:      store.Limits{PostPerSec: 5, GetPerSec: 50, UsersPerSec: 500},
		ExternalIDs: true, MappingMember: 1661, MappingSharedWith: []int64{1262},
	}
	with := func(change func(m *store.Member)) *store.Member {
		m := start
		m.AllowedMembers = append([]int64(nil), start.AllowedMembers...)
		m.MappingSharedWith = append([]int64(nil), start.MappingSharedWith...)
		change(&m)
		return &m
	}
	tests := []struct {
		name      string
		args      []string
		code      int
		stderrHas string
		want      *store.Member
	}{
		{
			name: "one limit, the rest kept",
			args: []string{"-id", "1001", "-limit-post", "7"},
			want: with(func(m *store.Member) { m.Limits.PostPerSec = 7 }),
		},
		{
			name: "limit back to the service default",
			args: []string{"-id", "1001", "-limit-get", "0"},
			want: with(func(m *store.Member) { m.Limits.GetPerSec = 0 }),
		},
		{
			name: "enabled false",
			args: []string{"-id", "1001", "-enabled=false"},
			want: with(func(m *store.Member) { m.Enabled = false }),
		},
		{
			name: "disabled",
			args: []string{"-id", "1001", "-disabled"},
			want: with(func(m *store.Member) { m.Enabled = false }),
		},
		{
			name: "clear default expiration",
			args: []string{"-id", "1001", "-clear-default-expiration"},
			want: with(func(m *store.Member) { m.DefaultExpiration = nil }),
		},
		{
			name: "new default expiration",
			args: []string{"-id", "1001", "-default-expiration", "0"},
			want: with(func(m *store.Member) { m.DefaultExpiration = ptr(0) }),
		},
		{
			name: "allow none",
			args: []string{"-id", "1001", "-allow", ""},
			want: with(func(m *store.Member) { m.AllowedMembers = nil }),
		},
		{
			name: "allow others",
			args: []string{"-id", "1001", "-allow", "1262,1661"},
			want: with(func(m *store.Member) { m.AllowedMembers = []int64{1262, 1661} }),
		},
		{
			name: "external ids on, with another member's mapping",
			args: []string{"-id", "1001", "-external-ids", "-mapping-member", "1661"},
			want: with(func(m *store.Member) { m.ExternalIDs, m.MappingMember = true, 1661 }),
		},
		{
			name: "external ids off",
			args: []string{"-id", "1001", "-external-ids=false"},
			want: with(func(m *store.Member) { m.ExternalIDs = false }),
		},
		{
			name: "back to the member's own mapping",
			args: []string{"-id", "1001", "-mapping-member", "0"},
			want: with(func(m *store.Member) { m.MappingMember = 0 }),
		},
		{
			name: "share the mapping",
			args: []string{"-id", "1001", "-share-mapping", "1661,1262"},
			want: with(func(m *store.Member) { m.MappingSharedWith = []int64{1661, 1262} }),
		},
		{
			name: "share it with none",
			args: []string{"-id", "1001", "-share-mapping", ""},
			want: with(func(m *store.Member) { m.MappingSharedWith = nil }),
		},
		{
			name:      "a mapping not shared is a warning",
			args:      []string{"-id", "1001", "-mapping-member", "1262"},
			stderrHas: "member 1262 does not share its mapping with member 1001",
			want:      with(func(m *store.Member) { m.MappingMember = 1262 }),
		},
		{
			name:      "not found",
			args:      []string{"-id", "42", "-disabled"},
			code:      exitFailed,
			stderrHas: "member 42: not found",
		},
		{
			name:      "nothing to change",
			args:      []string{"-id", "1001"},
			code:      exitUsage,
			stderrHas: "nothing to change",
			want:      &start,
		},
		{
			name:      "contradiction on enabled",
			args:      []string{"-id", "1001", "-enabled", "-disabled"},
			code:      exitUsage,
			stderrHas: "contradict",
			want:      &start,
		},
		{
			name:      "contradiction on expiration",
			args:      []string{"-id", "1001", "-default-expiration", "5", "-clear-default-expiration"},
			code:      exitUsage,
			stderrHas: "contradict",
			want:      &start,
		},
		{
			name:      "negative limit",
			args:      []string{"-id", "1001", "-limit-users", "-5"},
			code:      exitUsage,
			stderrHas: "flag -limit-users",
			want:      &start,
		},
		{
			name:      "bad enabled value",
			args:      []string{"-id", "1001", "-enabled=maybe"},
			code:      exitUsage,
			stderrHas: `"maybe" for -enabled`,
			want:      &start,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.must("member", "create", "-id", "1661", "-share-mapping", "1001")
			h.must("member", "create", "-id", "1262")
			if err := h.st.CreateMember(bg(), start); err != nil {
				t.Fatal(err)
			}

			r := h.cmd(append([]string{"member", "update"}, tt.args...)...)
			want := ""
			if tt.code == exitOK {
				want = "member 1001 updated"
			}
			r.check(t, tt.code, want, tt.stderrHas)
			if tt.want == nil {
				return
			}
			got, err := h.st.Member(bg(), tt.want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, *tt.want) {
				t.Errorf("stored %+v, want %+v", got, *tt.want)
			}
		})
	}
}

func TestMemberShow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must("member", "create", "-id", "1001", "-allow", "1661,1262", "-limit-post", "5")
	h.must("member", "create", "-id", "1661", "-default-expiration", "0", "-disabled",
		"-external-ids", "-mapping-member", "1001", "-share-mapping", "1262,1001")

	tests := []struct {
		name      string
		args      []string
		code      int
		stdoutHas []string
		stderrHas string
	}{
		{
			name: "text",
			args: []string{"-id", "1001"},
			stdoutHas: []string{"enabled              true", "1661,1262",
				"service-wide default", "5 per second", "service-wide limit",
				"external_ids         false", "mapping_member       own",
				"mapping_shared_with  none"},
		},
		{
			name: "text, never expire, external ids",
			args: []string{"-id", "1661"},
			stdoutHas: []string{"0 (never expire)", "false", "none",
				"external_ids         true", "mapping_member       1001",
				"mapping_shared_with  1262,1001"},
		},
		{
			name:      "not found",
			args:      []string{"-id", "7"},
			code:      exitFailed,
			stderrHas: "member 7: not found",
		},
		{
			name:      "id missing",
			code:      exitUsage,
			stderrHas: "-id is required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.cmd(append([]string{"member", "show"}, tt.args...)...)
			r.check(t, tt.code, "", tt.stderrHas)
			for _, s := range tt.stdoutHas {
				r.check(t, tt.code, s, "")
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		r := h.must("member", "show", "-id", "1001", "-json")
		var got map[string]any
		decodeJSON(t, r.stdout, &got)
		want := map[string]any{
			"id": 1001.0, "enabled": true, "default_expiration": nil,
			"allowed_member_ids": []any{1661.0, 1262.0},
			"limit_post":         5.0, "limit_get": nil, "limit_users": nil,
			"external_ids": false, "mapping_member": nil, "mapping_shared_with": []any{},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}
