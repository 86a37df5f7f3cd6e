// Package registry serves members and segments to the request path from a
// short-lived in-process cache, so that a request costs at most one store
// round trip for what it does not already know, never one per block.
//
// Entries live for a few seconds (Config.TTL): an operator's change, such
// as a new or deactivated segment, reaches every replica within that time.
// Absent records are cached too, so a client naming unknown segments over
// and over does not reach the store each time.
package registry

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/instant-audience/audience/internal/store"
)

// Source is where the registry reads records on a miss.
type Source interface {
	Member(ctx context.Context, id int64) (store.Member, error)
	Segments(ctx context.Context, ids []int64) (map[int64]store.Segment, error)
	SegmentIDsByCode(ctx context.Context, refs []store.CodeRef) (map[store.CodeRef]int64, error)
}

// DefaultTTL is how long a cached record is served when Config.TTL is 0.
const DefaultTTL = 5 * time.Second

// maxEntries bounds each cache map. Past it, expired entries are swept,
// and if that is not enough the map starts over: a client naming millions
// of distinct segments costs store reads, never unbounded memory.
const maxEntries = 200_000

// Registry is a read-through cache of members and segments. It is safe
// for concurrent use.
type Registry struct {
	src Source
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	members  cache[int64, store.Member]
	segments cache[int64, store.Segment]
	codes    cache[store.CodeRef, int64]
}

// New returns a registry over src whose entries live for ttl (DefaultTTL
// when 0).
func New(src Source, ttl time.Duration) *Registry {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Registry{
		src:      src,
		ttl:      ttl,
		now:      time.Now,
		members:  newCache[int64, store.Member](),
		segments: newCache[int64, store.Segment](),
		codes:    newCache[store.CodeRef, int64](),
	}
}

// Member returns a member; store.ErrNotFound if it does not exist.
func (r *Registry) Member(ctx context.Context, id int64) (store.Member, error) {
	now := r.now()
	r.mu.Lock()
	m, found, ok := r.members.get(id, now)
	r.mu.Unlock()
	if ok {
		if !found {
			return m, store.ErrNotFound
		}
		return m, nil
	}

	m, err := r.src.Member(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return m, err
	}
	r.mu.Lock()
	r.members.put(id, m, err == nil, now, r.ttl)
	r.mu.Unlock()
	return m, err
}

// Lookup is what a request knows of the segments it names, once resolved.
type Lookup struct {
	byID   map[int64]store.Segment
	byCode map[store.CodeRef]int64
}

// ByID returns the segment with this id, if it exists.
func (l Lookup) ByID(id int64) (store.Segment, bool) {
	s, ok := l.byID[id]
	return s, ok
}

// ByCode returns the segment with this code under this member, if it
// exists. Codes compare without regard to case.
func (l Lookup) ByCode(member int64, code string) (store.Segment, bool) {
	id, ok := l.byCode[codeRef(member, code)]
	if !ok {
		return store.Segment{}, false
	}
	s, ok := l.byID[id]
	return s, ok && s.MemberID == member
}

func codeRef(member int64, code string) store.CodeRef {
	return store.CodeRef{MemberID: member, Code: strings.ToLower(code)}
}

// Resolve looks up segments named by id and by code, from the cache where
// it can and from the store for the rest: codes first, then the ids of
// every segment not yet known, so at most two round trips on a cold cache.
func (r *Registry) Resolve(ctx context.Context, ids []int64, codes []store.CodeRef) (Lookup, error) {
	now := r.now()
	l := Lookup{
		byID:   make(map[int64]store.Segment, len(ids)+len(codes)),
		byCode: make(map[store.CodeRef]int64, len(codes)),
	}

	var missingCodes []store.CodeRef
	r.mu.Lock()
	for _, c := range codes {
		c = codeRef(c.MemberID, c.Code)
		if id, found, ok := r.codes.get(c, now); !ok {
			missingCodes = append(missingCodes, c)
		} else if found {
			l.byCode[c] = id
		}
	}
	r.mu.Unlock()
	if len(missingCodes) > 0 {
		got, err := r.src.SegmentIDsByCode(ctx, missingCodes)
		if err != nil {
			return l, err
		}
		r.mu.Lock()
		for _, c := range missingCodes {
			id, found := got[c]
			r.codes.put(c, id, found, now, r.ttl)
			if found {
				l.byCode[c] = id
			}
		}
		r.mu.Unlock()
	}

	want := make([]int64, 0, len(ids)+len(l.byCode))
	want = append(want, ids...)
	for _, id := range l.byCode {
		want = append(want, id)
	}
	var missing []int64
	r.mu.Lock()
	for _, id := range want {
		if s, found, ok := r.segments.get(id, now); !ok {
			missing = append(missing, id)
		} else if found {
			l.byID[id] = s
		}
	}
	r.mu.Unlock()
	if len(missing) == 0 {
		return l, nil
	}

	got, err := r.src.Segments(ctx, missing)
	if err != nil {
		return l, err
	}
	r.mu.Lock()
	for _, id := range missing {
		s, found := got[id]
		r.segments.put(id, s, found, now, r.ttl)
		if found {
			l.byID[id] = s
		}
	}
	r.mu.Unlock()
	return l, nil
}
