package deploy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/instant-audience/audience/internal/config"
)

// checkAPI checks what the API's Deployment must keep in every render:
// rolling updates that never drop below the wanted replicas, probes on
// /healthz and /readyz, a locked-down security context, resources, and a
// grace period that covers the pre-stop sleep, the drain delay and the
// shutdown timeout of its configuration, which must pass the server's
// own validation.
func checkAPI(t *testing.T, where string, objs []any) {
	t.Helper()
	var dep *appsv1.Deployment
	maps := map[string]*corev1.ConfigMap{}
	for _, o := range objs {
		switch o := o.(type) {
		case *appsv1.Deployment:
			if o.Spec.Template.Labels["app.kubernetes.io/component"] == "api" {
				dep = o
			}
		case *corev1.ConfigMap:
			maps[o.Name] = o
		}
	}
	if dep == nil {
		t.Fatalf("%s: no Deployment of the API", where)
	}
	for _, err := range deploymentProblems(dep, maps) {
		t.Errorf("%s: %v", where, err)
	}
}

func deploymentProblems(dep *appsv1.Deployment, maps map[string]*corev1.ConfigMap) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	ru := dep.Spec.Strategy.RollingUpdate
	if ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		bad("rolling update may drop below the wanted replicas")
	}
	pod := dep.Spec.Template.Spec
	if psc := pod.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		bad("pod may run as root")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		bad("a service account token is mounted")
	}
	if len(pod.Containers) != 1 {
		bad("%d containers, want 1", len(pod.Containers))
		return errs
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		bad("container security context is not locked down: %+v", sc)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil ||
		c.LivenessProbe.HTTPGet.Path != "/healthz" {
		bad("liveness probe is not GET /healthz")
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil ||
		c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		bad("readiness probe is not GET /readyz")
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		bad("no CPU request or memory limit")
	}

	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			continue
		}
		cm := maps[from.ConfigMapRef.Name]
		if cm == nil {
			bad("ConfigMap %s is not in the render", from.ConfigMapRef.Name)
			return errs
		}
		for k, v := range cm.Data {
			env[k] = v
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			env[e.Name] = "from-a-secret"
		} else {
			env[e.Name] = e.Value
		}
	}
	cfg, err := parseEnv(env)
	if err != nil {
		bad("the configuration does not pass the server's validation: %v", err)
		return errs
	}

	var preStop time.Duration
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		preStop = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	need := preStop + cfg.DrainDelay + cfg.ShutdownTimeout
	grace := 30 * time.Second
	if pod.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
	}
	if grace < need {
		bad("grace period %v is shorter than pre-stop %v + drain %v + shutdown %v",
			grace, preStop, cfg.DrainDelay, cfg.ShutdownTimeout)
	}
	if cfg.AdminAddr == "" {
		bad("metrics are on the public port: AUDIENCE_ADMIN_ADDR is unset")
	}
	return errs
}

// parseEnv runs the server's own parsing and validation over the
// AUDIENCE_* variables of a pod. They are passed as flags, so that a
// misspelt variable is an unknown flag rather than silently ignored.
func parseEnv(env map[string]string) (config.Server, error) {
	var args []string
	for k, v := range env {
		name, ok := strings.CutPrefix(k, config.EnvPrefix+"_")
		if !ok {
			continue
		}
		args = append(args, "-"+strings.ReplaceAll(strings.ToLower(name), "_", "-")+"="+v)
	}
	return config.ParseServer("audience-api", args)
}
