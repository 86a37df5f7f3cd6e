package ctl

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/instant-audience/audience/internal/config"
)

// TestNoSecretFlags: no command has a flag that could carry a password,
// a token or a secret, other than the store's password flags, which every
// command refuses; and no command takes an argument but push's file.
func TestNoSecretFlags(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		fs := flag.NewFlagSet(c.name(), flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.setup(fs)
		if !c.api {
			config.RegisterRedis(fs, &config.Redis{})
		}
		fs.VisitAll(func(f *flag.Flag) {
			name := strings.ToLower(f.Name)
			for _, word := range []string{"password", "passwd", "token", "secret"} {
				if strings.Contains(name, word) && !slices.Contains(secretFlags, f.Name) {
					t.Errorf("%s has a flag -%s", c.name(), f.Name)
				}
			}
		})
		if c.args != "" && c.name() != "push" {
			t.Errorf("%s takes an argument %s", c.name(), c.args)
		}
	}
}

// TestSecretsRefusedOnCommandLine: a store password given as a flag, or
// inside a store URL given as a flag, before or after the verb, stops the
// command with a usage error that names the variable to use and does not
// repeat the secret (the harness fails any output that holds it); the
// same URL from the environment is fine.
func TestSecretsRefusedOnCommandLine(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	withPassword := strings.Replace(h.url, "redis://", "redis://:"+urlPassword+"@", 1)
	tests := []struct {
		name      string
		args      []string
		stderrHas string
	}{
		{name: "password flag after the verb", args: []string{"member", "show", "-id", "1",
			"-redis-password", urlPassword}, stderrHas: "set AUDIENCE_REDIS_PASSWORD instead"},
		{name: "password flag before the noun", args: []string{"-redis-password", urlPassword,
			"member", "show", "-id", "1"}, stderrHas: "set AUDIENCE_REDIS_PASSWORD instead"},
		{name: "sentinel password flag", args: []string{"segment", "list", "-member", "1",
			"-redis-sentinel-password=" + urlPassword},
			stderrHas: "set AUDIENCE_REDIS_SENTINEL_PASSWORD instead"},
		{name: "URL with a password", args: []string{"member", "show", "-id", "1",
			"-redis-url", withPassword}, stderrHas: "-redis-url holds a password"},
		{name: "URL with a password before the noun", args: []string{"-redis-url",
			withPassword, "token", "revoke", "-user", "x"}, stderrHas: "-redis-url holds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.run(invocation{args: tt.args, noURL: true})
			r.check(t, exitUsage, "", tt.stderrHas)
		})
	}

	// From the environment, the same URL reaches the store (miniredis
	// takes any password when it has none).
	r := h.run(invocation{args: []string{"member", "create", "-id", "77"}, noURL: true,
		env: map[string]string{"AUDIENCE_REDIS_URL": withPassword}})
	r.check(t, exitOK, "", "")
}
