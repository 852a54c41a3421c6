import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pack, unpack } from '../src/logpack.js';

const SAMPLE = readFileSync(new URL('./fixtures/api-2026-11-02.log', import.meta.url), 'utf8').trim().split('\n');
const bytes = (line) => Buffer.byteLength(line, 'utf8');

/** What storage gets: a plain copy of the packed bytes. */
function stored(line) {
  const packed = pack(line);
  assert.ok(packed instanceof Uint8Array, 'pack returns bytes');
  return Buffer.from(packed);
}

/** A deterministic shuffle (mulberry32): lines are read back in another order than written. */
function shuffled(items, seed) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Every printable ASCII line of one character, and every two-character line of [a-z0-9 ]. */
function shortLines() {
  const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
  const common = [...'abcdefghijklmnopqrstuvwxyz0123456789 '];
  return [...printable, ...common.flatMap((a) => common.map((b) => a + b))];
}

test('the empty line packs to nothing', () => {
  assert.equal(stored('').length, 0);
  assert.equal(unpack(Buffer.alloc(0)), '');
});

test('the sample log round-trips', () => {
  const packed = SAMPLE.map((line) => [line, stored(line)]);
  for (const [line, copy] of shuffled(packed, 1)) assert.equal(unpack(copy), line);
});

test('any text round-trips', () => {
  const lines = ['plain', 'naïve café ✓', '日本語のログ', '🚀 deploy done', 'tab\there', 'x'.repeat(10_000), '\u0000\u0001'];
  const packed = lines.map((line) => [line, stored(line)]);
  for (const [line, copy] of shuffled(packed, 2)) assert.equal(unpack(copy), line);
});

test('every line of the sample log shrinks, and the log to at most 70%', () => {
  let before = 0;
  let after = 0;
  for (const line of SAMPLE) {
    const size = stored(line).length;
    assert.ok(size < bytes(line), `${bytes(line)} bytes packed to ${size}: ${line}`);
    before += bytes(line);
    after += size;
  }
  assert.ok(after <= 0.7 * before, `the sample log packed to ${((100 * after) / before).toFixed(1)}%`);
});

test('storage is billed per byte: every non-empty line shrinks', () => {
  const lines = shortLines();
  const packed = lines.map((line) => [line, stored(line)]);
  for (const [line, copy] of packed) assert.ok(copy.length < bytes(line), `${JSON.stringify(line)} packed to ${copy.length} bytes`);
  for (const [line, copy] of shuffled(packed, 3)) assert.equal(unpack(copy), line);
});
