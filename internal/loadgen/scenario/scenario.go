package scenario

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/instant-audience/audience/internal/loadgen"
)

// Config shapes the scenarios. Zero fields take the defaults their
// comments give.
type Config struct {
	// Base is the service's base URL, such as http://127.0.0.1:8088.
	Base string
	// Accounts are logged in (LoginAll); request i is made by account
	// i mod len(Accounts), so the load spreads evenly over the members.
	Accounts []Account
	// Rate is the requests per second (open model); zero runs the closed
	// model with Workers clients.
	Rate float64
	// Duration is how long the load lasts.
	Duration time.Duration
	// Workers bounds the requests in flight (open model, 256) or is the
	// number of clients (closed model, 8).
	Workers int
	// UsersPerPost is the size of a full POST (1000).
	UsersPerPost int
	// SegsPerUser is the segments of each user of a full POST, and of the
	// users GET lookups read (5, at most an account's segments).
	SegsPerUser int
	// FirstUser is the first platform user id a scenario writes; zero
	// draws a random one for each scenario, so that runs write users of
	// their own.
	FirstUser uint64
	// CountHeader is passed to the Offers (see loadgen.Offer).
	CountHeader string
	// Client sends the requests (loadgen.NewClient()).
	Client *http.Client
}

// Default values of Config.
const (
	DefaultUsersPerPost = 1000
	DefaultSegsPerUser  = 5
	defaultWorkers      = 8
)

func (c Config) usersPerPost() int {
	if c.UsersPerPost <= 0 {
		return DefaultUsersPerPost
	}
	return c.UsersPerPost
}

func (c Config) segsPerUser() int {
	if c.SegsPerUser <= 0 {
		return DefaultSegsPerUser
	}
	return c.SegsPerUser
}

// firstUser returns FirstUser, or a random id between 10^18 and 9×10^18
// with room for a billion users after it.
func (c Config) firstUser() uint64 {
	if c.FirstUser != 0 {
		return c.FirstUser
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return 1e18 + binary.LittleEndian.Uint64(b[:])%(8e18-1e9)
}

// offer returns the Offer of the config's shape for new.
func (c Config) offer(new func(ctx context.Context, i int) (*http.Request, error),
	measure func([]byte) int) loadgen.Offer {
	workers := c.Workers
	if c.Rate <= 0 && workers <= 0 {
		workers = defaultWorkers
	}
	return loadgen.Offer{Rate: c.Rate, Duration: c.Duration, Workers: workers, New: new,
		Measure: measure, CountHeader: c.CountHeader, Client: c.Client}
}

// account returns the account of request i.
func (c Config) account(i int) Account { return c.Accounts[i%len(c.Accounts)] }

// post returns an authenticated POST /rt-segment of body.
func (c Config) post(ctx context.Context, a Account, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/rt-segment",
		bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", a.Token)
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// get returns an authenticated GET /rt-segment of a platform user id.
func (c Config) get(ctx context.Context, a Account, userID string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.Base+"/rt-segment?user_id="+url.QueryEscape(userID), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", a.Token)
	return req, nil
}

// SmallPosts offers POSTs of one user each, into one to five segments in
// turn; Tally.Measured counts the memberships applied.
func (c Config) SmallPosts() loadgen.Offer {
	first := c.firstUser()
	return c.offer(func(ctx context.Context, i int) (*http.Request, error) {
		a := c.account(i)
		return c.post(ctx, a, PostBody(nil, a, first+uint64(i), 1, 1+i%5))
	}, AppliedSegments)
}

// FullPosts offers POSTs of UsersPerPost users of SegsPerUser segments
// each, every user a new one; Tally.Measured counts the memberships
// applied.
func (c Config) FullPosts() loadgen.Offer {
	first, users, segs := c.firstUser(), c.usersPerPost(), c.segsPerUser()
	return c.offer(func(ctx context.Context, i int) (*http.Request, error) {
		a := c.account(i)
		body := PostBody(make([]byte, 0, users*(64+48*segs)), a,
			first+uint64(i)*uint64(users), users, segs)
		return c.post(ctx, a, body)
	}, AppliedSegments)
}

// Read is a user written by Prepare, to be looked up.
type Read struct {
	// Account is the index in Config.Accounts of the account that wrote
	// it: only that member's segments are in its answers.
	Account int
	UserID  string
	// Segments is the number of memberships it has.
	Segments int
}

// prepareBatch is the users per POST that Prepare writes.
const prepareBatch = 100

// Prepare writes n users, SegsPerUser segments each, spread over the
// accounts, for GET lookups to read. It fails unless every user was
// applied.
func (c Config) Prepare(ctx context.Context, n int) ([]Read, error) {
	first, segs := c.firstUser(), c.segsPerUser()
	client := c.Client
	if client == nil {
		client = loadgen.NewClient()
	}
	reads := make([]Read, 0, n)
	for b := 0; b*prepareBatch < n; b++ {
		k := b % len(c.Accounts)
		a := c.Accounts[k]
		lo := first + uint64(b*prepareBatch)
		users := min(prepareBatch, n-b*prepareBatch)
		req, err := c.post(ctx, a, PostBody(nil, a, lo, users, segs))
		if err != nil {
			return nil, err
		}
		status, body, err := do(client, req)
		if err != nil {
			return nil, fmt.Errorf("writing users to look up: %w", err)
		}
		if got := AppliedUsers(body); status != http.StatusOK || got != users {
			return nil, fmt.Errorf("writing users to look up: %d of %d applied (%d %s)",
				got, users, status, clip(body))
		}
		applied := min(segs, len(a.Segments))
		for u := range users {
			reads = append(reads, Read{Account: k, UserID: strconv.FormatUint(lo+uint64(u), 10),
				Segments: applied})
		}
	}
	return reads, nil
}

// Lookups offers GET /rt-segment of the users read, in turn, each by the
// account that wrote it; Tally.Measured counts the segments found, which
// is the sum of their Segments when every write was visible.
func (c Config) Lookups(reads []Read) loadgen.Offer {
	return c.offer(func(ctx context.Context, i int) (*http.Request, error) {
		r := reads[i%len(reads)]
		return c.get(ctx, c.Accounts[r.Account], r.UserID)
	}, FoundSegments)
}

// Kinds of request of the mixed profile, as Tally.Kinds names them.
const (
	KindFull   = "full POST"
	KindSmall  = "small POST"
	KindLookup = "GET lookup"
)

// MixKind is the kind of request i of the mixed profile: of every 100,
// one full POST, nine small POSTs and ninety GET lookups.
func MixKind(i int) string {
	switch k := i % 100; {
	case k == 0:
		return KindFull
	case k < 10:
		return KindSmall
	}
	return KindLookup
}

// Mixed offers the mixed profile (MixKind), the lookups reading reads;
// Tally.Kinds has each kind's tally. Tally.Measured mixes memberships
// applied and found: the mix is about the answers' statuses and latency.
func (c Config) Mixed(reads []Read) loadgen.Offer {
	small, full, lookups := c.SmallPosts(), c.FullPosts(), c.Lookups(reads)
	o := c.offer(func(ctx context.Context, i int) (*http.Request, error) {
		switch MixKind(i) {
		case KindFull:
			return full.New(ctx, i/100)
		case KindSmall:
			return small.New(ctx, i)
		}
		return lookups.New(ctx, i)
	}, nil)
	o.Kind = MixKind
	return o
}

// do sends one request and reads its answer.
func do(client *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// clip shortens an answer for an error message.
func clip(b []byte) string {
	const most = 300
	if len(b) > most {
		return string(b[:most]) + "..."
	}
	return string(b)
}
