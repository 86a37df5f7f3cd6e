package faults_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
	"github.com/instant-audience/audience/internal/localcluster"
)

// Login bounds of the contract and the service (auth.ThrottleConfig):
// attempts per username and per client address in any 5 minutes.
const (
	attemptsPerUser = 20
	attemptsPerAddr = 100
)

// provision makes a member with a segment and an API user, not logged in.
func provision(t *testing.T, c *localcluster.Cluster) scenario.Account {
	t.Helper()
	st, err := c.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	accounts, err := scenario.Provision(context.Background(), st, scenario.Spec{Members: 1,
		Segments: 1, Limits: scenario.Unlimited})
	if err != nil {
		t.Fatal(err)
	}
	remember(accounts[0].Password)
	return accounts[0]
}

// loginVia tries a login from the client address xff and returns its
// status and the replica that answered, as the balancer names it.
func loginVia(base, user, password, xff string) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, base+"/auth", strings.NewReader(fmt.Sprintf(
		`{"auth":{"username":%q,"password":%q}}`, user, password)))
	req.Header.Set("X-Forwarded-For", xff)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get(localcluster.ReplicaHeader)
}

// TestPasswordGuessing: guesses are bounded per username and per client
// address across the three replicas, the client address being the one
// the balancer forwards: attempts are spent before the password is
// checked, so concurrent guesses cannot slip past the bound either.
//
//	make test-faults FAULTS=TestPasswordGuessing
func TestPasswordGuessing(t *testing.T) {
	c := mainCluster(t)

	t.Run("per username, over every replica", func(t *testing.T) {
		a := provision(t, c)
		replicas := map[string]int{}
		for i := range attemptsPerUser {
			status, replica := loginVia(c.URL, a.User, fmt.Sprintf("guess-%d", i),
				nextClientAddr())
			if status != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d, want 401", i+1, status)
			}
			replicas[replica]++
		}
		status, _, retry := tryLogin(c.URL, a.User, a.Password, nextClientAddr())
		if status != http.StatusTooManyRequests || retry == "" {
			t.Fatalf("the right password after %d guesses: %d (Retry-After %q), want 429",
				attemptsPerUser, status, retry)
		}
		t.Logf("%d guesses answered 401 by %v, then 429 with Retry-After %s s, even for the"+
			" right password", attemptsPerUser, replicas, retry)
		if len(replicas) < 2 {
			t.Errorf("the guesses reached %v only: the bound was not tested across replicas",
				replicas)
		}
	})

	t.Run("per client address", func(t *testing.T) {
		a := provision(t, c)
		addr := nextClientAddr()
		for i := range attemptsPerAddr {
			status, _ := loginVia(c.URL, fmt.Sprintf("nobody-%d", i), "guess", addr)
			if status != http.StatusUnauthorized {
				t.Fatalf("guess %d from %s: %d, want 401", i+1, addr, status)
			}
		}
		if status, _, _ := tryLogin(c.URL, a.User, a.Password, addr); status !=
			http.StatusTooManyRequests {
			t.Fatalf("a right login from the guessing address: %d, want 429", status)
		}
		if tok := login(t, c.URL, a.User, a.Password, nextClientAddr()); tok == "" {
			t.Fatal("another client address is throttled too")
		}
		t.Logf("%d guesses from %s answered 401, then 429; other addresses unaffected",
			attemptsPerAddr, addr)
	})

	t.Run("concurrent guesses", func(t *testing.T) {
		a := provision(t, c)
		const guesses = 60
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for i := range guesses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, _ := loginVia(c.URL, a.User, fmt.Sprintf("guess-%d", i),
					nextClientAddr())
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		t.Logf("%d concurrent guesses: %v", guesses, statuses)
		if statuses[http.StatusUnauthorized] != attemptsPerUser ||
			statuses[http.StatusTooManyRequests] != guesses-attemptsPerUser {
			t.Fatalf("%d concurrent guesses: %v, want %d checked and the rest 429", guesses,
				statuses, attemptsPerUser)
		}
	})
}

// TestTokenGuessing: tokens drawn as the service draws them, and near
// misses of a real one, open nothing; the store holds no token, only its
// SHA-256.
//
//	make test-faults FAULTS=TestTokenGuessing
func TestTokenGuessing(t *testing.T) {
	c := mainCluster(t)
	a := newAccount(t, c)
	get := func(token string) int {
		req, _ := http.NewRequest(http.MethodGet, c.URL+"/rt-segment?user_id=1", nil)
		req.Header.Set("Authorization", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get(a.Token); s != http.StatusOK {
		t.Fatalf("the real token: %d", s)
	}

	var guesses []string
	for range 2000 {
		guesses = append(guesses, auth.NewToken())
	}
	tok := a.Token
	for i := range tok {
		b := []byte(tok)
		b[i] = flip(b[i])
		guesses = append(guesses, string(b))
	}
	guesses = append(guesses, tok[:len(tok)-1], tok+"A", strings.ToUpper(tok),
		strings.ToLower(tok), auth.HashToken(tok), "Bearer"+tok, tok+"\t"+tok, "",
		"Bearer", "*", tok[:8])
	statuses := map[int]int{}
	var mu sync.Mutex
	next := make(chan string)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range next {
				s := get(g)
				mu.Lock()
				statuses[s]++
				mu.Unlock()
			}
		}()
	}
	for _, g := range guesses {
		next <- g
	}
	close(next)
	wg.Wait()
	t.Logf("%d guessed tokens (2000 random, %d near misses): %v", len(guesses),
		len(guesses)-2000, statuses)
	if statuses[http.StatusUnauthorized] != len(guesses) {
		t.Errorf("guessed tokens got %v, want 401 only", statuses)
	}

	hits, keys := searchStore(t, c, tok, auth.HashToken(tok))
	if hits[tok] > 0 {
		t.Errorf("the store holds the token itself in %d places", hits[tok])
	}
	if hits[auth.HashToken(tok)] == 0 {
		t.Error("the token's hash is not in the store: the search looked in the wrong place")
	}
	t.Logf("store searched (%d keys and their values): token %d times, its SHA-256 %d times",
		keys, hits[tok], hits[auth.HashToken(tok)])
}

// flip changes one character of a token into another of its alphabet.
func flip(b byte) byte {
	if b == 'A' {
		return 'B'
	}
	return 'A'
}

// searchStore counts where each of needles shows in the store: in key
// names, and in the values of every key but the memberships (whose
// values are numbers the service writes).
func searchStore(t *testing.T, c *localcluster.Cluster, needles ...string) (map[string]int, int) {
	t.Helper()
	opts, err := redis.ParseURL(c.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	hits := map[string]int{}
	count := func(s string) {
		for _, n := range needles {
			if strings.Contains(s, n) {
				hits[n]++
			}
		}
	}
	keys := 0
	iter := rdb.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		keys++
		count(key)
		if strings.HasPrefix(key, c.KeyPrefix+"u{") {
			continue
		}
		for _, v := range values(ctx, rdb, key) {
			count(v)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return hits, keys
}

// values returns what a key holds, whatever its type.
func values(ctx context.Context, rdb *redis.Client, key string) []string {
	switch rdb.Type(ctx, key).Val() {
	case "string":
		return []string{rdb.Get(ctx, key).Val()}
	case "hash":
		var out []string
		for f, v := range rdb.HGetAll(ctx, key).Val() {
			out = append(out, f, v)
		}
		return out
	case "set":
		return rdb.SMembers(ctx, key).Val()
	case "zset":
		return rdb.ZRange(ctx, key, 0, -1).Val()
	case "list":
		return rdb.LRange(ctx, key, 0, -1).Val()
	}
	return nil
}

// TestRevocation: a token revoked with audiencectl, or ended by
// disabling its user, is refused at once by every replica, and
// audiencectl never shows it.
//
//	make test-faults FAULTS=TestRevocation
func TestRevocation(t *testing.T) {
	c := mainCluster(t)
	a := newAccount(t, c)
	everywhere := func(token string) []int {
		var out []int
		for _, base := range append([]string{c.URL}, c.Replicas...) {
			req, _ := http.NewRequest(http.MethodGet, base+"/rt-segment?user_id=1", nil)
			req.Header.Set("Authorization", token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			out = append(out, resp.StatusCode)
		}
		return out
	}
	all := func(statuses []int, want int) bool {
		for _, s := range statuses {
			if s != want {
				return false
			}
		}
		return true
	}
	if got := everywhere(a.Token); !all(got, http.StatusOK) {
		t.Fatalf("before: %v", got)
	}

	ctl(t, c, a.Token, "token", "revoke")
	if got := everywhere(a.Token); !all(got, http.StatusUnauthorized) {
		t.Fatalf("right after audiencectl token revoke: %v, want 401 everywhere", got)
	}

	tok := login(t, c.URL, a.User, a.Password, nextClientAddr())
	ctl(t, c, "", "user", "disable", "-name", a.User)
	if got := everywhere(tok); !all(got, http.StatusUnauthorized) {
		t.Fatalf("right after audiencectl user disable: %v, want 401 everywhere", got)
	}
	if s, _, _ := tryLogin(c.URL, a.User, a.Password, nextClientAddr()); s !=
		http.StatusUnauthorized {
		t.Fatalf("a disabled user's login: %d, want 401", s)
	}
	ctl(t, c, "", "user", "enable", "-name", a.User)
	if login(t, c.URL, a.User, a.Password, nextClientAddr()) == "" {
		t.Fatal("no login after audiencectl user enable")
	}
	t.Log("revoked and disabled tokens refused by the balancer and every replica at once")
}

// ctl runs audiencectl on the cluster's store with stdin on its standard
// input, and fails the test if it fails or shows stdin.
func ctl(t *testing.T, c *localcluster.Cluster, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(c.Bin, "audiencectl"), args...)
	cmd.Env = append(os.Environ(), "AUDIENCE_REDIS_URL="+c.RedisURL,
		"AUDIENCE_KEY_PREFIX="+c.KeyPrefix)
	cmd.Stdin = strings.NewReader(stdin + "\n")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("audiencectl %s: %v: %s", strings.Join(args, " "), err, out.String())
	}
	if stdin != "" && strings.Contains(out.String(), stdin) {
		t.Fatalf("audiencectl %s shows its secret input", strings.Join(args, " "))
	}
	return out.String()
}
