import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseCache } from '../src/cache.js';

/** A fresh cache of two after: set a, set b, get a, set c. */
function afterScenario(): ResponseCache<string> {
  const cache = new ResponseCache<string>(2);
  cache.set('a', 'A');
  cache.set('b', 'B');
  assert.equal(cache.get('a'), 'A');
  cache.set('c', 'C');
  assert.equal(cache.size, 2);
  return cache;
}

test('stores and returns values', () => {
  const cache = new ResponseCache<number>(3);
  cache.set('x', 1).set('y', 2);
  assert.equal(cache.get('x'), 1);
  assert.equal(cache.get('missing'), undefined);
  assert.equal(cache.has('y'), true);
  assert.equal(cache.size, 2);
  assert.equal(cache.delete('y'), true);
  assert.equal(cache.delete('y'), false);
  assert.equal(cache.size, 1);
});

test('capacity must be a positive integer', () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new ResponseCache(bad), RangeError);
});

test('never holds more than its capacity', () => {
  const cache = new ResponseCache<number>(3);
  for (let i = 0; i < 10; i++) cache.set(`k${i}`, i);
  assert.equal(cache.size, 3);
});

test('updating a cached key does not evict anything', () => {
  const cache = new ResponseCache<number>(2);
  cache.set('a', 1).set('b', 2).set('a', 3);
  assert.deepEqual(cache.keys().sort(), ['a', 'b']);
  assert.equal(cache.get('a'), 3);
});

test('has and keys do not count as a use', () => {
  const cache = new ResponseCache<number>(2);
  cache.set('a', 1).set('b', 2);
  assert.equal(cache.has('a'), true);
  assert.deepEqual(cache.keys(), ['a', 'b']);
});

test('platform team: a full cache evicts the least recently used entry', () => {
  const cache = afterScenario();
  assert.equal(cache.has('b'), false, 'b is the least recently used');
  assert.equal(cache.has('a'), true);
  assert.equal(cache.has('c'), true);
});

test('search team: keys list the entries from least to most recently used', () => {
  const cache = afterScenario();
  assert.deepEqual(cache.keys(), ['a', 'c']);
  assert.equal(cache.get('a'), 'A');
  assert.deepEqual(cache.keys(), ['c', 'a']);
});
