package rtsegment

import (
	"strconv"
	"unicode/utf8"
)

// Warning texts. The ones the contract quotes are byte for byte; the others
// are this service's own and are part of its protocol once released, so
// change none of them lightly. Texts that begin with a quoted field name
// follow the style of the quoted ones and end without a period; sentences
// end with one.
const (
	msgNoValidRequest  = "No valid rt_segment in request."
	msgTooManyUsers    = "Too many user_ids in request."
	msgEntryNotObject  = "User entry must be an object."
	msgUserRequired    = "'user_id' is required and cannot be empty"
	msgUserNotString   = "'user_id' must be a string"
	msgBlocksRequired  = "'seg_block' is required"
	msgBlocksNotArray  = "'seg_block' must be an array"
	msgDomainNotString = "'domain' must be a string"
	msgPlatformID      = "'user_id' must be a decimal integer from 1 to 18446744073709551615"

	msgBlockNotObject   = "Seg block must be an object."
	msgSegmentNotNamed  = "'seg_id' or 'seg_code' and 'member_id' are required"
	msgSegmentTwice     = "Only one of 'seg_id' and 'seg_code' may be given."
	msgSegIDType        = "'seg_id' must be a positive integer"
	msgSegIDTooLarge    = "'seg_id' must be at most 9223372036854775807"
	msgSegCodeType      = "'seg_code' must be a string"
	msgSegCodeLength    = "'seg_code' must be 1 to 50 characters long"
	msgMemberIDType     = "'member_id' must be a positive integer"
	msgMemberIDTooLarge = "'member_id' must be at most 9223372036854775807"
	msgValueType        = "'value' must be an integer"
	msgValueRange       = "'value' must be between 0 and 2147483647"
	msgExpirationType   = "'expiration' must be an integer"
)

// maxCodeLength is the longest segment code, in characters.
const maxCodeLength = 50

// msgExpirationRange names the expirations a block may give.
func msgExpirationRange(max int64) string {
	return "'expiration' must be -1 (remove), 0 (never expire) or 1 to " +
		strconv.FormatInt(max, 10) + " minutes"
}

// msgTooManyBlocks is the warning of each block past the per-entry cap.
func msgTooManyBlocks(max int) string {
	return "Too many seg_blocks for one user_id; at most " + strconv.Itoa(max) +
		" are processed."
}

// msgNoValidSegments is the warning of an entry none of whose blocks was valid.
func msgNoValidSegments(rawID string) string {
	return "No valid segments for user_id: " + rawID + "."
}

// msgDuplicateKey is the warning of an entry or block holding a key twice.
func msgDuplicateKey(key []byte, where string) string {
	return "Duplicate key '" + clip(string(key)) + "' in " + where + "."
}

func msgDomainDeprecated(name string) string {
	return "Domain '" + clip(name) + "' is deprecated and no longer accepted."
}

func msgDomainUnknown(name string) string {
	return "Unknown domain '" + clip(name) + "'."
}

func msgUUID(domain string) string {
	return "'user_id' must be a UUID for domain '" + domain + "'"
}

func msgHexID(domain string, digits int) string {
	return "'user_id' must be " + strconv.Itoa(digits) +
		" hexadecimal digits for domain '" + domain + "'"
}

// describe names a segment the way the block named it.
func describe(ref SegmentRef) string {
	if ref.ID != 0 {
		return "segment " + strconv.FormatInt(ref.ID, 10)
	}
	return "segment with code '" + ref.Code + "' of member " +
		strconv.FormatInt(ref.MemberID, 10)
}

func msgSegmentUnknown(ref SegmentRef) string {
	return "S" + describe(ref)[1:] + " not found."
}

func msgSegmentInactive(ref SegmentRef) string {
	return "S" + describe(ref)[1:] + " is inactive."
}

func msgSegmentUnauthorized(ref SegmentRef) string {
	return "Not authorized to populate " + describe(ref) + "."
}

// clip shortens text a client chose (a key, a domain name) that goes into a
// warning, so that one hostile name cannot make every log line huge.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
