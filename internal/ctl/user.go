package ctl

import (
	"errors"
	"flag"
	"fmt"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/store"
)

// newPassword is where a new password comes from.
var newPassword = secretSource{env: passwordEnv, what: "password", confirm: true}

// newUserName registers -name.
func newUserName(fs *flag.FlagSet) *nameFlag {
	n := &nameFlag{}
	fs.Var(n, "name", "name `NAME` of the API user (1-64 of A-Z a-z 0-9 . _ @ -)")
	return n
}

// hashNewPassword reads a new password and hashes it.
func (c *call) hashNewPassword() (string, error) {
	pw, err := c.readSecret(newPassword)
	if err != nil {
		return "", err
	}
	if len(pw) > maxPasswordBytes {
		return "", usagef("the password is longer than %d bytes, more than bcrypt hashes",
			maxPasswordBytes)
	}
	hash, err := auth.HashPassword(pw, c.bcryptCost)
	if err != nil {
		return "", fmt.Errorf("hashing the password: %w", err)
	}
	return hash, nil
}

func userAdd(fs *flag.FlagSet) action {
	name := newUserName(fs)
	member := newID(fs, "member", "the member `N` the user acts for")
	return func(c *call) error {
		st, err := c.store()
		if err != nil {
			return err
		}

		// Both checks come before the password is asked for, so that an
		// operator does not type one for nothing.
		if _, err := st.Member(c.ctx, member.v); err != nil {
			return fmt.Errorf("member %d: %w", member.v, err)
		}
		_, err = st.APIUser(c.ctx, name.v)
		if err == nil {
			return fmt.Errorf("user %q: %w", name.v, store.ErrExists)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}

		hash, err := c.hashNewPassword()
		if err != nil {
			return err
		}
		u := store.APIUser{Name: name.v, MemberID: member.v, PasswordHash: hash, Enabled: true}
		if err := st.CreateAPIUser(c.ctx, u); err != nil {
			return fmt.Errorf("user %q: %w", name.v, err)
		}
		c.printf("user %q of member %d created\n", name.v, member.v)
		return nil
	}
}

func userPasswd(fs *flag.FlagSet) action {
	name := newUserName(fs)
	return func(c *call) error {
		st, err := c.store()
		if err != nil {
			return err
		}
		if _, err := st.APIUser(c.ctx, name.v); err != nil {
			return fmt.Errorf("user %q: %w", name.v, err)
		}

		hash, err := c.hashNewPassword()
		if err != nil {
			return err
		}
		if err := st.SetAPIUserPassword(c.ctx, name.v, hash); err != nil {
			return fmt.Errorf("user %q: %w", name.v, err)
		}
		c.printf("password of user %q changed\n", name.v)
		return nil
	}
}

func userDisable(fs *flag.FlagSet) action {
	name := newUserName(fs)
	return func(c *call) error {
		st, err := c.store()
		if err != nil {
			return err
		}

		// Disable first, so that no new login succeeds, then end the
		// sessions already open.
		if err := st.SetAPIUserEnabled(c.ctx, name.v, false); err != nil {
			return fmt.Errorf("user %q: %w", name.v, err)
		}
		n, err := st.RevokeUserSessions(c.ctx, name.v)
		if err != nil {
			return fmt.Errorf("user %q is disabled, but its sessions were not revoked"+
				" (run 'audiencectl token revoke -user %s'): %w", name.v, name.v, err)
		}
		c.printf("user %q disabled; %s revoked\n", name.v, sessions(n))
		return nil
	}
}

func userEnable(fs *flag.FlagSet) action {
	name := newUserName(fs)
	return func(c *call) error {
		st, err := c.store()
		if err != nil {
			return err
		}
		if err := st.SetAPIUserEnabled(c.ctx, name.v, true); err != nil {
			return fmt.Errorf("user %q: %w", name.v, err)
		}
		c.printf("user %q enabled\n", name.v)
		return nil
	}
}

func userShow(fs *flag.FlagSet) action {
	name := newUserName(fs)
	asJSON := jsonFlag(fs)
	return func(c *call) error {
		st, err := c.store()
		if err != nil {
			return err
		}
		u, err := st.APIUser(c.ctx, name.v)
		if err != nil {
			return fmt.Errorf("user %q: %w", name.v, err)
		}

		v := viewUser(u)
		if *asJSON {
			return writeJSON(c.stdout, v)
		}
		pw := "not set"
		if v.PasswordSet {
			pw = "set"
		}
		return writeFields(c.stdout, []field{
			{"name", v.Name},
			{"member_id", fmt.Sprint(v.MemberID)},
			{"enabled", fmt.Sprint(v.Enabled)},
			{"password", pw},
		})
	}
}

// sessions says "1 session" or "n sessions".
func sessions(n int) string {
	if n == 1 {
		return "1 session"
	}
	return fmt.Sprintf("%d sessions", n)
}
