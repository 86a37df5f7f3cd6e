package ctl

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/instant-audience/audience/internal/store"
)

func TestSegmentAdd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		code      int
		stderrHas string
		want      *store.Segment // stored afterwards, under the id printed
	}{
		{
			name: "next free id",
			args: []string{"-member", "1001"},
			// 1 is taken by the segment made below, so the counter skips it.
			want: &store.Segment{ID: 2, MemberID: 1001, Active: true},
		},
		{
			name: "id 0 takes the next free id",
			args: []string{"-member", "1001", "-id", "0"},
			want: &store.Segment{ID: 2, MemberID: 1001, Active: true},
		},
		{
			name: "given id, code, inactive",
			args: []string{"-member", "1001", "-id", "10001", "-code", "Sports fans", "-inactive"},
			want: &store.Segment{ID: 10001, MemberID: 1001, Code: "Sports fans"},
		},
		{
			name: "code of 50 characters",
			args: []string{"-member", "1001", "-id", "5", "-code", strings.Repeat("é", 50)},
			want: &store.Segment{ID: 5, MemberID: 1001, Code: strings.Repeat("é", 50), Active: true},
		},
		{
			name:      "code of 51 characters",
			args:      []string{"-member", "1001", "-code", strings.Repeat("c", 51)},
			code:      exitUsage,
			stderrHas: "flag -code: must be at most 50 characters",
		},
		{
			name:      "code with white space around",
			args:      []string{"-member", "1001", "-code", " abc"},
			code:      exitUsage,
			stderrHas: "flag -code: must not start or end with white space",
		},
		{
			name:      "code with a control character",
			args:      []string{"-member", "1001", "-code", "a\tb"},
			code:      exitUsage,
			stderrHas: "flag -code: must not hold control characters",
		},
		{
			name:      "id exists",
			args:      []string{"-member", "1001", "-id", "1"},
			code:      exitFailed,
			stderrHas: "segment 1: already exists",
		},
		{
			name:      "code taken, whatever its case",
			args:      []string{"-member", "1001", "-code", "ABCD"},
			code:      exitFailed,
			stderrHas: `code "ABCD" of member 1001: segment code taken`,
		},
		{
			name: "same code in another member",
			args: []string{"-member", "1661", "-id", "3", "-code", "abcd"},
			want: &store.Segment{ID: 3, MemberID: 1661, Code: "abcd", Active: true},
		},
		{
			name:      "member not found",
			args:      []string{"-member", "77"},
			code:      exitFailed,
			stderrHas: "member 77: not found",
		},
		{
			name:      "member missing",
			args:      []string{"-id", "9"},
			code:      exitUsage,
			stderrHas: "-member is required",
		},
		{
			name:      "negative id",
			args:      []string{"-member", "1001", "-id", "-4"},
			code:      exitUsage,
			stderrHas: "flag -id: must be 0",
		},
		{
			name:      "id not a number",
			args:      []string{"-member", "1001", "-id", "ten"},
			code:      exitUsage,
			stderrHas: `invalid value "ten" for flag -id`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.must("member", "create", "-id", "1001")
			h.must("member", "create", "-id", "1661")
			h.must("segment", "add", "-member", "1001", "-id", "1", "-code", "abcd")

			r := h.cmd(append([]string{"segment", "add"}, tt.args...)...)
			r.check(t, tt.code, "", tt.stderrHas)
			if tt.want == nil {
				return
			}
			if r.stdout != strconv.FormatInt(tt.want.ID, 10)+"\n" {
				t.Errorf("printed %q, want the id %d alone", r.stdout, tt.want.ID)
			}
			got, err := h.st.Segments(bg(), []int64{tt.want.ID})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got[tt.want.ID], *tt.want) {
				t.Errorf("stored %+v, want %+v", got[tt.want.ID], *tt.want)
			}
		})
	}
}

func TestSegmentList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must("member", "create", "-id", "1001")
	h.must("member", "create", "-id", "1262")
	h.must("segment", "add", "-member", "1001", "-id", "10002")
	h.must("segment", "add", "-member", "1001", "-id", "12", "-code", "zywx", "-inactive")

	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    string
		stderrHas string
	}{
		{
			name:   "text",
			args:   []string{"-member", "1001"},
			stdout: "ID     CODE    STATE\n12     \"zywx\"  inactive\n10002  -       active\n",
		},
		{
			name:   "no segments",
			args:   []string{"-member", "1262"},
			stdout: "ID  CODE  STATE\n",
		},
		{
			name:   "json, none",
			args:   []string{"-member", "1262", "-json"},
			stdout: "[]\n",
		},
		{
			name:      "member not found",
			args:      []string{"-member", "5"},
			code:      exitFailed,
			stderrHas: "member 5: not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.cmd(append([]string{"segment", "list"}, tt.args...)...)
			r.check(t, tt.code, "", tt.stderrHas)
			if r.stdout != tt.stdout {
				t.Errorf("stdout\n%s\nwant\n%s", r.stdout, tt.stdout)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		var got []map[string]any
		decodeJSON(t, h.must("segment", "list", "-member", "1001", "-json").stdout, &got)
		want := []map[string]any{
			{"id": 12.0, "member_id": 1001.0, "code": "zywx", "state": "inactive"},
			{"id": 10002.0, "member_id": 1001.0, "code": nil, "state": "active"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestSegmentActivation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must("member", "create", "-id", "1001")
	h.must("segment", "add", "-member", "1001", "-id", "7")

	tests := []struct {
		name      string
		args      []string
		code      int
		stdoutHas string
		stderrHas string
		active    bool // state of segment 7 afterwards
	}{
		{name: "deactivate", args: []string{"deactivate", "-id", "7"},
			stdoutHas: "segment 7 is inactive"},
		{name: "deactivate again", args: []string{"deactivate", "-id", "7"},
			stdoutHas: "segment 7 is inactive"},
		{name: "activate", args: []string{"activate", "-id", "7"},
			stdoutHas: "segment 7 is active", active: true},
		{name: "deactivate unknown", args: []string{"deactivate", "-id", "8"},
			code: exitFailed, stderrHas: "segment 8: not found", active: true},
		{name: "activate unknown", args: []string{"activate", "-id", "8"},
			code: exitFailed, stderrHas: "segment 8: not found", active: true},
		{name: "id missing", args: []string{"activate"},
			code: exitUsage, stderrHas: "-id is required", active: true},
	}
	// In order: each step starts from the state the one before left.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.cmd(append([]string{"segment"}, tt.args...)...)
			r.check(t, tt.code, tt.stdoutHas, tt.stderrHas)
			got, err := h.st.Segments(bg(), []int64{7})
			if err != nil {
				t.Fatal(err)
			}
			if got[7].Active != tt.active {
				t.Errorf("active %t, want %t", got[7].Active, tt.active)
			}
		})
	}
	if got, _ := h.st.Segments(bg(), []int64{8}); len(got) != 0 {
		t.Errorf("activating an unknown segment made one: %v", got)
	}
}

func TestSegmentShow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must("member", "create", "-id", "1661")
	h.must("segment", "add", "-member", "1661", "-id", "20001", "-code", "abcd")

	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    string
		stderrHas string
	}{
		{
			name:   "text",
			args:   []string{"-id", "20001"},
			stdout: "id         20001\nmember_id  1661\ncode       \"abcd\"\nstate      active\n",
		},
		{
			name: "json",
			args: []string{"-id", "20001", "-json"},
			stdout: "{\n  \"id\": 20001,\n  \"member_id\": 1661,\n  \"code\": \"abcd\",\n" +
				"  \"state\": \"active\"\n}\n",
		},
		{
			name:      "not found",
			args:      []string{"-id", "20002"},
			code:      exitFailed,
			stderrHas: "segment 20002: not found",
		},
		{
			name:      "bad id",
			args:      []string{"-id", "-1"},
			code:      exitUsage,
			stderrHas: "flag -id: must be a positive integer",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.cmd(append([]string{"segment", "show"}, tt.args...)...)
			r.check(t, tt.code, "", tt.stderrHas)
			if r.stdout != tt.stdout {
				t.Errorf("stdout\n%s\nwant\n%s", r.stdout, tt.stdout)
			}
			if strings.Contains(tt.name, "json") {
				var v segmentView
				decodeJSON(t, r.stdout, &v)
			}
		})
	}
}
