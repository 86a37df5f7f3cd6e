package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/store"
)

// The demo of the contract: the reference's examples work against it
// unchanged.
var (
	demoMembers = []store.Member{
		{ID: 1001, Enabled: true, AllowedMembers: []int64{1661, 1262}},
		{ID: 1661, Enabled: true},
		{ID: 1262, Enabled: true},
	}
	demoSegments = []store.Segment{
		{ID: 1, MemberID: 1001, Active: true},
		{ID: 12, MemberID: 1001, Active: true},
		{ID: 10001, MemberID: 1001, Active: true},
		{ID: 10002, MemberID: 1001, Active: true},
		{ID: 23784, MemberID: 1001, Active: true},
		{ID: 20001, MemberID: 1661, Code: "abcd", Active: true},
		{ID: 20002, MemberID: 1262, Code: "zywx", Active: true},
	}
)

// Demo user's credentials. They are published in the README: the demo is
// for trying the service, never for production data.
const (
	DemoUser     = "demo"
	DemoPassword = "demo"
	DemoMember   = 1001
)

// ProvisionDemo creates what is missing of the demo data and never
// overwrites what exists, so running it on every start is safe.
func ProvisionDemo(ctx context.Context, st *store.Store, bcryptCost int) error {
	for _, m := range demoMembers {
		if err := st.CreateMember(ctx, m); err != nil && !errors.Is(err, store.ErrExists) {
			return fmt.Errorf("demo member %d: %w", m.ID, err)
		}
	}
	for _, s := range demoSegments {
		_, err := st.CreateSegment(ctx, s)
		if err != nil && !errors.Is(err, store.ErrExists) && !errors.Is(err, store.ErrCodeTaken) {
			return fmt.Errorf("demo segment %d: %w", s.ID, err)
		}
	}
	if _, err := st.APIUser(ctx, DemoUser); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("demo user: %w", err)
	}
	hash, err := auth.HashPassword(DemoPassword, bcryptCost)
	if err != nil {
		return err
	}
	err = st.CreateAPIUser(ctx, store.APIUser{
		Name: DemoUser, MemberID: DemoMember, PasswordHash: hash, Enabled: true,
	})
	if err != nil && !errors.Is(err, store.ErrExists) {
		return fmt.Errorf("demo user: %w", err)
	}
	return nil
}
