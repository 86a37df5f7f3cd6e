package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const examplesDir = "../../../shared/examples"

// TestExamples posts every request of the reference's examples as curl -d
// @file would, and compares the answer with the expected one as JSON.
func TestExamples(t *testing.T) {
	reqs, _ := filepath.Glob(filepath.Join(examplesDir, "*.request.json"))
	if len(reqs) == 0 {
		t.Skip("no examples beside the repository")
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			in := start(t, b.config(t))
			token := in.login(DemoUser, DemoPassword)
			for _, req := range reqs {
				name := strings.TrimSuffix(filepath.Base(req), ".request.json")
				t.Run(name, func(t *testing.T) {
					body, err := os.ReadFile(req)
					if err != nil {
						t.Fatal(err)
					}
					want, err := os.ReadFile(strings.Replace(req, ".request.", ".response.", 1))
					if err != nil {
						t.Fatal(err)
					}
					a := in.post(token, string(body))
					var w any
					if err := json.Unmarshal(want, &w); err != nil {
						t.Fatal(err)
					}
					if a.status != 200 || !reflect.DeepEqual(any(a.body), w) {
						t.Fatalf("status %d\n got: %s\nwant: %s", a.status, a.raw, want)
					}
				})
			}

			// The first example's memberships are readable, with their expiry.
			a := in.do("GET", "/rt-segment?user_id=12345678900987654321", token, nil)
			segs, _ := a.response()["segments"].([]any)
			if a.status != 200 || len(segs) != 2 {
				t.Fatalf("GET after the examples: %d %s", a.status, a.raw)
			}
			first := segs[0].(map[string]any)
			at, err := time.Parse(time.RFC3339, first["expires_at"].(string))
			if err != nil || first["seg_id"].(float64) != 10001 {
				t.Fatalf("first membership: %v (%v)", first, err)
			}
			if d := time.Until(at); d < 1439*time.Minute || d > 1441*time.Minute {
				t.Fatalf("expires_at %s is not 1440 minutes away", at)
			}
		})
	}
}
