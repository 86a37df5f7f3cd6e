package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/app"
	"github.com/instant-audience/audience/internal/loadgen/scenario"
	"github.com/instant-audience/audience/internal/store"
)

func TestParseLimits(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    store.Limits
		wantErr bool
	}{
		{name: "unlimited", in: "unlimited", want: scenario.Unlimited},
		{name: "service", in: "service", want: store.Limits{}},
		{name: "numbers", in: "20, 50,100", want: store.Limits{PostPerSec: 20, GetPerSec: 50,
			UsersPerSec: 100}},
		{name: "two numbers", in: "20,50", wantErr: true},
		{name: "zero", in: "0,50,100", wantErr: true},
		{name: "word", in: "many", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLimits(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseLimits(%q) = %+v, %v", tt.in, got, err)
			}
		})
	}
}

func TestSettingsFromEnvironment(t *testing.T) {
	t.Setenv("LOAD_RATE", "42")
	t.Setenv("LOAD_DURATION", "3s")
	s, err := parseSettings("get", []string{"-duration", "7s"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	// The flag wins over the variable, the variable over the default.
	if s.rate != 42 || s.duration != 7*time.Second || s.p99 != 2 {
		t.Errorf("rate %v, duration %v, p99 %v ms: want 42, 7s and get's own 2", s.rate,
			s.duration, s.p99)
	}
	if _, err := parseSettings("get", []string{"-rate", "fast"}, &bytes.Buffer{}); err == nil {
		t.Error("a rate that is not a number was accepted")
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{name: "no command", args: nil, want: 2},
		{name: "unknown command", args: []string{"stampede"}, want: 2},
		{name: "bad flag", args: []string{"get", "-nope"}, want: 2},
		{name: "help", args: []string{"help"}, want: 0},
		{name: "no accounts", args: []string{"get"}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LOAD_ACCOUNTS", "")
			t.Setenv("LOAD_USERNAME", "")
			if got := run(tt.args, &bytes.Buffer{}, &bytes.Buffer{}); got != tt.want {
				t.Errorf("exit %d, want %d", got, tt.want)
			}
		})
	}
}

// TestSmallPostRun runs a scenario end to end against the service
// in-process, from an accounts file, with its thresholds.
func TestSmallPostRun(t *testing.T) {
	ctx := context.Background()
	svc, err := app.BuildForTests(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	web := httptest.NewServer(svc.API.Handler())
	defer web.Close()
	accounts, err := scenario.Provision(ctx, svc.Store, scenario.Spec{Members: 2,
		Limits: scenario.Unlimited})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "accounts.json")
	if err := scenario.WriteAccounts(path, accounts); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	code := run([]string{"small-post", "-base-url", web.URL, "-accounts", path, "-rate", "50",
		"-duration", "400ms", "-p99-ms", "2000"}, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "200:20 failed:0") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	// A threshold no run can meet fails it.
	code = run([]string{"small-post", "-base-url", web.URL, "-accounts", path, "-rate", "50",
		"-duration", "200ms", "-p99-ms", "0"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "p99") {
		t.Fatalf("exit %d with a p99 threshold of 0\n%s", code, errOut.String())
	}
}
