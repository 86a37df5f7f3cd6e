package ackcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/instant-audience/audience/internal/loadgen"
)

// Bounds of Verify's reads.
const (
	// DefaultReaders is how many GETs Verify keeps in flight.
	DefaultReaders = 8
	// readAttempts is how often one GET is tried before its user counts
	// as unreadable: a fault test may read while a replica restarts.
	readAttempts = 5
	readBackoff  = 200 * time.Millisecond
	// maxSample bounds Report.LostSample.
	maxSample = 10
)

// Report is what Verify found.
type Report struct {
	// Acked is the number of memberships acknowledged, all of them read.
	Acked int
	// Lost counts the acknowledged memberships not found, or found with
	// another value; LostSample shows a few.
	Lost       int
	LostSample []string
	// Unacked is the number of memberships of POSTs not acknowledged, and
	// UnackedFound how many of them were found applied all the same.
	Unacked, UnackedFound int
	// Unreadable counts the users whose GET failed every attempt; their
	// memberships are counted in neither Lost nor found.
	Unreadable int
	// Reads counts the GETs, retries included, by base URL.
	Reads map[string]int
	// Took is how long the reads took.
	Took time.Duration
}

// String is one line on the report.
func (rep Report) String() string {
	return fmt.Sprintf("%d acknowledged memberships read back: %d lost, %d unreadable;"+
		" %d not acknowledged, %d of them applied anyway; read in %v",
		rep.Acked, rep.Lost, rep.Unreadable, rep.Unacked, rep.UnackedFound,
		rep.Took.Round(time.Millisecond))
}

// Verify reads back every membership the run wrote, one GET per user,
// spread round robin over bases (the balancer, the replicas directly),
// with the run's account. client may be nil (loadgen.NewClient()).
func (r *Run) Verify(ctx context.Context, client *http.Client, bases []string) (Report, error) {
	if len(bases) == 0 {
		return Report{}, errors.New("ackcheck: Verify needs a base URL")
	}
	if client == nil {
		client = loadgen.NewClient()
	}
	began := time.Now()
	rep := Report{Reads: map[string]int{}}

	type job struct {
		m     Membership
		acked bool
		n     int
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range DefaultReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				found, reads, err := r.read(ctx, client, bases, j.n, j.m)
				mu.Lock()
				for base, n := range reads {
					rep.Reads[base] += n
				}
				switch {
				case err != nil:
					rep.Unreadable++
				case j.acked && !found:
					rep.Lost++
					if len(rep.LostSample) < maxSample {
						rep.LostSample = append(rep.LostSample, fmt.Sprintf(
							"user %d segment %d value %d", j.m.UserID, j.m.SegID, j.m.Value))
					}
				case !j.acked && found:
					rep.UnackedFound++
				}
				mu.Unlock()
			}
		}()
	}

	n := 0
	for _, o := range r.Outcomes {
		for _, m := range r.Memberships(o.Seq) {
			if o.Acked {
				rep.Acked++
			} else {
				rep.Unacked++
			}
			select {
			case jobs <- job{m: m, acked: o.Acked, n: n}:
			case <-ctx.Done():
			}
			n++
		}
	}
	close(jobs)
	wg.Wait()
	rep.Took = time.Since(began)
	return rep, ctx.Err()
}

// read GETs one user's memberships through bases[n mod len] (the next
// base on each retry) and reports whether m is among them.
func (r *Run) read(ctx context.Context, client *http.Client, bases []string, n int,
	m Membership) (bool, map[string]int, error) {
	reads := map[string]int{}
	var last error
	for attempt := range readAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return false, reads, ctx.Err()
			case <-time.After(time.Duration(attempt) * readBackoff):
			}
		}
		base := bases[(n+attempt)%len(bases)]
		reads[base]++
		segs, err := r.get(ctx, client, base, m.UserID)
		if err != nil {
			last = err
			continue
		}
		return segs[m.SegID] == m.Value, reads, nil
	}
	return false, reads, last
}

// get returns a user's memberships, segment -> value, as GET
// /rt-segment answers them.
func (r *Run) get(ctx context.Context, client *http.Client, base string,
	user uint64) (map[int64]int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		base+"/rt-segment?user_id="+strconv.FormatUint(user, 10), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", r.account.Token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", base, resp.StatusCode)
	}
	var out struct {
		Response struct {
			Segments []struct {
				SegID int64 `json:"seg_id"`
				Value int64 `json:"value"`
			} `json:"segments"`
		} `json:"response"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("GET %s: %w", base, err)
	}
	segs := make(map[int64]int64, len(out.Response.Segments))
	for _, s := range out.Response.Segments {
		segs[s.SegID] = s.Value
	}
	return segs, nil
}
