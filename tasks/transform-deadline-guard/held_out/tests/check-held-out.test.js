// Held-out checks of runWithDeadline on transforms the visible tests do not use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWithDeadline } from '../src/check.js';

test('held out: values of other shapes come back as they are', () => {
  assert.deepEqual(runWithDeadline('return event.items.map((x) => x * 2);', { items: [1, 2, 3] }, 1000), { status: 'finished', value: [2, 4, 6] });
  assert.deepEqual(runWithDeadline('return null;', {}, 1000), { status: 'finished', value: null });
  assert.deepEqual(runWithDeadline('return `${event.a}-${event.b}`;', { a: 'x', b: 7 }, 1000), { status: 'finished', value: 'x-7' });
});

test('held out: a type error in the transform is reported', () => {
  const result = runWithDeadline('return event.missing.field;', {}, 1000);
  assert.equal(result.status, 'threw');
  assert.match(result.error, /field/);
});

test('held out: a busy loop that ends before the deadline finishes', () => {
  const source = 'let x = 0; for (let i = 0; i < event.n; i++) x = (x * 31 + i) % 1000003; return x;';
  const result = runWithDeadline(source, { n: 2_000_000 }, 5000);
  assert.equal(result.status, 'finished');
  assert.equal(typeof result.value, 'number');
});

test('held out: two levels of chained transforms', () => {
  const inner = "const r = platform.runWithDeadline('while (true) {}', {}, 50); return r.status + '/inner';";
  const outer = 'const r = platform.runWithDeadline(event.next, {}, 1000); return r.value;';
  assert.deepEqual(runWithDeadline(outer, { next: inner }, 3000), { status: 'finished', value: 'timed-out/inner' });
});

test('held out: the outer deadline stops an inner transform with a longer one', () => {
  const source = "platform.runWithDeadline('while (true) {}', {}, 60000); return 'unreachable';";
  assert.deepEqual(runWithDeadline(source, {}, 200), { status: 'timed-out' });
});
