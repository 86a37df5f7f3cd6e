package registry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/store"
)

// fakeSource counts the reads that reach the store.
type fakeSource struct {
	members  map[int64]store.Member
	segments map[int64]store.Segment
	codes    map[store.CodeRef]int64
	reads    int
	fail     error
}

func (f *fakeSource) Member(_ context.Context, id int64) (store.Member, error) {
	f.reads++
	if f.fail != nil {
		return store.Member{}, f.fail
	}
	m, ok := f.members[id]
	if !ok {
		return m, store.ErrNotFound
	}
	return m, nil
}

func (f *fakeSource) Segments(_ context.Context, ids []int64) (map[int64]store.Segment, error) {
	f.reads++
	if f.fail != nil {
		return nil, f.fail
	}
	out := map[int64]store.Segment{}
	for _, id := range ids {
		if s, ok := f.segments[id]; ok {
			out[id] = s
		}
	}
	return out, nil
}

func (f *fakeSource) SegmentIDsByCode(_ context.Context, refs []store.CodeRef) (map[store.CodeRef]int64, error) {
	f.reads++
	if f.fail != nil {
		return nil, f.fail
	}
	out := map[store.CodeRef]int64{}
	for _, r := range refs {
		if id, ok := f.codes[r]; ok {
			out[r] = id
		}
	}
	return out, nil
}

func newFixture() (*Registry, *fakeSource, *time.Time) {
	src := &fakeSource{
		members:  map[int64]store.Member{1: {ID: 1, Enabled: true}},
		segments: map[int64]store.Segment{10: {ID: 10, MemberID: 1, Code: "Abc", Active: true}},
		codes:    map[store.CodeRef]int64{{MemberID: 1, Code: "abc"}: 10},
	}
	r := New(src, time.Second)
	now := time.Unix(1_000_000, 0)
	r.now = func() time.Time { return now }
	return r, src, &now
}

func TestResolveCachesHitsAndMisses(t *testing.T) {
	r, src, now := newFixture()
	ctx := context.Background()
	codes := []store.CodeRef{{MemberID: 1, Code: "ABC"}, {MemberID: 1, Code: "nope"}}

	l, err := r.Resolve(ctx, []int64{10, 99}, codes)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := l.ByID(10); !ok {
		t.Fatal("segment 10 not found")
	}
	if _, ok := l.ByID(99); ok {
		t.Fatal("segment 99 found")
	}
	if s, ok := l.ByCode(1, "aBc"); !ok || s.ID != 10 {
		t.Fatal("code lookup ignores case badly")
	}
	if _, ok := l.ByCode(2, "abc"); ok {
		t.Fatal("a code found under another member")
	}
	if src.reads != 2 {
		t.Fatalf("cold resolve took %d reads, want 2", src.reads)
	}

	if _, err := r.Resolve(ctx, []int64{10, 99}, codes); err != nil || src.reads != 2 {
		t.Fatalf("warm resolve read the store (%d reads, %v)", src.reads, err)
	}

	*now = now.Add(time.Second)
	src.segments[99] = store.Segment{ID: 99, MemberID: 1}
	l, _ = r.Resolve(ctx, []int64{99}, nil)
	if _, ok := l.ByID(99); !ok {
		t.Fatal("a new segment not seen after the TTL")
	}
}

func TestMember(t *testing.T) {
	r, src, _ := newFixture()
	ctx := context.Background()
	if m, err := r.Member(ctx, 1); err != nil || !m.Enabled {
		t.Fatalf("member 1: %+v %v", m, err)
	}
	if _, err := r.Member(ctx, 2); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("member 2: %v", err)
	}
	r.Member(ctx, 1)
	r.Member(ctx, 2)
	if src.reads != 2 {
		t.Fatalf("%d reads, want 2", src.reads)
	}
}

func TestStoreErrorsAreNotCached(t *testing.T) {
	r, src, _ := newFixture()
	ctx := context.Background()
	src.fail = store.ErrUnavailable
	if _, err := r.Resolve(ctx, []int64{10}, nil); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if _, err := r.Member(ctx, 1); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	src.fail = nil
	if l, err := r.Resolve(ctx, []int64{10}, nil); err != nil {
		t.Fatal(err)
	} else if _, ok := l.ByID(10); !ok {
		t.Fatal("a failure was cached as absence")
	}
}

func TestCacheStaysBounded(t *testing.T) {
	c := newCache[int64, int]()
	now := time.Unix(0, 0)
	for i := 0; i < maxEntries*2; i++ {
		c.put(int64(i), i, true, now, time.Hour)
	}
	if len(c.m) > maxEntries {
		t.Fatalf("cache grew to %d entries", len(c.m))
	}
}
