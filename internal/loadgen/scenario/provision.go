package scenario

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/limits"
	"github.com/instant-audience/audience/internal/store"
)

// Unlimited are member limits that no load on one machine reaches, for
// capacity tests: the highest the limiter applies.
var Unlimited = store.Limits{
	PostPerSec:  limits.MaxPerSec,
	GetPerSec:   limits.MaxPerSec,
	UsersPerSec: limits.MaxPerSec,
}

// Spec says what accounts Provision makes. Zero fields take the defaults.
type Spec struct {
	// Members is the number of members, one API user each (16).
	Members int
	// Segments is the number of active segments of each member (5).
	Segments int
	// Limits are the members' own rate limits; the zero Limits keeps the
	// service-wide ones. Capacity tests set Unlimited.
	Limits store.Limits
}

// firstMemberID is where fresh members are looked for: far above the
// demo's ids, the local cluster tests' (5,000,000 and up) and any an
// operator is likely to choose.
const firstMemberID = 70_000_000

// passwordCost is the bcrypt cost of the accounts' passwords: the
// cheapest, since they exist for load runs only and a login's cost would
// otherwise slow the start of every run.
const passwordCost = 4

// Provision creates fresh members with their segments and API users in
// st, with random passwords, and returns them as accounts (not logged
// in). Fresh members have idle buckets and no statistics, whatever ran
// on the same store before.
func Provision(ctx context.Context, st *store.Store, spec Spec) ([]Account, error) {
	if spec.Members <= 0 {
		spec.Members = 16
	}
	if spec.Segments <= 0 {
		spec.Segments = 5
	}
	start, err := rand.Int(rand.Reader, big.NewInt(10_000_000))
	if err != nil {
		return nil, err
	}
	next := firstMemberID + start.Int64()*10

	accounts := make([]Account, 0, spec.Members)
	for range spec.Members {
		a, id, err := provisionOne(ctx, st, next, spec)
		if err != nil {
			return nil, err
		}
		next = id + 1
		accounts = append(accounts, a)
	}
	return accounts, nil
}

// provisionOne creates one member at the first free id from id on.
func provisionOne(ctx context.Context, st *store.Store, id int64,
	spec Spec) (Account, int64, error) {
	var err error
	for range 100 {
		err = st.CreateMember(ctx, store.Member{ID: id, Enabled: true, Limits: spec.Limits})
		if !errors.Is(err, store.ErrExists) {
			break
		}
		id++
	}
	if err != nil {
		return Account{}, id, fmt.Errorf("member: %w", err)
	}
	a := Account{Member: id, User: fmt.Sprintf("load-%d", id), Password: randomHex(16)}
	for range spec.Segments {
		seg, err := st.CreateSegment(ctx, store.Segment{MemberID: id, Active: true})
		if err != nil {
			return a, id, fmt.Errorf("segment of member %d: %w", id, err)
		}
		a.Segments = append(a.Segments, seg.ID)
	}
	hash, err := auth.HashPassword(a.Password, passwordCost)
	if err != nil {
		return a, id, err
	}
	err = st.CreateAPIUser(ctx, store.APIUser{Name: a.User, MemberID: id,
		PasswordHash: hash, Enabled: true})
	if err != nil {
		return a, id, fmt.Errorf("API user of member %d: %w", id, err)
	}
	return a, id, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
