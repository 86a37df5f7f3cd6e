package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Segment is an audience segment that memberships point to.
type Segment struct {
	ID       int64
	MemberID int64
	Code     string // optional, unique per member without regard to case
	Active   bool
}

// CodeRef names a segment by its owner and code.
type CodeRef struct {
	MemberID int64
	Code     string
}

// MaxCodeLength is the longest segment code, in characters.
const MaxCodeLength = 50

// ErrCodeTaken is returned when a member already has a segment with the
// code asked for.
var ErrCodeTaken = errors.New("segment code taken")

const (
	fSegMember = "member"
	fSegCode   = "code"
	fSegActive = "active"
)

// CreateSegment adds a segment. With ID 0 the next free id is taken from a
// service-wide counter, skipping ids an operator gave by hand.
func (s *Store) CreateSegment(ctx context.Context, seg Segment) (Segment, error) {
	if len([]rune(seg.Code)) > MaxCodeLength {
		return seg, fmt.Errorf("segment code longer than %d characters", MaxCodeLength)
	}
	if seg.ID != 0 {
		return seg, s.createSegment(ctx, seg)
	}
	for range 1000 {
		id, err := s.rdb.Incr(ctx, s.keys.prefix+"seq{segment}").Result()
		if err != nil {
			return seg, unavailable(err)
		}
		seg.ID = id
		if err := s.createSegment(ctx, seg); !errors.Is(err, ErrExists) {
			return seg, err
		}
	}
	return seg, errors.New("no free segment id found")
}

// createSegment claims the code first: the claim is what makes codes
// unique per member, and the segment hash is what makes the segment
// exist, so a claim left by a failure half way is harmless (lookups check
// the hash) and is released when the failure is seen.
func (s *Store) createSegment(ctx context.Context, seg Segment) error {
	codeKey, code := s.keys.memberCodes(seg.MemberID), strings.ToLower(seg.Code)
	if code != "" {
		ok, err := s.rdb.HSetNX(ctx, codeKey, code, seg.ID).Result()
		if err != nil {
			return unavailable(err)
		}
		if !ok {
			return ErrCodeTaken
		}
	}
	created, err := createIfMissing.Run(ctx, s.rdb, []string{s.keys.segment(seg.ID)},
		fSegMember, seg.MemberID, fSegCode, seg.Code, fSegActive, boolString(seg.Active)).Int()
	if err == nil && created == 0 {
		err = ErrExists
	}
	if err != nil {
		if code != "" {
			s.rdb.HDel(ctx, codeKey, code)
		}
		if errors.Is(err, ErrExists) {
			return err
		}
		return unavailable(err)
	}
	return unavailable(s.rdb.SAdd(ctx, s.keys.memberSegments(seg.MemberID), seg.ID).Err())
}

// SetSegmentActive activates or deactivates a segment; ErrNotFound if it
// does not exist.
func (s *Store) SetSegmentActive(ctx context.Context, id int64, active bool) error {
	return s.update(ctx, s.keys.segment(id), fSegActive, boolString(active))
}

// Segments reads segments by id in one pipeline. Ids that do not exist
// are absent from the map.
func (s *Store) Segments(ctx context.Context, ids []int64) (map[int64]Segment, error) {
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.keys.segment(id))
		}
		return nil
	})
	if err != nil {
		return nil, unavailable(err)
	}
	out := make(map[int64]Segment, len(ids))
	for i, c := range cmds {
		if h := c.Val(); len(h) > 0 {
			out[ids[i]] = parseSegment(ids[i], h)
		}
	}
	return out, nil
}

// SegmentIDsByCode resolves codes to segment ids in one pipeline. Codes
// that the member does not have are absent from the map.
func (s *Store) SegmentIDsByCode(ctx context.Context, refs []CodeRef) (map[CodeRef]int64, error) {
	cmds := make([]*redis.StringCmd, len(refs))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, r := range refs {
			cmds[i] = p.HGet(ctx, s.keys.memberCodes(r.MemberID), strings.ToLower(r.Code))
		}
		return nil
	})
	// Pipelined returns the first command's error only, and redis.Nil (a
	// code the member does not have) is an answer, not a failure: each
	// command is looked at, so no failure passes for an unknown code.
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, unavailable(err)
	}
	out := make(map[CodeRef]int64, len(refs))
	for i, c := range cmds {
		id, err := c.Int64()
		switch {
		case err == nil:
			out[refs[i]] = id
		case errors.Is(err, redis.Nil):
		case c.Err() != nil:
			return nil, unavailable(c.Err())
		}
	}
	return out, nil
}

// MemberSegments lists a member's segments, by id.
func (s *Store) MemberSegments(ctx context.Context, member int64) ([]Segment, error) {
	raw, err := s.rdb.SMembers(ctx, s.keys.memberSegments(member)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	ids := make([]int64, 0, len(raw))
	for _, r := range raw {
		if id, err := strconv.ParseInt(r, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	found, err := s.Segments(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Segment, 0, len(found))
	for _, id := range ids {
		if seg, ok := found[id]; ok {
			out = append(out, seg)
		}
	}
	return out, nil
}

func parseSegment(id int64, h map[string]string) Segment {
	member, _ := strconv.ParseInt(h[fSegMember], 10, 64)
	return Segment{ID: id, MemberID: member, Code: h[fSegCode], Active: h[fSegActive] == "1"}
}
