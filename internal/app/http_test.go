package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"strings"
	"testing"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/store"
	"github.com/instant-audience/audience/internal/testredis"
)

const oneMembership = `{"rt_segment":[{"user_id":"42","seg_block":[{"seg_id":10001,"value":7}]}]}`

func TestRoutingAnswersJSON(t *testing.T) {
	in := start(t, testConfig(""))
	tests := []struct {
		name, method, path string
		status             int
		id, allow          string
	}{
		{"unknown path", "GET", "/nowhere", 404, "SYNTAX", ""},
		{"trailing slash", "POST", "/rt-segment/", 404, "SYNTAX", ""},
		{"wrong method", "DELETE", "/rt-segment", 400, "SYNTAX", "GET, POST"},
		{"wrong method on auth", "GET", "/auth", 400, "SYNTAX", "POST"},
		{"no token", "POST", "/rt-segment", 401, "NOAUTH", ""},
		{"unknown token", "GET", "/rt-segment?user_id=1&access_token=nope", 401, "NOAUTH", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := in.do(tc.method, tc.path, "", nil)
			wantError(t, a, tc.status, tc.id)
			if _, ok := a.response()["error_code"]; ok {
				t.Fatalf("error_code on a %d: %s", tc.status, a.raw)
			}
			if tc.allow != "" && !strings.Contains(a.header.Get("Allow"), strings.Split(tc.allow, ", ")[0]) {
				t.Fatalf("Allow = %q, want %q", a.header.Get("Allow"), tc.allow)
			}
		})
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if a := in.do("GET", p, "", nil); a.status != 200 || a.response()["status"] != "OK" {
			t.Fatalf("%s: %d %s", p, a.status, a.raw)
		}
	}
}

func TestAuthentication(t *testing.T) {
	in := start(t, testConfig(""))
	ctx := context.Background()

	bad := in.do("POST", "/auth", "", []byte(`{"auth":{"username":"demo","password":"nope"}}`))
	unknown := in.do("POST", "/auth", "", []byte(`{"auth":{"username":"ghost","password":"demo"}}`))
	wantError(t, bad, 401, "NOAUTH")
	wantError(t, unknown, 401, "NOAUTH")
	if bad.response()["error"] != unknown.response()["error"] {
		t.Fatalf("answers tell a wrong user from a wrong password: %s / %s", bad.raw, unknown.raw)
	}

	token := in.login(DemoUser, DemoPassword)
	ways := map[string]func() answer{
		"bare header":   func() answer { return in.post(token, oneMembership) },
		"bearer header": func() answer { return in.post("Bearer "+token, oneMembership) },
		"query": func() answer {
			return in.do("POST", "/rt-segment?access_token="+token, "", []byte(oneMembership))
		},
	}
	for name, call := range ways {
		if a := call(); a.status != 200 {
			t.Fatalf("%s: %d %s", name, a.status, a.raw)
		}
	}

	// A login ignores the old token it is sent.
	if a := in.do("POST", "/auth", "stale", []byte(`{"auth":{"username":"demo","password":"demo"}}`)); a.status != 200 {
		t.Fatalf("login with a stale token: %d %s", a.status, a.raw)
	}

	// Revoked: the session is gone at once, on every replica.
	if err := in.svc.Store.RevokeSession(ctx, auth.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	wantError(t, in.post(token, oneMembership), 401, "NOAUTH")

	// A disabled member is refused with 403 UNAUTH.
	token = in.login(DemoUser, DemoPassword)
	m, _ := in.svc.Store.Member(ctx, DemoMember)
	m.Enabled = false
	if err := in.svc.Store.PutMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	waitRegistry()
	wantError(t, in.post(token, oneMembership), 403, "UNAUTH")

	if strings.Contains(in.logs.String(), token) || strings.Contains(in.logs.String(), `"demo"}`) {
		t.Fatal("a token or password reached the logs")
	}
}

func TestLoginThrottle(t *testing.T) {
	in := start(t, testConfig(""))
	for i := 0; i < 10; i++ {
		in.login(DemoUser, DemoPassword)
	}
	a := in.do("POST", "/auth", "", []byte(`{"auth":{"username":"demo","password":"demo"}}`))
	wantError(t, a, 429, "LIMIT")
	if a.response()["error_code"] != "RATE_EXCEEDED" || a.header.Get("Retry-After") == "" {
		t.Fatalf("429 without error_code or Retry-After: %v %s", a.header, a.raw)
	}
}

func TestBodies(t *testing.T) {
	in := start(t, testConfig(""))
	token := in.login(DemoUser, DemoPassword)

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(oneMembership))
	zw.Close()
	if a := in.do("POST", "/rt-segment", token, gz.Bytes(), "Content-Encoding", "gzip"); a.status != 200 {
		t.Fatalf("gzip body: %d %s", a.status, a.raw)
	}

	var bomb bytes.Buffer
	zw = gzip.NewWriter(&bomb)
	zw.Write([]byte(`{"rt_segment":[` + strings.Repeat(" ", 1<<20) + `]}`))
	zw.Close()
	a := in.do("POST", "/rt-segment", token, bomb.Bytes(), "Content-Encoding", "gzip")
	wantError(t, a, 413, "SYNTAX")

	big := `{"rt_segment":[]` + strings.Repeat(" ", 1<<20-len(`{"rt_segment":[]}`)) + `}`
	if a := in.post(token, big); a.status != 200 {
		t.Fatalf("a body of exactly 1 MB: %d %s", a.status, a.raw)
	}
	wantError(t, in.post(token, big+" "), 413, "SYNTAX")
	wantError(t, in.post(token, ""), 400, "SYNTAX")
	wantError(t, in.post(token, oneMembership+"{}"), 400, "SYNTAX")
	if a := in.post(token, "\ufeff"+oneMembership); a.status != 200 {
		t.Fatalf("BOM: %d %s", a.status, a.raw)
	}
}

// TestIsolation: a member reads and writes only what it owns or was
// allowed, by id and by code alike.
func TestIsolation(t *testing.T) {
	in := start(t, testConfig(""))
	ctx := context.Background()
	hash, _ := auth.HashPassword("other-pw", 4)
	if err := in.svc.Store.CreateAPIUser(ctx, store.APIUser{
		Name: "other", MemberID: 1661, PasswordHash: hash, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	demo := in.login(DemoUser, DemoPassword)
	other := in.login("other", "other-pw")

	if a := in.post(demo, oneMembership); a.status != 200 {
		t.Fatal(string(a.raw))
	}
	// 1661 may not populate 1001's segments, by id or by owner assertion.
	a := in.post(other, `{"rt_segment":[{"user_id":"42","seg_block":[
		{"seg_id":10001},{"seg_id":20001,"member_id":1001},{"seg_code":"x","member_id":1001}]}]}`)
	if a.status != 200 || a.response()["message"].(map[string]any)["users_in_request"] != 0.0 {
		t.Fatalf("other member wrote 1001's segment: %s", a.raw)
	}
	// 1661 does not see 1001's memberships of the same user.
	a = in.do("GET", "/rt-segment?user_id=42", other, nil)
	if segs := a.response()["segments"].([]any); len(segs) != 0 {
		t.Fatalf("other member read 1001's memberships: %s", a.raw)
	}
	// 1001 may populate 1661's segment by code, and reads back only its own.
	a = in.post(demo, `{"rt_segment":[{"user_id":"42","seg_block":[{"seg_code":"ABCD","member_id":1661}]}]}`)
	if a.response()["message"].(map[string]any)["segments_in_request"] != 1.0 {
		t.Fatalf("allowed write by code refused: %s", a.raw)
	}
	a = in.do("GET", "/rt-segment?user_id=42", other, nil)
	if segs := a.response()["segments"].([]any); len(segs) != 1 {
		t.Fatalf("1661 should see its own segment 20001: %s", a.raw)
	}
}

// TestStoreDown: a store failure is a 503 SYSTEM, never a 200, and the
// service recovers by itself when the store is back.
func TestStoreDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	testredis.Require(t)
	srv := testredis.StartSingle(t)
	in := start(t, testConfig("redis://"+srv.Addr))
	token := in.login(DemoUser, DemoPassword)

	srv.Stop()
	a := in.post(token, oneMembership)
	wantError(t, a, 503, "SYSTEM")
	if a.response()["error_code"] != "SERVICE_UNAVAILABLE" || a.header.Get("Retry-After") == "" {
		t.Fatalf("503 without error_code or Retry-After: %s", a.raw)
	}
	wantError(t, in.do("GET", "/readyz", "", nil), 503, "SYSTEM")
	if a := in.do("GET", "/healthz", "", nil); a.status != 200 {
		t.Fatalf("healthz needs the store: %d", a.status)
	}

	srv.Restart(t)
	// Sessions lived in the store that restarted without persistence.
	if err := ProvisionDemo(context.Background(), in.svc.Store, 4); err != nil {
		t.Fatal(err)
	}
	token = in.login(DemoUser, DemoPassword)
	if a := in.post(token, oneMembership); a.status != 200 {
		t.Fatalf("after the store came back: %d %s", a.status, a.raw)
	}
	if a := in.do("GET", "/readyz", "", nil); a.status != 200 {
		t.Fatalf("readyz after the store came back: %d", a.status)
	}
}

func TestLoginBodies(t *testing.T) {
	in := start(t, testConfig(""))
	tests := []struct {
		name, body string
		status     int
	}{
		{"right", `{"auth":{"username":"demo","password":"demo"}}`, 200},
		{"unknown keys ignored", `{"x":1,"auth":{"username":"demo","password":"demo","y":[]}}`, 200},
		{"keys match exactly", `{"AUTH":{"USERNAME":"demo","PASSWORD":"demo"}}`, 400},
		{"duplicate top-level key", `{"auth":{"username":"x","password":"y"},"auth":{"username":"demo","password":"demo"}}`, 400},
		{"duplicate inner key", `{"auth":{"username":"x","username":"demo","password":"demo"}}`, 400},
		{"null", `null`, 400},
		{"empty object", `{}`, 400},
		{"password missing", `{"auth":{"username":"demo"}}`, 400},
		{"password not a string", `{"auth":{"username":"demo","password":1}}`, 400},
		{"trailing data", `{"auth":{"username":"demo","password":"demo"}} {}`, 400},
		{"not UTF-8", "{\"auth\":{\"username\":\"demo\",\"password\":\"\xff\"}}", 400},
		{"wrong password", `{"auth":{"username":"demo","password":"x"}}`, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := in.do("POST", "/auth", "", []byte(tc.body))
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.raw)
			}
		})
	}

	token := in.login(DemoUser, DemoPassword)
	for _, h := range []string{"Bearer\t" + token, "bearer  " + token, " " + token + " "} {
		if a := in.post(h, oneMembership); a.status != 200 {
			t.Fatalf("Authorization %q: %d", h, a.status)
		}
	}
}

// TestWarningEntitiesAsSent: a warning's entity is the item's JSON exactly
// as it was sent, spacing and characters included.
func TestWarningEntitiesAsSent(t *testing.T) {
	in := start(t, testConfig(""))
	token := in.login(DemoUser, DemoPassword)
	block := `{ "seg_id" : 1e3 , "note":"<a&b>" }`
	a := in.post(token, `{"rt_segment":[{"user_id":"5","seg_block":[`+block+`]}]}`)
	if a.status != 200 || !bytes.Contains(a.raw, []byte(`"entity":`+block)) {
		t.Fatalf("entity not as sent: %s", a.raw)
	}
}
