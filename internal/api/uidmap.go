package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/store"
)

// UIDMaps keeps the members' user id mappings (external id -> platform
// user id); *store.Store is one.
type UIDMaps interface {
	MapUIDs(ctx context.Context, member int64, maps []store.UIDMapping, ttl time.Duration) error
	ResolveUIDs(ctx context.Context, member int64, ids []string) (map[string]string, error)
}

// DefaultUIDMapTTL is the lifetime of a mapping when Config.UIDMapTTL is
// 0: 30 days.
const DefaultUIDMapTTL = 30 * 24 * time.Hour

type uidMapResponse struct {
	Status   string        `json:"status"`
	Message  uidMapCounts  `json:"message"`
	Warnings []postWarning `json:"warnings"`
}

type uidMapCounts struct {
	// PairsInRequest are the pairs accepted and written.
	PairsInRequest int `json:"pairs_in_request"`
}

// postUIDMap answers POST /uid-map: decode and check the pairs, charge
// the users limit one token per valid pair (the call itself paid its
// token of the POST calls bucket in limitCalls), write them into the
// caller's own member's mapping, and answer 200 only once they are
// written. Mappings always go to the caller's own mapping: a member may
// read another's (Member.MappingMember) but never write it.
//
// The usage statistics of GET /rt-segment-processed are left alone: their
// counters and samples are those of rt-segment user entries, and a
// mapping is none. The request metrics count the calls by route.
func (s *Server) postUIDMap(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	req, err := rtsegment.ParseUIDMap(body, s.cfg.Limits.MaxUsers)
	if err != nil {
		fail(c, http.StatusBadRequest, errSyntax, err.Error())
		return
	}

	member := memberOf(c)
	if !s.chargeUsers(c, member, len(req.Mappings)) {
		return
	}
	maps := make([]store.UIDMapping, len(req.Mappings))
	for i, m := range req.Mappings {
		maps[i] = store.UIDMapping{ExternalID: m.ExternalID, UserID: m.UserID}
	}
	ttl := s.cfg.UIDMapTTL
	if ttl <= 0 {
		ttl = DefaultUIDMapTTL
	}
	if err := s.deps.UIDMaps.MapUIDs(c, member.ID, maps, ttl); err != nil {
		s.storeFailed(c, err)
		return
	}

	warnings := make([]postWarning, len(req.Warnings))
	for i, w := range req.Warnings {
		warnings[i] = postWarning{Message: w.Message, Entity: w.Entity}
	}
	writeOK(c, uidMapResponse{
		Status:   "OK",
		Message:  uidMapCounts{PairsInRequest: len(req.Mappings)},
		Warnings: warnings,
	})
}
