package ctl

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/instant-audience/audience/internal/store"
	"github.com/redis/go-redis/v9"
)

func TestMainHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := Main([]string{"help"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitOK || stderr.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	for _, c := range commands {
		if !strings.Contains(stdout.String(), c.name()) {
			t.Errorf("help does not list %q", c.name())
		}
	}
}

func TestDispatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name      string
		args      []string
		code      int
		stdoutHas string
		stderrHas string
	}{
		{name: "no arguments", code: exitUsage, stderrHas: "Usage:"},
		{name: "-h", args: []string{"-h"}, stdoutHas: "member create"},
		{name: "help of a noun", args: []string{"help", "segment"}, stdoutHas: "segment deactivate"},
		{name: "help of a command", args: []string{"help", "user", "add"},
			stdoutHas: "AUDIENCE_PASSWORD"},
		{name: "help of nothing", args: []string{"help", "pony"}, code: exitUsage,
			stderrHas: `no help on "pony"`},
		{name: "noun alone", args: []string{"user"}, code: exitUsage, stderrHas: "user passwd"},
		{name: "noun -h", args: []string{"user", "-h"}, stdoutHas: "user passwd"},
		{name: "unknown noun", args: []string{"pony"}, code: exitUsage,
			stderrHas: `unknown command "pony"`},
		{name: "unknown verb", args: []string{"member", "delete"}, code: exitUsage,
			stderrHas: `unknown command "member delete"`},
		{name: "unknown verb not shown if it may be a secret",
			args: []string{"token", testToken}, code: exitUsage,
			stderrHas: "unknown command (not shown)"},
		{name: "unknown global flag", args: []string{"-verbose"}, code: exitUsage,
			stderrHas: "not defined: -verbose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.run(invocation{args: tt.args, noURL: true}).
				check(t, tt.code, tt.stdoutHas, tt.stderrHas)
		})
	}
}

func TestCommandHelp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, c := range commands {
		t.Run(c.name(), func(t *testing.T) {
			args := []string{c.noun, c.verb, "-h"}
			r := h.run(invocation{args: args, noURL: true})
			r.check(t, exitOK, "Usage: audiencectl "+c.name(), "")
			if !c.api {
				r.check(t, exitOK, "-redis-url", "")
			}
			for _, f := range c.required {
				r.check(t, exitOK, "-"+f+" ", "")
			}
			for _, line := range strings.Split(r.stdout, "\n") {
				if len(line) > 100 {
					t.Errorf("help line longer than 100 columns: %q", line)
				}
			}
		})
	}
}

func TestStoreSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// args goes between "member create -id 1" and the end; env is the
		// environment. {url} stands for the store's URL.
		args      []string
		global    []string
		env       map[string]string
		code      int
		stderrHas string
		prefix    string // where the member must land
	}{
		{name: "flag", args: []string{"-redis-url", "{url}"}, prefix: "ia:"},
		{name: "environment", env: map[string]string{"AUDIENCE_REDIS_URL": "{url}"},
			prefix: "ia:"},
		{name: "flag before the noun", global: []string{"-redis-url", "{url}"}, prefix: "ia:"},
		{
			name:   "flag wins over the environment",
			args:   []string{"-redis-url", "{url}"},
			env:    map[string]string{"AUDIENCE_REDIS_URL": "redis://127.0.0.1:1"},
			prefix: "ia:",
		},
		{
			name:   "key prefix from the environment",
			args:   []string{"-redis-url", "{url}"},
			env:    map[string]string{"AUDIENCE_KEY_PREFIX": "env:"},
			prefix: "env:",
		},
		{
			name:   "key prefix flag",
			args:   []string{"-redis-url", "{url}", "-key-prefix", "flag:"},
			env:    map[string]string{"AUDIENCE_KEY_PREFIX": "env:"},
			prefix: "flag:",
		},
		{
			name:      "no store",
			code:      exitUsage,
			stderrHas: "no store given: pass -redis-url or set AUDIENCE_REDIS_URL",
		},
		{
			name:      "empty variable is no store",
			env:       map[string]string{"AUDIENCE_REDIS_URL": ""},
			code:      exitUsage,
			stderrHas: "embedded_store",
		},
		{
			name: "not a Redis URL",
			env: map[string]string{
				"AUDIENCE_REDIS_URL": "http://user:" + urlPassword + "@host"},
			code:      exitUsage,
			stderrHas: "AUDIENCE_REDIS_URL: must be redis://",
		},
		{
			name:      "empty key prefix",
			args:      []string{"-redis-url", "{url}", "-key-prefix", ""},
			code:      exitUsage,
			stderrHas: "AUDIENCE_KEY_PREFIX",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			fill := func(ss []string) []string {
				out := make([]string, len(ss))
				for i, s := range ss {
					out[i] = strings.ReplaceAll(s, "{url}", h.url)
				}
				return out
			}
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = strings.ReplaceAll(v, "{url}", h.url)
			}
			args := append(fill(tt.global), "member", "create", "-id", "1")
			args = append(args, fill(tt.args)...)

			r := h.run(invocation{args: args, env: env, noURL: true})
			r.check(t, tt.code, "", tt.stderrHas)
			if tt.prefix != "" && !h.mr.Exists(tt.prefix+"m{1}") {
				t.Errorf("no member under %q; keys: %v", tt.prefix, h.mr.Keys())
			}
		})
	}
}

func TestStoreDown(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	mr.RequireAuth(urlPassword)
	url := "redis://:" + urlPassword + "@" + mr.Addr() + "/0?max_retries=-1&dial_timeout=1s"
	client := redis.NewClient(&redis.Options{Addr: mr.Addr(), Password: urlPassword})
	t.Cleanup(func() { client.Close() })
	st := store.New(client, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := st.CreateMember(ctx, store.Member{ID: 1001, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, mr: mr, st: st, url: url}
	h.must("member", "show", "-id", "1001")

	mr.Close()
	tests := []struct {
		name string
		inv  invocation
	}{
		{name: "member show", inv: invocation{args: []string{"member", "show", "-id", "1001"}}},
		{name: "segment add", inv: invocation{args: []string{"segment", "add", "-member", "1001"}}},
		{name: "user add", inv: invocation{args: []string{"user", "add", "-name", "a",
			"-member", "1001"}, env: passwordEnvOf}},
		{name: "token revoke", inv: invocation{args: []string{"token", "revoke"},
			stdin: testToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.run(tt.inv)
			r.check(t, exitFailed, "", "store unavailable")
			if strings.Contains(r.stderr, "redis://") {
				t.Errorf("stderr shows the store URL: %s", r.stderr)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		msg     string
		secrets []string
		want    string
	}{
		{name: "none", msg: "plain", want: "plain"},
		{name: "empty secret ignored", msg: "plain", secrets: []string{""}, want: "plain"},
		{name: "every occurrence", msg: "a pw b pw", secrets: []string{"pw"}, want: "a *** b ***"},
		{
			name:    "URL and its password",
			msg:     "dial redis://:pw1@h:1 failed; pw1",
			secrets: urlSecrets("redis://:pw1@h:1"),
			want:    "dial *** failed; ***",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redact(tt.msg, tt.secrets); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
