package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/api"
	"github.com/instant-audience/audience/internal/registry"
	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/store"
)

// watchedMaps is the store's mapping, with its calls counted and a
// failure to give on demand.
type watchedMaps struct {
	*store.Store
	resolved [][]string // the ids of each ResolveUIDs call
	fail     error
}

func (w *watchedMaps) ResolveUIDs(ctx context.Context, member int64, ids []string,
) (map[string]string, error) {
	w.resolved = append(w.resolved, ids)
	if w.fail != nil {
		return nil, w.fail
	}
	return w.Store.ResolveUIDs(ctx, member, ids)
}

func (w *watchedMaps) MapUIDs(ctx context.Context, member int64, maps []store.UIDMapping,
	ttl time.Duration,
) error {
	if w.fail != nil {
		return w.fail
	}
	return w.Store.MapUIDs(ctx, member, maps, ttl)
}

// externalRig serves the API over miniredis for member 1001, which sends
// external ids, with segment 10011.
func externalRig(t *testing.T) (*httptest.Server, *watchedMaps) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb, "")
	ctx := context.Background()
	m := store.Member{ID: 1001, Enabled: true, ExternalIDs: true}
	if err := st.PutMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSegment(ctx, store.Segment{ID: 10011, MemberID: 1001,
		Active: true}); err != nil {
		t.Fatal(err)
	}
	maps := &watchedMaps{Store: st}
	srv := api.New(api.Config{
		Limits: rtsegment.Limits{MaxUsers: 1000, MaxBlocks: 100, MaxExpiration: 259200},
		// Hundreds of script calls take miniredis a second or more under
		// the race detector on a busy machine.
		RequestTimeout: 30 * time.Second,
	}, api.Deps{
		Auth: signedIn(t, st, map[string]int64{"1001": 1001}), Registry: registry.New(st, time.Minute), Store: st,
		UIDMaps: maps,
	})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return hs, maps
}

func postJSON(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "1001")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Response map[string]any `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out.Response
}

// TestExternalIDsOneLookup: the users of a request are resolved in one
// call of the mapping store, each distinct id once, whatever their number.
func TestExternalIDsOneLookup(t *testing.T) {
	hs, maps := externalRig(t)
	pairs := make([]string, 500)
	for i := range pairs {
		pairs[i] = fmt.Sprintf(`{"external_id":"m%d","user_id":"%d"}`, i, 1000+i)
	}
	body := `{"uid_map":[` + strings.Join(pairs, ",") + `]}`
	if code, r := postJSON(t, hs.URL+"/uid-map", body); code != 200 {
		t.Fatalf("POST /uid-map: %d %v", code, r)
	}

	// 1000 entries: 500 mapped ids, 250 unmapped ones, 250 repeats.
	entries := make([]string, 0, 1000)
	for i := range 1000 {
		id := "m" + strconv.Itoa(i%500)
		if i >= 500 && i < 750 {
			id = "u" + strconv.Itoa(i)
		}
		entries = append(entries, `{"user_id":"`+id+`","seg_block":[{"seg_id":10011}]}`)
	}
	code, r := postJSON(t, hs.URL+"/rt-segment", `{"rt_segment":[`+strings.Join(entries, ",")+`]}`)
	msg, _ := r["message"].(map[string]any)
	if code != 200 || msg["users_in_request"] != 750.0 {
		t.Fatalf("POST /rt-segment: %d %v", code, msg)
	}
	if len(maps.resolved) != 1 || len(maps.resolved[0]) != 750 {
		t.Fatalf("%d resolutions, the first of %d ids; want one of 750", len(maps.resolved),
			len(maps.resolved[0]))
	}
	if ws, _ := r["warnings"].([]any); len(ws) != 250 ||
		ws[0].(map[string]any)["message"] != "No mapping for user_id: u500." {
		t.Fatalf("%d warnings, the first %v", len(ws), ws[0])
	}

	// A request with no external id resolves nothing.
	body = `{"rt_segment":[{"user_id":"` + strings.Repeat("0", 32) +
		`","domain":"md5udid","seg_block":[{"seg_id":10011}]}]}`
	if code, _ := postJSON(t, hs.URL+"/rt-segment", body); code != 200 || len(maps.resolved) != 1 {
		t.Fatalf("device ids only: %d, %d resolutions", code, len(maps.resolved))
	}
}

// TestExternalIDsStoreDown: a mapping store that fails is a 503 SYSTEM
// for the writes and reads that need it, never a 200 or a warning.
func TestExternalIDsStoreDown(t *testing.T) {
	hs, maps := externalRig(t)
	maps.fail = fmt.Errorf("%w: connection refused", store.ErrUnavailable)
	for _, tc := range []struct{ path, body string }{
		{"/uid-map", `{"uid_map":[{"external_id":"a","user_id":"1"}]}`},
		{"/rt-segment", `{"rt_segment":[{"user_id":"a","seg_block":[{"seg_id":10011}]}]}`},
	} {
		code, r := postJSON(t, hs.URL+tc.path, tc.body)
		if code != 503 || r["error_id"] != "SYSTEM" {
			t.Fatalf("POST %s with the store down: %d %v", tc.path, code, r)
		}
	}

	req, _ := http.NewRequest("GET", hs.URL+"/rt-segment?user_id=a", nil)
	req.Header.Set("Authorization", "1001")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("GET with the store down: %d", resp.StatusCode)
	}
	if !slices.Equal(maps.resolved[len(maps.resolved)-1], []string{"a"}) {
		t.Fatalf("resolutions %v", maps.resolved)
	}
}
