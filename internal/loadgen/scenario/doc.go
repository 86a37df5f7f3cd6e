// Package scenario holds the load scenarios of the service, the same
// ones the k6 scripts under loadtest/k6 run: small POSTs (one user, one
// to five segments), full POSTs (1000 users of five segments), GET
// lookups of users just written, a mix of the three, a probe of the rate
// limits and a soak. Each scenario is a loadgen.Offer over a list of
// logged-in accounts, one member each, so that a capacity test spreads
// over many members and their own rate limits never cap it.
//
// Accounts are made by Provision, through the store, with limits raised
// out of the way; WriteAccounts saves them for the k6 scripts and for
// the command under loadtest/load.
package scenario
