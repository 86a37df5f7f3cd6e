// Package loadgen offers HTTP load and tallies what comes back:
// throughput, latency quantiles (p50, p90, p99, max) and answers by
// status.
//
// Two models of load are offered:
//
//   - open (Offer.Rate > 0): request i leaves at start + i/Rate whatever
//     became of the ones before it, as independent clients arrive in
//     production. Slow answers never lower the rate offered, as they
//     would with a fixed pool of clients that each wait for their
//     answer; they pile up in flight instead, which is what a capacity
//     test must see.
//   - closed (Offer.Rate == 0): Offer.Workers clients each send their
//     next request as soon as the last one is answered, to find the most
//     a server can take (its saturation throughput).
//
// Every answer can be seen one by one (Offer.Observe), with the number
// of the request it answers, so that a test can check what was
// acknowledged against what the server kept.
//
// The package knows nothing of the service's API: what to send is the
// caller's New function. The scenarios of the service (its bodies, its
// accounts) are in the package scenario, beneath this one.
package loadgen
