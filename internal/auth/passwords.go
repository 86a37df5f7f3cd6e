package auth

import (
	"errors"

	"golang.org/x/crypto/bcrypt"
)

// DefaultBcryptCost is the work factor of new password hashes.
const DefaultBcryptCost = 11

// ErrPasswordTooLong is returned for passwords bcrypt cannot hash whole.
var ErrPasswordTooLong = errors.New("password longer than 72 bytes")

// HashPassword returns the bcrypt hash of a password.
func HashPassword(password string, cost int) (string, error) {
	if cost == 0 {
		cost = DefaultBcryptCost
	}
	if len(password) > 72 {
		return "", ErrPasswordTooLong
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(h), err
}

// checkPassword reports whether password matches hash. A malformed or
// empty hash never matches.
func checkPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
