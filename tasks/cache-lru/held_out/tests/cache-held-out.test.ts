// Held-out check: long seeded sequences of calls against a plain LRU model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseCache } from '../src/cache.js';

/** A deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The model: an array of [key, value], least recently used first. */
class Model {
  entries: [string, number][] = [];
  constructor(readonly capacity: number) {}
  get(key: string): number | undefined {
    const i = this.entries.findIndex(([k]) => k === key);
    if (i === -1) return undefined;
    const [entry] = this.entries.splice(i, 1);
    this.entries.push(entry!);
    return entry![1];
  }
  set(key: string, value: number): void {
    const i = this.entries.findIndex(([k]) => k === key);
    if (i !== -1) this.entries.splice(i, 1);
    else if (this.entries.length >= this.capacity) this.entries.shift();
    this.entries.push([key, value]);
  }
  delete(key: string): boolean {
    const i = this.entries.findIndex(([k]) => k === key);
    if (i !== -1) this.entries.splice(i, 1);
    return i !== -1;
  }
}

for (const [seed, capacity] of [[1, 1], [2, 3], [3, 5], [4, 8]] as const) {
  test(`held out: 2000 random calls, capacity ${capacity}`, () => {
    const next = random(seed);
    const cache = new ResponseCache<number>(capacity);
    const model = new Model(capacity);
    for (let step = 0; step < 2000; step++) {
      const key = `k${Math.floor(next() * (capacity * 2 + 1))}`;
      const op = next();
      if (op < 0.45) assert.equal(cache.get(key), model.get(key), `step ${step}: get ${key}`);
      else if (op < 0.9) {
        cache.set(key, step);
        model.set(key, step);
      } else if (op < 0.95) assert.equal(cache.delete(key), model.delete(key), `step ${step}: delete ${key}`);
      else assert.equal(cache.has(key), model.entries.some(([k]) => k === key), `step ${step}: has ${key}`);
      assert.deepEqual(cache.keys(), model.entries.map(([k]) => k), `step ${step}`);
    }
  });
}
