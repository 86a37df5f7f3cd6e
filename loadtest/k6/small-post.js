// Steady small POSTs: one user each, into one to five segments in turn,
// at a constant arrival rate, spread over every account.
//
//   k6 run -e LOAD_ACCOUNTS=$PWD/accounts.json small-post.js
//
// LOAD_RATE (500/s), LOAD_DURATION (1m), LOAD_P99_MS (5): the issue's
// target for this rate on one two-core machine.

import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { ACCOUNTS, MAX_ERROR_RATE, env, login, num, openModel } from './lib/config.js';
import { post, postBody, runPrefix } from './lib/bodies.js';

const RATE = num('LOAD_RATE', 500);
const DURATION = env('LOAD_DURATION', '1m');
const P99_MS = num('LOAD_P99_MS', 5);

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { small_post: openModel(RATE, DURATION, 'smallPost') },
  thresholds: {
    'http_req_failed{kind:small_post}': [`rate<=${MAX_ERROR_RATE}`],
    'http_req_duration{kind:small_post}': [`p(99)<${P99_MS}`],
    'checks{scenario:small_post}': [`rate>=${1 - MAX_ERROR_RATE}`],
  },
};

const applied = new Counter('memberships_applied');

/** @typedef {{sessions: import('./lib/config.js').Session[], prefix: string}} Data */

/** @returns {Data} */
export function setup() {
  return { sessions: login(ACCOUNTS), prefix: runPrefix() };
}

/** @param {Data} data */
export function smallPost(data) {
  const i = exec.scenario.iterationInTest;
  const s = data.sessions[i % data.sessions.length];
  const segs = Math.min(1 + (i % 5), s.segments.length);
  applied.add(post(s, postBody(s, data.prefix, i, 1, segs), 1, segs, 'small_post'));
}
