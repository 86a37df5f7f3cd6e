// Settings shared by the scenarios, from environment variables: pass them
// with `k6 run -e NAME=value script.js` or in the environment.
//
//   LOAD_BASE_URL     the service, through its load balancer (http://127.0.0.1:8088)
//   LOAD_ACCOUNTS     absolute path of an accounts file written by
//                     `go run ./loadtest/load provision` (many members), or else
//   LOAD_USERNAME, LOAD_PASSWORD, LOAD_SEG_IDS
//                     one API user and its member's segment ids, comma separated
//   LOAD_RATE         requests per second (each script has its own default)
//   LOAD_DURATION     how long, as 30s, 5m or 1h (each script has its own default)
//   LOAD_MAX_VUS      most virtual users in flight (1000)
//   LOAD_P99_MS       p99 latency threshold in milliseconds (per script)
//   LOAD_MAX_ERROR_RATE  share of failed requests allowed (0.001)
//
// Every scenario logs each account in once, in setup(), and reuses the
// token, as a real client does: a login costs a password hash comparison.

import http from 'k6/http';
import { check, fail } from 'k6';

/** @typedef {{user: string, password: string, member: number, segments: number[]}} Account */
/** @typedef {{user: string, member: number, segments: number[], token: string}} Session */

/**
 * env returns the environment variable name, or def when it is unset or empty.
 * @param {string} name
 * @param {string} def
 * @returns {string}
 */
export function env(name, def) {
  const v = __ENV[name];
  return v === undefined || v === '' ? def : v;
}

/**
 * num returns the environment variable name as a number, or def.
 * @param {string} name
 * @param {number} def
 * @returns {number}
 */
export function num(name, def) {
  const raw = env(name, '');
  if (raw === '') {
    return def;
  }
  const v = Number(raw);
  if (!Number.isFinite(v)) {
    throw new Error(`${name}=${raw} is not a number`);
  }
  return v;
}

/**
 * seconds reads a duration such as 90s, 5m, 1h or 1m30s.
 * @param {string} d
 * @returns {number}
 */
export function seconds(d) {
  const units = { h: 3600, m: 60, s: 1 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|m|s)/g;
  let rest = d;
  for (let m = re.exec(d); m !== null; m = re.exec(d)) {
    total += Number(m[1]) * units[/** @type {'h'|'m'|'s'} */ (m[2])];
    rest = rest.replace(m[0], '');
  }
  if (rest !== '' || total === 0) {
    throw new Error(`${d} is not a duration such as 30s, 5m or 1h`);
  }
  return total;
}

export const BASE_URL = env('LOAD_BASE_URL', 'http://127.0.0.1:8088').replace(/\/$/, '');
export const MAX_VUS = num('LOAD_MAX_VUS', 1000);
export const MAX_ERROR_RATE = num('LOAD_MAX_ERROR_RATE', 0.001);

/**
 * readAccounts reads LOAD_ACCOUNTS, or makes one account of LOAD_USERNAME,
 * LOAD_PASSWORD and LOAD_SEG_IDS. It runs in the init context, where k6
 * allows open().
 * @returns {Account[]}
 */
function readAccounts() {
  const file = env('LOAD_ACCOUNTS', '');
  if (file !== '') {
    /** @type {Account[]} */
    const list = JSON.parse(open(file));
    if (!Array.isArray(list) || list.length === 0) {
      throw new Error(`${file}: no accounts`);
    }
    return list;
  }
  const user = env('LOAD_USERNAME', '');
  const password = env('LOAD_PASSWORD', '');
  const segments = env('LOAD_SEG_IDS', '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
  if (user === '' || password === '' || segments.length === 0) {
    throw new Error('set LOAD_ACCOUNTS, or LOAD_USERNAME, LOAD_PASSWORD and LOAD_SEG_IDS');
  }
  return [{ user, password, member: 0, segments }];
}

export const ACCOUNTS = readAccounts();

/**
 * login logs every account in once and returns their sessions; setup()
 * passes them on to the virtual users. The password never leaves this
 * function, and an error names the user only.
 * @param {Account[]} accounts
 * @returns {Session[]}
 */
export function login(accounts) {
  return accounts.map((a) => {
    const res = http.post(
      `${BASE_URL}/auth`,
      JSON.stringify({ auth: { username: a.user, password: a.password } }),
      { headers: { 'Content-Type': 'application/json' }, tags: { kind: 'auth' } },
    );
    const token = res.status === 200 ? res.json('response.token') : null;
    if (typeof token !== 'string' || token === '') {
      fail(`login ${a.user}: HTTP ${res.status}`);
    }
    return { user: a.user, member: a.member, segments: a.segments, token: String(token) };
  });
}

/**
 * openModel is a constant-arrival-rate scenario: rate requests a second
 * whatever the answers' latency, as independent clients arrive.
 * @param {number} rate
 * @param {string} duration
 * @param {string} exec the exported function each iteration runs
 * @returns {import('k6/options').Scenario}
 */
export function openModel(rate, duration, exec) {
  return {
    executor: 'constant-arrival-rate',
    rate,
    timeUnit: '1s',
    duration,
    preAllocatedVUs: Math.min(Math.max(10, Math.ceil(rate / 20)), MAX_VUS),
    maxVUs: MAX_VUS,
    exec,
  };
}

/**
 * headers returns the headers of an authenticated request.
 * @param {Session} s
 * @returns {Record<string, string>}
 */
export function headers(s) {
  return { Authorization: s.token, 'Content-Type': 'application/json' };
}

/**
 * checkOK checks a 200 and returns whether it was one.
 * @param {import('k6/http').RefinedResponse<'text'>} res
 * @param {string} what
 * @returns {boolean}
 */
export function checkOK(res, what) {
  return check(res, { [`${what}: status 200`]: (r) => r.status === 200 });
}
