package ctl

import (
	"strings"
	"testing"

	"github.com/instant-audience/audience/internal/testredis"
)

// TestTopologies: audiencectl reaches a Sentinel group and a Cluster
// through the same settings as the server, as flags or variables, and a
// Redis password given apart from the URL never shows in its output.
func TestTopologies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis processes")
	}
	testredis.Require(t)
	tests := []struct {
		name  string
		setup func(t *testing.T) (args []string, env map[string]string)
	}{
		{name: "sentinel by flags", setup: func(t *testing.T) ([]string, map[string]string) {
			s := testredis.StartSentinel(t, 1, 1)
			return []string{"-redis-sentinel-master", s.MasterName,
				"-redis-sentinel-addrs", strings.Join(s.SentinelAddrs, ",")}, nil
		}},
		{name: "cluster by variables", setup: func(t *testing.T) ([]string, map[string]string) {
			c := testredis.StartCluster(t, 0)
			addrs := strings.Join(c.Addrs, ",")
			return nil, map[string]string{"AUDIENCE_REDIS_CLUSTER_ADDRS": addrs}
		}},
		{name: "password apart from the URL", setup: func(t *testing.T) ([]string,
			map[string]string) {
			s := testredis.StartSingle(t, "--requirepass", urlPassword)
			return []string{"-redis-url", "redis://" + s.Addr},
				map[string]string{"AUDIENCE_REDIS_PASSWORD": urlPassword}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, env := tt.setup(t)
			h := &harness{t: t}
			run := func(args ...string) result {
				full := append(append(args[:2:2], store...), args[2:]...)
				return h.run(invocation{args: full, env: env, noURL: true})
			}
			run("member", "create", "-id", "4242").check(t, exitOK, "", "")
			run("segment", "add", "-member", "4242", "-code", "topo").check(t, exitOK, "", "")
			run("segment", "list", "-member", "4242").check(t, exitOK, "topo", "")
		})
	}

	// A wrong password is refused, and not repeated.
	s := testredis.StartSingle(t, "--requirepass", "the-right-one")
	h := &harness{t: t}
	r := h.run(invocation{args: []string{"member", "show", "-id", "1", "-redis-url",
		"redis://" + s.Addr}, env: map[string]string{"AUDIENCE_REDIS_PASSWORD": urlPassword},
		noURL: true})
	if r.code != exitFailed {
		t.Fatalf("a wrong password: exit %d, stderr %s", r.code, r.stderr)
	}
}
