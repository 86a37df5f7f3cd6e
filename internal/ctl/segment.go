package ctl

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/instant-audience/audience/internal/store"
)

func segmentAdd(fs *flag.FlagSet) action {
	member := newID(fs, "member", "the member `N` that owns the segment")
	id := newNum(fs, "id", 0, "id `N` of the segment; 0 or none takes the next free one",
		"must be 0 (take the next free id) or a positive integer")
	code := &codeFlag{}
	fs.Var(code, "code", "optional code `CODE`, unique in the member without regard to case"+
		" (at most 50 characters)")
	inactive := fs.Bool("inactive", false, "create the segment inactive")
	return func(c *call) error {
		st, err := c.store()
		if err != nil {
			return err
		}
		if _, err := st.Member(c.ctx, member.v); err != nil {
			return fmt.Errorf("member %d: %w", member.v, err)
		}

		seg, err := st.CreateSegment(c.ctx, store.Segment{
			ID: id.v, MemberID: member.v, Code: code.v, Active: !*inactive,
		})
		switch {
		case errors.Is(err, store.ErrCodeTaken):
			return fmt.Errorf("code %q of member %d: %w", code.v, member.v, err)
		case err != nil && id.v == 0:
			return fmt.Errorf("new segment of member %d: %w", member.v, err)
		case err != nil:
			return fmt.Errorf("segment %d: %w", id.v, err)
		}
		// The id alone, so that scripts can capture it.
		c.printf("%d\n", seg.ID)
		return nil
	}
}

func segmentList(fs *flag.FlagSet) action {
	member := newID(fs, "member", "the member `N` whose segments to list")
	asJSON := jsonFlag(fs)
	return func(c *call) error {
		st, err := c.store()
		if err != nil {
			return err
		}
		if _, err := st.Member(c.ctx, member.v); err != nil {
			return fmt.Errorf("member %d: %w", member.v, err)
		}
		segs, err := st.MemberSegments(c.ctx, member.v)
		if err != nil {
			return fmt.Errorf("segments of member %d: %w", member.v, err)
		}

		views := make([]segmentView, len(segs))
		for i, s := range segs {
			views[i] = viewSegment(s)
		}
		if *asJSON {
			return writeJSON(c.stdout, views)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCODE\tSTATE")
		for _, v := range views {
			fmt.Fprintf(tw, "%d\t%s\t%s\n", v.ID, v.codeText(), v.State)
		}
		return tw.Flush()
	}
}

// segmentSetActive is segment activate (true) or deactivate (false).
func segmentSetActive(active bool) func(fs *flag.FlagSet) action {
	return func(fs *flag.FlagSet) action {
		id := newID(fs, "id", "id `N` of the segment")
		return func(c *call) error {
			st, err := c.store()
			if err != nil {
				return err
			}
			if err := st.SetSegmentActive(c.ctx, id.v, active); err != nil {
				return fmt.Errorf("segment %d: %w", id.v, err)
			}
			state := "inactive"
			if active {
				state = "active"
			}
			c.printf("segment %d is %s\n", id.v, state)
			return nil
		}
	}
}

func segmentShow(fs *flag.FlagSet) action {
	id := newID(fs, "id", "id `N` of the segment")
	asJSON := jsonFlag(fs)
	return func(c *call) error {
		st, err := c.store()
		if err != nil {
			return err
		}
		found, err := st.Segments(c.ctx, []int64{id.v})
		if err != nil {
			return fmt.Errorf("segment %d: %w", id.v, err)
		}
		seg, ok := found[id.v]
		if !ok {
			return fmt.Errorf("segment %d: %w", id.v, store.ErrNotFound)
		}

		v := viewSegment(seg)
		if *asJSON {
			return writeJSON(c.stdout, v)
		}
		return writeFields(c.stdout, []field{
			{"id", strconv.FormatInt(v.ID, 10)},
			{"member_id", strconv.FormatInt(v.MemberID, 10)},
			{"code", v.codeText()},
			{"state", v.State},
		})
	}
}
