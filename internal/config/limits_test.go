package config

import (
	"strings"
	"testing"
)

func TestRateLimits(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // the variable the error must name; "" for none
		want    RateLimits
	}{
		{name: "defaults", want: RateLimits{100, 1000, 1000}},
		{name: "set", env: map[string]string{"AUDIENCE_LIMIT_POST_PER_SEC": "20",
			"AUDIENCE_LIMIT_GET_PER_SEC": "50", "AUDIENCE_LIMIT_USERS_PER_SEC": "2000"},
			want: RateLimits{20, 50, 2000}},
		{name: "zero", env: map[string]string{"AUDIENCE_LIMIT_POST_PER_SEC": "0"},
			wantErr: "AUDIENCE_LIMIT_POST_PER_SEC"},
		{name: "negative", env: map[string]string{"AUDIENCE_LIMIT_GET_PER_SEC": "-5"},
			wantErr: "AUDIENCE_LIMIT_GET_PER_SEC"},
		{name: "not a number", env: map[string]string{"AUDIENCE_LIMIT_USERS_PER_SEC": "lots"},
			wantErr: "AUDIENCE_LIMIT_USERS_PER_SEC"},
		{name: "not whole", env: map[string]string{"AUDIENCE_LIMIT_POST_PER_SEC": "1.5"},
			wantErr: "AUDIENCE_LIMIT_POST_PER_SEC"},
		{name: "too high", env: map[string]string{"AUDIENCE_LIMIT_GET_PER_SEC": "1000001"},
			wantErr: "AUDIENCE_LIMIT_GET_PER_SEC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := ParseServer("test", nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || c.RateLimits != tc.want {
				t.Fatalf("got %+v, %v; want %+v", c.RateLimits, err, tc.want)
			}
		})
	}
}
