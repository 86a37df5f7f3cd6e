// GET lookups of users just written: setup() writes LOAD_LOOKUPS users of
// 5 segments (LOAD_SEGS_PER_USER) over the accounts, then every iteration
// reads one of them, by the member that wrote it, and checks that each of
// its segments is there.
//
//   k6 run -e LOAD_ACCOUNTS=$PWD/accounts.json get.js
//
// LOAD_RATE (2000/s), LOAD_DURATION (1m), LOAD_LOOKUPS (2000),
// LOAD_P99_MS (2): the target for this rate on one two-core
// machine.

import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { ACCOUNTS, MAX_ERROR_RATE, env, login, num, openModel } from './lib/config.js';
import { lookup, prepare, readerOf, runPrefix, userID } from './lib/bodies.js';

const RATE = num('LOAD_RATE', 2000);
const DURATION = env('LOAD_DURATION', '1m');
const P99_MS = num('LOAD_P99_MS', 2);
const LOOKUPS = num('LOAD_LOOKUPS', 2000);
const SEGS = num('LOAD_SEGS_PER_USER', 5);

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { lookup: openModel(RATE, DURATION, 'getLookup') },
  thresholds: {
    'http_req_failed{kind:lookup}': [`rate<=${MAX_ERROR_RATE}`],
    'http_req_duration{kind:lookup}': [`p(99)<${P99_MS}`],
    'checks{scenario:lookup}': [`rate>=${1 - MAX_ERROR_RATE}`],
  },
  // Writing the users to look up takes a while on a busy service.
  setupTimeout: '5m',
};

const found = new Counter('segments_found');

/** @typedef {{sessions: import('./lib/config.js').Session[], prefix: string}} Data */

/** @returns {Data} */
export function setup() {
  const sessions = login(ACCOUNTS);
  const prefix = runPrefix();
  prepare(sessions, prefix, LOOKUPS, SEGS);
  return { sessions, prefix };
}

/** @param {Data} data */
export function getLookup(data) {
  const k = exec.scenario.iterationInTest % LOOKUPS;
  const s = data.sessions[readerOf(k, data.sessions.length)];
  found.add(lookup(s, userID(data.prefix, k), Math.min(SEGS, s.segments.length), 'lookup'));
}
