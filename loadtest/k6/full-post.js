// Full POSTs: 1000 users of 5 segments each (LOAD_USERS_PER_POST,
// LOAD_SEGS_PER_USER), every user a new one, at a constant arrival rate,
// spread over every account. memberships_applied over the run's length
// is the throughput.
//
//   k6 run -e LOAD_ACCOUNTS=$PWD/accounts.json -e LOAD_RATE=4 full-post.js
//
// LOAD_RATE (2/s, 10,000 users a second), LOAD_DURATION (1m),
// LOAD_P99_MS (1000).

import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { ACCOUNTS, MAX_ERROR_RATE, env, login, num, openModel } from './lib/config.js';
import { post, postBody, runPrefix } from './lib/bodies.js';

const RATE = num('LOAD_RATE', 2);
const DURATION = env('LOAD_DURATION', '1m');
const P99_MS = num('LOAD_P99_MS', 1000);
const USERS = num('LOAD_USERS_PER_POST', 1000);
const SEGS = num('LOAD_SEGS_PER_USER', 5);

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { full_post: openModel(RATE, DURATION, 'fullPost') },
  thresholds: {
    'http_req_failed{kind:full_post}': [`rate<=${MAX_ERROR_RATE}`],
    'http_req_duration{kind:full_post}': [`p(99)<${P99_MS}`],
    'checks{scenario:full_post}': [`rate>=${1 - MAX_ERROR_RATE}`],
  },
};

const applied = new Counter('memberships_applied');

/** @typedef {{sessions: import('./lib/config.js').Session[], prefix: string}} Data */

/** @returns {Data} */
export function setup() {
  return { sessions: login(ACCOUNTS), prefix: runPrefix() };
}

/** @param {Data} data */
export function fullPost(data) {
  const i = exec.scenario.iterationInTest;
  const s = data.sessions[i % data.sessions.length];
  const segs = Math.min(SEGS, s.segments.length);
  const body = postBody(s, data.prefix, i * USERS, USERS, segs);
  applied.add(post(s, body, USERS, USERS * segs, 'full_post'));
}
