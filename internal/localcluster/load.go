package localcluster

import (
	"net/http"

	"github.com/instant-audience/audience/internal/loadgen"
)

// Offer is a steady load, open loop: request i leaves at start + i/Rate
// whatever became of the ones before it. It is package loadgen's, where
// the load generator lives for every load test of the project; the
// accuracy runs set its CountHeader to ReplicaHeader, so that
// Tally.ByHeader counts the answers by the replica that served them.
type Offer = loadgen.Offer

// Tally is what an Offer got.
type Tally = loadgen.Tally

// NewClient returns an HTTP client for loads: kept-alive connections, as
// a real client keeps them, and a bound on every request.
func NewClient() *http.Client { return loadgen.NewClient() }
