import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { willTerminate } from '../src/check.js';

const transform = (name) => readFileSync(new URL(`../transforms/${name}`, import.meta.url), 'utf8');

/** Runs a transform the way a worker does, with this test's own time limit. */
function observe(source, event, timeoutMs) {
  const context = vm.createContext({ event, platform: { willTerminate } });
  try {
    vm.runInContext(`(function (event) {\n${source}\n})(event)`, context, { timeout: timeoutMs });
    return 'finished';
  } catch (err) {
    return err?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ? 'still running' : 'finished';
  }
}

function verdict(source, event) {
  const answer = willTerminate(source, event);
  assert.equal(typeof answer, 'boolean', `willTerminate must answer true or false, got ${answer}`);
  return answer;
}

test('a transform without loops finishes', () => {
  const event = { data: { id: 'pay_1', amount_cents: 1250, currency: 'eur' } };
  assert.equal(verdict(transform('rename-fields.js'), event), true);
});

test('a transform that throws finishes', () => {
  assert.equal(verdict("if (!event.type) throw new Error('no type'); return event;", {}), true);
});

test('a bounded loop finishes', () => {
  assert.equal(verdict('let s = 0; for (let i = 0; i < event.n; i++) s += i; return s;', { n: 1000 }), true);
  assert.equal(verdict('let n = event.n; while (n !== 1) n = n % 2 ? 3 * n + 1 : n / 2; return n;', { n: 27 }), true);
});

test('a loop with no way out runs forever', () => {
  assert.equal(verdict('while (true) {}', {}), false);
  assert.equal(verdict('let i = 0; for (;;) { i++; }', {}), false);
});

test('the check agrees with what a worker sees', () => {
  const source = 'let n = event.start; while (n % 5 !== 0) n += event.step; return n;';
  for (const event of [{ start: 3, step: 1 }, { start: 10, step: 7 }]) {
    const answer = verdict(source, event);
    assert.equal(answer, observe(source, event, 2000) === 'finished', JSON.stringify(event));
  }
});

test('a chained transform guarded by the check agrees with what a worker sees', () => {
  // The customer's guard: run the next step only if the check says it finishes. Here the
  // next step is the transform itself.
  const source = "if (platform.willTerminate(event.next, event)) { while (true) {} } return 'skipped';";
  const event = { next: source };
  const answer = verdict(source, event);
  assert.equal(answer, observe(source, event, 3000) === 'finished', `willTerminate said ${answer}`);
});
