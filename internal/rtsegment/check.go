package rtsegment

// Refs lists the distinct segment references of the blocks that passed
// every check but the segment itself, in order of first appearance, so the
// caller can look them all up in one batch before Check. Every ref Check
// passes to Policy.Lookup is in the list.
func (r *Request) Refs() []SegmentRef {
	refs := []SegmentRef{}
	seen := make(map[SegmentRef]struct{})
	for i := range r.entries {
		e := &r.entries[i]
		if e.fail != "" {
			continue
		}
		for j := e.blockLo; j < e.blockHi; j++ {
			b := &r.blocks[j]
			if b.fail != "" {
				continue
			}
			if _, dup := seen[b.ref]; !dup {
				seen[b.ref] = struct{}{}
				refs = append(refs, b.ref)
			}
		}
	}
	return refs
}

// Check finishes validation with the segments known and returns what to
// apply and what to answer. It does not change r and may be called again.
func (r *Request) Check(p Policy) *Result {
	users, blocks, warnings := r.candidates()
	res := &Result{
		Users:    make([]User, 0, users),
		Warnings: make([]Warning, 0, warnings),
	}
	changes := make([]Change, 0, blocks)
	c := &res.Counts

	for i := range r.entries {
		e := &r.entries[i]
		if e.fail != "" {
			r.warn(res, e.fail, e.raw)
			c.InvalidUsers++
			continue
		}
		id := e.id
		if e.external {
			var fail string
			if id, fail = r.mapped(&p, e); fail != "" {
				r.warn(res, fail, e.raw)
				c.InvalidUsers++
				continue
			}
		}

		first := len(changes)
		for j := e.blockLo; j < e.blockHi; j++ {
			b := &r.blocks[j]
			if b.fail != "" {
				r.warn(res, b.fail, b.raw)
				c.OtherErrors++
				continue
			}
			segID, msg := p.judge(b.ref, c)
			if msg != "" {
				r.warn(res, msg, b.raw)
				continue
			}
			minutes := p.DefaultExpiration
			if b.hasExp {
				minutes = b.minutes
			}
			if minutes == -1 {
				c.ValidRemoves++
			} else {
				c.ValidAdds++
			}
			changes = append(changes, Change{SegID: segID, Value: b.value, Minutes: minutes})
		}
		r.items(e.skipAt, e.nSkipped, depthSegs, func(v value) {
			r.warn(res, r.msgTooManyBlocks, v)
			c.OtherErrors++
		})

		if len(changes) == first {
			r.warn(res, msgNoValidSegments(r.rawID(e)), e.raw)
			c.InvalidUsers++
			continue
		}
		res.Users = append(res.Users, User{
			Domain:  e.canonDomain,
			ID:      id,
			Changes: changes[first:len(changes):len(changes)],
		})
	}
	r.items(r.overflowAt, r.nOverflow, depthArray, func(v value) {
		r.warn(res, msgTooManyUsers, v)
		c.InvalidUsers++
	})

	wrapKey := ""
	if len(res.Users) == 0 {
		r.warn(res, msgNoValidRequest, r.array)
		wrapKey = "rt_segment"
	}
	copyEntities(res.Warnings, wrapKey)
	res.UsersInRequest, res.SegmentsInRequest = len(res.Users), len(changes)
	c.ValidUsers = len(res.Users)
	return res
}

// warn adds a warning whose entity is, for now, a slice of the body.
func (r *Request) warn(res *Result, msg string, v value) {
	res.Warnings = append(res.Warnings, Warning{Message: msg, Entity: r.body[v.start:v.end]})
}

// items calls fn for n consecutive elements of an array, the first at
// offset at. Parse has validated them, so scanning them again cannot fail.
func (r *Request) items(at int32, n, depth int, fn func(value)) {
	s := scanner{data: r.body, pos: int(at)}
	for range n {
		v, _ := s.value(depth)
		fn(v)
		_, _ = s.next(']')
	}
}

// candidates bounds the users and changes Check can accept, and counts the
// warnings known before any segment is looked at, to size its slices once:
// a hostile body of many small items would otherwise spend most of its
// time growing them.
func (r *Request) candidates() (users, blocks, warnings int) {
	warnings = r.nOverflow + 1 // the last is "No valid rt_segment in request."
	for i := range r.entries {
		e := &r.entries[i]
		warnings++ // the entry's own warning, if it gets one
		if e.fail != "" {
			continue
		}
		users++
		blocks += e.blockHi - e.blockLo
		warnings += e.nSkipped
		for j := e.blockLo; j < e.blockHi; j++ {
			if r.blocks[j].fail != "" {
				warnings++
			}
		}
	}
	return users, blocks, warnings
}
