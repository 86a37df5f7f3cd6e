package stats

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/instant-audience/audience/internal/store"
)

// DefaultRange is the report's range when start and end are not given: the
// last 14 days, as the contract fixes.
const DefaultRange = 14 * 24 * time.Hour

// Layouts of start and end, UTC.
const (
	dayLayout  = "2006-01-02"
	timeLayout = "2006-01-02 15:04:05"
)

// ErrQuery wraps every problem with the report's parameters; its text
// names the parameter and says what it must be.
var ErrQuery = errors.New("invalid query")

// Query is a validated report request: the hours whose start is at or
// after Start and before End, one row each or, with Agg, one row in all.
type Query struct {
	Start, End time.Time
	Agg        bool
}

// ParseQuery reads the start, end and agg parameters as sent ("" when
// absent). end defaults to the end of the current hour, start to 14 days
// before end.
func ParseQuery(start, end, agg string, now time.Time) (Query, error) {
	var q Query
	var err error
	if agg != "" {
		if q.Agg, err = strconv.ParseBool(agg); err != nil {
			return q, fmt.Errorf("%w: 'agg' must be true or false", ErrQuery)
		}
	}

	q.End = now.UTC().Truncate(time.Hour).Add(time.Hour)
	if end != "" {
		if q.End, err = parseTime("end", end); err != nil {
			return q, err
		}
	}
	q.Start = q.End.Add(-DefaultRange)
	if start != "" {
		if q.Start, err = parseTime("start", start); err != nil {
			return q, err
		}
	}
	if !q.Start.Before(q.End) {
		return q, fmt.Errorf("%w: 'start' (%s) must be before 'end' (%s)", ErrQuery,
			q.Start.Format(timeLayout), q.End.Format(timeLayout))
	}
	return q, nil
}

func parseTime(name, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	layout := timeLayout
	if len(v) == len(dayLayout) {
		layout = dayLayout
	}
	t, err := time.ParseInLocation(layout, v, time.UTC)
	if err != nil {
		return t, fmt.Errorf("%w: '%s' must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (UTC)",
			ErrQuery, name)
	}
	return t, nil
}

// Row is one row of the report.
type Row struct {
	// Hour is the start of the row's hour; zero for an aggregate row.
	Hour   time.Time
	Member int64
	Counts store.UsageCounts
	// MatchRate is valid users / (valid + invalid users), rounded to 4
	// decimals; nil when there were no users.
	MatchRate *float64
	// Rejected and Accepted are the hour's samples, oldest first; nil for
	// an aggregate row.
	Rejected []string
	Accepted []string
}

// Source reads hours of statistics; *store.Store is one.
type Source interface {
	UsageHours(ctx context.Context, member int64, hours []time.Time,
		samples bool) ([]store.HourUsage, error)
}

// Reporter answers report queries.
type Reporter struct {
	src Source
	now func() time.Time
}

// NewReporter returns a Reporter over src.
func NewReporter(src Source) *Reporter { return &Reporter{src: src, now: time.Now} }

// Report returns a member's rows for q, oldest first: one per hour with
// traffic or, with q.Agg, exactly one summing the range (zeros when idle).
func (r *Reporter) Report(ctx context.Context, member int64, q Query) ([]Row, error) {
	hours := hoursOf(q, r.now())
	got, err := r.src.UsageHours(ctx, member, hours, !q.Agg)
	if err != nil {
		return nil, err
	}
	if q.Agg {
		row := Row{Member: member}
		for _, h := range got {
			row.Counts.Add(h.Counts)
		}
		row.MatchRate = matchRate(row.Counts)
		return []Row{row}, nil
	}
	rows := make([]Row, len(got))
	for i, h := range got {
		rows[i] = Row{Hour: h.Hour, Member: member, Counts: h.Counts,
			MatchRate: matchRate(h.Counts), Rejected: h.Rejected, Accepted: h.Accepted}
	}
	return rows, nil
}

// hoursOf lists the hours of q that may still have statistics: none older
// than the retention (plus the hour a key may outlive it by), none past the
// next hour (a replica's clock may run a little ahead). That bounds the
// store's work to about 15 days of hours however wide the range.
func hoursOf(q Query, now time.Time) []time.Time {
	cur := now.UTC().Truncate(time.Hour)
	first := q.Start.UTC().Truncate(time.Hour)
	if first.Before(q.Start) {
		first = first.Add(time.Hour)
	}
	if oldest := cur.Add(-store.UsageRetention - time.Hour); first.Before(oldest) {
		first = oldest
	}
	end := q.End
	if latest := cur.Add(2 * time.Hour); end.After(latest) {
		end = latest
	}
	var hours []time.Time
	for h := first; h.Before(end); h = h.Add(time.Hour) {
		hours = append(hours, h)
	}
	return hours
}

func matchRate(c store.UsageCounts) *float64 {
	users := c.ValidUsers + c.InvalidUsers
	if users == 0 {
		return nil
	}
	r := math.Round(float64(c.ValidUsers)/float64(users)*1e4) / 1e4
	return &r
}
