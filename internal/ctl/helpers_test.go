package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/store"
	"github.com/redis/go-redis/v9"
)

// Secrets the tests use: no output may ever hold one of them.
const (
	testPassword = "Correct-Horse-7-battery"
	testToken    = "tok_Zm9vYmFyYmF6cXV4LXRlc3QtdG9rZW4tMDEyMzQ1"
	urlPassword  = "redis-Secret-42"
)

// testCost keeps bcrypt fast in tests.
const testCost = 4

// harness is a miniredis store and a way to run audiencectl against it.
type harness struct {
	t   *testing.T
	mr  *miniredis.Miniredis
	st  *store.Store
	url string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { client.Close() })
	return &harness{t: t, mr: mr, st: store.New(client, ""), url: "redis://" + mr.Addr()}
}

// result is what one run of audiencectl left.
type result struct {
	code           int
	stdout, stderr string
}

// invocation is one run: its arguments, standard input and environment.
type invocation struct {
	args  []string
	stdin string
	env   map[string]string
	// noURL leaves -redis-url out of the arguments.
	noURL bool
}

// run runs audiencectl in-process. -redis-url is put after the verb
// (or in AUDIENCE_REDIS_URL when it holds a password) unless the
// invocation says not to. Every run is checked for leaks:
// neither output may hold a secret of the tests.
func (h *harness) run(inv invocation) result {
	h.t.Helper()
	args := inv.args
	if !inv.noURL && len(args) >= 2 && urlHasPassword(h.url) {
		// A URL with a password is refused on the command line.
		env := map[string]string{"AUDIENCE_REDIS_URL": h.url}
		for k, v := range inv.env {
			env[k] = v
		}
		inv.env = env
	} else if !inv.noURL && len(args) >= 2 {
		args = append(append(append([]string{}, args[:2]...), "-redis-url", h.url), args[2:]...)
	}
	var stdout, stderr bytes.Buffer
	e := &env{
		stdin:  strings.NewReader(inv.stdin),
		stdout: &stdout,
		stderr: &stderr,
		lookupEnv: func(name string) (string, bool) {
			v, ok := inv.env[name]
			return v, ok
		},
		bcryptCost: testCost,
	}
	r := result{code: run(args, e), stdout: stdout.String(), stderr: stderr.String()}
	for _, secret := range []string{testPassword, testToken, urlPassword} {
		if strings.Contains(r.stdout, secret) || strings.Contains(r.stderr, secret) {
			h.t.Errorf("%v: output holds a secret:\nstdout: %s\nstderr: %s",
				inv.args, r.stdout, r.stderr)
		}
	}
	return r
}

// cmd is a shorthand for a run with arguments only.
func (h *harness) cmd(args ...string) result {
	h.t.Helper()
	return h.run(invocation{args: args})
}

// must runs a command that has to succeed.
func (h *harness) must(args ...string) result {
	h.t.Helper()
	r := h.cmd(args...)
	if r.code != exitOK {
		h.t.Fatalf("%v: exit %d\nstderr: %s", args, r.code, r.stderr)
	}
	return r
}

// check compares the exit code and looks for a text in each output.
func (r result) check(t *testing.T, code int, stdoutHas, stderrHas string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, stdoutHas) {
		t.Errorf("stdout %q does not hold %q", r.stdout, stdoutHas)
	}
	if !strings.Contains(r.stderr, stderrHas) {
		t.Errorf("stderr %q does not hold %q", r.stderr, stderrHas)
	}
}

// decodeJSON parses a -json output into v.
func decodeJSON(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
}

// openSession opens a session of a user for a token, as a login does.
func (h *harness) openSession(token, user string, member int64) {
	h.t.Helper()
	_, err := h.st.OpenSession(context.Background(), auth.HashToken(token),
		store.Session{User: user, MemberID: member}, time.Hour, 2*time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
}

// sessionLive reports whether a token's session is still there.
func (h *harness) sessionLive(token string) bool {
	h.t.Helper()
	_, err := h.st.TouchSession(context.Background(), auth.HashToken(token),
		time.Hour, 2*time.Hour)
	return err == nil
}

// bg is a context for the tests' own store calls.
func bg() context.Context { return context.Background() }
