// Package faults holds the fault, abuse and durability tests of the
// service as it is deployed: three audience-api replicas built from this
// tree behind haproxy (package localcluster), on a real redis-server or a
// Sentinel group, under a steady load whose every acknowledged
// membership is read back afterwards (package ackcheck).
//
// The tests take a few minutes, so `go test ./...` skips them; `make
// test-faults` runs them (AUDIENCE_FAULTS=1), and CI runs that target.
// Every test logs the figures docs/reliability.md quotes: requests that
// failed, acknowledged memberships lost, error windows and recovery
// times. Everything listens on 127.0.0.1; every load and wait is bounded
// in time and in count.
package faults
