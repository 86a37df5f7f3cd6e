package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/store"
)

// TestApplyTakesTheStoresClock checks that lifetimes start from the
// store's clock both when each script call reads it (a small request) and
// when the request reads it once for all its users (a large one). On
// miniredis the clock is set a year away from the host's, so that a
// lifetime counted from the host's clock would show.
func TestApplyTakesTheStoresClock(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		if f.advance != nil {
			f.advance(365 * 24 * time.Hour)
		}
		tests := []struct {
			name  string
			users int
		}{
			{name: "small request", users: 1},
			{name: "large request", users: 40},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				writes := make([]store.UserWrite, tt.users)
				for u := range writes {
					writes[u] = store.UserWrite{ID: strconv.Itoa(1000*(i+1) + u),
						Changes: []store.Change{{SegID: 7, Value: 3, Minutes: 10},
							{SegID: 8, Value: 4, Minutes: 0}}}
				}
				clock, err := f.rdb.Time(ctx).Result()
				if err != nil {
					t.Fatal(err)
				}
				if err := f.st.Apply(ctx, writes); err != nil {
					t.Fatal(err)
				}
				for _, w := range writes {
					got := memberships(t, f.st, w.ID)
					exp := got[7].ExpiresAt.Sub(clock)
					if exp < 9*time.Minute || exp > 11*time.Minute || got[7].Value != 3 {
						t.Fatalf("user %s: segment 7 %+v, want value 3 expiring 10 minutes after"+
							" the store's clock %v", w.ID, got[7], clock)
					}
					if !got[8].ExpiresAt.IsZero() || got[8].Value != 4 {
						t.Fatalf("user %s: segment 8 %+v, want value 4 never expiring", w.ID, got[8])
					}
				}
			})
		}
	})
}

// TestApplyRefusesBadLifetimes checks that a lifetime out of range fails
// the whole request before anything is written, whatever its size.
func TestApplyRefusesBadLifetimes(t *testing.T) {
	eachBackend(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		tests := []struct {
			name    string
			minutes int64
		}{
			{name: "below -1", minutes: -2},
			{name: "past 100 years", minutes: store.MaxLifetimeMinutes + 1},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				writes := make([]store.UserWrite, 20)
				for u := range writes {
					writes[u] = store.UserWrite{ID: strconv.Itoa(5000 + u),
						Changes: []store.Change{{SegID: 1, Value: 1, Minutes: 5}}}
				}
				writes[19].Changes = append(writes[19].Changes,
					store.Change{SegID: 2, Value: 1, Minutes: tt.minutes})
				err := f.st.Apply(ctx, writes)
				if err == nil || !strings.Contains(err.Error(), "lifetime") {
					t.Fatalf("Apply = %v, want the lifetime refused", err)
				}
				if n := f.rdb.Exists(ctx, "ia:u{5000}").Val(); n != 0 {
					t.Fatal("a refused request was applied in part")
				}
			})
		}
	})
}
