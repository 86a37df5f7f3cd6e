package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRedisTopologyAndHTTP(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // a part of the error naming the setting; "" for none
		check   func(t *testing.T, c Server)
	}{
		{name: "defaults", check: func(t *testing.T, c Server) {
			r := c.Redis
			if r.Topology() != "" || r.DialTimeout != 2*time.Second ||
				r.ReadTimeout != 3*time.Second || r.WriteTimeout != 3*time.Second ||
				r.PoolTimeout != 4*time.Second || r.MinIdle != 2 || r.PoolSize != 0 ||
				r.ClusterReload != time.Second {
				t.Fatalf("redis defaults: %+v", r.RedisConn)
			}
			if c.AdminAddr != "" || len(c.TrustedProxies) != 0 ||
				c.ReadHeaderTimeout != 10*time.Second ||
				c.WriteTimeout != 45*time.Second || c.IdleTimeout != 120*time.Second ||
				c.MaxHeaderBytes != 64<<10 {
				t.Fatalf("http defaults: %+v", c.HTTP)
			}
			if !reflect.DeepEqual(r.RedisConn, DefaultRedisConn()) {
				t.Fatalf("DefaultRedisConn %+v differs from the flags' %+v",
					DefaultRedisConn(), r.RedisConn)
			}
		}},
		{name: "sentinel", env: map[string]string{
			"AUDIENCE_REDIS_SENTINEL_MASTER":   "mymaster",
			"AUDIENCE_REDIS_SENTINEL_ADDRS":    "s1:26379, s2:26379,",
			"AUDIENCE_REDIS_SENTINEL_PASSWORD": "hunter2", "AUDIENCE_REDIS_DB": "3",
		}, check: func(t *testing.T, c Server) {
			r := c.Redis
			addrs := []string{"s1:26379", "s2:26379"}
			if r.Topology() != "sentinel" || !slices.Equal(r.SentinelAddrs, addrs) ||
				r.SentinelPassword != "hunter2" || r.DB != 3 {
				t.Fatalf("sentinel: %+v", r)
			}
			if strings.Contains(r.Describe(), "hunter2") {
				t.Fatal("Describe shows a password")
			}
		}},
		{name: "cluster with TLS", env: map[string]string{
			"AUDIENCE_REDIS_CLUSTER_ADDRS": "c1:6379,c2:6379", "AUDIENCE_REDIS_TLS": "true",
			"AUDIENCE_REDIS_PASSWORD": "hunter2", "AUDIENCE_REDIS_CLUSTER_RELOAD": "500ms",
		}, check: func(t *testing.T, c Server) {
			r := c.Redis
			if r.Topology() != "cluster" || !r.TLS || r.ClusterReload != 500*time.Millisecond ||
				r.Describe() != "cluster c1:6379,c2:6379" {
				t.Fatalf("cluster: %+v", r)
			}
		}},
		{name: "trusted proxies", env: map[string]string{
			"AUDIENCE_TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.7", "AUDIENCE_ADMIN_ADDR": ":9090",
		}, check: func(t *testing.T, c Server) {
			want := []string{"10.0.0.0/8", "192.0.2.7"}
			if !slices.Equal(c.TrustedProxies, want) || c.AdminAddr != ":9090" {
				t.Fatalf("http: %+v", c.HTTP)
			}
		}},
		{name: "two topologies", env: map[string]string{"AUDIENCE_REDIS_URL": "redis://r:6379",
			"AUDIENCE_REDIS_CLUSTER_ADDRS": "c1:6379"}, wantErr: "set only one"},
		{name: "sentinel without master", env: map[string]string{
			"AUDIENCE_REDIS_SENTINEL_ADDRS": "s1:26379"},
			wantErr: "AUDIENCE_REDIS_SENTINEL_MASTER"},
		{name: "master without sentinels", env: map[string]string{
			"AUDIENCE_REDIS_SENTINEL_MASTER": "m"}, wantErr: "AUDIENCE_REDIS_SENTINEL_ADDRS"},
		{name: "address without port", env: map[string]string{
			"AUDIENCE_REDIS_CLUSTER_ADDRS": "c1"}, wantErr: "AUDIENCE_REDIS_CLUSTER_ADDRS"},
		{name: "database on a cluster", env: map[string]string{
			"AUDIENCE_REDIS_CLUSTER_ADDRS": "c1:6379", "AUDIENCE_REDIS_DB": "1"},
			wantErr: "AUDIENCE_REDIS_DB"},
		{name: "certificate without key", env: map[string]string{
			"AUDIENCE_REDIS_TLS_CERT_FILE": "c.pem"}, wantErr: "AUDIENCE_REDIS_TLS_KEY_FILE"},
		{name: "zero read timeout", env: map[string]string{"AUDIENCE_REDIS_READ_TIMEOUT": "0s"},
			wantErr: "AUDIENCE_REDIS_READ_TIMEOUT"},
		{name: "negative pool", env: map[string]string{"AUDIENCE_REDIS_POOL_SIZE": "-1"},
			wantErr: "AUDIENCE_REDIS_POOL_SIZE"},
		{name: "bad proxy", env: map[string]string{"AUDIENCE_TRUSTED_PROXIES": "10.0.0.0/33"},
			wantErr: "AUDIENCE_TRUSTED_PROXIES"},
		{name: "tiny headers", env: map[string]string{"AUDIENCE_MAX_HEADER_BYTES": "100"},
			wantErr: "AUDIENCE_MAX_HEADER_BYTES"},
		{name: "password not echoed", env: map[string]string{"AUDIENCE_REDIS_PASSWORD": "hunter2",
			"AUDIENCE_REDIS_URL": "redis://r:6379", "AUDIENCE_REDIS_SENTINEL_ADDRS": "s:1"},
			wantErr: "set only one"},
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
