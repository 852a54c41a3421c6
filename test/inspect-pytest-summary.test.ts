import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTestOutput, toTestRunResult } from '../src/inspect/pytest-summary.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures/inspect/pytest', `${name}.txt`), 'utf8');

describe('parseTestOutput on real pytest -q output', () => {
  it('mixed failures, passes, a skip and an error', () => {
    const c = parseTestOutput(fixture('mixed'));
    expect(c).toMatchObject({ passed: 3, failed: 2, skipped: 1, errors: 1, summaryLine: '2 failed, 3 passed, 1 skipped, 1 error in 0.42s', conflicting: false });
    expect(toTestRunResult({ exitCode: 1, output: fixture('mixed'), timedOut: false, durationMs: 5 }).ok).toBe(false);
  });
  it('no tests ran', () => {
    const c = parseTestOutput(fixture('none'));
    expect(c).toMatchObject({ passed: 0, failed: 0, errors: 0, skipped: 0, summaryLine: 'no tests ran in 0.47s' });
    expect(toTestRunResult({ exitCode: 5, output: fixture('none'), timedOut: false, durationMs: 5 }).ok).toBe(false);
  });
  it('passed with an xfail is not ok: code under test can call pytest.xfail() to hide a failure', () => {
    expect(parseTestOutput(fixture('xf'))).toMatchObject({ passed: 1, xfailed: 1 });
    expect(toTestRunResult({ exitCode: 0, output: fixture('xf'), timedOut: false, durationMs: 5 }).ok).toBe(false);
  });
  it('warnings do not count against', () => {
    expect(parseTestOutput(fixture('warn'))).toMatchObject({ passed: 2, warnings: 2 });
    expect(toTestRunResult({ exitCode: 0, output: fixture('warn'), timedOut: false, durationMs: 5 }).ok).toBe(true);
  });
  it('a collection error', () => {
    expect(parseTestOutput(fixture('colerr'))).toMatchObject({ passed: 0, errors: 1 });
  });
});

describe('parseTestOutput, other shapes', () => {
  it('the decorated summary of pytest without -q', () => {
    expect(parseTestOutput('=============== 2 failed, 3 passed, 1 skipped, 1 error in 0.62s ================\n')).toMatchObject({ failed: 2, passed: 3, skipped: 1, errors: 1 });
  });
  it('ANSI colours and a long duration', () => {
    expect(parseTestOutput('\u001b[32m\u001b[1m12 passed\u001b[0m\u001b[32m in 75.20s (0:01:15)\u001b[0m\n')).toMatchObject({ passed: 12 });
  });
  it('xpassed, deselected, errors', () => {
    expect(parseTestOutput('1 passed, 2 deselected, 1 xpassed, 3 errors in 0.1s')).toMatchObject({ passed: 1, deselected: 2, xpassed: 1, errors: 3 });
  });
  it('a second summary line printed by the code under test makes the run not ok', () => {
    const out = `${fixture('mixed')}7 passed in 0.01s\n`;
    const c = parseTestOutput(out);
    expect(c.conflicting).toBe(true);
    expect(toTestRunResult({ exitCode: 0, output: out, timedOut: false, durationMs: 1 }).ok).toBe(false);
  });
  it('unittest output', () => {
    const out = '.F.s\n----------------------------------------------------------------------\nRan 4 tests in 0.001s\n\nFAILED (failures=1, skipped=1)\n';
    expect(parseTestOutput(out)).toMatchObject({ passed: 2, failed: 1, skipped: 1 });
    expect(parseTestOutput('..\n---\nRan 2 tests in 0.000s\n\nOK\n')).toMatchObject({ passed: 2, failed: 0 });
  });
  it('nothing recognisable', () => {
    expect(parseTestOutput('Segmentation fault\n')).toMatchObject({ passed: 0, failed: 0, summaryLine: '' });
  });
});

describe('toTestRunResult', () => {
  const pass = '3 passed in 0.01s\n';
  it('ok needs exit 0, passes, and no failure, error or skip', () => {
    expect(toTestRunResult({ exitCode: 0, output: pass, timedOut: false, durationMs: 1 })).toMatchObject({ ok: true, passed: 3, exitCode: 0 });
    expect(toTestRunResult({ exitCode: 1, output: pass, timedOut: false, durationMs: 1 }).ok).toBe(false);
    expect(toTestRunResult({ exitCode: 0, output: '2 passed, 1 skipped in 0.1s', timedOut: false, durationMs: 1 }).ok).toBe(false);
    expect(toTestRunResult({ exitCode: 0, output: '', timedOut: false, durationMs: 1 }).ok).toBe(false);
    expect(toTestRunResult({ exitCode: 137, output: pass, timedOut: true, durationMs: 1 })).toMatchObject({ ok: false, timedOut: true });
  });
});
