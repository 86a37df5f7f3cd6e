package rtsegment

// SegmentRef names a segment the way a block did: by ID, with MemberID the
// owner the block asserted (0 if none), or by Code and MemberID with ID 0.
// Code is kept as sent; lookups compare codes without regard to case.
type SegmentRef struct {
	ID       int64
	Code     string
	MemberID int64
}

// Segment is what the caller knows of a segment.
type Segment struct {
	ID       int64
	MemberID int64 // the owner
	Code     string
	Active   bool
}

// Policy is what Check needs to know about the caller and the segments.
type Policy struct {
	// MemberID is the caller's member.
	MemberID int64
	// MayPopulate reports whether the caller may populate the segments of
	// owner: true for its own member and its allowed_member_ids. Nil allows
	// the caller's own member only.
	MayPopulate func(owner int64) bool
	// DefaultExpiration is the lifetime in minutes of a membership whose
	// block gives no expiration (absent or null); 0 means never expire.
	DefaultExpiration int64
	// Lookup finds a segment. A ref with an ID is found by ID alone (Check
	// compares the owner the block asserted); a ref with a code by its
	// member and the code without regard to case. False: no such segment.
	// Nil knows no segment.
	Lookup func(ref SegmentRef) (Segment, bool)
	// MapExternal returns the platform user id an external id maps to,
	// for a request parsed with ExternalUserIDs. It is asked only about
	// ids of Request.ExternalIDs. False: no mapping, and the entry gets
	// the warning "No mapping for user_id: <id as sent>." Nil maps none.
	MapExternal func(externalID string) (platformID string, ok bool)
}

// judge checks the segment a block names, in the contract's order:
// unknown, inactive, unauthorized. It counts a failure in c and returns its
// warning, or the segment's id.
func (p *Policy) judge(ref SegmentRef, c *Counts) (segID int64, msg string) {
	var seg Segment
	found := false
	if p.Lookup != nil {
		seg, found = p.Lookup(ref)
	}
	// A code is looked up under the member the block gave; a Lookup that
	// answers with another member's segment has not found this one.
	if !found || ref.ID != 0 && seg.ID != ref.ID ||
		ref.ID == 0 && seg.MemberID != ref.MemberID {
		c.InvalidSegments++
		return 0, msgSegmentUnknown(ref)
	}
	if !seg.Active {
		c.InactiveSegments++
		return 0, msgSegmentInactive(ref)
	}
	// A member_id beside a seg_id claims the segment belongs to that member.
	wrongOwner := ref.ID != 0 && ref.MemberID != 0 && ref.MemberID != seg.MemberID
	if wrongOwner || !p.mayPopulate(seg.MemberID) {
		c.UnauthSegments++
		return 0, msgSegmentUnauthorized(ref)
	}
	return seg.ID, ""
}

func (p *Policy) mayPopulate(owner int64) bool {
	if p.MayPopulate == nil {
		return owner == p.MemberID
	}
	return p.MayPopulate(owner)
}
