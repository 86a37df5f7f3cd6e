// A mixed profile at a constant arrival rate: of every 100 requests, one
// full POST (1000 users of 5 segments), nine small POSTs and ninety GET
// lookups of users written in setup().
//
//   k6 run -e LOAD_ACCOUNTS=$PWD/accounts.json mixed.js
//
// LOAD_RATE (200/s), LOAD_DURATION (5m), LOAD_P99_MS (10, small POSTs
// and lookups), LOAD_FULL_P99_MS (1000), LOAD_LOOKUPS (2000).

import { env, num, openModel } from './lib/config.js';
import { mixIteration, mixSetup, mixThresholds } from './lib/mix.js';

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { mixed: openModel(num('LOAD_RATE', 200), env('LOAD_DURATION', '5m'), 'mixed') },
  thresholds: mixThresholds('mixed'),
  setupTimeout: '5m',
};

export const setup = mixSetup;
export const mixed = mixIteration;
