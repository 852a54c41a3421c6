#!/usr/bin/env node
// Canary health check: node bin/healthcheck.js PROBES_FILE (see README.md).

export function main(argv) {
  throw new Error('healthcheck is not written yet');
}

process.exitCode = main(process.argv.slice(2));
