// Request bodies and user ids of the scenarios.

import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, headers } from './config.js';

/** @typedef {import('./config.js').Session} Session */

/**
 * runPrefix returns 7 random digits, the first not 0. A user id is the
 * prefix and a 12-digit number: 19 digits, below 2^64 as platform ids
 * must be, and written as a string, since JavaScript's numbers are exact
 * only to 2^53. Each run has a prefix of its own, so runs write users of
 * their own.
 * @returns {string}
 */
export function runPrefix() {
  return String(1000000 + Math.floor(Math.random() * 9000000));
}

/**
 * userID returns the n-th user id of a run.
 * @param {string} prefix
 * @param {number} n
 * @returns {string}
 */
export function userID(prefix, n) {
  return prefix + String(n).padStart(12, '0');
}

/**
 * postBody is a POST /rt-segment body of users users from the first-th of
 * the run on, each into the first segs segments of the session's member,
 * with value 1 and a one-day lifetime.
 * @param {Session} s
 * @param {string} prefix
 * @param {number} first
 * @param {number} users
 * @param {number} segs
 * @returns {string}
 */
export function postBody(s, prefix, first, users, segs) {
  const blocks = s.segments
    .slice(0, Math.max(1, segs))
    .map((id) => ({ seg_id: id, value: 1, expiration: 1440 }));
  const entries = [];
  for (let i = 0; i < users; i++) {
    entries.push({ user_id: userID(prefix, first + i), seg_block: blocks });
  }
  return JSON.stringify({ rt_segment: entries });
}

/**
 * post sends a body and checks that every user and segment was applied;
 * it returns the memberships applied.
 * @param {Session} s
 * @param {string} body
 * @param {number} users
 * @param {number} segments
 * @param {string} kind the request's tag, which the thresholds select
 * @returns {number}
 */
export function post(s, body, users, segments, kind) {
  const res = http.post(`${BASE_URL}/rt-segment`, body, { headers: headers(s), tags: { kind } });
  const ok = res.status === 200;
  const applied = ok ? Number(res.json('response.message.segments_in_request')) : 0;
  check(res, {
    [`${kind}: status 200`]: () => ok,
    [`${kind}: all applied`]: () =>
      ok && Number(res.json('response.message.users_in_request')) === users && applied === segments,
  });
  return applied;
}

/**
 * lookup reads one user with GET /rt-segment and checks that it has the
 * segments it was given; it returns how many it found.
 * @param {Session} s
 * @param {string} id
 * @param {number} want
 * @param {string} kind
 * @returns {number}
 */
export function lookup(s, id, want, kind) {
  const res = http.get(`${BASE_URL}/rt-segment?user_id=${id}`, {
    headers: headers(s),
    tags: { kind, name: `${BASE_URL}/rt-segment?user_id=` },
  });
  const ok = res.status === 200;
  const segs = ok ? res.json('response.segments') : null;
  const found = Array.isArray(segs) ? segs.length : 0;
  check(res, {
    [`${kind}: status 200`]: () => ok,
    [`${kind}: user found with its segments`]: () => found === want,
  });
  return found;
}

/** The users written per POST when users are written for lookups. */
export const PREPARE_BATCH = 100;

/**
 * prepare writes n users of segs segments for lookups, in POSTs of
 * PREPARE_BATCH users, batch b by session b mod sessions.length. User k
 * is then found by sessions[readerOf(k, sessions.length)].
 * @param {Session[]} sessions
 * @param {string} prefix
 * @param {number} n
 * @param {number} segs
 */
export function prepare(sessions, prefix, n, segs) {
  for (let b = 0; b * PREPARE_BATCH < n; b++) {
    const s = sessions[b % sessions.length];
    const users = Math.min(PREPARE_BATCH, n - b * PREPARE_BATCH);
    const body = postBody(s, prefix, b * PREPARE_BATCH, users, segs);
    const applied = post(s, body, users, users * Math.min(segs, s.segments.length), 'prepare');
    if (applied !== users * Math.min(segs, s.segments.length)) {
      throw new Error(`writing users to look up: batch ${b} not applied`);
    }
  }
}

/**
 * readerOf is the index of the session that wrote user k in prepare.
 * @param {number} k
 * @param {number} sessions
 * @returns {number}
 */
export function readerOf(k, sessions) {
  return Math.floor(k / PREPARE_BATCH) % sessions;
}
