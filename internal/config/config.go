// Package config holds the settings of audience-api and audiencectl: one
// struct, read from flags and from environment variables (flag -redis-url
// is AUDIENCE_REDIS_URL, and so on), validated at start.
package config

import (
	"flag"
	"fmt"
	"net"
	"time"

	"github.com/peterbourgon/ff/v3"
)

// EnvPrefix is put before every flag's name, upper-cased with - as _, to
// give its environment variable.
const EnvPrefix = "AUDIENCE"

// Redis says where the store is. Shared by the server and audiencectl.
type Redis struct {
	// URL is a redis:// or rediss:// URL of a single server; empty, with
	// no Sentinel or Cluster either, runs the server on an embedded
	// in-memory store. AUDIENCE_REDIS_URL.
	URL string
	// KeyPrefix is put before every key ("ia:"). AUDIENCE_KEY_PREFIX.
	KeyPrefix string
	// RedisConn chooses Sentinel or Cluster instead of URL, and holds
	// credentials, TLS, pool and timeouts (redis.go).
	RedisConn
}

// Server holds the settings of audience-api.
type Server struct {
	Redis Redis
	// HTTP holds the admin address, trusted proxies and HTTP server
	// bounds (http.go).
	HTTP
	// RateLimits are the service-wide rate limits (limits.go).
	RateLimits
	// Durability says what a write waits for before its 200
	// (durability.go).
	Durability

	// Addr is the listen address (":8080"). AUDIENCE_ADDR.
	Addr string
	// EmbeddedAddr is where the embedded store listens when URL is empty
	// ("127.0.0.1:0", a free port), so audiencectl can reach it.
	// AUDIENCE_EMBEDDED_ADDR.
	EmbeddedAddr string
	// Demo provisions the demo data into a real store too (false; always
	// on for the embedded store). AUDIENCE_DEMO.
	Demo bool
	// DefaultExpiration is the lifetime in minutes of a membership whose
	// block and member give none (0 = never). AUDIENCE_DEFAULT_EXPIRATION.
	DefaultExpiration int64
	// MaxExpiration is the longest lifetime a block may ask for, in minutes
	// (259200, 180 days). AUDIENCE_MAX_EXPIRATION.
	MaxExpiration int64
	// RegistryTTL is how long members and segments are cached (5s): the
	// longest an operator's change takes to reach every replica.
	// AUDIENCE_REGISTRY_TTL.
	RegistryTTL time.Duration
	// UIDMapTTL is the lifetime of a user id mapping posted to /uid-map;
	// posting it again restarts it (720h, 30 days). AUDIENCE_UID_MAP_TTL.
	UIDMapTTL time.Duration
	// RequestTimeout bounds the store work of one request (10s).
	// AUDIENCE_REQUEST_TIMEOUT.
	RequestTimeout time.Duration
	// DrainDelay is how long the server fails /readyz before it stops
	// taking requests on SIGTERM (0s). AUDIENCE_DRAIN_DELAY.
	DrainDelay time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests (30s).
	// AUDIENCE_SHUTDOWN_TIMEOUT.
	ShutdownTimeout time.Duration
	// BcryptCost is the work factor of the password hashes the server
	// makes: the demo user's, and the dummy compared for unknown users so
	// that logins take the same time either way (11). AUDIENCE_BCRYPT_COST.
	BcryptCost int
	// LogLevel is debug, info, warn or error (info). AUDIENCE_LOG_LEVEL.
	LogLevel string
	// LogFormat is json or text (json). AUDIENCE_LOG_FORMAT.
	LogFormat string
}

// RegisterRedis adds the store flags to fs.
func RegisterRedis(fs *flag.FlagSet, r *Redis) {
	fs.StringVar(&r.URL, "redis-url", "",
		"redis:// or rediss:// URL of the store; empty runs on an embedded in-memory store")
	fs.StringVar(&r.KeyPrefix, "key-prefix", "ia:", "prefix of every Redis key")
	registerRedisConn(fs, &r.RedisConn)
}

// ParseServer reads the server's settings from args and the environment.
func ParseServer(name string, args []string) (Server, error) {
	var c Server
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	RegisterRedis(fs, &c.Redis)
	fs.StringVar(&c.Addr, "addr", ":8080", "listen address")
	registerHTTP(fs, &c.HTTP)
	registerLimits(fs, &c.RateLimits)
	registerDurability(fs, &c.Durability)
	fs.StringVar(&c.EmbeddedAddr, "embedded-addr", "127.0.0.1:0",
		"listen address of the embedded store (used when -redis-url is empty)")
	fs.BoolVar(&c.Demo, "demo", false, "provision the demo data into a real store too")
	fs.Int64Var(&c.DefaultExpiration, "default-expiration", 0,
		"lifetime in minutes of memberships that give none (0 = never)")
	fs.Int64Var(&c.MaxExpiration, "max-expiration", 259200,
		"longest lifetime a seg block may ask for, in minutes")
	fs.DurationVar(&c.RegistryTTL, "registry-ttl", 5*time.Second,
		"how long members and segments are cached in each replica")
	fs.DurationVar(&c.UIDMapTTL, "uid-map-ttl", 30*24*time.Hour,
		"lifetime of a user id mapping posted to /uid-map (whole seconds)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", 10*time.Second,
		"bound on the store work of one request")
	fs.DurationVar(&c.DrainDelay, "drain-delay", 0,
		"on SIGTERM, how long /readyz fails before the server stops taking requests")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second,
		"bound on the wait for in-flight requests at shutdown")
	fs.IntVar(&c.BcryptCost, "bcrypt-cost", 11, "bcrypt work factor of password hashes (4-31)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "json", "json or text")
	if err := Parse(fs, args); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Parse parses args into fs, taking each flag not given from its
// environment variable.
func Parse(fs *flag.FlagSet, args []string) error {
	return ff.Parse(fs, args, ff.WithEnvVarPrefix(EnvPrefix))
}

// Validate checks the settings and names the first bad one.
func (c Server) Validate() error {
	if err := c.Redis.Validate(); err != nil {
		return err
	}
	if c.HTTP.WriteTimeout <= c.HTTP.ReadTimeout+c.RequestTimeout {
		return bad("AUDIENCE_WRITE_TIMEOUT", c.HTTP.WriteTimeout,
			"must exceed AUDIENCE_READ_TIMEOUT plus AUDIENCE_REQUEST_TIMEOUT")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return bad("AUDIENCE_ADDR", c.Addr, "must be host:port or :port, e.g. :8080")
	}
	if err := c.HTTP.validate(); err != nil {
		return err
	}
	if err := c.RateLimits.validate(); err != nil {
		return err
	}
	if err := c.Durability.validate(c.Redis, c.RequestTimeout); err != nil {
		return err
	}
	switch {
	case c.MaxExpiration <= 0:
		return bad("AUDIENCE_MAX_EXPIRATION", c.MaxExpiration, "must be above 0")
	case c.DefaultExpiration < 0 || c.DefaultExpiration > c.MaxExpiration:
		return bad("AUDIENCE_DEFAULT_EXPIRATION", c.DefaultExpiration,
			fmt.Sprintf("must be 0 (never) to AUDIENCE_MAX_EXPIRATION (%d)", c.MaxExpiration))
	case c.RegistryTTL <= 0:
		return bad("AUDIENCE_REGISTRY_TTL", c.RegistryTTL, "must be above 0")
	case c.UIDMapTTL < time.Second:
		return bad("AUDIENCE_UID_MAP_TTL", c.UIDMapTTL, "must be at least 1s")
	case c.RequestTimeout <= 0:
		return bad("AUDIENCE_REQUEST_TIMEOUT", c.RequestTimeout, "must be above 0")
	case c.DrainDelay < 0:
		return bad("AUDIENCE_DRAIN_DELAY", c.DrainDelay, "must not be negative")
	case c.BcryptCost < 4 || c.BcryptCost > 31:
		return bad("AUDIENCE_BCRYPT_COST", c.BcryptCost, "must be 4 to 31")
	case c.ShutdownTimeout <= 0:
		return bad("AUDIENCE_SHUTDOWN_TIMEOUT", c.ShutdownTimeout, "must be above 0")
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		return bad("AUDIENCE_LOG_LEVEL", c.LogLevel, "must be debug, info, warn or error")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return bad("AUDIENCE_LOG_FORMAT", c.LogFormat, "must be json or text")
	}
	return nil
}

// Validate checks the store settings.
func (r Redis) Validate() error {
	if r.KeyPrefix == "" {
		return bad("AUDIENCE_KEY_PREFIX", r.KeyPrefix, "must not be empty")
	}
	return r.validateConn()
}

func bad(name string, v any, why string) error {
	return fmt.Errorf("%s=%v: %s", name, v, why)
}
