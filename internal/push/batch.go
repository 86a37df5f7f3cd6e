package push

import "sync/atomic"

// maxRecords bounds the records of one request, so that a long run of
// unreadable lines, which carry no entry, still goes out in pieces.
const maxRecords = 4 * MaxUsers

// batch is one request: whole records, in input order.
type batch struct {
	seq     int // order of the request among the whole batches
	records []record
	entries int // records with an entry
	size    int // bytes of the body
}

func newBatch(seq int) *batch {
	return &batch{seq: seq, size: len(bodyHead) + len(bodyTail)}
}

// add appends a record.
func (b *batch) add(r record) {
	if r.entry != nil {
		if b.entries > 0 {
			b.size++ // the comma
		}
		b.size += len(r.entry.raw)
		b.entries++
	}
	b.records = append(b.records, r)
}

// fits reports whether r can join the batch within maxEntries entries and
// MaxBody bytes.
func (b *batch) fits(r record, maxEntries int) bool {
	if len(b.records) >= maxRecords {
		return false
	}
	if r.entry == nil || b.entries == 0 {
		return true
	}
	return b.entries < maxEntries && b.size+1+len(r.entry.raw) <= MaxBody
}

// from and to are the positions the batch covers.
func (b *batch) from() Pos { return b.records[0].from }
func (b *batch) to() Pos   { return b.records[len(b.records)-1].to }

// offset is how far the raw input had been read when the batch was full.
func (b *batch) offset() int64 { return b.records[len(b.records)-1].offset }

// body writes the request body.
func (b *batch) body() []byte {
	out := make([]byte, 0, b.size)
	out = append(out, bodyHead...)
	n := 0
	for _, r := range b.records {
		if r.entry == nil {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, r.entry.raw...)
		n++
	}
	return append(out, bodyTail...)
}

// split cuts a batch of at least two entries into parts of at most size
// entries, or into two halves when size is 0 or not smaller: for a
// request the service refused for its user count, or to single out an
// entry it cannot read.
func (b *batch) split(size int) []*batch {
	if size <= 0 || size >= b.entries {
		size = (b.entries + 1) / 2
	}
	parts := []*batch{newBatch(b.seq)}
	for _, r := range b.records {
		cur := parts[len(parts)-1]
		if r.entry != nil && cur.entries == size {
			cur = newBatch(b.seq)
			parts = append(parts, cur)
		}
		cur.add(r)
	}
	return parts
}

// batcher packs records into batches.
type batcher struct {
	// maxEntries is the most entries a batch may hold: MaxUsers, or fewer
	// when the member's users-per-second limit is lower.
	maxEntries *atomic.Int64
	cur        *batch
	seq        int
}

func newBatcher(maxEntries *atomic.Int64) *batcher {
	return &batcher{maxEntries: maxEntries, cur: newBatch(0)}
}

// add adds a record and returns the batch it closed, if any.
func (bt *batcher) add(r record) *batch {
	var full *batch
	if !bt.cur.fits(r, int(bt.maxEntries.Load())) {
		full = bt.cur
		bt.seq++
		bt.cur = newBatch(bt.seq)
	}
	bt.cur.add(r)
	return full
}

// flush returns the last batch, or nil when it is empty.
func (bt *batcher) flush() *batch {
	if len(bt.cur.records) == 0 {
		return nil
	}
	b := bt.cur
	bt.seq++
	bt.cur = newBatch(bt.seq)
	return b
}
