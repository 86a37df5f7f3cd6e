package api

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/instant-audience/audience/internal/registry"
	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/stats"
	"github.com/instant-audience/audience/internal/store"
)

type postWarning struct {
	Message string          `json:"message"`
	Entity  json.RawMessage `json:"entity"`
}

// postSegments answers POST /rt-segment: decode, resolve the segments
// named, check, charge the users limit, apply and count in one pipeline,
// and answer 200 only once the store has applied every accepted entry.
func (s *Server) postSegments(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	member := memberOf(c)
	req, err := rtsegment.Parse(body, s.cfg.Limits, parseOptions(member)...)
	if err != nil {
		fail(c, http.StatusBadRequest, errSyntax, err.Error())
		return
	}

	lookup, err := s.resolve(c, req.Refs())
	if err != nil {
		s.storeFailed(c, err)
		return
	}
	policy := s.policy(member, lookup)
	if policy.MapExternal, ok = s.mapExternal(c, member, req.ExternalIDs()); !ok {
		return
	}
	res := req.Check(policy)
	if !s.chargeUsers(c, member, res.UsersInRequest) {
		return
	}

	usage := stats.UsageOf(member.ID, time.Now(), res)
	if err := s.deps.Store.ApplyCounted(c, toWrites(res.Users), &usage); err != nil {
		s.storeFailed(c, err)
		return
	}
	s.observePost(res)
	writePostAnswer(c, res)
}

// resolve looks up, in one batch, every segment the request names.
func (s *Server) resolve(c *gin.Context, refs []rtsegment.SegmentRef) (registry.Lookup, error) {
	var ids []int64
	var codes []store.CodeRef
	for _, r := range refs {
		if r.ID != 0 {
			ids = append(ids, r.ID)
		} else {
			codes = append(codes, store.CodeRef{MemberID: r.MemberID, Code: r.Code})
		}
	}
	return s.deps.Registry.Resolve(c, ids, codes)
}

// policy is what rtsegment.Check needs to know of the caller.
func (s *Server) policy(m store.Member, l registry.Lookup) rtsegment.Policy {
	def := s.cfg.DefaultExpiration
	if m.DefaultExpiration != nil {
		def = *m.DefaultExpiration
	}
	// A member's default is held to the service's maximum like any
	// lifetime a block gives.
	if max := s.cfg.Limits.MaxExpiration; max > 0 && (def > max || def < 0) {
		def = max
	}
	return rtsegment.Policy{
		MemberID: m.ID,
		MayPopulate: func(owner int64) bool {
			return owner == m.ID || slices.Contains(m.AllowedMembers, owner)
		},
		DefaultExpiration: def,
		Lookup: func(ref rtsegment.SegmentRef) (rtsegment.Segment, bool) {
			var seg store.Segment
			var ok bool
			if ref.ID != 0 {
				seg, ok = l.ByID(ref.ID)
			} else {
				seg, ok = l.ByCode(ref.MemberID, ref.Code)
			}
			return rtsegment.Segment{ID: seg.ID, MemberID: seg.MemberID,
				Code: seg.Code, Active: seg.Active}, ok
		},
	}
}

// toWrites converts the accepted users for the store. Their changes share
// one array: one allocation per request rather than one per user.
func toWrites(users []rtsegment.User) []store.UserWrite {
	n := 0
	for _, u := range users {
		n += len(u.Changes)
	}
	all := make([]store.Change, 0, n)
	out := make([]store.UserWrite, len(users))
	for i, u := range users {
		start := len(all)
		for _, ch := range u.Changes {
			all = append(all, store.Change{SegID: ch.SegID, Value: ch.Value, Minutes: ch.Minutes})
		}
		out[i] = store.UserWrite{Domain: u.Domain, ID: u.ID, Changes: all[start:len(all):len(all)]}
	}
	return out
}

type getResponse struct {
	Status       string           `json:"status"`
	UserID       string           `json:"user_id"`
	Domain       *string          `json:"domain"`
	Segments     []membershipJSON `json:"segments"`
	Count        int              `json:"count"`
	StartElement int              `json:"start_element"`
	NumElements  int              `json:"num_elements"`
	DbgInfo      dbgInfo          `json:"dbg_info"`
}

type membershipJSON struct {
	SegID     int64   `json:"seg_id"`
	SegCode   *string `json:"seg_code"`
	MemberID  int64   `json:"member_id"`
	Value     int64   `json:"value"`
	ExpiresAt *string `json:"expires_at"`
}

type dbgInfo struct {
	OutputTerm string `json:"output_term"`
}

// getSegments answers GET /rt-segment: the live memberships of one user
// in the caller's own segments.
func (s *Server) getSegments(c *gin.Context) {
	if c.Query("user_id") == "" {
		fail(c, http.StatusBadRequest, errSyntax, "Query parameter 'user_id' is required.")
		return
	}
	domain, id, shown, ok := s.queryUser(c)
	if !ok {
		return
	}
	all, err := s.membershipsOf(c, domain, id)
	if err != nil {
		s.storeFailed(c, err)
		return
	}
	ids := make([]int64, len(all))
	for i, m := range all {
		ids[i] = m.SegID
	}
	lookup, err := s.deps.Registry.Resolve(c, ids, nil)
	if err != nil {
		s.storeFailed(c, err)
		return
	}

	member := c.GetInt64(ctxMember)
	out := make([]membershipJSON, 0, len(all))
	for _, m := range all {
		seg, ok := lookup.ByID(m.SegID)
		if !ok || seg.MemberID != member {
			continue
		}
		out = append(out, membershipOf(m, seg))
	}
	slices.SortFunc(out, func(a, b membershipJSON) int { return cmp.Compare(a.SegID, b.SegID) })

	var dom *string
	if domain != "" {
		dom = &domain
	}
	writeOK(c, getResponse{
		Status: "OK", UserID: shown, Domain: dom, Segments: out,
		Count: len(out), NumElements: len(out), DbgInfo: dbgInfo{OutputTerm: "segments"},
	})
}

func membershipOf(m store.Membership, seg store.Segment) membershipJSON {
	j := membershipJSON{SegID: m.SegID, MemberID: seg.MemberID, Value: m.Value}
	if seg.Code != "" {
		code := seg.Code
		j.SegCode = &code
	}
	if !m.ExpiresAt.IsZero() {
		at := m.ExpiresAt.UTC().Format(time.RFC3339)
		j.ExpiresAt = &at
	}
	return j
}
