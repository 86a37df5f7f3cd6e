package push

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Errors that end a push early. What was answered before is in the
// journal either way.
var (
	// ErrInterrupted is a push stopped by its context (Ctrl-C).
	ErrInterrupted = errors.New("push interrupted")
	// ErrAuth is a login the service refused, or a fresh token refused.
	ErrAuth = errors.New("the service refused the credentials")
	// ErrUnavailable is a service that kept failing (503) or out of reach
	// for longer than Options.RetryFor.
	ErrUnavailable = errors.New("the service is unavailable")
	// ErrRefused is a request the service refused in a way that retrying
	// or splitting cannot help (403, 404, a limit no request fits).
	ErrRefused = errors.New("the service refused the request")
	// ErrOptions is a bad setting in Options; nothing was sent.
	ErrOptions = errors.New("bad push setting")
)

// Push sends the input to the service and returns what happened. It
// returns a Summary whenever it got as far as reading the input, even
// with an error, so that the caller can show what was done. Cancelling
// ctx stops the push: nothing new is sent, and requests in flight are
// given Options.StopGrace to be answered.
func Push(ctx context.Context, in *Input, opt Options) (*Summary, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	src, err := prepare(in, opt.Format)
	if err != nil {
		return nil, err
	}

	p := &pusher{opt: opt, log: opt.Log, started: time.Now(), size: in.Size}
	p.cl = &client{http: opt.HTTPClient, base: opt.URL, creds: opt.Credentials, gzip: opt.Gzip}
	p.pace = newPacer(opt.UsersPerSecond)
	done := &doneSet{}
	if opt.Journal != "" {
		hdr := journalHeader{Input: in.Name, Size: in.Size, Head: src.head, Format: src.format}
		p.jr, done, p.earlier, err = openJournal(opt.Journal, hdr, opt.Resume)
		if err != nil {
			return nil, err
		}
	}
	var wf *warningsFile
	if opt.Warnings != "" {
		wf = &warningsFile{path: opt.Warnings, append: opt.Resume}
	}
	p.res = newResults(wf)

	// Requests in flight get their own context: stopping the push must
	// not cut them off before they are answered, or what they did would
	// be unknown and sent again on resume.
	hard, cancelHard := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHard()
	p.hard = hard
	run, stopRun := context.WithCancelCause(ctx)
	defer stopRun(nil)
	stopAfter := context.AfterFunc(run, func() {
		time.AfterFunc(opt.StopGrace, cancelHard)
	})
	defer stopAfter()

	// A login refused ends the push before it began: no summary, and no
	// journal left behind unless it was there before.
	if err := p.login(run, 0); err != nil {
		if p.jr != nil {
			_ = p.jr.close(!opt.Resume)
		}
		if ctx.Err() != nil {
			err = interrupted(ctx)
		}
		return nil, err
	}
	stopProgress := p.startProgress(in)
	err = p.run(run, stopRun, src, in, done)
	stopProgress()
	if err != nil && ctx.Err() != nil {
		err = interrupted(ctx)
	}
	sum := p.summary(src, err == nil)
	if cerr := wf.close(); err == nil && cerr != nil {
		err = cerr
	}
	if p.jr != nil {
		if cerr := p.jr.close(err == nil); err == nil && cerr != nil {
			err = cerr
		}
	}
	return sum, err
}

// interrupted is the error of a push whose context ended.
func interrupted(ctx context.Context) error {
	if cause := context.Cause(ctx); !errors.Is(cause, context.Canceled) {
		return fmt.Errorf("%w: %w", ErrInterrupted, cause)
	}
	return ErrInterrupted
}

// pusher is one push under way.
type pusher struct {
	opt     Options
	log     *slog.Logger
	cl      *client
	pace    *pacer
	res     *results
	jr      *journal
	hard    context.Context
	started time.Time
	size    int64
	earlier Totals

	loginMu sync.Mutex
	prog    tracker
	// What earlier runs had sent: lines, the last of them, and how far
	// into the raw input they reach. Only the reader writes them but the
	// progress reads skippedAt.
	skippedLines int
	skippedUpTo  int
	skippedAt    atomic.Int64
	// base is where this run's sending started, for its rate.
	base     atomic.Int64
	sentOnce sync.Once
	n        counters
}

// counters count requests by outcome.
type counters struct {
	requests, throttled, unavailable, netErrors, splits, logins atomic.Int64
}

// run reads the input into batches and sends them with opt.Concurrency
// workers. It returns the first error that stopped the push.
func (p *pusher) run(ctx context.Context, stop context.CancelCauseFunc, src *source,
	in *Input, done *doneSet) error {
	batches := make(chan *batch)
	var wg sync.WaitGroup
	for range p.opt.Concurrency {
		wg.Go(func() {
			for b := range batches {
				if ctx.Err() != nil {
					continue
				}
				if err := p.sendBatch(ctx, b); err != nil {
					stop(err)
				}
			}
		})
	}

	bt := newBatcher(p.pace.maxEntries)
	dispatch := func(b *batch) error {
		if b == nil {
			return nil
		}
		p.sentOnce.Do(func() { p.base.Store(p.skippedAt.Load()) })
		select {
		case batches <- b:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	emit := func(r record) error {
		if done.covers(r.from, r.to) {
			p.skip(r)
			return nil
		}
		return dispatch(bt.add(r))
	}
	var readErr error
	if src.format == FormatCSV {
		readErr = readCSV(src, in, emit)
	} else {
		readErr = readJSONL(src, in, emit)
	}
	if readErr == nil {
		readErr = dispatch(bt.flush())
	}
	close(batches)
	wg.Wait()

	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return readErr
}

// skip accounts for a record an earlier run had sent.
func (p *pusher) skip(r record) {
	from := max(r.from.Line, p.skippedUpTo+1)
	if r.to.Line >= from {
		p.skippedLines += r.to.Line - from + 1
		p.skippedUpTo = r.to.Line
	}
	p.skippedAt.Store(r.offset)
}

// sendBatch sends a batch, split as the service requires, and records
// every part once it is answered.
func (p *pusher) sendBatch(ctx context.Context, b *batch) error {
	parts := []*batch{b}
	for len(parts) > 0 {
		part := parts[0]
		parts = parts[1:]
		// A batch made before a lower users limit was learned goes in
		// parts of the new size, rather than to a refusal.
		if limit := int(p.pace.maxEntries.Load()); part.entries > limit {
			parts = append(part.split(limit), parts...)
			continue
		}
		out, err := p.sendPart(ctx, part)
		if errors.Is(err, errSplit) {
			parts = append(part.split(int(p.pace.maxEntries.Load())), parts...)
			p.n.splits.Add(1)
			continue
		}
		if err != nil {
			return err
		}
		if err := p.record(part, out); err != nil {
			return err
		}
	}
	p.prog.complete(b.seq, b.offset())
	return nil
}

// record writes a part's warnings, counts it, and then journals it.
func (p *pusher) record(b *batch, out *outcome) error {
	var ws []Warning
	for _, r := range b.records {
		ws = append(ws, r.notes...)
	}
	ws = append(ws, out.warnings...)
	// Warnings without a line go last.
	slices.SortStableFunc(ws, func(a, b Warning) int {
		return lineKey(a.Line) - lineKey(b.Line)
	})
	if err := p.res.add(out.users, out.segments, ws); err != nil {
		return err
	}
	if p.jr == nil {
		return nil
	}
	return p.jr.done(b.from(), b.to(), Totals{Users: out.users, Segments: out.segments,
		Warnings: len(ws)})
}

func lineKey(line int) int {
	if line == 0 {
		return int(^uint(0) >> 2)
	}
	return line
}

// tracker follows how far the input is answered without a gap, for the
// progress: batches finish in any order.
type tracker struct {
	mu       sync.Mutex
	next     int // the first batch not answered
	finished map[int]int64
	acked    int64 // raw input bytes answered without a gap
}

func (t *tracker) complete(seq int, offset int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished == nil {
		t.finished = map[int]int64{}
	}
	t.finished[seq] = offset
	for {
		o, ok := t.finished[t.next]
		if !ok {
			return
		}
		delete(t.finished, t.next)
		t.acked = o
		t.next++
	}
}

func (t *tracker) answered() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.acked
}
