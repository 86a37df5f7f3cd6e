// A probe of the rate limits: one member offers LOAD_FACTOR (3) times its
// POST limit (small POSTs) and its GET limit (lookups) at once, and the
// calls accepted must be what the limits allow: limit × seconds plus one
// second's burst, within LOAD_TOLERANCE (5%). Every 429 must carry a
// Retry-After header.
//
//   k6 run -e LOAD_USERNAME=demo -e LOAD_PASSWORD=demo -e LOAD_SEG_IDS=10001 limits.js
//
// The member's limits must be the ones given here (LOAD_POST_LIMIT 100,
// LOAD_GET_LIMIT 1000: the service's defaults); setup() reads the
// X-Ratelimit-Write and X-Ratelimit-Read headers and stops if they
// differ. The first account of LOAD_ACCOUNTS is used; the accounts that
// `go run ./loadtest/load provision` makes for capacity tests have their
// limits raised out of the way, so make one for the probe with
// `-limits service`, or with lower limits where the machine running k6
// cannot offer three times 1000 GETs a second on schedule (a late load
// reaches the limiter over a longer time and gets more accepted):
//
//   go run ./loadtest/load provision -members 1 -limits 20,50,100 -out probe.json
//   k6 run -e LOAD_ACCOUNTS=$PWD/probe.json -e LOAD_POST_LIMIT=20 -e LOAD_GET_LIMIT=50 limits.js
//
// LOAD_DURATION (10s).

import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import { ACCOUNTS, BASE_URL, env, headers, login, num, openModel, seconds } from './lib/config.js';
import { postBody, runPrefix } from './lib/bodies.js';

const POST_LIMIT = num('LOAD_POST_LIMIT', 100);
const GET_LIMIT = num('LOAD_GET_LIMIT', 1000);
const FACTOR = num('LOAD_FACTOR', 3);
const TOLERANCE = num('LOAD_TOLERANCE', 0.05);
const DURATION = env('LOAD_DURATION', '10s');

/**
 * bounds are the thresholds on a count of accepted calls: the limit a
 * second over the run, plus the one-second burst the run starts with.
 * @param {number} limit
 * @returns {string[]}
 */
function bounds(limit) {
  const expected = limit * seconds(DURATION) + limit;
  return [
    `count>=${Math.floor(expected * (1 - TOLERANCE))}`,
    `count<=${Math.ceil(expected * (1 + TOLERANCE))}`,
  ];
}

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    posts: openModel(FACTOR * POST_LIMIT, DURATION, 'posts'),
    gets: openModel(FACTOR * GET_LIMIT, DURATION, 'gets'),
  },
  thresholds: {
    posts_accepted: bounds(POST_LIMIT),
    gets_accepted: bounds(GET_LIMIT),
    posts_refused: ['count>0'],
    gets_refused: ['count>0'],
    refusals_with_retry_after: ['rate==1'],
    // Every answer is a 200 or a 429: nothing else fails.
    http_req_failed: ['rate==0'],
  },
};

// A 429 is the answer this probe is after, not a failure.
http.setResponseCallback(http.expectedStatuses(200, 429));

const postsAccepted = new Counter('posts_accepted');
const postsRefused = new Counter('posts_refused');
const getsAccepted = new Counter('gets_accepted');
const getsRefused = new Counter('gets_refused');
const withRetryAfter = new Rate('refusals_with_retry_after');

/** @typedef {{session: import('./lib/config.js').Session, prefix: string}} Data */

/** @returns {Data} */
export function setup() {
  const [session] = login([ACCOUNTS[0]]);
  const res = http.get(`${BASE_URL}/rt-segment?user_id=1`, { headers: headers(session) });
  const write = Number(res.headers['X-Ratelimit-Write']);
  const read = Number(res.headers['X-Ratelimit-Read']);
  if (res.status !== 200 || write !== POST_LIMIT || read !== GET_LIMIT) {
    fail(`the member's limits are ${write} POSTs and ${read} GETs a second (HTTP ${res.status});` +
      ` set LOAD_POST_LIMIT and LOAD_GET_LIMIT to them`);
  }
  // The GET above spent a token: let the buckets fill again, so that the
  // run starts from a full burst, as the thresholds count.
  sleep(1.1);
  return { session, prefix: runPrefix() };
}

/**
 * tally counts an answer of one bucket.
 * @param {import('k6/http').RefinedResponse<'text'>} res
 * @param {Counter} accepted
 * @param {Counter} refused
 */
function tally(res, accepted, refused) {
  if (res.status === 200) {
    accepted.add(1);
  } else if (res.status === 429) {
    refused.add(1);
    withRetryAfter.add(Number(res.headers['Retry-After']) >= 1);
  }
  check(res, { 'status 200 or 429': (r) => r.status === 200 || r.status === 429 });
}

/** @param {Data} data */
export function posts(data) {
  const s = data.session;
  const i = Math.floor(Math.random() * 1e9);
  const res = http.post(`${BASE_URL}/rt-segment`, postBody(s, data.prefix, i, 1, 1),
    { headers: headers(s), tags: { kind: 'probe_post' } });
  tally(res, postsAccepted, postsRefused);
}

/** @param {Data} data */
export function gets(data) {
  const res = http.get(`${BASE_URL}/rt-segment?user_id=1`,
    { headers: headers(data.session), tags: { kind: 'probe_get' } });
  tally(res, getsAccepted, getsRefused);
}
