package rtsegment

import (
	"strings"
	"testing"
)

const (
	uuidUpper = "1BA98A6C-D1A5-49EF-AD1C-2D9230EBCD13"
	uuidLower = "1ba98a6c-d1a5-49ef-ad1c-2d9230ebcd13"
	hex32     = "0123456789ABCDEF0123456789abcdef"
	hex40     = "0123456789ABCDEF0123456789abcdef01234567"
)

const platformMsg = "'user_id' must be a decimal integer from 1 to 18446744073709551615"

// TestEntryUsers covers the last two entry checks: the domain is known and
// the user id fits it.
func TestEntryUsers(t *testing.T) {
	runEntryCases(t, []entryCase{
		// Platform ids.
		{
			name:    "leading zeros dropped",
			entries: entryOf(`"user_id":"000123"`),
			users:   []string{"/123"},
		},
		{
			name:    "surrounding white space trimmed",
			entries: entryOf(`"user_id":"  42\t"`),
			users:   []string{"/42"},
		},
		{
			name:    "largest platform id",
			entries: entryOf(`"user_id":"18446744073709551615"`),
			users:   []string{"/18446744073709551615"},
		},
		{
			name:    "largest platform id behind zeros",
			entries: entryOf(`"user_id":"0018446744073709551615"`),
			users:   []string{"/18446744073709551615"},
		},
		{
			name:    "2^64 is too large",
			entries: entryOf(`"user_id":"18446744073709551616"`),
			want:    []string{platformMsg, noValid},
		},
		{
			name:    "zero",
			entries: entryOf(`"user_id":"000"`),
			want:    []string{platformMsg, noValid},
		},
		{
			name:    "negative",
			entries: entryOf(`"user_id":"-1"`),
			want:    []string{platformMsg, noValid},
		},
		{
			name:    "not decimal",
			entries: entryOf(`"user_id":"0x1F"`),
			want:    []string{platformMsg, noValid},
		},
		{
			name:    "non-ASCII digits",
			entries: entryOf(`"user_id":"１２"`),
			want:    []string{platformMsg, noValid},
		},
		{
			name:    "empty domain is the platform",
			entries: entryOf(`"user_id":"5","domain":""`),
			users:   []string{"/5"},
		},

		// Device domains.
		{
			name:    "idfa lower-cased",
			entries: entryOf(`"user_id":"` + uuidUpper + `","domain":"idfa"`),
			users:   []string{"idfa/" + uuidLower},
		},
		{
			name:    "domain name without regard to case",
			entries: entryOf(`"user_id":"` + uuidLower + `","domain":"IdFa"`),
			users:   []string{"idfa/" + uuidLower},
		},
		{
			name:    "idfa not a UUID",
			entries: entryOf(`"user_id":"12345","domain":"idfa"`),
			want:    []string{"'user_id' must be a UUID for domain 'idfa'", noValid},
		},
		{
			name:    "aaid",
			entries: entryOf(`"user_id":" ` + uuidUpper + ` ","domain":"aaid"`),
			users:   []string{"aaid/" + uuidLower},
		},
		{
			name:    "aaid without hyphens",
			entries: entryOf(`"user_id":"1ba98a6cd1a549efad1c2d9230ebcd13","domain":"aaid"`),
			want:    []string{"'user_id' must be a UUID for domain 'aaid'", noValid},
		},
		{
			name:    "md5udid",
			entries: entryOf(`"user_id":"` + hex32 + `","domain":"md5udid"`),
			users:   []string{"md5udid/" + strings.ToLower(hex32)},
		},
		{
			name:    "md5udid too short",
			entries: entryOf(`"user_id":"` + hex32[1:] + `","domain":"md5udid"`),
			want: []string{"'user_id' must be 32 hexadecimal digits for domain 'md5udid'",
				noValid},
		},
		{
			name:    "sha1udid",
			entries: entryOf(`"user_id":"` + hex40 + `","domain":"SHA1UDID"`),
			users:   []string{"sha1udid/" + strings.ToLower(hex40)},
		},
		{
			name:    "sh1udid is sha1udid",
			entries: entryOf(`"user_id":"` + hex40 + `","domain":"sh1udid"`),
			users:   []string{"sha1udid/" + strings.ToLower(hex40)},
		},
		{
			name:    "sha1udid not hex",
			entries: entryOf(`"user_id":"` + hex40[1:] + `g","domain":"sha1udid"`),
			want: []string{"'user_id' must be 40 hexadecimal digits for domain 'sha1udid'",
				noValid},
		},
		{
			name:    "openudid",
			entries: entryOf(`"user_id":"` + hex40 + `","domain":"openudid"`),
			users:   []string{"openudid/" + strings.ToLower(hex40)},
		},
		{
			name:    "openudid too long",
			entries: entryOf(`"user_id":"` + hex40 + `0","domain":"openudid"`),
			want: []string{"'user_id' must be 40 hexadecimal digits for domain 'openudid'",
				noValid},
		},
		{
			name:    "sha1mac is deprecated",
			entries: entryOf(`"user_id":"` + hex40 + `","domain":"SHA1MAC"`),
			want:    []string{"Domain 'SHA1MAC' is deprecated and no longer accepted.", noValid},
		},
		{
			name:    "unknown domain",
			entries: entryOf(`"user_id":"1","domain":"email"`),
			want:    []string{"Unknown domain 'email'.", noValid},
		},
		{
			name:    "domain a number",
			entries: entryOf(`"user_id":"1","domain":1`),
			want:    []string{"'domain' must be a string", noValid},
		},
		{
			name:    "Kelvin sign is not a k",
			entries: entryOf(`"user_id":"1","domain":"sha1udi\u212a"`),
			want:    []string{"Unknown domain 'sha1udi\u212a'.", noValid},
		},

		// The top-level domain.
		{
			name:    "top-level domain applies to entries without one",
			top:     `"domain":"idfa",`,
			entries: entryOf(`"user_id":"` + uuidUpper + `"`),
			users:   []string{"idfa/" + uuidLower},
		},
		{
			name:    "an entry's null domain wins",
			top:     `"domain":"idfa",`,
			entries: entryOf(`"user_id":"9","domain":null`),
			users:   []string{"/9"},
		},
		{
			name:    "an entry's own domain wins",
			top:     `"domain":"idfa",`,
			entries: entryOf(`"user_id":"` + hex32 + `","domain":"md5udid"`),
			users:   []string{"md5udid/" + strings.ToLower(hex32)},
		},
		{
			name:    "top-level placeholder domain",
			top:     `"domain":"domain",`,
			entries: entryOf(`"user_id":"1"`),
			want:    []string{"Unknown domain 'domain'.", noValid},
		},
		{
			name:    "top-level null domain",
			top:     `"domain":null,`,
			entries: entryOf(`"user_id":"1"`),
			users:   []string{"/1"},
		},
	})
}
