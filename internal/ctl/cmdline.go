package ctl

import (
	"flag"
	"net/url"
)

// secretFlags are the store settings that are secrets. The server takes
// them as flags too, but audiencectl refuses them on its command line,
// where other users of the host can read them (ps, /proc, the shell's
// history): they come from their environment variables only.
var secretFlags = []string{"redis-password", "redis-sentinel-password"}

// secretOnCommandLine refuses a secret given on the command line, before
// or after the verb: a password flag, or a store URL that holds a
// password. The message names the variable to use instead and never
// repeats the value.
func secretOnCommandLine(sets ...*flag.FlagSet) error {
	for _, fs := range sets {
		if fs == nil {
			continue
		}
		for _, name := range secretFlags {
			if fs.Lookup(name) != nil && isSet(fs, name) {
				return usagef("-%s is not taken on the command line, where others can read"+
					" it: set %s instead", name, envName(name))
			}
		}
		if f := fs.Lookup("redis-url"); f != nil && isSet(fs, "redis-url") &&
			urlHasPassword(f.Value.String()) {
			return usagef("-redis-url holds a password, which is not taken on the command" +
				" line: give the URL without it and set AUDIENCE_REDIS_PASSWORD, or set" +
				" AUDIENCE_REDIS_URL")
		}
	}
	return nil
}

// urlHasPassword reports whether a URL carries a password in its user
// information.
func urlHasPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}
