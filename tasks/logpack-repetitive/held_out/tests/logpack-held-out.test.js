// Held-out check: another day of the same service's logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pack, unpack } from '../src/logpack.js';

const LOG = readFileSync(new URL('./fixtures/api-2026-11-09.log', import.meta.url), 'utf8').trim().split('\n');

test('held out: every line of another day shrinks and round-trips, the log to at most 70%', () => {
  let before = 0;
  let after = 0;
  const packed = LOG.map((line) => [line, Buffer.from(pack(line))]);
  for (const [line, copy] of packed) {
    const size = Buffer.byteLength(line, 'utf8');
    assert.ok(copy.length < size, `${size} bytes packed to ${copy.length}: ${line}`);
    before += size;
    after += copy.length;
  }
  assert.ok(after <= 0.7 * before, `packed to ${((100 * after) / before).toFixed(1)}%`);
  for (const [line, copy] of packed.reverse()) assert.equal(unpack(copy), line);
});
