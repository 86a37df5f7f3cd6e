package store

import (
	"context"
	"strconv"
)

// APIUser is a login of a member.
type APIUser struct {
	Name         string
	MemberID     int64
	PasswordHash string // bcrypt; never the password
	Enabled      bool
}

const (
	fUserMember   = "member"
	fUserPassword = "password"
	fUserEnabled  = "enabled"
)

// CreateAPIUser adds an API user; ErrExists if the name is taken.
func (s *Store) CreateAPIUser(ctx context.Context, u APIUser) error {
	created, err := createIfMissing.Run(ctx, s.rdb, []string{s.keys.apiUser(u.Name)},
		fUserMember, u.MemberID, fUserPassword, u.PasswordHash,
		fUserEnabled, boolString(u.Enabled)).Int()
	if err != nil {
		return unavailable(err)
	}
	if created == 0 {
		return ErrExists
	}
	return nil
}

// APIUser reads an API user; ErrNotFound if there is none.
func (s *Store) APIUser(ctx context.Context, name string) (APIUser, error) {
	h, err := s.rdb.HGetAll(ctx, s.keys.apiUser(name)).Result()
	if err != nil {
		return APIUser{}, unavailable(err)
	}
	if len(h) == 0 {
		return APIUser{}, ErrNotFound
	}
	member, _ := strconv.ParseInt(h[fUserMember], 10, 64)
	return APIUser{
		Name:         name,
		MemberID:     member,
		PasswordHash: h[fUserPassword],
		Enabled:      h[fUserEnabled] == "1",
	}, nil
}

// SetAPIUserEnabled enables or disables an API user; ErrNotFound if there
// is none. Disabling does not end the user's sessions: RevokeUserSessions
// does.
func (s *Store) SetAPIUserEnabled(ctx context.Context, name string, enabled bool) error {
	return s.setUserField(ctx, name, fUserEnabled, boolString(enabled))
}

// SetAPIUserPassword replaces an API user's password hash.
func (s *Store) SetAPIUserPassword(ctx context.Context, name, hash string) error {
	return s.setUserField(ctx, name, fUserPassword, hash)
}

func (s *Store) setUserField(ctx context.Context, name, field, value string) error {
	return s.update(ctx, s.keys.apiUser(name), field, value)
}
