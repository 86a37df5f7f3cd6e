package localcluster

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// Serve routes the balancer's traffic to the first n replicas only: the
// others are put in maintenance, where haproxy neither sends them
// requests nor checks them. Serve(len(c.Replicas)) brings them all back.
// It lets one cluster be measured with one replica and with all of them
// on the same store, behind the same balancer.
func (c *Cluster) Serve(ctx context.Context, n int) error {
	if n < 1 || n > len(c.Replicas) {
		return fmt.Errorf("serve %d replicas: the cluster has %d", n, len(c.Replicas))
	}
	for i := range c.Replicas {
		state := "ready"
		if i >= n {
			state = "maint"
		}
		cmd := fmt.Sprintf("set server replicas/%s state %s", replicaName(i), state)
		if err := c.haproxyCommand(ctx, cmd); err != nil {
			return err
		}
	}
	// A replica back from maintenance is sent traffic only once it passes
	// a health check.
	return WaitReplicas(ctx, c.URL, n, balancerTimeout)
}

// haproxyCommand sends one command to haproxy's runtime API and fails on
// any answer but an empty one, which is how haproxy says it was done.
func (c *Cluster) haproxyCommand(ctx context.Context, cmd string) error {
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "unix", filepath.Join(c.Dir, "haproxy.sock"))
	if err != nil {
		return fmt.Errorf("haproxy runtime API: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(conn, "%s\n", cmd); err != nil {
		return fmt.Errorf("haproxy runtime API: %w", err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		out.WriteString(sc.Text())
	}
	if msg := strings.TrimSpace(out.String()); msg != "" {
		return fmt.Errorf("haproxy %q: %s", cmd, msg)
	}
	return nil
}
