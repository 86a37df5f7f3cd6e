// Package push sends audience files to the Instant Audience API, so that
// nobody has to write batching, pacing and retries around its limits. It
// is the library behind `audiencectl push`.
//
// A push reads JSON Lines of rt_segment entries or CSV of memberships
// (either may be gzipped), packs them into POST /rt-segment requests within
// every limit of the contract (1000 entries, 100 seg blocks per entry,
// 1 MB), paces them from the server's rate-limit headers, retries what may
// be retried, and maps every warning of the service back to the input line
// it came from. A journal records which ranges of the input were answered
// 200, so that an interrupted push continues without resending them.
//
// The work flows one way:
//
//	input  -> readers (csv.go, jsonl.go)  records: at most one entry each
//	       -> batcher (batch.go)          requests within the limits
//	       -> workers (send.go)           pacing, retries, splitting
//	       -> results (results.go)        warnings, counts, journal
package push
