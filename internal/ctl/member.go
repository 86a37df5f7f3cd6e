package ctl

import (
	"errors"
	"flag"
	"fmt"
	"slices"

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
	extIDs   *bool
	mapOf    *numFlag
	mapShare *idListFlag
}

func newMemberFlags(fs *flag.FlagSet) *memberFlags {
	f := &memberFlags{fs: fs, allow: &idListFlag{}, mapShare: &idListFlag{}}
	f.defExp = newNum(fs, "default-expiration", 0,
		"lifetime in minutes `MIN` of memberships whose seg block gives none (0 = never)",
		"must be 0 (never expire) or a positive number of minutes")
	fs.Var(f.allow, "allow",
		"other members `IDS` whose segments this member may populate, as 1661,1262")
	f.limPost = newLimit(fs, "limit-post", "POST /rt-segment calls")
	f.limGet = newLimit(fs, "limit-get", "GET calls")
	f.limUsers = newLimit(fs, "limit-users", "user entries posted")
	f.extIDs = fs.Bool("external-ids", false,
		"domain-less user ids are the member's own ids, mapped to platform ids")
	f.mapOf = newNum(fs, "mapping-member", 0,
		"map external ids with the mapping of member `N`, which must share it (0 = own)",
		"must be 0 (the member's own mapping) or a member id")
	fs.Var(f.mapShare, "share-mapping",
		"other members `IDS` that may use this member's mapping, as 1661,1262")
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
	if isSet(f.fs, "external-ids") {
		m.ExternalIDs = *f.extIDs
	}
	if isSet(f.fs, "mapping-member") {
		m.MappingMember = f.mapOf.v
	}
	if isSet(f.fs, "share-mapping") {
		m.MappingSharedWith = f.mapShare.ids
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

// warnMapping warns of a mapping setting that cannot work as it stands:
// another member's mapping that is not shared with m (the service then
// refuses m's external ids), or one set while m sends platform ids. Like
// warnUnknownAllowed, it runs once the member is written.
func warnMapping(c *call, st *store.Store, m store.Member) {
	owner := m.MappingMember
	if owner == 0 || owner == m.ID {
		return
	}
	if !m.ExternalIDs {
		c.warnf("-mapping-member has no effect while the member's user ids are platform ids" +
			" (see -external-ids)")
		return
	}
	o, err := st.Member(c.ctx, owner)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.warnf("mapping member %d does not exist (yet)", owner)
	case err != nil:
		c.warnf("could not check the mapping member: %v", err)
	case !slices.Contains(o.MappingSharedWith, m.ID):
		c.warnf("member %d does not share its mapping with member %d (yet):"+
			" 'member update -id %d -share-mapping ...' must list %d", owner, m.ID, owner, m.ID)
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
		warnMapping(c, st, m)
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
		if isSet(fs, "external-ids") || isSet(fs, "mapping-member") {
			warnMapping(c, st, m)
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
