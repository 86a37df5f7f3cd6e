package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/store"
)

// A member with Member.ExternalIDs sends its own ids for the platform's
// users: every domain-less user id it sends to /rt-segment is mapped to
// a platform id through the mappings posted to /uid-map, before the
// platform id is validated.

// parseOptions returns the options of rtsegment.Parse for m.
func parseOptions(m store.Member) []rtsegment.Option {
	if m.ExternalIDs {
		return []rtsegment.Option{rtsegment.ExternalUserIDs}
	}
	return nil
}

// mapExternal resolves the external ids of a request through the
// mapping m uses, all in one round trip, and returns the
// rtsegment.Policy.MapExternal over what it found. A request without
// external ids costs nothing. When the ids cannot be resolved it answers
// itself (403 for a mapping not shared with m, 503 for the store) and
// returns false.
func (s *Server) mapExternal(c *gin.Context, m store.Member, ids []string,
) (func(string) (string, bool), bool) {
	if len(ids) == 0 {
		return nil, true
	}
	owner, ok := s.mappingOwner(c, m)
	if !ok {
		return nil, false
	}
	found, err := s.deps.UIDMaps.ResolveUIDs(c, owner, ids)
	if err != nil {
		s.storeFailed(c, err)
		return nil, false
	}
	return func(id string) (string, bool) {
		pid, ok := found[id]
		return pid, ok
	}, true
}

// mappingOwner returns the member whose mapping resolves m's external
// ids: m's own, or the Member.MappingMember that lists m in its
// MappingSharedWith. A mapping not shared (or of a member that does not
// exist) is answered 403 UNAUTH: an operator's setting is missing, and
// no retry and no change to the request would help.
func (s *Server) mappingOwner(c *gin.Context, m store.Member) (int64, bool) {
	owner := m.MappingMember
	if owner == 0 || owner == m.ID {
		return m.ID, true
	}
	o, err := s.deps.Registry.Member(c, owner)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.storeFailed(c, err)
		return 0, false
	}
	if err != nil || !slices.Contains(o.MappingSharedWith, m.ID) {
		fail(c, http.StatusForbidden, errUnauth, fmt.Sprintf(
			"Member %d does not share its user id mapping with member %d.", owner, m.ID))
		return 0, false
	}
	return owner, true
}

// userQuery is the user a GET /rt-segment names.
type userQuery struct {
	// domain and id name the user whose memberships to read; id is an
	// external id, trimmed, when external.
	domain, id string
	external   bool
	// bad is the text of the 400 for a query that names no user.
	bad string
}

// readUserQuery reads the query of GET /rt-segment for member m: for a
// member with external ids, a domain-less id is an external id.
func readUserQuery(c *gin.Context, m store.Member) userQuery {
	rawDomain, rawID := c.Query("domain"), c.Query("user_id")
	canon, err := rtsegment.CanonicalDomain(rawDomain)
	if err != nil {
		// The domain is not echoed: error bodies carry no client text.
		return userQuery{bad: "Query parameter 'domain' must be one of " +
			"idfa, aaid, md5udid, sha1udid, openudid, or empty for the platform's user ids."}
	}
	if canon != "" || !m.ExternalIDs {
		domain, id, err := rtsegment.NormalizeUser(rawDomain, rawID)
		if err != nil {
			return userQuery{bad: err.Error()}
		}
		return userQuery{domain: domain, id: id}
	}
	extID, err := rtsegment.NormalizeExternalID(rawID)
	if err != nil {
		return userQuery{bad: err.Error()}
	}
	return userQuery{id: extID, external: true}
}

// queryUser reads the user of GET /rt-segment: the domain and id whose
// memberships to read, and the id the answer names. For a member with
// external ids a domain-less id is mapped, and the answer names the
// external id, trimmed; id is "" when it maps to no user, who then has no
// memberships, as an unknown user has none. It answers 400, 403 or 503
// itself and returns false when it cannot tell.
func (s *Server) queryUser(c *gin.Context) (domain, id, shown string, ok bool) {
	m := memberOf(c)
	q := readUserQuery(c, m)
	switch {
	case q.bad != "":
		fail(c, http.StatusBadRequest, errSyntax, q.bad)
		return "", "", "", false
	case !q.external:
		return q.domain, q.id, q.id, true
	}
	mapped, ok := s.mapExternal(c, m, []string{q.id})
	if !ok {
		return "", "", "", false
	}
	// A mapping is checked as POST /rt-segment checks it.
	pid, found := mapped(q.id)
	if _, norm, err := rtsegment.NormalizeUser("", pid); found && err == nil {
		return "", norm, q.id, true
	}
	return "", "", q.id, true
}

// ctxPrefetched holds the read prefetchUser sent along with the call's
// admission.
const ctxPrefetched = "prefetched"

type prefetched struct {
	domain, id string
	read       *store.MembershipsRead
}

// prefetchUser sends the read of the user a GET /rt-segment names along
// with the call's admission (token check and rate limit), when the query
// names a user directly: the lookup then costs one round trip. The read
// is thrown away when the call is not admitted.
func (s *Server) prefetchUser(c *gin.Context, m store.Member) store.Rider {
	q := readUserQuery(c, m)
	if q.bad != "" || q.external {
		return nil
	}
	r := s.deps.Store.MembershipsRead(q.domain, q.id)
	c.Set(ctxPrefetched, prefetched{domain: q.domain, id: q.id, read: r})
	return r
}

// membershipsOf reads the memberships of a user found by queryUser: none
// for an external id that maps to no user.
func (s *Server) membershipsOf(c *gin.Context, domain, id string) ([]store.Membership, error) {
	if id == "" {
		return nil, nil
	}
	if v, ok := c.Get(ctxPrefetched); ok {
		if p := v.(prefetched); p.domain == domain && p.id == id {
			all, _, err := p.read.Result(c)
			return all, err
		}
	}
	all, _, err := s.deps.Store.Memberships(c, domain, id)
	return all, err
}
