import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runWithDeadline } from '../src/check.js';

const transform = (name) => readFileSync(new URL(`../transforms/${name}`, import.meta.url), 'utf8');

test('a transform without loops finishes with its value', () => {
  const event = { data: { id: 'pay_1', amount_cents: 1250, currency: 'eur' } };
  assert.deepEqual(runWithDeadline(transform('rename-fields.js'), event, 1000), {
    status: 'finished',
    value: { type: 'payment.received', paymentId: 'pay_1', amount: 12.5, currency: 'EUR' },
  });
});

test('a transform that throws reports the error', () => {
  assert.deepEqual(runWithDeadline("if (!event.type) throw new Error('no type'); return event;", {}, 1000), { status: 'threw', error: 'no type' });
});

test('bounded loops finish', () => {
  assert.deepEqual(runWithDeadline('let s = 0; for (let i = 0; i < event.n; i++) s += i; return s;', { n: 1000 }, 1000), { status: 'finished', value: 499500 });
  assert.deepEqual(runWithDeadline('let n = event.n; while (n !== 1) n = n % 2 ? 3 * n + 1 : n / 2; return n;', { n: 27 }, 1000), { status: 'finished', value: 1 });
});

test('a loop with no way out is stopped at the deadline', () => {
  assert.deepEqual(runWithDeadline('while (true) {}', {}, 100), { status: 'timed-out' });
  assert.deepEqual(runWithDeadline('let i = 0; for (;;) { i++; }', {}, 100), { status: 'timed-out' });
});

test("the caller's event is not changed", () => {
  const event = { count: 1 };
  assert.deepEqual(runWithDeadline('event.count += 1; return event.count;', event, 1000), { status: 'finished', value: 2 });
  assert.deepEqual(event, { count: 1 });
});

test('a chained transform runs under its own deadline', () => {
  const source = "const r = platform.runWithDeadline(event.next, event, 100); return r.status;";
  assert.deepEqual(runWithDeadline(source, { next: 'while (true) {}' }, 2000), { status: 'finished', value: 'timed-out' });
  assert.deepEqual(runWithDeadline(source, { next: 'return 1;' }, 2000), { status: 'finished', value: 'finished' });
});

test('the deadline must be a positive integer', () => {
  assert.throws(() => runWithDeadline('return 1;', {}, 0), RangeError);
  assert.throws(() => runWithDeadline('return 1;', {}, 1.5), RangeError);
});
