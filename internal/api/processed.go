package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/instant-audience/audience/internal/stats"
)

// Stats reads usage statistics; *stats.Reporter is one.
type Stats interface {
	Report(ctx context.Context, member int64, q stats.Query) ([]stats.Row, error)
}

type processedResponse struct {
	Status       string      `json:"status"`
	Report       []reportRow `json:"report"`
	Count        int         `json:"count"`
	StartElement int         `json:"start_element"`
	NumElements  int         `json:"num_elements"`
	DbgInfo      dbgInfo     `json:"dbg_info"`
}

// reportRow is one row of the report, as the contract spells it. The log
// fields are null on an aggregate row and a list, maybe empty, otherwise.
type reportRow struct {
	ProcessedHour       *string  `json:"processed_hour"`
	MemberID            int64    `json:"member_id"`
	NumValidUsers       int64    `json:"num_valid_users"`
	NumValidAdds        int64    `json:"num_valid_adds"`
	NumValidRemoves     int64    `json:"num_valid_removes"`
	NumInvalidUsers     int64    `json:"num_invalid_users"`
	NumUnauthSegments   int64    `json:"num_unauth_segments"`
	NumInactiveSegments int64    `json:"num_inactive_segments"`
	NumInvalidSegments  int64    `json:"num_invalid_segments"`
	NumOtherErrors      int64    `json:"num_other_errors"`
	MatchRate           *float64 `json:"match_rate"`
	ErrorLogLines       []string `json:"error_log_lines"`
	SegmentLogLines     []string `json:"segment_log_lines"`
}

// getProcessed answers GET /rt-segment-processed: the caller's member's
// usage statistics by hour, or summed with agg=true.
func (s *Server) getProcessed(c *gin.Context) {
	q, err := stats.ParseQuery(c.Query("start"), c.Query("end"), c.Query("agg"), time.Now())
	if err != nil {
		fail(c, http.StatusBadRequest, errSyntax, err.Error())
		return
	}
	if s.deps.Stats == nil {
		s.storeFailed(c, errNoStats)
		return
	}
	rows, err := s.deps.Stats.Report(c, c.GetInt64(ctxMember), q)
	if err != nil {
		s.storeFailed(c, err)
		return
	}

	out := make([]reportRow, len(rows))
	for i, r := range rows {
		out[i] = rowOf(r, q.Agg)
	}
	writeOK(c, processedResponse{
		Status: "OK", Report: out, Count: len(out), NumElements: len(out),
		DbgInfo: dbgInfo{OutputTerm: "report"},
	})
}

// errNoStats is a wiring bug: the server was built without statistics.
var errNoStats = errors.New("no statistics reader configured")

func rowOf(r stats.Row, agg bool) reportRow {
	c := r.Counts
	row := reportRow{
		MemberID:            r.Member,
		NumValidUsers:       c.ValidUsers,
		NumValidAdds:        c.ValidAdds,
		NumValidRemoves:     c.ValidRemoves,
		NumInvalidUsers:     c.InvalidUsers,
		NumUnauthSegments:   c.UnauthSegments,
		NumInactiveSegments: c.InactiveSegments,
		NumInvalidSegments:  c.InvalidSegments,
		NumOtherErrors:      c.OtherErrors,
		MatchRate:           r.MatchRate,
	}
	if agg {
		return row
	}
	hour := r.Hour.UTC().Format("2006-01-02 15:04:05")
	row.ProcessedHour = &hour
	row.ErrorLogLines = append([]string{}, r.Rejected...)
	row.SegmentLogLines = append([]string{}, r.Accepted...)
	return row
}
