package ctl

import (
	"errors"
	"flag"
	"fmt"

	"github.com/instant-audience/audience/internal/store"
)

// memberFlags are the settings of a member that create and update share.
type memberFlags struct {
	fs       *flag.FlagSet
	defExp   *numFlag
	allow    *idListFlag
	limPost  *numFlag
	limGet   *numFlag
	limUsers *numFlag
}

func newMemberFlags(fs *flag.FlagSet) *memberFlags {
	f := &memberFlags{fs: fs, allow: &idListFlag{}}
	f.defExp = newNum(fs, "default-expiration", 0,
		"lifetime in minutes `MIN` of memberships whose seg block gives none (0 = never)",
		"must be 0 (never expire) or a positive number of minutes")
	fs.Var(f.allow, "allow",
		"other members `IDS` whose segments this member may populate, as 1661,1262")
	f.limPost = newLimit(fs, "limit-post", "POST /rt-segment calls")
	f.limGet = newLimit(fs, "limit-get", "GET calls")
	f.limUsers = newLimit(fs, "limit-users", "user entries posted")
	return f
}

// apply copies the flags given onto m.
func (f *memberFlags) apply(m *store.Member) {
	if isSet(f.fs, "default-expiration") {
		m.DefaultExpiration = &f.defExp.v
	}
	if isSet(f.fs, "allow") {
		m.AllowedMembers = f.allow.ids
	}
	for _, l := range []struct {
		name string
		flag *numFlag
		dst  *int64
	}{
		{"limit-post", f.limPost, &m.Limits.PostPerSec},
		{"limit-get", f.limGet, &m.Limits.GetPerSec},
		{"limit-users", f.limUsers, &m.Limits.UsersPerSec},
	} {
		if isSet(f.fs, l.name) {
			*l.dst = l.flag.v
		}
	}
}

// warnUnknownAllowed warns of allowed members that do not exist: not an
// error, since members may be provisioned in any order, but likely a typo.
// The member is written by then, so a failure here only ends the checks.
func warnUnknownAllowed(c *call, st *store.Store, m store.Member) {
	for _, id := range m.AllowedMembers {
		_, err := st.Member(c.ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			c.warnf("allowed member %d does not exist (yet)", id)
		} else if err != nil {
			c.warnf("could not check that the allowed members exist: %v", err)
			return
		}
	}
}

func memberCreate(fs *flag.FlagSet) action {
	id := newID(fs, "id", "id `N` of the member")
	disabled := fs.Bool("disabled", false, "create the member disabled (its users get 403 UNAUTH)")
	settings := newMemberFlags(fs)
	return func(c *call) error {
		m := store.Member{ID: id.v, Enabled: !*disabled}
		settings.apply(&m)
		st, err := c.store()
		if err != nil {
			return err
		}

		if err := st.CreateMember(c.ctx, m); err != nil {
			return fmt.Errorf("member %d: %w", m.ID, err)
		}
		c.printf("member %d created\n", m.ID)
		warnUnknownAllowed(c, st, m)
		return nil
	}
}

func memberUpdate(fs *flag.FlagSet) action {
	id := newID(fs, "id", "id `N` of the member")
	// The default is never used: only a given -enabled changes anything.
	enabled := fs.Bool("enabled", false, "whether the member may use the service (-enabled=false"+
		" disables it)")
	disabled := fs.Bool("disabled", false, "disable the member: the same as -enabled=false")
	clearExp := fs.Bool("clear-default-expiration", false,
		"return to the service-wide default expiration")
	settings := newMemberFlags(fs)
	return func(c *call) error {
		if isSet(fs, "enabled") && isSet(fs, "disabled") && *enabled == *disabled {
			return usagef("-enabled=%t and -disabled=%t contradict each other", *enabled, *disabled)
		}
		if *clearExp && isSet(fs, "default-expiration") {
			return usagef("-default-expiration and -clear-default-expiration contradict each other")
		}
		if !changesSomething(fs) {
			return usagef("nothing to change: give at least one flag besides -id")
		}
		st, err := c.store()
		if err != nil {
			return err
		}

		// Read, modify, write: the store replaces a member whole. Two
		// operators updating one member at the same instant may lose one
		// change; provisioning is rare enough to accept that.
		m, err := st.Member(c.ctx, id.v)
		if err != nil {
			return fmt.Errorf("member %d: %w", id.v, err)
		}
		settings.apply(&m)
		if isSet(fs, "enabled") {
			m.Enabled = *enabled
		}
		if isSet(fs, "disabled") {
			m.Enabled = !*disabled
		}
		if *clearExp {
			m.DefaultExpiration = nil
		}

		if err := st.PutMember(c.ctx, m); err != nil {
			return fmt.Errorf("member %d: %w", m.ID, err)
		}
		c.printf("member %d updated\n", m.ID)
		if isSet(fs, "allow") {
			warnUnknownAllowed(c, st, m)
		}
		return nil
	}
}

// changesSomething reports whether a flag that changes a member was given.
func changesSomething(fs *flag.FlagSet) bool {
	changes := false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "id", "redis-url", "key-prefix":
		case "clear-default-expiration":
			changes = changes || f.Value.String() == "true"
		default:
			changes = true
		}
	})
	return changes
}

func memberShow(fs *flag.FlagSet) action {
	id := newID(fs, "id", "id `N` of the member")
	asJSON := jsonFlag(fs)
	return func(c *call) error {
		st, err := c.store()
		if err != nil {
			return err
		}
		m, err := st.Member(c.ctx, id.v)
		if err != nil {
			return fmt.Errorf("member %d: %w", id.v, err)
		}
		if *asJSON {
			return writeJSON(c.stdout, viewMember(m))
		}
		return writeFields(c.stdout, viewMember(m).fields())
	}
}
