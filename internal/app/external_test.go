package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/ctl"
	"github.com/instant-audience/audience/internal/store"
)

// updateMember changes a member in the store, as audiencectl member
// update does, and waits until the registry has seen the change.
func updateMember(t *testing.T, in *instance, id int64, change func(m *store.Member)) {
	t.Helper()
	ctx := context.Background()
	m, err := in.svc.Store.Member(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	change(&m)
	if err := in.svc.Store.PutMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	waitRegistry()
}

// addUser adds an enabled API user of member and logs it in.
func addUser(t *testing.T, in *instance, name string, member int64) string {
	t.Helper()
	hash, _ := auth.HashPassword("pw-"+name, 4)
	err := in.svc.Store.CreateAPIUser(context.Background(), store.APIUser{
		Name: name, MemberID: member, PasswordHash: hash, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return in.login(name, "pw-"+name)
}

// postMap posts a POST /uid-map body and wants a 200.
func (in *instance) postMap(token, body string) answer {
	in.t.Helper()
	a := in.do("POST", "/uid-map", token, []byte(body))
	if a.status != 200 {
		in.t.Fatalf("POST /uid-map: %d %s", a.status, a.raw)
	}
	return a
}

// segmentsOf reads, straight from the store, the segment ids of a
// platform user's live memberships, in ascending order.
func (in *instance) segmentsOf(id string) []int64 {
	in.t.Helper()
	ms, _, err := in.svc.Store.Memberships(context.Background(), "", id)
	if err != nil {
		in.t.Fatal(err)
	}
	var segs []int64
	for _, m := range ms {
		segs = append(segs, m.SegID)
	}
	slices.Sort(segs)
	return segs
}

// warningsOf lists the warning messages of a POST answer.
func warningsOf(a answer) []string {
	var out []string
	ws, _ := a.response()["warnings"].([]any)
	for _, w := range ws {
		out = append(out, w.(map[string]any)["message"].(string))
	}
	return out
}

// count reads a count of a POST answer's message.
func count(a answer, name string) float64 {
	msg, _ := a.response()["message"].(map[string]any)
	n, _ := msg[name].(float64)
	return n
}

func TestUIDMapPost(t *testing.T) {
	cfg := testConfig("")
	cfg.LimitUsersPerSec = 10_000 // the pairs of this test, in one second
	// A thousand script calls take the embedded store about a second, and
	// several under the race detector on a busy machine.
	cfg.RequestTimeout = 30 * time.Second
	in := start(t, cfg)
	token := in.login(DemoUser, DemoPassword)
	ctx := context.Background()

	a := in.postMap(token, `{"uid_map":[{"external_id":"abc","user_id":"0012345"},`+
		`{"external_id":"x"}, 7,{"external_id":"abc","user_id":"54321"}]}`)
	want := `{"response":{"status":"OK","message":{"pairs_in_request":2},"warnings":[` +
		`{"message":"'user_id' is required and cannot be empty","entity":{"external_id":"x"}},` +
		`{"message":"Pair must be an object.","entity":7}]}}`
	if string(a.raw) != want {
		t.Fatalf("answer\n got %s\nwant %s", a.raw, want)
	}
	got, err := in.svc.Store.ResolveUIDs(ctx, DemoMember, []string{"abc", "x"})
	if err != nil || len(got) != 1 || got["abc"] != "54321" {
		t.Fatalf("mappings of %d: %v %v", DemoMember, got, err)
	}

	// No pair valid: the whole array is the last warning's entity.
	a = in.postMap(token, `{"uid_map":[]}`)
	if count(a, "pairs_in_request") != 0 ||
		!slices.Equal(warningsOf(a), []string{"No valid uid_map in request."}) {
		t.Fatalf("empty: %s", a.raw)
	}

	// At most 1000 pairs.
	pairs := make([]string, 1001)
	for i := range pairs {
		pairs[i] = fmt.Sprintf(`{"external_id":"e%d","user_id":"%d"}`, i, i+1)
	}
	a = in.postMap(token, `{"uid_map":[`+strings.Join(pairs, ",")+`]}`)
	if count(a, "pairs_in_request") != 1000 ||
		!slices.Equal(warningsOf(a), []string{"Too many pairs in request."}) {
		t.Fatalf("1001 pairs: %.300s", a.raw)
	}

	for _, body := range []string{`[]`, `{"uid_map":{}}`, `{"rt_segment":[]}`, `{"uid_map":[}`} {
		a := in.do("POST", "/uid-map", token, []byte(body))
		wantError(t, a, 400, "SYNTAX")
		if text, _ := a.response()["error"].(string); !strings.HasPrefix(text,
			"invalid uid_map request body: ") {
			t.Fatalf("%s: error %q", body, text)
		}
	}
	wantError(t, in.do("POST", "/uid-map", "", []byte(`{"uid_map":[]}`)), 401, "NOAUTH")
	big := `{"uid_map":[],"pad":"` + strings.Repeat("x", 1<<20) + `"}`
	wantError(t, in.do("POST", "/uid-map", token, []byte(big)), 413, "SYNTAX")

	// Mappings are not rt-segment traffic: the usage report stays empty.
	a = in.do("GET", "/rt-segment-processed?agg=false", token, nil)
	if rows, _ := a.response()["report"].([]any); a.status != 200 || len(rows) != 0 {
		t.Fatalf("statistics after mappings only: %d %.500s", a.status, a.raw)
	}
}

// TestUIDMapLimits: a POST /uid-map is a call of the member's POST calls
// bucket, and each valid pair costs a token of its users bucket.
func TestUIDMapLimits(t *testing.T) {
	in := start(t, testConfig(""))
	token := in.login(DemoUser, DemoPassword)
	updateMember(t, in, DemoMember, func(m *store.Member) {
		m.Limits = store.Limits{PostPerSec: 2, UsersPerSec: 3}
	})
	pairs := func(n int) string {
		ps := make([]string, n)
		for i := range ps {
			ps[i] = fmt.Sprintf(`{"external_id":"e%d","user_id":"%d"}`, i, i+1)
		}
		return `{"uid_map":[` + strings.Join(ps, ",") + `,{"external_id":"bad"}]}`
	}

	wantError(t, in.do("POST", "/uid-map", token, []byte(pairs(4))), 400, "LIMIT")
	if a := in.postMap(token, pairs(2)); a.header.Get("X-Ratelimit-Write") != "2" {
		t.Fatalf("rate-limit headers: %v", a.header)
	}
	wantError(t, in.do("POST", "/uid-map", token, []byte(pairs(2))), 429, "LIMIT")
	waitRegistry() // refills both buckets
	in.postMap(token, pairs(1))
	in.postMap(token, pairs(1))
	wantError(t, in.do("POST", "/uid-map", token, []byte(pairs(1))), 429, "LIMIT")
}

// TestExternalIDs is the behaviour of a member that sends its own ids,
// on every backend: mapped ids land on their platform users, unmapped
// ones are warnings and invalid users, GET takes an external id, and
// re-mapping an id moves what is posted for it to the new user.
func TestExternalIDs(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			in := start(t, b.config(t))
			token := in.login(DemoUser, DemoPassword)
			updateMember(t, in, DemoMember, func(m *store.Member) { m.ExternalIDs = true })
			in.postMap(token, `{"uid_map":[{"external_id":"abc","user_id":"111"},`+
				`{"external_id":"12345","user_id":"222"}]}`)

			a := in.post(token, `{"rt_segment":[
				{"user_id":"abc","seg_block":[{"seg_id":10001}]},
				{"user_id":"ghost","seg_block":[{"seg_id":10001}]},
				{"user_id":" 12345 ","seg_block":[{"seg_id":10002},{"seg_id":99}]},
				{"user_id":"1BA98A6C-D1A5-49EF-AD1C-2D9230EBCD13","domain":"idfa",
				 "seg_block":[{"seg_id":12}]}]}`)
			wantWarnings := []string{"No mapping for user_id: ghost.", "Segment 99 not found."}
			if a.status != 200 || count(a, "users_in_request") != 3 ||
				!slices.Equal(warningsOf(a), wantWarnings) {
				t.Fatalf("mixed post: %d %s", a.status, a.raw)
			}
			if got := in.segmentsOf("111"); !slices.Equal(got, []int64{10001}) {
				t.Fatalf("user 111: %v", got)
			}
			if got := in.segmentsOf("222"); !slices.Equal(got, []int64{10002}) {
				t.Fatalf("user 222: %v", got)
			}
			if got := in.segmentsOf("12345"); len(got) != 0 {
				t.Fatalf("a decimal external id was taken for a platform id: %v", got)
			}

			// GET takes the external id and names it in the answer.
			a = in.do("GET", "/rt-segment?user_id=abc", token, nil)
			segs, _ := a.response()["segments"].([]any)
			if a.status != 200 || a.response()["user_id"] != "abc" || len(segs) != 1 {
				t.Fatalf("GET abc: %d %s", a.status, a.raw)
			}
			a = in.do("GET", "/rt-segment?user_id=ghost", token, nil)
			if segs, _ := a.response()["segments"].([]any); a.status != 200 || len(segs) != 0 {
				t.Fatalf("GET of an unmapped id: %d %s", a.status, a.raw)
			}

			// The unmapped id is an invalid user in the statistics.
			a = in.do("GET", "/rt-segment-processed?agg=true", token, nil)
			var rep struct {
				Response struct {
					Report []map[string]any `json:"report"`
				} `json:"response"`
			}
			if err := json.Unmarshal(a.raw, &rep); err != nil || len(rep.Response.Report) != 1 {
				t.Fatalf("statistics: %v %s", err, a.raw)
			}
			row := rep.Response.Report[0]
			if row["num_valid_users"] != 3.0 || row["num_invalid_users"] != 1.0 {
				t.Fatalf("statistics: %v", row)
			}

			// Re-mapping moves the id to another user.
			in.postMap(token, `{"uid_map":[{"external_id":"abc","user_id":"333"}]}`)
			a = in.post(token, `{"rt_segment":[{"user_id":"abc","seg_block":[{"seg_id":12}]}]}`)
			if count(a, "users_in_request") != 1 {
				t.Fatalf("post after re-mapping: %s", a.raw)
			}
			if got := in.segmentsOf("333"); !slices.Equal(got, []int64{12}) {
				t.Fatalf("user 333 after re-mapping: %v", got)
			}
			if got := in.segmentsOf("111"); !slices.Equal(got, []int64{10001}) {
				t.Fatalf("user 111 after re-mapping: %v", got)
			}
		})
	}
}

// TestSharedMapping: a member may resolve its external ids through
// another member's mapping only when that member shares it, and its own
// mappings always go to its own mapping.
func TestSharedMapping(t *testing.T) {
	in := start(t, testConfig(""))
	demo := in.login(DemoUser, DemoPassword)
	other := addUser(t, in, "other", 1661)
	in.postMap(demo, `{"uid_map":[{"external_id":"abc","user_id":"111"}]}`)
	updateMember(t, in, 1661, func(m *store.Member) {
		m.ExternalIDs, m.MappingMember = true, DemoMember
	})

	const post = `{"rt_segment":[{"user_id":"abc","seg_block":[{"seg_id":20001}]}]}`
	a := in.post(other, post)
	wantError(t, a, 403, "UNAUTH")
	if a.response()["error"] != "Member 1001 does not share its user id mapping with member 1661." {
		t.Fatalf("403 text: %s", a.raw)
	}
	wantError(t, in.do("GET", "/rt-segment?user_id=abc", other, nil), 403, "UNAUTH")
	// A request without external ids needs no mapping.
	a = in.post(other, `{"rt_segment":[{"user_id":"`+strings.Repeat("a", 40)+
		`","domain":"openudid","seg_block":[{"seg_id":20001}]}]}`)
	if a.status != 200 || count(a, "users_in_request") != 1 {
		t.Fatalf("device ids of a member whose mapping is not shared: %s", a.raw)
	}

	updateMember(t, in, DemoMember, func(m *store.Member) { m.MappingSharedWith = []int64{1661} })
	if a := in.post(other, post); count(a, "users_in_request") != 1 {
		t.Fatalf("with the mapping shared: %d %s", a.status, a.raw)
	}
	if got := in.segmentsOf("111"); !slices.Equal(got, []int64{20001}) {
		t.Fatalf("user 111: %v", got)
	}

	// 1661 writes into its own mapping, never into the one it reads.
	in.postMap(other, `{"uid_map":[{"external_id":"abc","user_id":"999"}]}`)
	ctx := context.Background()
	own, err := in.svc.Store.ResolveUIDs(ctx, 1661, []string{"abc"})
	if err != nil || own["abc"] != "999" {
		t.Fatalf("1661's own mapping: %v %v", own, err)
	}
	shared, err := in.svc.Store.ResolveUIDs(ctx, DemoMember, []string{"abc"})
	if err != nil || shared["abc"] != "111" {
		t.Fatalf("1001's mapping after 1661 posted: %v %v", shared, err)
	}
	a = in.do("GET", "/rt-segment?user_id=abc", other, nil)
	if segs, _ := a.response()["segments"].([]any); len(segs) != 1 {
		t.Fatalf("GET through the shared mapping: %s", a.raw)
	}
}

// TestReadmeExternalIDs replays the README's walk through external ids
// against the embedded store, with the README's own commands and bodies:
// audiencectl switches member 1001 over, a mapping is posted, and a
// segment post with external ids lands on the mapped user.
func TestReadmeExternalIDs(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	from := strings.Index(text, "## Try it")
	mine := strings.Index(text, "### A member that sends its own user ids")
	if from < 0 || mine < from {
		t.Fatal("the README has no walk through external ids")
	}
	end := mine + strings.Index(text[mine:], "\n## ")
	section := text[mine:end]
	// The bodies of the login, of the first post, and of this section.
	bodies := regexp.MustCompile(`(?s)-d '([^']*)'`).FindAllStringSubmatch(text[from:end], -1)
	command := regexp.MustCompile(`audiencectl (member update [^\n]*)`).FindStringSubmatch(section)
	get := regexp.MustCompile(`"localhost:8080(/rt-segment\?[^"]*)"`).FindAllStringSubmatch(
		section, -1)
	if len(bodies) != 4 || command == nil || len(get) != 1 {
		t.Fatalf("README: %d bodies, command %q, %d GETs", len(bodies), command, len(get))
	}

	in := start(t, testConfig(""))
	token := in.login(DemoUser, DemoPassword)
	if a := in.post(token, bodies[1][1]); count(a, "users_in_request") != 1 {
		t.Fatalf("the README's first post: %s", a.raw)
	}
	var out, errOut strings.Builder
	args := append(strings.Fields(command[1]), "-redis-url", in.svc.embedded.URL())
	if code := ctl.Main(args, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("audiencectl %s: %d %s", command[1], code, errOut.String())
	}
	waitRegistry()

	a := in.postMap(token, bodies[2][1])
	if !strings.Contains(section, "# "+string(a.raw)+"\n") {
		t.Fatalf("POST /uid-map answered %s, not what the README shows", a.raw)
	}
	a = in.post(token, bodies[3][1])
	if count(a, "users_in_request") != 1 ||
		!slices.Equal(warningsOf(a), []string{"No mapping for user_id: shopper-7."}) {
		t.Fatalf("the segment post: %s", a.raw)
	}
	if got := in.segmentsOf("12345678900987654321"); !slices.Equal(got, []int64{10001, 10002}) {
		t.Fatalf("the mapped user's segments: %v", got)
	}
	a = in.do("GET", get[0][1], token, nil)
	if a.response()["user_id"] != "shopper-42" || a.response()["count"] != 2.0 {
		t.Fatalf("GET %s: %s", get[0][1], a.raw)
	}
}
