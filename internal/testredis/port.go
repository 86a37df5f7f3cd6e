package testredis

import (
	"fmt"
	"net"
)

// clusterBusOffset is what Redis Cluster adds to a node's port for its bus.
const clusterBusOffset = 10000

// freePort returns a loopback port that was free a moment ago. Another
// process may take it before the server binds it; callers retry on a clash.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// freeClusterPort returns a free loopback port whose cluster bus port
// (port+10000) is free as well, which needs the port to be below 55536.
func freeClusterPort() (int, error) {
	for range 100 {
		port, err := freePort()
		if err != nil {
			return 0, err
		}
		if port+clusterBusOffset > 65535 {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+clusterBusOffset))
		if err != nil {
			continue
		}
		l.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no free port pair (p, p+%d) found", clusterBusOffset)
}
