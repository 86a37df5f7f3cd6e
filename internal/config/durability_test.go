package config

import (
	"strings"
	"testing"
	"time"
)

func TestDurability(t *testing.T) {
	single := map[string]string{"AUDIENCE_REDIS_URL": "redis://r:6379"}
	with := func(extra map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range single {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	tests := []struct {
		name     string
		env      map[string]string
		wantErr  string // a part of the error; "" for none
		replicas int
		timeout  time.Duration
	}{
		{name: "off by default", env: single, timeout: DefaultWaitTimeout},
		{name: "single server", env: with(map[string]string{
			"AUDIENCE_REDIS_WAIT_REPLICAS": "1", "AUDIENCE_REDIS_WAIT_TIMEOUT": "250ms"}),
			replicas: 1, timeout: 250 * time.Millisecond},
		{name: "sentinel", env: map[string]string{
			"AUDIENCE_REDIS_SENTINEL_MASTER": "m", "AUDIENCE_REDIS_SENTINEL_ADDRS": "s:26379",
			"AUDIENCE_REDIS_WAIT_REPLICAS": "2"}, replicas: 2, timeout: DefaultWaitTimeout},
		{name: "refused with a cluster", env: map[string]string{
			"AUDIENCE_REDIS_CLUSTER_ADDRS": "c1:6379", "AUDIENCE_REDIS_WAIT_REPLICAS": "1"},
			wantErr: "AUDIENCE_REDIS_WAIT_REPLICAS=1: is for a single server or Sentinel"},
		{name: "refused on the embedded store", env: map[string]string{
			"AUDIENCE_REDIS_WAIT_REPLICAS": "1"}, wantErr: "the embedded store has none"},
		{name: "negative", env: with(map[string]string{"AUDIENCE_REDIS_WAIT_REPLICAS": "-1"}),
			wantErr: "AUDIENCE_REDIS_WAIT_REPLICAS"},
		{name: "zero timeout would block forever", env: with(map[string]string{
			"AUDIENCE_REDIS_WAIT_REPLICAS": "1", "AUDIENCE_REDIS_WAIT_TIMEOUT": "0s"}),
			wantErr: "AUDIENCE_REDIS_WAIT_TIMEOUT=0s"},
		{name: "timeout past the request's", env: with(map[string]string{
			"AUDIENCE_REDIS_WAIT_REPLICAS": "1", "AUDIENCE_REDIS_WAIT_TIMEOUT": "2s",
			"AUDIENCE_REQUEST_TIMEOUT": "2s"}), wantErr: "AUDIENCE_REQUEST_TIMEOUT"},
		{name: "timeout past the read timeout", env: with(map[string]string{
			"AUDIENCE_REDIS_WAIT_REPLICAS": "1", "AUDIENCE_REDIS_WAIT_TIMEOUT": "3s"}),
			wantErr: "AUDIENCE_REDIS_READ_TIMEOUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := ParseServer("test", nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.WaitReplicas != tc.replicas || c.WaitTimeout != tc.timeout {
				t.Fatalf("got %d replicas, %v; want %d, %v", c.WaitReplicas, c.WaitTimeout,
					tc.replicas, tc.timeout)
			}
		})
	}
}
