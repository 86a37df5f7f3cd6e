package localcluster

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// probe is the client of the readiness checks: short timeouts, no reuse
// of a connection to a process that may have just died.
var probe = &http.Client{
	Timeout:   2 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true},
}

// waitTCP succeeds once something accepts connections on addr.
func waitTCP(ctx context.Context, addr string) error {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return conn.Close()
}

// waitReady succeeds once the replica at addr answers /readyz with 200.
func waitReady(ctx context.Context, addr string) error {
	return getOK(ctx, "http://"+addr+"/readyz")
}

func getOK(ctx context.Context, url string) error {
	_, err := getReplica(ctx, url)
	return err
}

// getReplica GETs url and returns the replica the balancer named, if any.
func getReplica(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := probe.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp.Header.Get(ReplicaHeader), nil
}

// waitBalancer returns once the balancer has answered /readyz from each of
// the n replicas, so that every one of them passed its health check.
func waitBalancer(ctx context.Context, base string, n int) error {
	return WaitReplicas(ctx, base, n, balancerTimeout)
}

// WaitReplicas polls base's /readyz until n distinct replicas have
// answered it with 200, or fails after timeout naming those seen.
func WaitReplicas(ctx context.Context, base string, n int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	seen := map[string]bool{}
	var last error
	for len(seen) < n {
		name, err := getReplica(ctx, base+"/readyz")
		if err == nil && name != "" {
			seen[name] = true
		} else if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			names := make([]string, 0, len(seen))
			for s := range seen {
				names = append(names, s)
			}
			sort.Strings(names)
			return fmt.Errorf("balancer %s: %d of %d replicas ready after %v (%s); last error: %v",
				base, len(seen), n, timeout, strings.Join(names, ", "), last)
		case <-time.After(pollInterval):
		}
	}
	return nil
}
