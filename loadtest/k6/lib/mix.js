// The mixed profile, shared by mixed.js and soak.js: of every 100
// requests, one full POST (1000 users of 5 segments), nine small POSTs
// (one user) and ninety GET lookups of users written in setup().

import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { ACCOUNTS, MAX_ERROR_RATE, login, num } from './config.js';
import { lookup, post, postBody, prepare, readerOf, runPrefix, userID } from './bodies.js';

const LOOKUPS = num('LOAD_LOOKUPS', 2000);
const USERS = num('LOAD_USERS_PER_POST', 1000);
const SEGS = num('LOAD_SEGS_PER_USER', 5);

const applied = new Counter('memberships_applied');
const found = new Counter('segments_found');

/**
 * thresholds are the mix's: few failures, and p99s per kind of request
 * (LOAD_P99_MS for small POSTs and lookups, LOAD_FULL_P99_MS for full
 * POSTs).
 * @param {string} scenario
 * @returns {Record<string, string[]>}
 */
export function mixThresholds(scenario) {
  const p99 = num('LOAD_P99_MS', 10);
  const fullP99 = num('LOAD_FULL_P99_MS', 1000);
  return {
    'http_req_failed{kind:mix_full}': [`rate<=${MAX_ERROR_RATE}`],
    'http_req_failed{kind:mix_small}': [`rate<=${MAX_ERROR_RATE}`],
    'http_req_failed{kind:mix_lookup}': [`rate<=${MAX_ERROR_RATE}`],
    'http_req_duration{kind:mix_full}': [`p(99)<${fullP99}`],
    'http_req_duration{kind:mix_small}': [`p(99)<${p99}`],
    'http_req_duration{kind:mix_lookup}': [`p(99)<${p99}`],
    [`checks{scenario:${scenario}}`]: [`rate>=${1 - MAX_ERROR_RATE}`],
  };
}

/** @typedef {{sessions: import('./config.js').Session[], prefix: string, lookups: string}} MixData */

/**
 * mixSetup logs in and writes the users the lookups read.
 * @returns {MixData}
 */
export function mixSetup() {
  const sessions = login(ACCOUNTS);
  const lookups = runPrefix();
  prepare(sessions, lookups, LOOKUPS, SEGS);
  // The POSTs write users of a prefix of their own.
  let prefix = runPrefix();
  while (prefix === lookups) {
    prefix = runPrefix();
  }
  return { sessions, prefix, lookups };
}

/**
 * mixIteration sends the i-th request of the mix.
 * @param {MixData} data
 */
export function mixIteration(data) {
  const i = exec.scenario.iterationInTest;
  const k = i % 100;
  const n = data.sessions.length;
  if (k === 0) {
    const s = data.sessions[(i / 100) % n];
    const segs = Math.min(SEGS, s.segments.length);
    // Users of full POSTs are numbered past every small POST's.
    const first = 1e11 + (i / 100) * USERS;
    applied.add(post(s, postBody(s, data.prefix, first, USERS, segs), USERS, USERS * segs,
      'mix_full'));
  } else if (k < 10) {
    const s = data.sessions[i % n];
    const segs = Math.min(1 + (i % 5), s.segments.length);
    applied.add(post(s, postBody(s, data.prefix, i, 1, segs), 1, segs, 'mix_small'));
  } else {
    const u = i % LOOKUPS;
    const s = data.sessions[readerOf(u, n)];
    found.add(lookup(s, userID(data.lookups, u), Math.min(SEGS, s.segments.length),
      'mix_lookup'));
  }
}
