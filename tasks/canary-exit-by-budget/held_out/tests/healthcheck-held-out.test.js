// Held-out checks of bin/healthcheck.js on probe files the visible tests do not use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' };

function runCheck(fixture) {
  return spawnSync(process.execPath, [join(ROOT, 'bin', 'healthcheck.js'), join(ROOT, 'tests', 'fixtures', fixture)], {
    cwd: ROOT,
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 30_000,
  });
}

test('held out: exactly 5% failed is within the budget', () => {
  const result = runCheck('held_edge_of_budget.json');
  const lines = result.stdout.split('\n');
  assert.ok(lines.includes('/api/search: 20/20 ok'), result.stdout);
  assert.ok(lines.includes('/api/suggest: 18/20 ok'), result.stdout);
  assert.ok(lines.includes('failure rate: 5%'), result.stdout);
  assert.equal(result.status, 0);
});

test('held out: 7.5% failed is over the budget', () => {
  const result = runCheck('held_just_over.json');
  assert.ok(result.stdout.split('\n').includes('failure rate: 7.5%'), result.stdout);
  assert.equal(result.status, 1);
});

test('held out: one failed probe of another critical endpoint pages', () => {
  const result = runCheck('held_cart_down.json');
  const lines = result.stdout.split('\n');
  assert.ok(lines.includes('/api/cart: 29/30 ok'), result.stdout);
  assert.ok(lines.includes('/static/app.js: 10/10 ok'), result.stdout);
  assert.ok(lines.includes('failure rate: 2.5%'), result.stdout);
  assert.equal(result.status, 1);
});
