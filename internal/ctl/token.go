package ctl

import (
	"flag"
	"fmt"
	"strings"

	"github.com/instant-audience/audience/internal/auth"
)

// tokenSource is where a token to revoke comes from.
var tokenSource = secretSource{env: tokenEnv, what: "token"}

// tokenChars are the characters a token is written with (the contract's
// URL-safe alphabet).
const tokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"

func tokenRevoke(fs *flag.FlagSet) action {
	user := &nameFlag{}
	fs.Var(user, "user", "revoke every session of the API user `NAME` instead of one token")
	return func(c *call) error {
		if isSet(fs, "user") {
			return revokeUser(c, user.v)
		}
		token, err := c.readToken()
		if err != nil {
			return err
		}
		st, err := c.store()
		if err != nil {
			return err
		}

		// The store knows sessions by the token's hash only, and ending
		// one that is unknown or expired is no error: nothing is left to
		// tell the two apart, and either way the token is now dead.
		if err := st.RevokeSession(c.ctx, auth.HashToken(token)); err != nil {
			return fmt.Errorf("revoking the token: %w", err)
		}
		c.printf("the token's session is revoked (if it was live)\n")
		return nil
	}
}

// revokeUser ends every session of a user.
func revokeUser(c *call, name string) error {
	st, err := c.store()
	if err != nil {
		return err
	}
	if _, err := st.APIUser(c.ctx, name); err != nil {
		return fmt.Errorf("user %q: %w", name, err)
	}
	n, err := st.RevokeUserSessions(c.ctx, name)
	if err != nil {
		return fmt.Errorf("revoking the sessions of user %q: %w", name, err)
	}
	c.printf("%s of user %q revoked\n", sessions(n), name)
	return nil
}

// readToken reads a token to revoke. An Authorization header's value,
// "Bearer <token>", is taken too, as the API takes it.
func (c *call) readToken() (string, error) {
	raw, err := c.readSecret(tokenSource)
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(raw)
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	c.secrets = append(c.secrets, token)
	notTokenChar := func(r rune) bool { return !strings.ContainsRune(tokenChars, r) }
	if token == "" || strings.ContainsFunc(token, notTokenChar) {
		return "", usagef("that is not a token: a token is written with A-Z a-z 0-9 - _ . ~ only")
	}
	return token, nil
}
