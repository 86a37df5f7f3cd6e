// Package ackcheck proves that what the service acknowledged, it kept.
//
// A run (Config.Start) writes memberships under a steady load, each of
// them identifiable: POST i of a run writes users first+i×n to
// first+i×n+n−1 (first drawn at random, so runs never meet) into one
// segment of the account with the value i+1. Every answer is kept, with
// when it was sent, how long it took and which replica served it, so
// that a test can line the answers up with the faults it caused.
//
// Afterwards Verify reads back, through any replicas given, every
// membership of every POST that was answered 200 with all of its users
// applied: one acknowledged and not found, or found with another value,
// is lost. The memberships of POSTs that were not acknowledged are read
// too, and counted apart: finding them is allowed (a 503 may have come
// after the store applied the work), not finding them is too.
//
// The load itself is package loadgen's open model: POST i leaves at
// start + i/Rate whatever became of the ones before it.
package ackcheck
