// Package localcluster runs the service as it is deployed, on one machine:
// a real redis-server, several audience-api replicas built from this tree
// on loopback ports, and haproxy balancing one port across them with
// health checks on /readyz.
//
// The same code serves `make cluster-up` (processes that outlive the
// command, stopped by `make cluster-down`) and the tests that prove the
// rate limits and statistics across replicas (processes tied to the test,
// killed when it ends). It also holds the accuracy scenarios both of them
// run, on the load generator of package loadgen.
//
// Everything listens on 127.0.0.1 only.
package localcluster
