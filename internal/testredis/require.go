package testredis

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing redis-server
// from a skipped test into a failed one when it is set to "1".
const RequireEnv = "AUDIENCE_REQUIRE_REDIS"

// Available reports whether redis-server is on PATH.
func Available() bool {
	_, err := exec.LookPath("redis-server")
	return err == nil
}

// Require skips the test when redis-server is not on PATH, or fails it when
// AUDIENCE_REQUIRE_REDIS=1 is set. The start functions call it themselves;
// calling it first makes a test's dependency on Redis explicit.
func Require(t testing.TB) {
	t.Helper()
	requireTool(t, "redis-server")
}

// requireTool skips or fails the test, as Require does, when the named binary
// is not on PATH.
func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s is not on PATH and %s=1 requires it", name, RequireEnv)
	}
	t.Skipf("%s is not on PATH; set %s=1 to fail instead of skipping", name, RequireEnv)
}
