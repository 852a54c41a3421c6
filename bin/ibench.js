#!/usr/bin/env node
// Thin launcher: the program is compiled to dist/ by `npm run build` (run by the set-up script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('ibench: dist/ is missing; run `npm run build` (or `npm run setup`) first.\n');
  process.exitCode = 2;
} else {
  await import(entry.href);
}
