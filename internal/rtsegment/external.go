package rtsegment

import "strconv"

// Option changes how Parse reads a body.
type Option uint8

// ExternalUserIDs makes Parse read every domain-less user id as an
// external id: the member's own id for the user, which Check maps to a
// platform id through Policy.MapExternal. Ids of a device domain are read
// as usual. An external id is any text of 1 to MaxExternalIDLength bytes
// once surrounding white space is trimmed, compared byte for byte.
const ExternalUserIDs Option = 1

// MaxExternalIDLength is the longest external id, in bytes. Redis keeps a
// small hash compact only while its fields are at most 64 bytes, and the
// mapping store keeps external ids as hash fields.
const MaxExternalIDLength = 64

// external describes the domain-less ids of a member that sends its own.
var external = domainSpec{name: "", shape: shapeExternal}

var msgExternalTooLong = "'user_id' must be at most " + strconv.Itoa(MaxExternalIDLength) +
	" bytes for an external id"

// msgNoMapping is the warning of an entry whose external id maps to no
// platform id.
func msgNoMapping(rawID string) string {
	return "No mapping for user_id: " + rawID + "."
}

// NormalizeExternalID validates an external id and returns it trimmed of
// surrounding white space. The error text names the problem and is usable
// as a warning or a 400 text.
func NormalizeExternalID(id string) (string, error) {
	norm, err := appendID(nil, external, []byte(id))
	if err != nil {
		return "", err
	}
	if len(norm) == 0 {
		return "", errUserRequired
	}
	return string(norm), nil
}

// ExternalIDs lists the distinct external ids of the entries that passed
// Parse, trimmed, in order of first appearance, so the caller can resolve
// them all in one batch before Check. It is empty unless Parse was given
// ExternalUserIDs. Every id Check passes to Policy.MapExternal is listed.
func (r *Request) ExternalIDs() []string {
	ids := []string{}
	if !r.external {
		return ids
	}
	seen := make(map[string]struct{})
	for i := range r.entries {
		e := &r.entries[i]
		if e.fail != "" || !e.external {
			continue
		}
		if _, dup := seen[e.id]; !dup {
			seen[e.id] = struct{}{}
			ids = append(ids, e.id)
		}
	}
	return ids
}

// mapped resolves the external id of e through p.MapExternal and checks
// the platform id it maps to as Parse checks one sent. It returns that id
// normalised, or the entry's warning.
func (r *Request) mapped(p *Policy, e *entry) (id, fail string) {
	var pid string
	ok := false
	if p.MapExternal != nil {
		pid, ok = p.MapExternal(e.id)
	}
	if !ok {
		return "", msgNoMapping(r.rawID(e))
	}
	norm, err := platformID([]byte(pid))
	if err != nil {
		return "", err.Error()
	}
	// norm is pid without its leading zeros: slicing the string keeps
	// the conversion above from allocating a copy that outlives it.
	return pid[len(pid)-len(norm):], ""
}

// rawID is the user id of e as it was sent, unescaped.
func (r *Request) rawID(e *entry) string {
	return string((&scanner{data: r.body}).strBytes(e.userID))
}
