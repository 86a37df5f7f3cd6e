// Package hostile holds a corpus of hostile requests, each with the
// answer the contract wants for it, and the means to send them: bodies
// (deep nesting, huge and malformed numbers, duplicate and case-variant
// keys, byte order marks, UTF-16, invalid UTF-8, control characters in
// ids, gzip bombs, oversize and cut-short bodies), methods, paths and
// headers (Cases); requests written byte for byte that no client library
// would send (Raws); and slow clients (SlowHeaders, SlowBody).
//
// The tests of package app send it all to one server in-process, with
// the real HTTP server's bounds; those of package faults send it through
// the balancer of a local cluster. The answers assume the demo data.
package hostile
