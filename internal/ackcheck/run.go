package ackcheck

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/instant-audience/audience/internal/loadgen"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
)

// Defaults of Config.
const (
	DefaultRate         = 100
	DefaultDuration     = 10 * time.Second
	DefaultUsersPerPost = 4
	// lifetime is the memberships' expiration, in minutes: far longer
	// than any run, so that none expires before it is read back.
	lifetime = 1440
)

// ReplicaHeader is where the local cluster's balancer names the replica
// that answered (localcluster.ReplicaHeader).
const ReplicaHeader = "X-Audience-Replica"

// Config says what a run writes. Zero fields take the defaults.
type Config struct {
	// Base is where the POSTs go: the balancer's URL.
	Base string
	// Account is logged in, and its limits should be out of the way
	// (scenario.Unlimited): a 429 is not what a fault test looks for.
	Account scenario.Account
	// Rate is the POSTs per second (100).
	Rate float64
	// Duration is how long the load lasts (10s).
	Duration time.Duration
	// UsersPerPost is the users of each POST, each into one segment (4).
	UsersPerPost int
	// Client sends the POSTs (loadgen.NewClient()).
	Client *http.Client
}

// Outcome is what one POST got.
type Outcome struct {
	// Seq is the POST's number in the run.
	Seq int
	// Sent is when it left; Latency runs to the end of its answer.
	Sent    time.Time
	Latency time.Duration
	// Status is the HTTP status, 0 when no answer came (Err says why).
	Status int
	Err    string
	// Replica is the replica the balancer named, if any.
	Replica string
	// Acked is a 200 that applied every user of the POST.
	Acked bool
}

// End is when the answer was complete (or the request failed).
func (o Outcome) End() time.Time { return o.Sent.Add(o.Latency) }

// Run is a finished run: every POST's outcome, in order of Seq.
type Run struct {
	// Outcomes holds one entry per POST sent, ordered by Seq.
	Outcomes []Outcome
	// Tally is the load generator's summary of the same answers.
	Tally loadgen.Tally

	first        uint64
	usersPerPost int
	segments     []int64
	account      scenario.Account
}

// Running is a run under way.
type Running struct {
	done chan struct{}
	run  *Run
}

// Wait returns the run once its last POST has its answer.
func (r *Running) Wait() *Run {
	<-r.done
	return r.run
}

// Start begins the run in the background. Cancelling ctx ends it early,
// failing the POSTs in flight.
func (c Config) Start(ctx context.Context) (*Running, error) {
	if c.Account.Token == "" || len(c.Account.Segments) == 0 {
		return nil, errors.New("ackcheck: the account must be logged in and own a segment")
	}
	if c.Rate <= 0 {
		c.Rate = DefaultRate
	}
	if c.Duration <= 0 {
		c.Duration = DefaultDuration
	}
	if c.UsersPerPost <= 0 {
		c.UsersPerPost = DefaultUsersPerPost
	}
	run := &Run{first: randomFirst(), usersPerPost: c.UsersPerPost,
		segments: c.Account.Segments, account: c.Account}

	var mu sync.Mutex
	offer := loadgen.Offer{
		Rate:        c.Rate,
		Duration:    c.Duration,
		Client:      c.Client,
		CountHeader: ReplicaHeader,
		New: func(ctx context.Context, i int) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/rt-segment",
				bytes.NewReader(run.body(i)))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", c.Account.Token)
			req.Header.Set("Content-Type", "application/json")
			return req, nil
		},
		Observe: func(a loadgen.Answer) {
			o := Outcome{Seq: a.Seq, Sent: a.Sent, Latency: a.Latency, Status: a.Status}
			if a.Err != nil {
				o.Err = a.Err.Error()
			}
			if a.Header != nil {
				o.Replica = a.Header.Get(ReplicaHeader)
			}
			if a.Status == http.StatusOK {
				users, segs := scenario.Applied(a.Body)
				o.Acked = users == run.usersPerPost && segs == run.usersPerPost
			}
			mu.Lock()
			run.Outcomes = append(run.Outcomes, o)
			mu.Unlock()
		},
	}

	r := &Running{done: make(chan struct{}), run: run}
	go func() {
		defer close(r.done)
		run.Tally = offer.Run(ctx)
		mu.Lock()
		defer mu.Unlock()
		sort.Slice(run.Outcomes, func(i, j int) bool {
			return run.Outcomes[i].Seq < run.Outcomes[j].Seq
		})
	}()
	return r, nil
}

// Membership is one membership a run wrote.
type Membership struct {
	UserID uint64
	SegID  int64
	Value  int64
}

// Memberships returns what POST seq wrote.
func (r *Run) Memberships(seq int) []Membership {
	out := make([]Membership, r.usersPerPost)
	for j := range out {
		out[j] = Membership{
			UserID: r.first + uint64(seq)*uint64(r.usersPerPost) + uint64(j),
			SegID:  r.segments[seq%len(r.segments)],
			// Values run 1 to 2147483647, the contract's largest.
			Value: int64(seq%2147483647) + 1,
		}
	}
	return out
}

// body is the JSON of POST seq.
func (r *Run) body(seq int) []byte {
	b := make([]byte, 0, 96*r.usersPerPost+16)
	b = append(b, `{"rt_segment":[`...)
	for j, m := range r.Memberships(seq) {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"user_id":"`...)
		b = strconv.AppendUint(b, m.UserID, 10)
		b = append(b, `","seg_block":[{"seg_id":`...)
		b = strconv.AppendInt(b, m.SegID, 10)
		b = append(b, `,"value":`...)
		b = strconv.AppendInt(b, m.Value, 10)
		b = append(b, `,"expiration":`...)
		b = strconv.AppendInt(b, lifetime, 10)
		b = append(b, `}]}`...)
	}
	return append(b, `]}`...)
}

// randomFirst draws the run's first user id between 10^18 and 9×10^18,
// with room for a billion users after it: runs on one store never write
// the same user.
func randomFirst() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return 1e18 + binary.LittleEndian.Uint64(b[:])%(8e18-1e9)
}
