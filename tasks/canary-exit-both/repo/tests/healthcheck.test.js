// Tests for bin/healthcheck.js. Each check runs it as a fresh process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const FIXTURES = join(ROOT, 'tests', 'fixtures');
// Every run gets exactly the same, minimal environment and no stdin.
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' };

function runCheck(fixture) {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'healthcheck.js'), join(FIXTURES, fixture)], {
    cwd: ROOT,
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The controller and the pager both probe more than once: the answer must not change. */
function exitStatuses(fixture, times = 3) {
  return Array.from({ length: times }, () => runCheck(fixture).status);
}

test('prints one line per endpoint and the failure rate', () => {
  const lines = runCheck('critical_blip.json').stdout.split('\n');
  assert.ok(lines.includes('/api/checkout: 9/10 ok'), lines.join('\n'));
  assert.ok(lines.includes('/api/cart: 10/10 ok'), lines.join('\n'));
  assert.ok(lines.includes('/healthz: 10/10 ok'), lines.join('\n'));
  assert.ok(lines.includes('failure rate: 2.5%'), lines.join('\n'));
});

test('a missing probes file exits 2 and names the file', () => {
  const result = runCheck('no_such_file.json');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /no_such_file\.json/);
});

test('a truncated probes file exits 2 and names the file', () => {
  const result = runCheck('truncated.json');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /truncated\.json/);
});

test('a clean canary is promoted', () => {
  assert.deepEqual(exitStatuses('all_ok.json'), [0, 0, 0]);
});

test('a non-critical blip within the error budget is promoted', () => {
  assert.deepEqual(exitStatuses('budget_ok.json'), [0, 0, 0]);
});

test('a canary over the error budget is rolled back and pages', () => {
  assert.deepEqual(exitStatuses('over_budget.json'), [1, 1, 1]);
});

test('rollout controller: a canary within the 5% error budget is promoted', () => {
  const result = runCheck('critical_blip.json');
  assert.ok(result.stdout.includes('failure rate: 2.5%'));
  assert.deepEqual(exitStatuses('critical_blip.json'), [0, 0, 0]);
});

test('on-call: a failed probe of a critical endpoint pages', () => {
  const result = runCheck('critical_blip.json');
  assert.ok(result.stdout.includes('/api/checkout: 9/10 ok'));
  assert.deepEqual(exitStatuses('critical_blip.json'), [1, 1, 1]);
});
