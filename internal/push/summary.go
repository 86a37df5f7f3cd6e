package push

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Summary is what a push did.
type Summary struct {
	// Complete is true when the whole input was read and answered.
	Complete bool
	// Format is the input's format, as given or as detected.
	Format Format
	// Lines is the number of input lines read.
	Lines int
	// SkippedLines of them were answered in an earlier run of a resumed
	// push, and were not sent again.
	SkippedLines int
	// Users and Segments are what the service accepted and applied, as it
	// counted them (users_in_request and segments_in_request): a user split
	// over several entries counts once per entry, as in its statistics.
	Users    int
	Segments int
	// Warnings counts every warning, ByMessage by message (the user of
	// "No valid segments for user_id" left out, and past a thousand
	// distinct messages the rest together).
	Warnings  int
	ByMessage map[string]int
	// WarningsFile is where the warnings were written; "" when none were,
	// or no file was asked for.
	WarningsFile string
	// Requests is every POST /rt-segment sent; Throttled were answered
	// 429, Unavailable 5xx, NetworkErrors not at all; Splits were cut in
	// two; Logins counts the first login and every one after an expiry.
	Requests      int64
	Throttled     int64
	Unavailable   int64
	NetworkErrors int64
	Splits        int64
	Logins        int64
	// Earlier is what the earlier runs of a resumed push had done.
	Earlier Totals
	// Elapsed is the time the push took.
	Elapsed time.Duration
}

// UsersPerSecond is the rate of accepted users over Elapsed.
func (s *Summary) UsersPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Users) / s.Elapsed.Seconds()
}

func (p *pusher) summary(src *source, complete bool) *Summary {
	p.res.mu.Lock()
	defer p.res.mu.Unlock()
	s := &Summary{
		Complete:      complete,
		Format:        src.format,
		Lines:         src.lines.n,
		SkippedLines:  p.skippedLines,
		Users:         p.res.users,
		Segments:      p.res.segments,
		Warnings:      p.res.warnings,
		ByMessage:     make(map[string]int, len(p.res.byMessage)),
		Requests:      p.n.requests.Load(),
		Throttled:     p.n.throttled.Load(),
		Unavailable:   p.n.unavailable.Load(),
		NetworkErrors: p.n.netErrors.Load(),
		Splits:        p.n.splits.Load(),
		Logins:        p.n.logins.Load(),
		Earlier:       p.earlier,
		Elapsed:       time.Since(p.started),
	}
	for k, v := range p.res.byMessage {
		s.ByMessage[k] = v
	}
	if p.res.file != nil && p.res.file.f != nil {
		s.WarningsFile = p.res.file.path
	}
	return s
}

// summaryMessages is how many messages the text lists.
const summaryMessages = 20

// WriteText writes the summary for people.
func (s *Summary) WriteText(w io.Writer) error {
	state := "push complete"
	if !s.Complete {
		state = "push stopped before the end of the input"
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s (%s, %s)\n", state, s.Format, s.Elapsed.Round(time.Millisecond))
	lines := fmt.Sprint(s.Lines)
	if s.SkippedLines > 0 {
		lines += fmt.Sprintf(" (%d sent by an earlier run, skipped)", s.SkippedLines)
	}
	fmt.Fprintf(tw, "lines read\t%s\n", lines)
	fmt.Fprintf(tw, "users accepted\t%d (%.0f/s)\n", s.Users, s.UsersPerSecond())
	fmt.Fprintf(tw, "segments accepted\t%d\n", s.Segments)
	fmt.Fprintf(tw, "requests\t%d (%d rate limited, %d unavailable, %d network errors,"+
		" %d split)\n", s.Requests, s.Throttled, s.Unavailable, s.NetworkErrors, s.Splits)
	if s.Earlier != (Totals{}) {
		fmt.Fprintf(tw, "earlier runs\t%d users, %d segments, %d warnings\n",
			s.Earlier.Users, s.Earlier.Segments, s.Earlier.Warnings)
	}
	warn := fmt.Sprint(s.Warnings)
	if s.WarningsFile != "" {
		warn += " (every one with its line in " + s.WarningsFile + ")"
	}
	fmt.Fprintf(tw, "warnings\t%s\n", warn)
	if err := tw.Flush(); err != nil {
		return err
	}

	type count struct {
		msg string
		n   int
	}
	counts := make([]count, 0, len(s.ByMessage))
	for m, n := range s.ByMessage {
		counts = append(counts, count{m, n})
	}
	slices.SortFunc(counts, func(a, b count) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.msg, b.msg))
	})
	for i, c := range counts {
		if i == summaryMessages {
			fmt.Fprintf(&b, "  ... and %d other messages\n", len(counts)-i)
			break
		}
		fmt.Fprintf(&b, "  %8d  %s\n", c.n, c.msg)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
