package localcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Tools are the programs a cluster needs, found on PATH. haproxy is also
// looked for in /usr/sbin, where Debian puts it and where a user's PATH
// may not reach.
type Tools struct {
	Redis   string
	HAProxy string
}

// ErrMissingTool is wrapped by FindTools when a program is not installed.
var ErrMissingTool = errors.New("missing tool")

// FindTools locates redis-server and haproxy.
func FindTools() (Tools, error) {
	var t Tools
	var missing []string
	var err error
	if t.Redis, err = exec.LookPath("redis-server"); err != nil {
		missing = append(missing, "redis-server (apt-get install redis-server)")
	}
	if t.HAProxy, err = exec.LookPath("haproxy"); err != nil {
		if _, serr := os.Stat("/usr/sbin/haproxy"); serr == nil {
			t.HAProxy = "/usr/sbin/haproxy"
		} else {
			missing = append(missing, "haproxy (apt-get install haproxy)")
		}
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("%w: %s", ErrMissingTool, strings.Join(missing, ", "))
	}
	return t, nil
}

// ModuleRoot returns the directory of this tree's go.mod, from which the
// replicas are built.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the module: run from the repository")
	}
	return filepath.Dir(mod), nil
}

// Build compiles audience-api and audiencectl from the tree at root into
// dir, and returns dir. The build cache makes a second build cheap.
func Build(ctx context.Context, root, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-o", dir+string(filepath.Separator), "./cmd/audience-api", "./cmd/audiencectl")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// BuildTree compiles audience-api and audiencectl from this module's tree
// into dir/bin, and returns that directory.
func BuildTree(ctx context.Context, dir string) (string, error) {
	root, err := ModuleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "bin")
	return bin, Build(ctx, root, bin)
}
