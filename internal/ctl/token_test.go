package ctl

import (
	"testing"
)

func TestTokenRevoke(t *testing.T) {
	t.Parallel()
	const other = "another-live-token"
	tests := []struct {
		name      string
		inv       invocation
		code      int
		stdoutHas string
		stderrHas string
		revoked   bool // testToken's session ended
	}{
		{
			name:      "from standard input",
			inv:       invocation{stdin: testToken + "\n"},
			stdoutHas: "session is revoked",
			revoked:   true,
		},
		{
			name:      "from standard input, Bearer and spaces",
			inv:       invocation{stdin: "  Bearer " + testToken + " \r\n"},
			stdoutHas: "session is revoked",
			revoked:   true,
		},
		{
			name:      "from the environment",
			inv:       invocation{env: map[string]string{tokenEnv: testToken}},
			stdoutHas: "session is revoked",
			revoked:   true,
		},
		{
			name:      "unknown token is no error",
			inv:       invocation{stdin: "never-issued\n"},
			stdoutHas: "session is revoked",
		},
		{
			name:      "no token",
			inv:       invocation{stdin: ""},
			code:      exitUsage,
			stderrHas: "no token given",
		},
		{
			name:      "not a token",
			inv:       invocation{stdin: testToken + "!x\n"},
			code:      exitUsage,
			stderrHas: "that is not a token",
		},
		{
			name:      "token as an argument",
			inv:       invocation{args: []string{testToken}, stdin: testToken + "\n"},
			code:      exitUsage,
			stderrHas: "never taken as arguments",
		},
		{
			name:      "every session of a user",
			inv:       invocation{args: []string{"-user", "alice"}, stdin: "ignored\n"},
			stdoutHas: `2 sessions of user "alice" revoked`,
			revoked:   true,
		},
		{
			name:      "unknown user",
			inv:       invocation{args: []string{"-user", "ghost"}},
			code:      exitFailed,
			stderrHas: `user "ghost": not found`,
		},
		{
			name:      "bad user name",
			inv:       invocation{args: []string{"-user", "a/b"}},
			code:      exitUsage,
			stderrHas: "flag -user",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.must("member", "create", "-id", "1001")
			for _, u := range []string{"alice", "bob"} {
				h.run(invocation{args: []string{"user", "add", "-name", u, "-member", "1001"},
					env: passwordEnvOf})
			}
			h.openSession(testToken, "alice", 1001)
			h.openSession(testToken+"-2", "alice", 1001)
			h.openSession(other, "bob", 1001)

			tt.inv.args = append([]string{"token", "revoke"}, tt.inv.args...)
			r := h.run(tt.inv)
			r.check(t, tt.code, tt.stdoutHas, tt.stderrHas)
			if live := h.sessionLive(testToken); live == tt.revoked {
				t.Errorf("session of the token live: %t, want %t", live, !tt.revoked)
			}
			if !h.sessionLive(other) {
				t.Errorf("another user's session was revoked")
			}
		})
	}
}
