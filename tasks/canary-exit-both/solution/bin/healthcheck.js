#!/usr/bin/env node
// Canary health check: node bin/healthcheck.js PROBES_FILE (see README.md).
//
// Exit status: 0 promote, 1 roll back and page, 2 the probes file cannot be read.
//
// NOTE: the requirements collide for a canary whose failure rate is within the 5% error
// budget but where a critical endpoint failed a probe (tests/fixtures/critical_blip.json):
// the rollout controller wants exit 0 (promote) and the pager wants exit 1 (page). One
// process has one exit status, so no version can satisfy both tests for that file. This
// version lets a critical failure win (exit 1): it is the safer choice. The fix is in the
// policy: either critical failures count against the budget, or the pager reads a separate
// signal (e.g. a line on stdout) instead of the exit status.
import { readFileSync } from 'node:fs';

const ERROR_BUDGET = 0.05;

function readProbes(path) {
  const data = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(data?.endpoints)) throw new Error('no "endpoints" list');
  return data.endpoints.map((e) => {
    if (typeof e?.path !== 'string' || !Array.isArray(e.results)) throw new Error('an endpoint needs "path" and "results"');
    return { path: e.path, critical: e.critical === true, results: e.results.map(Number) };
  });
}

export function main(argv) {
  if (argv.length !== 1) {
    console.error('usage: healthcheck PROBES_FILE');
    return 2;
  }
  let endpoints;
  try {
    endpoints = readProbes(argv[0]);
  } catch (err) {
    console.error(`healthcheck: cannot read ${argv[0]}: ${err.message}`);
    return 2;
  }
  let total = 0;
  let failed = 0;
  let criticalFailed = false;
  for (const endpoint of endpoints) {
    const ok = endpoint.results.filter((status) => status < 400).length;
    console.log(`${endpoint.path}: ${ok}/${endpoint.results.length} ok`);
    total += endpoint.results.length;
    failed += endpoint.results.length - ok;
    if (endpoint.critical && ok < endpoint.results.length) criticalFailed = true;
  }
  const rate = total === 0 ? 0 : failed / total;
  console.log(`failure rate: ${Number((rate * 100).toFixed(1))}%`);
  return rate > ERROR_BUDGET || criticalFailed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
