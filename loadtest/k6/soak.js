// A soak: the mixed profile at a moderate rate for a long time, to show
// what changes with time rather than with load (memory, connections,
// latency creeping up, errors that come once an hour).
//
//   k6 run -e LOAD_ACCOUNTS=$PWD/accounts.json soak.js
//
// LOAD_RATE (100/s), LOAD_DURATION (30m), and the thresholds of
// mixed.js. Watch the service's /metrics and Redis's INFO memory beside
// it.

import { env, num, openModel } from './lib/config.js';
import { mixIteration, mixSetup, mixThresholds } from './lib/mix.js';

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: { soak: openModel(num('LOAD_RATE', 100), env('LOAD_DURATION', '30m'), 'soak') },
  thresholds: mixThresholds('soak'),
  setupTimeout: '5m',
};

export const setup = mixSetup;
export const soak = mixIteration;
