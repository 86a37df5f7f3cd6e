package store

import (
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// Embedded is an in-memory Redis in the server's own process, for trying
// the service out and for tests. Its data is lost when the process ends.
type Embedded struct {
	mr   *miniredis.Miniredis
	stop chan struct{}
	done sync.WaitGroup
}

// clockTick is how often the embedded store's clock is moved.
const clockTick = 100 * time.Millisecond

// StartEmbedded starts an in-memory Redis listening on addr
// ("127.0.0.1:0" for a free port), so that audiencectl can reach it too.
//
// miniredis expires nothing by itself: its clock stands still unless it
// is moved. A goroutine moves it with real time, so memberships, tokens
// and rate-limit counters expire here as they do on Redis.
func StartEmbedded(addr string) (*Embedded, error) {
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr(addr); err != nil {
		return nil, err
	}
	e := &Embedded{mr: mr, stop: make(chan struct{})}
	last := time.Now()
	mr.SetTime(last)
	e.done.Add(1)
	go func() {
		defer e.done.Done()
		t := time.NewTicker(clockTick)
		defer t.Stop()
		for {
			select {
			case <-e.stop:
				return
			case now := <-t.C:
				mr.SetTime(now)
				mr.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	return e, nil
}

// Addr returns the host:port the embedded store listens on.
func (e *Embedded) Addr() string { return e.mr.Addr() }

// URL returns the redis:// URL of the embedded store.
func (e *Embedded) URL() string { return "redis://" + e.mr.Addr() }

// Close stops the clock and the store.
func (e *Embedded) Close() {
	close(e.stop)
	e.done.Wait()
	e.mr.Close()
}
