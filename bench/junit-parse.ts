/**
 * Cost of reading a JUnit XML report at grading, in one run:
 *   npx tsc -p tsconfig.json && node dist/bench/junit-parse.js
 *
 * Builds reports the size pytest writes for 100, 10 000 and 60 000 tests (the last near the 16 MiB
 * cap that run-tests.ts accepts), each test with a failure message, and times parseJunit on each
 * (best of 5). Prints MB/s and the ratio of the parse time to the time of one bare Docker test run
 * (about 1 s on this machine, see bench/overhead.ts): the report must cost a small fraction of it.
 * Also times a hostile input (a run of '<' in text, deep nesting refused) to show no blow-up.
 */
import { parseJunit, JunitParseError } from '../src/inspect/junit.js';

const FLOOR_MS = 1000;

function report(tests: number): string {
  const cases: string[] = [];
  for (let i = 0; i < tests; i++) {
    const fail = i % 10 === 0 ? `<failure message="assert f(${i}) == ${i + 1} &amp; more">tests/test_x.py:${i}: AssertionError &lt;x&gt; ${'y'.repeat(120)}</failure>` : '';
    cases.push(`<testcase classname="tests.test_mod_${i % 50}" name="test_case_${i}" time="0.001">${fail}</testcase>`);
  }
  return `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="${tests}">${cases.join('\n')}</testsuite></testsuites>`;
}

function best(fn: () => void, runs = 5): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

for (const tests of [100, 10_000, 60_000]) {
  const xml = report(tests);
  const mb = Buffer.byteLength(xml) / 1e6;
  const ms = best(() => parseJunit(xml));
  console.log(`${String(tests).padStart(6)} tests, ${mb.toFixed(2)} MB: ${ms.toFixed(1)} ms, ${(mb / (ms / 1000)).toFixed(0)} MB/s, ${(ms / FLOOR_MS).toFixed(3)} of a test run`);
}
const hostile = `<testsuite>${'<'.repeat(8_000_000)}`;
const hostileMs = best(() => {
  try {
    parseJunit(hostile);
  } catch (err) {
    if (!(err instanceof JunitParseError)) throw err;
  }
});
console.log(`hostile 8 MB run of "<": refused in ${hostileMs.toFixed(1)} ms`);
const deep = `${'<testsuite>'.repeat(100_000)}`;
const deepMs = best(() => {
  try {
    parseJunit(deep);
  } catch (err) {
    if (!(err instanceof JunitParseError)) throw err;
  }
});
console.log(`hostile 100 000-deep nesting: refused in ${deepMs.toFixed(2)} ms`);
