package ctl

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/instant-audience/audience/internal/store"
)

// Show and list commands print aligned text for people, or with -json one
// JSON document for scripts. The JSON names follow the contract's wire
// names (member_id, default_expiration, state).

// jsonFlag registers -json.
func jsonFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("json", false, "print JSON instead of text")
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// field is one line of a record printed as text.
type field struct{ name, value string }

// writeFields prints a record as aligned "name  value" lines.
func writeFields(w io.Writer, fields []field) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range fields {
		fmt.Fprintf(tw, "%s\t%s\n", f.name, f.value)
	}
	return tw.Flush()
}

// memberView is a member as printed.
type memberView struct {
	ID      int64 `json:"id"`
	Enabled bool  `json:"enabled"`
	// DefaultExpiration is null when the service-wide default applies.
	DefaultExpiration *int64  `json:"default_expiration"`
	AllowedMemberIDs  []int64 `json:"allowed_member_ids"`
	// Limits per second; null when the service-wide limit applies.
	LimitPost  *int64 `json:"limit_post"`
	LimitGet   *int64 `json:"limit_get"`
	LimitUsers *int64 `json:"limit_users"`
	// ExternalIDs: the member's domain-less user ids are its own ids.
	ExternalIDs bool `json:"external_ids"`
	// MappingMember is null for the member's own mapping.
	MappingMember     *int64  `json:"mapping_member"`
	MappingSharedWith []int64 `json:"mapping_shared_with"`
}

func viewMember(m store.Member) memberView {
	allowed := m.AllowedMembers
	if allowed == nil {
		allowed = []int64{}
	}
	shared := m.MappingSharedWith
	if shared == nil {
		shared = []int64{}
	}
	return memberView{
		ID:                m.ID,
		Enabled:           m.Enabled,
		DefaultExpiration: m.DefaultExpiration,
		AllowedMemberIDs:  allowed,
		LimitPost:         limitView(m.Limits.PostPerSec),
		LimitGet:          limitView(m.Limits.GetPerSec),
		LimitUsers:        limitView(m.Limits.UsersPerSec),
		ExternalIDs:       m.ExternalIDs,
		MappingMember:     limitView(m.MappingMember),
		MappingSharedWith: shared,
	}
}

func limitView(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func (v memberView) fields() []field {
	exp := "service-wide default"
	switch {
	case v.DefaultExpiration == nil:
	case *v.DefaultExpiration == 0:
		exp = "0 (never expire)"
	default:
		exp = strconv.FormatInt(*v.DefaultExpiration, 10) + " minutes"
	}
	allowed := joinIDs(v.AllowedMemberIDs)
	if allowed == "" {
		allowed = "none"
	}
	return []field{
		{"id", strconv.FormatInt(v.ID, 10)},
		{"enabled", strconv.FormatBool(v.Enabled)},
		{"default_expiration", exp},
		{"allowed_member_ids", allowed},
		{"limit_post", limitText(v.LimitPost)},
		{"limit_get", limitText(v.LimitGet)},
		{"limit_users", limitText(v.LimitUsers)},
		{"external_ids", strconv.FormatBool(v.ExternalIDs)},
		{"mapping_member", mappingText(v.MappingMember)},
		{"mapping_shared_with", idsText(v.MappingSharedWith)},
	}
}

func mappingText(member *int64) string {
	if member == nil {
		return "own"
	}
	return strconv.FormatInt(*member, 10)
}

func idsText(ids []int64) string {
	if len(ids) == 0 {
		return "none"
	}
	return joinIDs(ids)
}

func limitText(n *int64) string {
	if n == nil {
		return "service-wide limit"
	}
	return strconv.FormatInt(*n, 10) + " per second"
}

// segmentView is a segment as printed.
type segmentView struct {
	ID       int64   `json:"id"`
	MemberID int64   `json:"member_id"`
	Code     *string `json:"code"` // null for a segment without a code
	State    string  `json:"state"`
}

func viewSegment(s store.Segment) segmentView {
	v := segmentView{ID: s.ID, MemberID: s.MemberID, State: "inactive"}
	if s.Code != "" {
		v.Code = &s.Code
	}
	if s.Active {
		v.State = "active"
	}
	return v
}

func (v segmentView) codeText() string {
	if v.Code == nil {
		return "-"
	}
	return strconv.Quote(*v.Code)
}

// userView is an API user as printed: never its password hash.
type userView struct {
	Name        string `json:"name"`
	MemberID    int64  `json:"member_id"`
	Enabled     bool   `json:"enabled"`
	PasswordSet bool   `json:"password_set"`
}

func viewUser(u store.APIUser) userView {
	return userView{
		Name:        u.Name,
		MemberID:    u.MemberID,
		Enabled:     u.Enabled,
		PasswordSet: u.PasswordHash != "",
	}
}
