package store_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/store"
)

func redisSettings(mod func(r *config.Redis)) config.Redis {
	r := config.Redis{KeyPrefix: "ia:", RedisConn: config.DefaultRedisConn()}
	mod(&r)
	return r
}

// TestConnectOptions: each topology gets its client, with the bounds,
// credentials and TLS of the settings.
func TestConnectOptions(t *testing.T) {
	ca := writeCA(t)
	tests := []struct {
		name  string
		mod   func(r *config.Redis)
		check func(t *testing.T, c redis.UniversalClient)
	}{
		{name: "single with separate password", mod: func(r *config.Redis) {
			r.URL = "redis://u:urlpw@r1:6379/2"
			r.Password, r.PoolSize, r.ReadTimeout = "pw", 7, 700*time.Millisecond
		}, check: func(t *testing.T, c redis.UniversalClient) {
			o := c.(*redis.Client).Options()
			if o.Addr != "r1:6379" || o.DB != 2 || o.Username != "u" || o.Password != "pw" ||
				o.PoolSize != 7 || o.MinIdleConns != 2 || o.ReadTimeout != 700*time.Millisecond ||
				o.DialTimeout != 2*time.Second || o.PoolTimeout != 4*time.Second ||
				!o.ContextTimeoutEnabled || o.TLSConfig != nil {
				t.Fatalf("options: %+v", o)
			}
		}},
		{name: "rediss with a CA", mod: func(r *config.Redis) {
			r.URL = "rediss://r1:6380"
			r.TLSCAFile = ca
		}, check: func(t *testing.T, c redis.UniversalClient) {
			tc := c.(*redis.Client).Options().TLSConfig
			if tc == nil || tc.RootCAs == nil || tc.ServerName != "r1" || tc.InsecureSkipVerify {
				t.Fatalf("TLS: %+v", tc)
			}
		}},
		{name: "cluster reloads its slot map", mod: func(r *config.Redis) {
			r.ClusterAddrs = config.List{"c1:6379", "c2:6379"}
			r.TLS, r.TLSServerName = true, "redis.internal"
		}, check: func(t *testing.T, c redis.UniversalClient) {
			o := c.(*redis.ClusterClient).Options()
			if len(o.Addrs) != 2 || o.ClusterStateReloadInterval != time.Second ||
				!o.ContextTimeoutEnabled || o.TLSConfig == nil ||
				o.TLSConfig.ServerName != "redis.internal" {
				t.Fatalf("options: %+v", o)
			}
		}},
		{name: "cluster reload unset is not 60 s", mod: func(r *config.Redis) {
			r.ClusterAddrs = config.List{"c1:6379"}
			r.ClusterReload = 0
		}, check: func(t *testing.T, c redis.UniversalClient) {
			d := c.(*redis.ClusterClient).Options().ClusterStateReloadInterval
			if d != time.Second {
				t.Fatalf("reload every %v", d)
			}
		}},
		{name: "sentinel", mod: func(r *config.Redis) {
			r.SentinelMaster, r.SentinelAddrs = "mymaster", config.List{"s1:26379"}
		}, check: func(t *testing.T, c redis.UniversalClient) {
			if _, ok := c.(*redis.Client); !ok {
				t.Fatalf("a %T, want a failover *redis.Client", c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := store.Connect(redisSettings(tt.mod))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			tt.check(t, c)
		})
	}
}

// TestConnectErrorsNameTheSetting: bad TLS files and URLs are refused
// with the setting's name and without the URL, which may hold a password.
func TestConnectErrorsNameTheSetting(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("nothing"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		mod  func(r *config.Redis)
		want string
	}{
		{name: "bad URL", mod: func(r *config.Redis) { r.URL = "redis://:hunter2@h:1/x/y" },
			want: "AUDIENCE_REDIS_URL"},
		{name: "missing CA", mod: func(r *config.Redis) {
			r.URL, r.TLS, r.TLSCAFile = "redis://:hunter2@h:1", true, "/nonexistent/ca.pem"
		}, want: "AUDIENCE_REDIS_TLS_CA_FILE"},
		{name: "CA not PEM", mod: func(r *config.Redis) {
			r.ClusterAddrs, r.TLS, r.TLSCAFile = config.List{"h:1"}, true, notPEM
		}, want: "no PEM certificate"},
		{name: "bad client certificate", mod: func(r *config.Redis) {
			r.URL, r.TLSCertFile, r.TLSKeyFile = "rediss://h:1", notPEM, notPEM
		}, want: "AUDIENCE_REDIS_TLS_CERT_FILE"},
		{name: "nothing configured", mod: func(r *config.Redis) {}, want: "AUDIENCE_REDIS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := store.Connect(redisSettings(tt.mod))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want one with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatal("the error shows the password")
			}
		})
	}
}

// TestDeadRedisEndsAtTheDeadline: a server that accepts connections but
// never answers holds a command only until its context's deadline, far
// below the read timeout, so a request is never held past its own.
func TestDeadRedisEndsAtTheDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		// Accept and hold every connection, reading nothing.
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()

	c, err := store.Connect(redisSettings(func(r *config.Redis) {
		r.URL = "redis://" + ln.Addr().String()
		r.ReadTimeout = 30 * time.Second
		r.MinIdle = 0
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st := store.New(c, "")

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	err = st.Ping(ctx)
	took := time.Since(began)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("ping of a silent server: %v, want ErrUnavailable", err)
	}
	if took > 2*time.Second {
		t.Fatalf("ping of a silent server took %v with a 300ms deadline", took)
	}
}

// writeCA writes a self-signed CA certificate and returns its file.
func writeCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1),
		Subject:   pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
