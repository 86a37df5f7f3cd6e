package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireHelmEnv turns a missing helm from a skipped test into a failed
// one when set to 1, as CI sets it.
const requireHelmEnv = "AUDIENCE_REQUIRE_HELM"

// helm returns the helm binary: ./bin/helm, which `make helm` installs, or
// one on PATH.
func helm(t *testing.T) string {
	t.Helper()
	if p := filepath.Join(root(t), "bin", "helm"); fileExists(p) {
		return p
	}
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	if os.Getenv(requireHelmEnv) == "1" {
		t.Fatalf("helm is not in ./bin or on PATH and %s=1 requires it", requireHelmEnv)
	}
	t.Skipf("helm is not in ./bin or on PATH (make helm installs it); set %s=1 to fail instead",
		requireHelmEnv)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// runHelm runs helm with args and returns its standard output.
func runHelm(t *testing.T, bin string, args ...string) ([]byte, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	// helm keeps caches and settings under HOME; tests leave none behind.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "HELM_CACHE_HOME="+home,
		"HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	err := cmd.Run()
	if err != nil {
		return out.Bytes(), &helmError{err: err, stderr: errOut.String()}
	}
	return out.Bytes(), nil
}

type helmError struct {
	err    error
	stderr string
}

func (e *helmError) Error() string { return e.err.Error() + ": " + e.stderr }

// valueSets returns the chart's ci/*-values.yaml files and "" for the
// default values.
func valueSets(t *testing.T, chart string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(chart, "ci", "*-values.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("want several ci/*-values.yaml, found %v (%v)", files, err)
	}
	return append([]string{""}, files...)
}

// TestChart lints the chart strictly and renders it with each value set,
// then decodes every object strictly and checks the API's Deployment.
func TestChart(t *testing.T) {
	bin := helm(t)
	chart := filepath.Join(root(t), "helm", "audience")
	for _, values := range valueSets(t, chart) {
		name := "default"
		var extra []string
		if values != "" {
			name = strings.TrimSuffix(filepath.Base(values), "-values.yaml")
			extra = []string{"-f", values}
		}
		t.Run(name, func(t *testing.T) {
			lint := append([]string{"lint", "--strict", chart}, extra...)
			if out, err := runHelm(t, bin, lint...); err != nil {
				t.Fatalf("helm lint: %v\n%s", err, out)
			}
			tmpl := append([]string{"template", "audience", chart, "--namespace", "audience"},
				extra...)
			out, err := runHelm(t, bin, tmpl...)
			if err != nil {
				t.Fatalf("helm template: %v", err)
			}
			objs := decodeAll(t, name, out)
			checkAPI(t, name, objs)
		})
	}
}

// TestChartRefusesBadValues: values the service cannot run with stop the
// render with a message, rather than install pods that crash.
func TestChartRefusesBadValues(t *testing.T) {
	bin := helm(t)
	chart := filepath.Join(root(t), "helm", "audience")
	tests := []struct {
		name string
		set  []string
		want string
	}{
		{name: "two topologies", set: []string{"redis.url=redis://r:6379/0"},
			want: "set exactly one"},
		{name: "no topology", set: []string{"bundledRedis.enabled=false"}, want: "set exactly one"},
		{name: "sentinel without master", set: []string{"bundledRedis.enabled=false",
			"redis.sentinel.addrs={s:26379}"}, want: "masterName is required"},
		{name: "grace shorter than the drain", set: []string{
			"shutdown.terminationGracePeriodSeconds=10"}, want: "must be at least"},
		{name: "schema", set: []string{"service.type=Public"}, want: "service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"template", "audience", chart}
			for _, s := range tt.set {
				args = append(args, "--set", s)
			}
			_, err := runHelm(t, bin, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("helm template %v: %v, want an error with %q", tt.set, err, tt.want)
			}
		})
	}
}
