package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// RedisConn says which Redis topology to use and how to talk to it. It is
// embedded in Redis, so its fields read as r.SentinelMaster and so on.
//
// Exactly one topology is chosen: a single server by URL (Redis.URL), a
// Sentinel group by SentinelMaster and SentinelAddrs, or a Cluster by
// ClusterAddrs. Credentials, TLS, pool and timeouts apply to all three.
type RedisConn struct {
	// SentinelMaster is the name the sentinels know the master by; set
	// with SentinelAddrs. AUDIENCE_REDIS_SENTINEL_MASTER.
	SentinelMaster string
	// SentinelAddrs are host:port addresses of sentinels, comma
	// separated; a few are enough, the others are learned.
	// AUDIENCE_REDIS_SENTINEL_ADDRS.
	SentinelAddrs List
	// SentinelUsername is the ACL user for the sentinels themselves
	// (empty: none). AUDIENCE_REDIS_SENTINEL_USERNAME.
	SentinelUsername string
	// SentinelPassword is the password of the sentinels themselves, which
	// is often not the data servers' (empty: none).
	// AUDIENCE_REDIS_SENTINEL_PASSWORD.
	SentinelPassword string
	// ClusterAddrs are host:port seed addresses of a Redis Cluster, comma
	// separated; the other nodes are learned. AUDIENCE_REDIS_CLUSTER_ADDRS.
	ClusterAddrs List

	// Username is the ACL user of the data servers (empty: default user);
	// it replaces a user given in the URL. AUDIENCE_REDIS_USERNAME.
	Username string
	// Password is the data servers' password (empty: none); it replaces a
	// password given in the URL. AUDIENCE_REDIS_PASSWORD.
	Password string
	// DB is the database number with Sentinel (0); a single server takes
	// it from the URL's path, and a Cluster has only 0. AUDIENCE_REDIS_DB.
	DB int

	// TLS turns TLS on for every connection (false; a rediss:// URL turns
	// it on too). AUDIENCE_REDIS_TLS.
	TLS bool
	// TLSCAFile is a PEM file of the CAs that sign the servers'
	// certificates (empty: the system's roots). AUDIENCE_REDIS_TLS_CA_FILE.
	TLSCAFile string
	// TLSCertFile and TLSKeyFile are a PEM client certificate and its key,
	// for servers that require one (empty: none).
	// AUDIENCE_REDIS_TLS_CERT_FILE, AUDIENCE_REDIS_TLS_KEY_FILE.
	TLSCertFile, TLSKeyFile string
	// TLSServerName is the name expected in the servers' certificates
	// (empty: the host dialed). AUDIENCE_REDIS_TLS_SERVER_NAME.
	TLSServerName string
	// TLSInsecureSkipVerify accepts any server certificate (false). For
	// tests only: it gives up the protection TLS is for.
	// AUDIENCE_REDIS_TLS_INSECURE_SKIP_VERIFY.
	TLSInsecureSkipVerify bool

	// PoolSize is the most connections kept open to each server (0: ten
	// per CPU, go-redis's default). AUDIENCE_REDIS_POOL_SIZE.
	PoolSize int
	// MinIdle is how many idle connections are kept open to each server,
	// so a burst does not start with dials (2). AUDIENCE_REDIS_MIN_IDLE.
	MinIdle int
	// DialTimeout bounds opening one connection (2s).
	// AUDIENCE_REDIS_DIAL_TIMEOUT.
	DialTimeout time.Duration
	// ReadTimeout bounds waiting for one reply, or for all the replies of
	// a pipeline (3s); a request's own deadline cuts it shorter.
	// AUDIENCE_REDIS_READ_TIMEOUT.
	ReadTimeout time.Duration
	// WriteTimeout bounds sending one command or pipeline (3s).
	// AUDIENCE_REDIS_WRITE_TIMEOUT.
	WriteTimeout time.Duration
	// PoolTimeout bounds the wait for a free connection when all PoolSize
	// are busy (4s). AUDIENCE_REDIS_POOL_TIMEOUT.
	PoolTimeout time.Duration
	// ClusterReload is how often a Cluster client reloads the slot map
	// (1s). Failovers are found by this reload: a dead master refuses
	// connections rather than redirecting, so without it writes to its
	// slots fail until go-redis's own reload, 60 s by default.
	// AUDIENCE_REDIS_CLUSTER_RELOAD.
	ClusterReload time.Duration
}

// Defaults of RedisConn.
const (
	DefaultRedisMinIdle       = 2
	DefaultRedisDialTimeout   = 2 * time.Second
	DefaultRedisReadTimeout   = 3 * time.Second
	DefaultRedisWriteTimeout  = 3 * time.Second
	DefaultRedisPoolTimeout   = 4 * time.Second
	DefaultRedisClusterReload = time.Second
)

// DefaultRedisConn returns the settings of RedisConn when no flag or
// variable is given, for code that builds a Redis without parsing flags.
func DefaultRedisConn() RedisConn {
	return RedisConn{
		MinIdle:       DefaultRedisMinIdle,
		DialTimeout:   DefaultRedisDialTimeout,
		ReadTimeout:   DefaultRedisReadTimeout,
		WriteTimeout:  DefaultRedisWriteTimeout,
		PoolTimeout:   DefaultRedisPoolTimeout,
		ClusterReload: DefaultRedisClusterReload,
	}
}

// registerRedisConn adds the topology, credential, TLS and pool flags.
func registerRedisConn(fs *flag.FlagSet, r *RedisConn) {
	fs.StringVar(&r.SentinelMaster, "redis-sentinel-master", "",
		"master name of a Sentinel group (with -redis-sentinel-addrs)")
	fs.Var(&r.SentinelAddrs, "redis-sentinel-addrs",
		"sentinel host:port addresses, comma separated")
	fs.StringVar(&r.SentinelUsername, "redis-sentinel-username", "", "ACL user of the sentinels")
	fs.StringVar(&r.SentinelPassword, "redis-sentinel-password", "", "password of the sentinels")
	fs.Var(&r.ClusterAddrs, "redis-cluster-addrs",
		"Redis Cluster seed host:port addresses, comma separated")
	fs.StringVar(&r.Username, "redis-username", "", "ACL user of the Redis servers")
	fs.StringVar(&r.Password, "redis-password", "",
		"password of the Redis servers (prefer the environment variable)")
	fs.IntVar(&r.DB, "redis-db", 0, "database number with Sentinel")
	fs.BoolVar(&r.TLS, "redis-tls", false, "use TLS (implied by a rediss:// URL)")
	fs.StringVar(&r.TLSCAFile, "redis-tls-ca-file", "", "PEM file of the CAs of the servers")
	fs.StringVar(&r.TLSCertFile, "redis-tls-cert-file", "", "PEM client certificate")
	fs.StringVar(&r.TLSKeyFile, "redis-tls-key-file", "", "PEM key of the client certificate")
	fs.StringVar(&r.TLSServerName, "redis-tls-server-name", "",
		"name expected in the servers' certificates")
	fs.BoolVar(&r.TLSInsecureSkipVerify, "redis-tls-insecure-skip-verify", false,
		"accept any server certificate (testing only)")
	fs.IntVar(&r.PoolSize, "redis-pool-size", 0, "connections per server (0: 10 per CPU)")
	fs.IntVar(&r.MinIdle, "redis-min-idle", DefaultRedisMinIdle, "idle connections kept per server")
	fs.DurationVar(&r.DialTimeout, "redis-dial-timeout", DefaultRedisDialTimeout,
		"bound on opening a connection")
	fs.DurationVar(&r.ReadTimeout, "redis-read-timeout", DefaultRedisReadTimeout,
		"bound on waiting for a reply")
	fs.DurationVar(&r.WriteTimeout, "redis-write-timeout", DefaultRedisWriteTimeout,
		"bound on sending a command")
	fs.DurationVar(&r.PoolTimeout, "redis-pool-timeout", DefaultRedisPoolTimeout,
		"bound on waiting for a free connection")
	fs.DurationVar(&r.ClusterReload, "redis-cluster-reload", DefaultRedisClusterReload,
		"how often a Cluster client reloads the slot map")
}

// Topology names the Redis topology the settings choose: "single",
// "sentinel", "cluster", or "" when no store is configured.
func (r Redis) Topology() string {
	switch {
	case len(r.ClusterAddrs) > 0:
		return "cluster"
	case len(r.SentinelAddrs) > 0 || r.SentinelMaster != "":
		return "sentinel"
	case r.URL != "":
		return "single"
	}
	return ""
}

// validateConn checks the topology and connection settings. No message
// repeats a password or a URL, which may hold one.
func (r Redis) validateConn() error {
	chosen := 0
	for _, set := range []bool{r.URL != "", len(r.SentinelAddrs) > 0, len(r.ClusterAddrs) > 0} {
		if set {
			chosen++
		}
	}
	if chosen > 1 {
		return errors.New("AUDIENCE_REDIS_URL, AUDIENCE_REDIS_SENTINEL_ADDRS and" +
			" AUDIENCE_REDIS_CLUSTER_ADDRS: set only one of them")
	}
	if (r.SentinelMaster == "") != (len(r.SentinelAddrs) == 0) {
		return errors.New("AUDIENCE_REDIS_SENTINEL_MASTER and AUDIENCE_REDIS_SENTINEL_ADDRS:" +
			" set both or neither")
	}
	if r.URL != "" {
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			return errors.New("AUDIENCE_REDIS_URL: must be redis://host:port or rediss://host:port")
		}
	}
	for name, addrs := range map[string]List{
		"AUDIENCE_REDIS_SENTINEL_ADDRS": r.SentinelAddrs,
		"AUDIENCE_REDIS_CLUSTER_ADDRS":  r.ClusterAddrs,
	} {
		for _, a := range addrs {
			if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
				return bad(name, a, "each address must be host:port")
			}
		}
	}
	return r.validateTuning()
}

// validateTuning checks the pool, timeouts and TLS files.
func (r Redis) validateTuning() error {
	switch {
	case r.DB < 0:
		return bad("AUDIENCE_REDIS_DB", r.DB, "must not be negative")
	case len(r.ClusterAddrs) > 0 && r.DB != 0:
		return bad("AUDIENCE_REDIS_DB", r.DB, "a Redis Cluster has database 0 only")
	case r.PoolSize < 0:
		return bad("AUDIENCE_REDIS_POOL_SIZE", r.PoolSize, "must be 0 (10 per CPU) or more")
	case r.MinIdle < 0:
		return bad("AUDIENCE_REDIS_MIN_IDLE", r.MinIdle, "must not be negative")
	case r.DialTimeout <= 0:
		return bad("AUDIENCE_REDIS_DIAL_TIMEOUT", r.DialTimeout, "must be above 0")
	case r.ReadTimeout <= 0:
		return bad("AUDIENCE_REDIS_READ_TIMEOUT", r.ReadTimeout, "must be above 0")
	case r.WriteTimeout <= 0:
		return bad("AUDIENCE_REDIS_WRITE_TIMEOUT", r.WriteTimeout, "must be above 0")
	case r.PoolTimeout <= 0:
		return bad("AUDIENCE_REDIS_POOL_TIMEOUT", r.PoolTimeout, "must be above 0")
	case r.ClusterReload <= 0:
		return bad("AUDIENCE_REDIS_CLUSTER_RELOAD", r.ClusterReload, "must be above 0")
	case (r.TLSCertFile == "") != (r.TLSKeyFile == ""):
		return errors.New("AUDIENCE_REDIS_TLS_CERT_FILE and AUDIENCE_REDIS_TLS_KEY_FILE:" +
			" set both or neither")
	}
	return nil
}

// List is a comma-separated list flag. Blank items are dropped.
type List []string

// Set implements flag.Value.
func (l *List) Set(s string) error {
	*l = nil
	for part := range strings.SplitSeq(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// String implements flag.Value.
func (l *List) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

// Describe names the store the settings point at, without credentials:
// "cluster <addrs>", "sentinel <master> at <addrs>", "single <host:port>"
// or "embedded".
func (r Redis) Describe() string {
	switch r.Topology() {
	case "cluster":
		return fmt.Sprintf("cluster %s", r.ClusterAddrs.String())
	case "sentinel":
		return fmt.Sprintf("sentinel %s at %s", r.SentinelMaster, r.SentinelAddrs.String())
	case "single":
		if u, err := url.Parse(r.URL); err == nil {
			return "single " + u.Host
		}
	}
	return "embedded"
}
