package config

import (
	"strings"
	"testing"
)

func TestParseServer(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string // a part of the error naming the setting; "" for none
		check   func(t *testing.T, c Server)
	}{
		{name: "defaults", check: func(t *testing.T, c Server) {
			if c.Addr != ":8080" || c.Redis.URL != "" || c.MaxExpiration != 259200 ||
				c.DefaultExpiration != 0 || c.Redis.KeyPrefix != "ia:" ||
				c.UIDMapTTL.Hours() != 720 {
				t.Fatalf("defaults: %+v", c)
			}
		}},
		{name: "environment", env: map[string]string{
			"AUDIENCE_ADDR": ":9000", "AUDIENCE_REDIS_URL": "redis://r:6379/1", "AUDIENCE_DEMO": "true",
		}, check: func(t *testing.T, c Server) {
			if c.Addr != ":9000" || c.Redis.URL != "redis://r:6379/1" || !c.Demo {
				t.Fatalf("from env: %+v", c)
			}
		}},
		{name: "flag beats environment", env: map[string]string{"AUDIENCE_ADDR": ":9000"},
			args: []string{"-addr", ":9001"}, check: func(t *testing.T, c Server) {
				if c.Addr != ":9001" {
					t.Fatalf("addr %q", c.Addr)
				}
			}},
		{name: "bad redis scheme", env: map[string]string{"AUDIENCE_REDIS_URL": "http://x:1"},
			wantErr: "AUDIENCE_REDIS_URL"},
		{name: "redis password not echoed", env: map[string]string{"AUDIENCE_REDIS_URL": "mysql://u:hunter2@x"},
			wantErr: "AUDIENCE_REDIS_URL"},
		{name: "negative default expiration", env: map[string]string{"AUDIENCE_DEFAULT_EXPIRATION": "-1"},
			wantErr: "AUDIENCE_DEFAULT_EXPIRATION"},
		{name: "default above max", env: map[string]string{
			"AUDIENCE_DEFAULT_EXPIRATION": "100", "AUDIENCE_MAX_EXPIRATION": "50"},
			wantErr: "AUDIENCE_DEFAULT_EXPIRATION"},
		{name: "max not a number", env: map[string]string{"AUDIENCE_MAX_EXPIRATION": "lots"},
			wantErr: "max-expiration"},
		{name: "bad log level", env: map[string]string{"AUDIENCE_LOG_LEVEL": "loud"},
			wantErr: "AUDIENCE_LOG_LEVEL"},
		{name: "bcrypt too cheap", env: map[string]string{"AUDIENCE_BCRYPT_COST": "2"},
			wantErr: "AUDIENCE_BCRYPT_COST"},
		{name: "empty prefix", env: map[string]string{"AUDIENCE_KEY_PREFIX": ""},
			args: []string{"-key-prefix", ""}, wantErr: "AUDIENCE_KEY_PREFIX"},
		{name: "uid map ttl", env: map[string]string{"AUDIENCE_UID_MAP_TTL": "90m"},
			check: func(t *testing.T, c Server) {
				if c.UIDMapTTL.Minutes() != 90 {
					t.Fatalf("uid map ttl %v", c.UIDMapTTL)
				}
			}},
		{name: "uid map ttl below a second", env: map[string]string{"AUDIENCE_UID_MAP_TTL": "500ms"},
			wantErr: "AUDIENCE_UID_MAP_TTL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := ParseServer("test", tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatal("the error echoes a password")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestWriteTimeoutCoversReadAndStore(t *testing.T) {
	t.Setenv("AUDIENCE_WRITE_TIMEOUT", "30s")
	_, err := ParseServer("test", nil)
	if err == nil || !strings.Contains(err.Error(), "AUDIENCE_WRITE_TIMEOUT") {
		t.Fatalf("a write timeout shorter than read + request timeouts: %v", err)
	}
}
