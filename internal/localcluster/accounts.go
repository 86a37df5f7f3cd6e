package localcluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/store"
)

// firstMemberID is where fresh members are looked for: far above the
// demo's ids and any an operator is likely to choose.
const firstMemberID = 5_000_000

// Account is a member made for a run, with one active segment of its own
// and an API user.
type Account struct {
	Member   int64
	Segment  int64
	User     string
	Password string
	// Token is set by Login.
	Token string
}

// OpenStore returns a store over the cluster's Redis; the caller closes it.
func (c *Cluster) OpenStore() (*store.Store, error) {
	opts, err := redis.ParseURL(c.RedisURL)
	if err != nil {
		return nil, err
	}
	return store.New(redis.NewClient(opts), c.KeyPrefix), nil
}

// NewAccount creates a member that did not exist, with the given limits
// (zero fields keep the service-wide ones), an active segment and an API
// user with a random password. A fresh member has idle buckets and no
// statistics, whatever ran before on the same store.
func NewAccount(ctx context.Context, st *store.Store, lim store.Limits) (Account, error) {
	var a Account
	start, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return a, err
	}
	id := firstMemberID + start.Int64()*10
	for range 100 {
		err = st.CreateMember(ctx, store.Member{ID: id, Enabled: true, Limits: lim})
		if !errors.Is(err, store.ErrExists) {
			break
		}
		id++
	}
	if err != nil {
		return a, fmt.Errorf("member: %w", err)
	}
	a.Member = id

	seg, err := st.CreateSegment(ctx, store.Segment{MemberID: id, Active: true})
	if err != nil {
		return a, fmt.Errorf("segment: %w", err)
	}
	a.Segment = seg.ID

	a.User = fmt.Sprintf("lc-%d", id)
	a.Password = randomHex(16)
	// The cheapest cost: these users exist for a test run only.
	hash, err := auth.HashPassword(a.Password, 4)
	if err != nil {
		return a, err
	}
	err = st.CreateAPIUser(ctx, store.APIUser{Name: a.User, MemberID: id, PasswordHash: hash,
		Enabled: true})
	if errors.Is(err, store.ErrExists) {
		err = st.SetAPIUserPassword(ctx, a.User, hash)
	}
	return a, err
}

// Login gets a token for the account through base (the balancer).
func (a *Account) Login(ctx context.Context, client *http.Client, base string) error {
	body, _ := json.Marshal(map[string]any{"auth": map[string]string{
		"username": a.User, "password": a.Password}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/auth",
		bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Response struct {
			Token string `json:"token"`
		} `json:"response"`
	}
	ok := resp.StatusCode == http.StatusOK && json.Unmarshal(raw, &out) == nil
	if !ok || out.Response.Token == "" {
		return fmt.Errorf("login %s: %d %s", a.User, resp.StatusCode, raw)
	}
	a.Token = out.Response.Token
	return nil
}

// PostBody returns a POST /rt-segment body of n valid user entries, users
// first to first+n-1, each into the account's segment.
func (a Account) PostBody(first, n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"rt_segment":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"user_id":"%d","seg_block":[{"seg_id":%d,"value":1,"expiration":60}]}`,
			first+i, a.Segment)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// Request returns an authenticated request of the account.
func (a Account) Request(ctx context.Context, method, url string,
	body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", a.Token)
	return req, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
