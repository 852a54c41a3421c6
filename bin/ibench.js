#!/usr/bin/env node
// Thin launcher: the program is compiled to dist/ by `npm run build` (run by the set-up script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
// A command lives for seconds and its hot code is I/O glue: V8's optimizing compiler, run on
// background threads for every function that gets warm, cost about 15% of an eval's CPU
// (bench:harness-cpu). Eight times V8's default budget before a function is optimized keeps that
// for code that is really hot (an inspection of a huge tree is optimized as before).
setFlagsFromString('--interrupt-budget=540672');
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('ibench: dist/ is missing; run `npm run build` (or `npm run setup`) first.\n');
  process.exitCode = 2;
} else {
  await import(entry.href);
}
