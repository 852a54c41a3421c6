/**
 * Reads the counts out of a test run's output: pytest's summary line (any verbosity), or
 * unittest's "Ran N tests" / "FAILED (failures=1, ...)" as a fallback.
 */
import type { TestRunResult } from './types.js';

export interface TestCounts {
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  xfailed: number;
  xpassed: number;
  deselected: number;
  warnings: number;
  /** The summary line the counts come from, '' when none was found. */
  summaryLine: string;
  /** More than one distinct summary line: something other than the runner printed one. */
  conflicting: boolean;
}

function emptyCounts(): TestCounts {
  return { passed: 0, failed: 0, errors: 0, skipped: 0, xfailed: 0, xpassed: 0, deselected: 0, warnings: 0, summaryLine: '', conflicting: false };
}

const ansi = /\u001b\[[0-9;]*[A-Za-z]/g;

const countWord = /(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|rerun)\b/g;
/** A whole pytest summary line, decorations (`====`) stripped. */
const pytestLine = /^(?:(?:\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|rerun))(?:, )?)+ in [\d.]+s(?: \(\d+:\d\d:\d\d\))?$|^no tests ran in [\d.]+s(?: \(\d+:\d\d:\d\d\))?$/;

function stripDecoration(line: string): string {
  return line.replace(ansi, '').trim().replace(/^=+\s*/, '').replace(/\s*=+$/, '').trim();
}

function countsFromPytestLine(line: string): TestCounts {
  const c = emptyCounts();
  c.summaryLine = line;
  for (const m of line.matchAll(countWord)) {
    const n = Number(m[1]);
    switch (m[2]) {
      case 'passed': c.passed += n; break;
      case 'failed': c.failed += n; break;
      case 'error': case 'errors': c.errors += n; break;
      case 'skipped': c.skipped += n; break;
      case 'xfailed': c.xfailed += n; break;
      case 'xpassed': c.xpassed += n; break;
      case 'deselected': c.deselected += n; break;
      case 'warning': case 'warnings': c.warnings += n; break;
      default: break;
    }
  }
  return c;
}

function countsFromUnittest(lines: string[]): TestCounts | undefined {
  let ranAt = -1;
  let ran = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^Ran (\d+) tests? in [\d.]+s$/.exec(lines[i] ?? '');
    if (m !== null) {
      ranAt = i;
      ran = Number(m[1]);
      break;
    }
  }
  if (ranAt === -1) return undefined;
  const c = emptyCounts();
  for (let i = ranAt + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = /^(OK|FAILED)\b(?: \((.*)\))?$/.exec(line);
    if (m === null) {
      if (/^NO TESTS RAN\b/.test(line)) {
        c.summaryLine = line;
        return c;
      }
      continue;
    }
    c.summaryLine = `Ran ${ran} tests; ${line}`;
    for (const part of (m[2] ?? '').split(',')) {
      const kv = /^\s*(\w+)=(\d+)\s*$/.exec(part);
      if (kv === null) continue;
      const n = Number(kv[2]);
      if (kv[1] === 'failures') c.failed += n;
      else if (kv[1] === 'errors') c.errors += n;
      else if (kv[1] === 'skipped') c.skipped += n;
      else if (kv[1] === 'expected_failures') c.xfailed += n;
      else if (kv[1] === 'unexpected_successes') c.xpassed += n;
    }
    c.passed = Math.max(0, ran - c.failed - c.errors - c.skipped - c.xfailed - c.xpassed);
    return c;
  }
  return undefined;
}

/**
 * The counts of a test run. The LAST pytest summary line is used; when the output holds more than
 * one distinct summary line (the code under test printed one, e.g. from an atexit hook), `conflicting`
 * is set and the run is not counted as ok.
 */
export function parseTestOutput(output: string): TestCounts {
  const lines = output.split(/\r?\n/).map(stripDecoration);
  const summaries = lines.filter((l) => pytestLine.test(l));
  if (summaries.length > 0) {
    const c = countsFromPytestLine(summaries[summaries.length - 1] ?? '');
    const distinct = new Set(summaries.map((s) => s.replace(/ in [\d.]+s.*$/, '')));
    c.conflicting = distinct.size > 1;
    return c;
  }
  return countsFromUnittest(lines) ?? emptyCounts();
}

export interface RawRun {
  exitCode: number;
  output: string;
  timedOut: boolean;
  durationMs: number;
}

/**
 * `ok` = exit 0, nothing failed, errored, skipped or xfailed (code under test can call pytest.xfail),
 * at least one passed, and one clear summary.
 */
export function toTestRunResult(run: RawRun): TestRunResult {
  const c = parseTestOutput(run.output);
  const ok = run.exitCode === 0 && !run.timedOut && c.failed === 0 && c.errors === 0 && c.skipped === 0 && c.xfailed === 0 && c.passed > 0 && !c.conflicting;
  return {
    exitCode: run.exitCode,
    passed: c.passed,
    failed: c.failed,
    errors: c.errors,
    skipped: c.skipped,
    timedOut: run.timedOut,
    ok,
    output: run.output,
    durationMs: run.durationMs,
  };
}
