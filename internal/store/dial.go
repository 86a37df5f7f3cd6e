package store

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/config"
)

// Dial returns a client of the single Redis server at a redis:// or
// rediss:// URL, with the default pool and timeouts of config.RedisConn.
// It does not connect: the first command does.
func Dial(rawURL string) (redis.UniversalClient, error) {
	return Connect(config.Redis{URL: rawURL, RedisConn: config.DefaultRedisConn()})
}

// Connect returns a client of the topology r chooses: a single server
// (URL), a Sentinel group (SentinelMaster and SentinelAddrs) or a Cluster
// (ClusterAddrs). It does not connect: the first command does.
//
// Every client bounds each wait: dialing, reading a reply, writing a
// command, waiting for a free connection. Commands also honour their
// context's deadline (ContextTimeoutEnabled), so a slow or dead Redis
// ends a request at the request's deadline rather than at ReadTimeout.
// No error repeats a password or the URL, which may hold one.
func Connect(r config.Redis) (redis.UniversalClient, error) {
	useTLS := r.TLS || (r.Topology() == "single" && strings.HasPrefix(r.URL, "rediss://"))
	tlsConf, err := tlsConfig(r.RedisConn, useTLS)
	if err != nil {
		return nil, err
	}
	switch r.Topology() {
	case "cluster":
		return redis.NewClusterClient(clusterOptions(r.RedisConn, tlsConf)), nil
	case "sentinel":
		return redis.NewFailoverClient(failoverOptions(r.RedisConn, tlsConf)), nil
	case "single":
		opts, err := redis.ParseURL(r.URL)
		if err != nil {
			return nil, errors.New("AUDIENCE_REDIS_URL is not a valid Redis URL")
		}
		return redis.NewClient(singleOptions(opts, r.RedisConn, tlsConf)), nil
	}
	return nil, errors.New("no Redis configured: set AUDIENCE_REDIS_URL," +
		" AUDIENCE_REDIS_SENTINEL_ADDRS or AUDIENCE_REDIS_CLUSTER_ADDRS")
}

// singleOptions completes the options parsed from a URL. Credentials set
// apart from the URL win over the URL's, so that a URL without secrets
// can sit in a ConfigMap and the password in a Secret. Pool and timeouts
// always come from the settings, as for the other topologies: a URL's
// query options for them (?read_timeout=...) are replaced.
func singleOptions(o *redis.Options, c config.RedisConn, tlsConf *tls.Config) *redis.Options {
	if c.Username != "" {
		o.Username = c.Username
	}
	if c.Password != "" {
		o.Password = c.Password
	}
	if tlsConf != nil {
		if o.TLSConfig != nil && tlsConf.ServerName == "" {
			// rediss:// set the URL's host as the name to verify.
			tlsConf.ServerName = o.TLSConfig.ServerName
		}
		o.TLSConfig = tlsConf
	}
	o.DialTimeout = c.DialTimeout
	o.ReadTimeout = c.ReadTimeout
	o.WriteTimeout = c.WriteTimeout
	o.ContextTimeoutEnabled = true
	o.PoolSize = c.PoolSize
	o.MinIdleConns = c.MinIdle
	o.PoolTimeout = c.PoolTimeout
	return o
}

func failoverOptions(c config.RedisConn, tlsConf *tls.Config) *redis.FailoverOptions {
	return &redis.FailoverOptions{
		MasterName:            c.SentinelMaster,
		SentinelAddrs:         c.SentinelAddrs,
		SentinelUsername:      c.SentinelUsername,
		SentinelPassword:      c.SentinelPassword,
		Username:              c.Username,
		Password:              c.Password,
		DB:                    c.DB,
		TLSConfig:             tlsConf,
		DialTimeout:           c.DialTimeout,
		ReadTimeout:           c.ReadTimeout,
		WriteTimeout:          c.WriteTimeout,
		ContextTimeoutEnabled: true,
		PoolSize:              c.PoolSize,
		MinIdleConns:          c.MinIdle,
		PoolTimeout:           c.PoolTimeout,
	}
}

func clusterOptions(c config.RedisConn, tlsConf *tls.Config) *redis.ClusterOptions {
	reload := c.ClusterReload
	if reload <= 0 {
		// Unset, as in settings built without flags: not go-redis's 60 s.
		reload = config.DefaultRedisClusterReload
	}
	return &redis.ClusterOptions{
		Addrs:                 c.ClusterAddrs,
		Username:              c.Username,
		Password:              c.Password,
		TLSConfig:             tlsConf,
		DialTimeout:           c.DialTimeout,
		ReadTimeout:           c.ReadTimeout,
		WriteTimeout:          c.WriteTimeout,
		ContextTimeoutEnabled: true,
		PoolSize:              c.PoolSize,
		MinIdleConns:          c.MinIdle,
		PoolTimeout:           c.PoolTimeout,
		// A killed master refuses connections; it does not answer MOVED,
		// which is what makes go-redis reload the slot map at once. Only
		// the periodic reload finds the promoted replica, so it runs
		// often (60 s by default).
		ClusterStateReloadInterval: reload,
	}
}

// tlsConfig builds the TLS settings, or nil when TLS is off.
func tlsConfig(c config.RedisConn, on bool) (*tls.Config, error) {
	if !on {
		return nil, nil
	}
	return loadTLS(&tls.Config{MinVersion: tls.VersionTLS12}, c)
}

// loadTLS reads the CA and client certificate files into conf.
func loadTLS(conf *tls.Config, c config.RedisConn) (*tls.Config, error) {
	if c.TLSServerName != "" {
		conf.ServerName = c.TLSServerName
	}
	// Asked for explicitly, and documented as for tests only.
	conf.InsecureSkipVerify = c.TLSInsecureSkipVerify
	if c.TLSCAFile != "" {
		pem, err := os.ReadFile(c.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("AUDIENCE_REDIS_TLS_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("AUDIENCE_REDIS_TLS_CA_FILE=%s: no PEM certificate in it",
				c.TLSCAFile)
		}
		conf.RootCAs = pool
	}
	if c.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("AUDIENCE_REDIS_TLS_CERT_FILE, AUDIENCE_REDIS_TLS_KEY_FILE: %w",
				err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}
