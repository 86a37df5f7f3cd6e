package ctl

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/instant-audience/audience/internal/store"
	"golang.org/x/crypto/bcrypt"
)

// passwordEnvOf is an environment holding the test password.
var passwordEnvOf = map[string]string{passwordEnv: testPassword}

// checkPassword fails the test unless user's stored hash is of password.
func (h *harness) checkPassword(t *testing.T, user, password string) {
	t.Helper()
	u, err := h.st.APIUser(bg(), user)
	if err != nil {
		t.Fatal(err)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)); err != nil {
		t.Errorf("stored hash is not of the password: %v", err)
	}
	if cost, _ := bcrypt.Cost([]byte(u.PasswordHash)); cost != testCost {
		t.Errorf("bcrypt cost %d, want %d", cost, testCost)
	}
}

func TestUserAdd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		inv       invocation
		code      int
		stderrHas string
		password  string // the password stored afterwards, if any
	}{
		{
			name:     "password from the environment",
			inv:      invocation{args: []string{"-name", "alice", "-member", "1001"}, env: passwordEnvOf},
			password: testPassword,
		},
		{
			name: "the environment wins over standard input",
			inv: invocation{args: []string{"-name", "alice", "-member", "1001"},
				env: passwordEnvOf, stdin: "other-password\n"},
			password: testPassword,
		},
		{
			name: "password from standard input",
			inv: invocation{args: []string{"-name", "a.b_c@d-e", "-member", "1001"},
				stdin: testPassword + "\n"},
			password: testPassword,
		},
		{
			name: "first line only, CRLF",
			inv: invocation{args: []string{"-name", "alice", "-member", "1001"},
				stdin: testPassword + "\r\nsecond line\n"},
			password: testPassword,
		},
		{
			name:     "no line ending",
			inv:      invocation{args: []string{"-name", "alice", "-member", "1001"}, stdin: testPassword},
			password: testPassword,
		},
		{
			name:      "no password",
			inv:       invocation{args: []string{"-name", "alice", "-member", "1001"}},
			code:      exitUsage,
			stderrHas: "no password given",
		},
		{
			name: "empty password variable",
			inv: invocation{args: []string{"-name", "alice", "-member", "1001"},
				env: map[string]string{passwordEnv: ""}, stdin: testPassword + "\n"},
			code:      exitUsage,
			stderrHas: "AUDIENCE_PASSWORD is set but empty",
		},
		{
			name: "password too long",
			inv: invocation{args: []string{"-name", "alice", "-member", "1001"},
				stdin: testPassword + strings.Repeat("x", 73-len(testPassword)) + "\n"},
			code:      exitUsage,
			stderrHas: "longer than 72 bytes",
		},
		{
			name: "password as an argument",
			inv: invocation{args: []string{"-name", "alice", "-member", "1001", testPassword},
				env: passwordEnvOf},
			code:      exitUsage,
			stderrHas: "never taken as arguments",
		},
		{
			name: "password as a flag",
			inv: invocation{args: []string{"-name", "alice", "-member", "1001",
				"-password=" + testPassword}},
			code:      exitUsage,
			stderrHas: "not defined: -password",
		},
		{
			name:      "user exists",
			inv:       invocation{args: []string{"-name", "bob", "-member", "1001"}, env: passwordEnvOf},
			code:      exitFailed,
			stderrHas: `user "bob": already exists`,
		},
		{
			name:      "member not found",
			inv:       invocation{args: []string{"-name", "alice", "-member", "9"}, env: passwordEnvOf},
			code:      exitFailed,
			stderrHas: "member 9: not found",
		},
		{
			name:      "name missing",
			inv:       invocation{args: []string{"-member", "1001"}, env: passwordEnvOf},
			code:      exitUsage,
			stderrHas: "-name is required",
		},
		{
			name:      "member missing",
			inv:       invocation{args: []string{"-name", "alice"}, env: passwordEnvOf},
			code:      exitUsage,
			stderrHas: "-member is required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.must("member", "create", "-id", "1001")
			h.run(invocation{args: []string{"user", "add", "-name", "bob", "-member", "1001"},
				env: passwordEnvOf})

			tt.inv.args = append([]string{"user", "add"}, tt.inv.args...)
			r := h.run(tt.inv)
			out := ""
			if tt.code == exitOK {
				out = "created"
			}
			r.check(t, tt.code, out, tt.stderrHas)
			if tt.password != "" {
				h.checkPassword(t, tt.inv.args[3], tt.password)
			}
			if tt.code != exitOK {
				if _, err := h.st.APIUser(bg(), "alice"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("user made despite the failure: %v", err)
				}
			}
		})
	}
}

func TestUserNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must("member", "create", "-id", "1001")
	tests := []struct {
		name string
		user string
		ok   bool
	}{
		{name: "one character", user: "a", ok: true},
		{name: "64 characters", user: strings.Repeat("a", 64), ok: true},
		{name: "every allowed kind", user: "Az09._@-", ok: true},
		{name: "empty", user: ""},
		{name: "65 characters", user: strings.Repeat("a", 65)},
		{name: "space", user: "a b"},
		{name: "non-ASCII", user: "élise"},
		{name: "braces", user: "a{b}"},
		{name: "colon", user: "a:b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.run(invocation{args: []string{"user", "add", "-name", tt.user, "-member", "1001"},
				env: passwordEnvOf})
			if tt.ok {
				r.check(t, exitOK, "created", "")
				return
			}
			r.check(t, exitUsage, "", "flag -name: must be 1 to 64 characters")
		})
	}
}

func TestUserPasswd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		inv       invocation
		code      int
		stderrHas string
	}{
		{
			name: "from the environment",
			inv:  invocation{args: []string{"-name", "alice"}, env: passwordEnvOf},
		},
		{
			name: "from standard input",
			inv:  invocation{args: []string{"-name", "alice"}, stdin: testPassword + "\n"},
		},
		{
			name:      "no password",
			inv:       invocation{args: []string{"-name", "alice"}, stdin: "\n"},
			code:      exitUsage,
			stderrHas: "no password given",
		},
		{
			name:      "not found",
			inv:       invocation{args: []string{"-name", "nobody"}, env: passwordEnvOf},
			code:      exitFailed,
			stderrHas: `user "nobody": not found`,
		},
		{
			name:      "bad name",
			inv:       invocation{args: []string{"-name", "no body"}, env: passwordEnvOf},
			code:      exitUsage,
			stderrHas: "flag -name",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.must("member", "create", "-id", "1001")
			h.run(invocation{args: []string{"user", "add", "-name", "alice", "-member", "1001"},
				stdin: "old-password\n"})

			tt.inv.args = append([]string{"user", "passwd"}, tt.inv.args...)
			r := h.run(tt.inv)
			out := ""
			if tt.code == exitOK {
				out = `password of user "alice" changed`
			}
			r.check(t, tt.code, out, tt.stderrHas)
			want := "old-password"
			if tt.code == exitOK {
				want = testPassword
			}
			h.checkPassword(t, "alice", want)
		})
	}
}

func TestUserDisableEnable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sessions []string // tokens of alice open before
		want     string
	}{
		{name: "no session", want: `user "alice" disabled; 0 sessions revoked`},
		{name: "one session", sessions: []string{testToken}, want: "; 1 session revoked"},
		{name: "two sessions", sessions: []string{testToken, testToken + "2"}, want: "2 sessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.must("member", "create", "-id", "1001")
			h.run(invocation{args: []string{"user", "add", "-name", "alice", "-member", "1001"},
				env: passwordEnvOf})
			h.run(invocation{args: []string{"user", "add", "-name", "bob", "-member", "1001"},
				env: passwordEnvOf})
			for _, tok := range tt.sessions {
				h.openSession(tok, "alice", 1001)
			}
			h.openSession("bobs-token", "bob", 1001)

			h.must("user", "disable", "-name", "alice").check(t, exitOK, tt.want, "")
			for _, tok := range tt.sessions {
				if h.sessionLive(tok) {
					t.Errorf("a session of alice survived")
				}
			}
			if !h.sessionLive("bobs-token") {
				t.Errorf("bob's session was revoked too")
			}
			if u, _ := h.st.APIUser(bg(), "alice"); u.Enabled {
				t.Errorf("alice still enabled")
			}

			h.must("user", "enable", "-name", "alice").check(t, exitOK, `user "alice" enabled`, "")
			if u, _ := h.st.APIUser(bg(), "alice"); !u.Enabled {
				t.Errorf("alice still disabled")
			}
		})
	}
}

func TestUserNotFound(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, verb := range []string{"disable", "enable", "show"} {
		t.Run(verb, func(t *testing.T) {
			h.cmd("user", verb, "-name", "ghost").check(t, exitFailed, "", `user "ghost": not found`)
			h.cmd("user", verb).check(t, exitUsage, "", "-name is required")
		})
	}
	if _, err := h.st.APIUser(bg(), "ghost"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("enable or disable made a user: %v", err)
	}
}

func TestUserShow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must("member", "create", "-id", "1001")
	h.run(invocation{args: []string{"user", "add", "-name", "alice", "-member", "1001"},
		env: passwordEnvOf})
	u, err := h.st.APIUser(bg(), "alice")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		has  []string
	}{
		{name: "text", args: nil, has: []string{"alice", "member_id  1001", "password   set"}},
		{name: "json", args: []string{"-json"}, has: []string{`"password_set": true`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.must(append([]string{"user", "show", "-name", "alice"}, tt.args...)...)
			for _, s := range tt.has {
				r.check(t, exitOK, s, "")
			}
			if strings.Contains(r.stdout, u.PasswordHash) || strings.Contains(r.stdout, "$2") {
				t.Errorf("output holds the password hash: %s", r.stdout)
			}
		})
	}

	t.Run("json parses", func(t *testing.T) {
		var got userView
		decodeJSON(t, h.must("user", "show", "-name", "alice", "-json").stdout, &got)
		want := userView{Name: "alice", MemberID: 1001, Enabled: true, PasswordSet: true}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
}
