package ctl

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instant-audience/audience/internal/app"
	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/store"
)

// pushService starts the API in-process on an embedded store, with an API
// user "pusher" of the demo member whose password is testPassword.
func pushService(t *testing.T) string {
	t.Helper()
	svc, err := app.BuildForTests(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	hash, err := auth.HashPassword(testPassword, testCost)
	if err != nil {
		t.Fatal(err)
	}
	err = svc.Store.CreateAPIUser(context.Background(), store.APIUser{Name: "pusher",
		MemberID: app.DemoMember, PasswordHash: hash, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.API.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// sample copies the README's sample file into a directory of the test.
func sample(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeFile writes a file of the test with the given mode.
func writeFile(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// pusherEnv logs in from the environment.
var pusherEnv = map[string]string{usernameEnv: "pusher", passwordEnv: testPassword}

func TestPush(t *testing.T) {
	t.Parallel()
	base := pushService(t)
	csv := sample(t, "audience.csv")
	jsonl, err := os.ReadFile(filepath.Join("..", "..", "docs", "examples", "audience.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		inv       invocation
		code      int
		stdoutHas string
		stderrHas string
	}{
		{
			name:      "a file, credentials from the environment",
			inv:       invocation{args: []string{"push", "-url", base, csv}, env: pusherEnv},
			stdoutHas: "users accepted     5",
		},
		{
			name: "flags after the file",
			inv: invocation{args: []string{"push", csv, "-url", base, "-concurrency", "1"},
				env: pusherEnv},
			stdoutHas: "segments accepted  8",
		},
		{
			name: "standard input, JSON Lines",
			inv: invocation{args: []string{"push", "-url", base, "-"}, env: pusherEnv,
				stdin: string(jsonl)},
			stdoutHas: "push complete (jsonl",
		},
		{
			name: "a credentials file of two lines",
			inv: invocation{args: []string{"push", "-url", base, "-credentials",
				writeFile(t, "pusher\n"+testPassword+"\n", 0o600), csv}},
			stdoutHas: "users accepted     5",
		},
		{
			name: "a credentials file of keys",
			inv: invocation{args: []string{"push", "-url", base, "-credentials",
				writeFile(t, "# push\npassword = "+testPassword+"\r\nusername=pusher\n", 0o644),
				csv}},
			stdoutHas: "users accepted     5",
			stderrHas: "can be read by other users",
		},
		{
			name: "a credentials file without a password",
			inv: invocation{args: []string{"push", "-url", base, "-credentials",
				writeFile(t, "username=pusher\n", 0o600), csv}},
			code:      exitUsage,
			stderrHas: "must hold a username and a password",
		},
		{
			name:      "no credentials",
			inv:       invocation{args: []string{"push", "-url", base, csv}},
			code:      exitUsage,
			stderrHas: "set AUDIENCE_USERNAME and AUDIENCE_PASSWORD",
		},
		{
			name: "a wrong password",
			inv: invocation{args: []string{"push", "-url", base, csv},
				env: map[string]string{usernameEnv: "demo", passwordEnv: testPassword}},
			code:      exitFailed,
			stderrHas: "the service refused the credentials",
		},
		{
			name: "no store settings: push talks HTTP",
			inv: invocation{args: []string{"push", "-url", base, "-redis-url",
				"redis://127.0.0.1:1", csv}, env: pusherEnv},
			code:      exitUsage,
			stderrHas: "not defined: -redis-url",
		},
		{
			name:      "no file",
			inv:       invocation{args: []string{"push", "-url", base}, env: pusherEnv},
			code:      exitUsage,
			stderrHas: "one FILE is needed, 0 given",
		},
		{
			name:      "no URL",
			inv:       invocation{args: []string{"push", csv}, env: pusherEnv},
			code:      exitUsage,
			stderrHas: "-url is required",
		},
		{
			name: "a URL with a password",
			inv: invocation{args: []string{"push", "-url", "http://u:" + testPassword +
				"@127.0.0.1:1", csv}, env: pusherEnv},
			code:      exitUsage,
			stderrHas: "must not hold credentials",
		},
		{
			name:      "a file that is not there",
			inv:       invocation{args: []string{"push", "-url", base, csv + ".x"}, env: pusherEnv},
			code:      exitUsage,
			stderrHas: "no such file",
		},
		{
			name:      "-resume from standard input needs a journal",
			inv:       invocation{args: []string{"push", "-url", base, "-resume", "-"}, env: pusherEnv},
			code:      exitUsage,
			stderrHas: "-resume needs the -journal",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.inv.noURL = true
			h := &harness{t: t}
			r := h.run(tt.inv)
			r.check(t, tt.code, tt.stdoutHas, tt.stderrHas)
		})
	}

	// The runs above left the warnings of the sample beside it, and no
	// journal: every push completed.
	raw, err := os.ReadFile(csv + ".warnings.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte("\n")); n != 3 {
		t.Errorf("%d warnings in the file, want the sample's 3:\n%s", n, raw)
	}
	if _, err := os.Stat(csv + ".journal"); !os.IsNotExist(err) {
		t.Errorf("a journal is left: %v", err)
	}
}

// A journal left by a push that did not finish is not overwritten.
func TestPushJournalLeft(t *testing.T) {
	t.Parallel()
	base := pushService(t)
	csv := sample(t, "audience.csv")
	journal := `{"journal":"audiencectl push journal","version":1,"input":"x","size":1,` +
		`"head":"h","format":"csv"}` + "\n" + `{"from":[2,0],"to":[3,0]}` + "\n"
	if err := os.WriteFile(csv+".journal", []byte(journal), 0o600); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t}
	r := h.run(invocation{args: []string{"push", "-url", base, csv}, env: pusherEnv,
		noURL: true})
	r.check(t, exitUsage, "", "add -resume to continue it, or remove it")
	r = h.run(invocation{args: []string{"push", "-url", base, "-resume", csv},
		env: pusherEnv, noURL: true})
	r.check(t, exitUsage, "", "the journal is of another input")
}

func TestPushHelp(t *testing.T) {
	t.Parallel()
	h := &harness{t: t}
	for _, args := range [][]string{{"help", "push"}, {"push", "-h"}} {
		r := h.run(invocation{args: args, noURL: true})
		r.check(t, exitOK, "Usage: audiencectl push -url URL", "")
		if strings.Contains(r.stdout, "-redis-url") {
			t.Errorf("%v: the help of push lists the store's settings", args)
		}
	}
	r := h.run(invocation{args: []string{"help"}, noURL: true})
	r.check(t, exitOK, "  push ", "")
}
