package scenario_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/app"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/store"
)

// service starts the service in-process on its embedded store and
// returns its URL, its store and two logged-in accounts of 5 segments.
func service(t *testing.T, lim store.Limits) (string, []scenario.Account) {
	t.Helper()
	ctx := context.Background()
	svc, err := app.BuildForTests(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	web := httptest.NewServer(svc.API.Handler())
	t.Cleanup(web.Close)
	accounts, err := scenario.Provision(ctx, svc.Store, scenario.Spec{Members: 2, Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	if err := scenario.LoginAll(ctx, web.Client(), web.URL, accounts); err != nil {
		t.Fatal(err)
	}
	return web.URL, accounts
}

func TestProvision(t *testing.T) {
	_, accounts := service(t, scenario.Unlimited)
	if len(accounts) != 2 || accounts[0].Member == accounts[1].Member {
		t.Fatalf("accounts %+v: want 2 of different members", accounts)
	}
	for _, a := range accounts {
		if len(a.Segments) != 5 || a.Token == "" || a.Password == "" {
			t.Errorf("account %+v: want 5 segments, a password and a token", a)
		}
	}
}

func TestPostBodyIsValid(t *testing.T) {
	a := scenario.Account{Segments: []int64{11, 12, 13}}
	tests := []struct {
		name             string
		users, segs      int
		wantUsers, wantS int
	}{
		{name: "one user, one segment", users: 1, segs: 1, wantUsers: 1, wantS: 1},
		{name: "more segments than the account has", users: 3, segs: 5, wantUsers: 3, wantS: 9},
		{name: "a thousand users", users: 1000, segs: 3, wantUsers: 1000, wantS: 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const first = 18_000_000_000_000_000_000
			body := scenario.PostBody(nil, a, first, tt.users, tt.segs)
			req, err := rtsegment.Parse(body, rtsegment.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			res := req.Check(rtsegment.Policy{MayPopulate: func(int64) bool { return true },
				Lookup: func(r rtsegment.SegmentRef) (rtsegment.Segment, bool) {
					return rtsegment.Segment{ID: r.ID, Active: true}, true
				}})
			if res.UsersInRequest != tt.wantUsers || res.SegmentsInRequest != tt.wantS ||
				len(res.Warnings) != 0 {
				t.Fatalf("%d users, %d segments, warnings %v", res.UsersInRequest,
					res.SegmentsInRequest, res.Warnings)
			}
			last := strconv.FormatUint(first+uint64(tt.users-1), 10)
			if got := res.Users[tt.users-1].ID; got != last {
				t.Errorf("last user %s, want %s", got, last)
			}
		})
	}
}

func TestScenariosAgainstTheService(t *testing.T) {
	base, accounts := service(t, scenario.Unlimited)
	ctx := context.Background()
	c := scenario.Config{Base: base, Accounts: accounts, Rate: 100,
		Duration: 300 * time.Millisecond, UsersPerPost: 20}

	small := c.SmallPosts().Run(ctx)
	// Request i writes 1 + i mod 5 segments.
	want := 0
	for i := range small.Sent {
		want += 1 + i%5
	}
	if small.Status[http.StatusOK] != small.Sent || small.Sent != 30 || small.Measured != want {
		t.Errorf("small POSTs: %v, %d memberships applied, want %d", small, small.Measured, want)
	}

	full := c.FullPosts().Run(ctx)
	if full.OK() != full.Sent || full.Measured != full.Sent*20*5 {
		t.Errorf("full POSTs: %v, %d memberships applied", full, full.Measured)
	}

	reads, err := c.Prepare(ctx, 150)
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 150 || reads[0].Account == reads[100].Account {
		t.Fatalf("%d reads, the first two batches by accounts %d and %d", len(reads),
			reads[0].Account, reads[100].Account)
	}
	lookups := c.Lookups(reads).Run(ctx)
	if lookups.OK() != lookups.Sent || lookups.Measured != 5*lookups.Sent {
		t.Errorf("lookups: %v, %d segments found, want 5 each", lookups, lookups.Measured)
	}

	c.Duration = 2 * time.Second
	mixed := c.Mixed(reads).Run(ctx)
	kinds := mixed.Kinds
	if mixed.OK() != mixed.Sent || kinds[scenario.KindFull].Sent != 2 ||
		kinds[scenario.KindSmall].Sent != 18 || kinds[scenario.KindLookup].Sent != 180 {
		t.Errorf("mixed: %v, kinds %v", mixed, kinds)
	}
}

func TestProbe(t *testing.T) {
	base, accounts := service(t, store.Limits{PostPerSec: 10, GetPerSec: 20, UsersPerSec: 100})
	c := scenario.Config{Base: base, Accounts: accounts, Duration: time.Second}
	scenario.Settle(context.Background())
	results, err := c.Probe(context.Background(), accounts[0], 3)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, r := range results {
		names = append(names, r.Name)
		// The embedded store's clock moves in steps, so the counts are
		// checked loosely here; the local cluster's tests hold the limits
		// to 3%.
		if int64(r.Accepted) < r.PerSec || r.Refused == 0 || r.NoRetryAfter != 0 ||
			r.Accepted+r.Refused != r.Offered {
			t.Errorf("%s", r)
		}
	}
	if !slices.Equal(names, []string{"POST", "GET"}) || results[0].PerSec != 10 ||
		results[1].PerSec != 20 {
		t.Errorf("probed %v with limits %d and %d, want POST 10 and GET 20", names,
			results[0].PerSec, results[1].PerSec)
	}
}

func TestAccountsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.json")
	in := []scenario.Account{{User: "u", Password: "p", Member: 7, Segments: []int64{1, 2},
		Token: "never written"}}
	if err := scenario.WriteAccounts(path, in); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("accounts file mode %v (%v), want 0600: it holds passwords", info.Mode(), err)
	}
	out, err := scenario.ReadAccounts(path)
	if err != nil {
		t.Fatal(err)
	}
	in[0].Token = ""
	if len(out) != 1 || out[0].User != "u" || out[0].Member != 7 || out[0].Token != "" ||
		!slices.Equal(out[0].Segments, in[0].Segments) {
		t.Errorf("read back %+v, want %+v", out, in)
	}

	if err := os.WriteFile(path, []byte(`[{"user":"u","segments":[]}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := scenario.ReadAccounts(path); err == nil {
		t.Error("an account without segments was accepted")
	}
}
