package ctl

import (
	"flag"
	"io"
	"net/url"
	"strings"

	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/store"
)

// errNoStore explains where the store's address comes from. It is the
// most likely first error of a new operator, so it says how to find the
// address of a server started on its embedded store.
var errNoStore = usagef("no store given: pass -redis-url or set AUDIENCE_REDIS_URL" +
	" (or the Sentinel or Cluster addresses)." +
	" audience-api started without one runs an embedded in-memory store and" +
	" logs its redis:// URL at start (the embedded_store field)")

// store opens the store on first use. The settings are read as the
// server reads them: a flag after the verb, else the same flag before the
// noun, else its environment variable, else its default.
func (c *call) store() (*store.Store, error) {
	if c.st != nil {
		return c.st, nil
	}
	r, err := c.redisSettings()
	if err != nil {
		return nil, err
	}
	if r.Topology() == "" {
		return nil, errNoStore
	}
	c.secrets = append(c.secrets, urlSecrets(r.URL)...)
	c.secrets = append(c.secrets, r.Password, r.SentinelPassword)
	if err := r.Validate(); err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	client, err := store.Connect(r)
	if err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	c.st = store.New(client, r.KeyPrefix)
	return c.st, nil
}

// redisSettings reads every store setting as the server reads it, each
// through setting.
func (c *call) redisSettings() (config.Redis, error) {
	var r config.Redis
	fs := flag.NewFlagSet("store", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config.RegisterRedis(fs, &r)
	var bad error
	fs.VisitAll(func(f *flag.Flag) {
		v := c.setting(f.Name)
		if v == f.DefValue || bad != nil {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			// The value is not repeated: it may be a password.
			bad = usagef("%s: invalid value", envName(f.Name))
		}
	})
	return r, bad
}

// close releases the store if it was opened.
func (c *call) close() {
	if c.st != nil {
		c.st.Close()
	}
}

// setting returns the value of a store flag.
func (c *call) setting(name string) string {
	for _, fs := range []*flag.FlagSet{c.flags, c.global} {
		if isSet(fs, name) {
			return fs.Lookup(name).Value.String()
		}
	}
	// An empty variable counts as unset, as it does for the server.
	if v, ok := c.lookupEnv(envName(name)); ok && v != "" {
		return v
	}
	return c.flags.Lookup(name).DefValue
}

// envName is the environment variable of a flag: -redis-url is
// AUDIENCE_REDIS_URL.
func envName(flagName string) string {
	return config.EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// urlSecrets returns what of a store URL must never be shown: the URL
// itself and its password.
func urlSecrets(raw string) []string {
	out := []string{raw}
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw, u.User.String())
		}
	}
	return out
}
