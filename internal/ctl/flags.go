package ctl

import (
	"errors"
	"flag"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/instant-audience/audience/internal/store"
)

// Flag values check their input as it is parsed, so that a bad value is a
// usage error naming its flag ("invalid value "-1" for flag -limit-post:
// ...") before anything touches the store.

// numFlag is an integer flag with a lower bound.
type numFlag struct {
	v   int64
	min int64
	why string // what the flag takes, said when a value is refused
}

// newNum registers an integer flag that refuses values below min.
func newNum(fs *flag.FlagSet, name string, min int64, usage, why string) *numFlag {
	f := &numFlag{min: min, why: why}
	fs.Var(f, name, usage)
	return f
}

// newID registers a flag that takes a positive id.
func newID(fs *flag.FlagSet, name, usage string) *numFlag {
	return newNum(fs, name, 1, usage, "must be a positive integer")
}

// newLimit registers a rate-limit flag: 0 keeps the service-wide limit.
func newLimit(fs *flag.FlagSet, name, what string) *numFlag {
	return newNum(fs, name, 0, "at most `N` "+what+" per second; 0 is the service-wide limit",
		"must be 0 (the service-wide limit) or a positive integer")
}

// Set implements flag.Value.
func (f *numFlag) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < f.min {
		return errors.New(f.why)
	}
	f.v = n
	return nil
}

// String implements flag.Value.
func (f *numFlag) String() string {
	if f == nil {
		return "0"
	}
	return strconv.FormatInt(f.v, 10)
}

// idListFlag is a comma-separated list of positive ids; "" is none.
type idListFlag struct{ ids []int64 }

// Set implements flag.Value.
func (f *idListFlag) Set(s string) error {
	ids := []int64{}
	if strings.TrimSpace(s) == "" {
		f.ids = ids
		return nil
	}
	for part := range strings.SplitSeq(s, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil || id <= 0 {
			return errors.New("must be member ids separated by commas, like 1661,1262")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	f.ids = ids
	return nil
}

// String implements flag.Value.
func (f *idListFlag) String() string {
	if f == nil {
		return ""
	}
	return joinIDs(f.ids)
}

// userNameRE is what an API user's name may hold.
var userNameRE = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// errUserName says what a username may be.
var errUserName = errors.New("must be 1 to 64 characters of A-Z a-z 0-9 . _ @ -")

// nameFlag is an API user's name.
type nameFlag struct{ v string }

// Set implements flag.Value.
func (f *nameFlag) Set(s string) error {
	if !userNameRE.MatchString(s) {
		return errUserName
	}
	f.v = s
	return nil
}

// String implements flag.Value.
func (f *nameFlag) String() string {
	if f == nil {
		return ""
	}
	return f.v
}

// codeFlag is a segment code: at most store.MaxCodeLength characters.
// White space around it and control characters are refused: such a code
// would look like another one in every listing.
type codeFlag struct{ v string }

// Set implements flag.Value.
func (f *codeFlag) Set(s string) error {
	switch {
	case !utf8.ValidString(s):
		return errors.New("must be UTF-8 text")
	case utf8.RuneCountInString(s) > store.MaxCodeLength:
		return errors.New("must be at most " + strconv.Itoa(store.MaxCodeLength) + " characters")
	case strings.TrimSpace(s) != s:
		return errors.New("must not start or end with white space")
	case strings.ContainsFunc(s, unicode.IsControl):
		return errors.New("must not hold control characters")
	}
	f.v = s
	return nil
}

// String implements flag.Value.
func (f *codeFlag) String() string {
	if f == nil {
		return ""
	}
	return f.v
}

// joinIDs writes ids as "1661,1262".
func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}
