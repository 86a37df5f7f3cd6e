package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// tokenBytes is the entropy of a token: 256 bits, well past the 128 the
// contract asks for, so guessing one is hopeless however fast one tries.
const tokenBytes = 32

// NewToken returns a fresh opaque token. Its alphabet (base64url without
// padding: A-Z a-z 0-9 - _) needs no escaping in a URL or a header.
func NewToken() string {
	b := make([]byte, tokenBytes)
	// crypto/rand.Read never fails on the platforms Go supports; a failure
	// would be a broken kernel, and a token from it must not be issued.
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is what the store keeps in place of a token. A fast hash is
// right here, unlike for passwords: the token has 256 bits of entropy, so
// there is nothing to brute-force, and a store dump reveals no token.
// Looking a session up by its hash is also a constant-time comparison in
// effect: the store matches whole keys, never a prefix of the secret.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
